import path from 'node:path';
import { throwIfAborted } from '../core/errors.js';
import type { TokenCounter } from '../core/tokens.js';
import { offsetAt } from '../core/text-position.js';
import type { CvuConfig } from '../config/schema.js';
import type { EncodedPrompt, GenerationModel } from '../models/generation.js';
import { buildCompletionPrompt, completionBudget, postprocessCompletion, type FimFormat, type PromptSegment } from '../prompts/index.js';
import type { Position } from '../retrieval/context.js';
import type { Snippet } from '../protocol/snippet.js';
import { CompletionCache } from './completion-cache.js';
import { TypingAnchors, type Anchor } from './typing-anchor.js';
import type { CompleteResult } from '../protocol/api.js';

export type { CompleteResult };

/** A FIM-capable model (in process or on a server: models/generation.ts) and its prompt format. */
export interface FimModel {
  readonly name: string;
  readonly model: GenerationModel;
  readonly format: FimFormat;
  readonly counter: TokenCounter;
}

/** What a completion needs from the workspace it runs in. */
export interface CompletionWorkspace {
  readonly root: string;
  context(req: { path: string; text: string; position: Position; budgetTokens: number; signal?: AbortSignal }): Promise<{ snippets: Snippet[] }>;
  languageOf(path: string): string;
}

export interface CompleteRequest {
  /** Workspace-relative path. */
  path: string;
  text: string;
  position: Position;
  language?: string;
  maxTokens?: number;
  /** The editor instance: typing anchors are per client. */
  client: string;
  signal?: AbortSignal;
  /** Only evaluate the prompt into the model's cache (idle time: a file just opened); answers an empty completion. */
  prefill?: boolean;
}


/** The prefix window the post-processor reads: its bracket and indentation rules only look back this far. */
const POSTPROCESS_WINDOW = 20_000;
/** The window checked after every generated token, to stop at the natural end early. */
const STOP_CHECK_WINDOW = 2_000;

interface AnchorState {
  prompt: EncodedPrompt;
  promptTokens: number;
  retrievalMs: number;
}

/**
 * Inline completion: retrieval at the cursor, a fill-in-the-middle prompt in
 * the model's own format, generation that reuses the KV cache, and the
 * post-processor. While the user types at the cursor the prompt is frozen at
 * a typing anchor and grows only at its end (assistant/typing-anchor.ts), so a
 * keystroke evaluates only the typed tokens; repeats and typing through a
 * suggestion come from the completion cache without the model.
 */
export class CompletionService {
  readonly cache = new CompletionCache();
  private readonly anchors = new TypingAnchors<AnchorState>();

  constructor(private readonly config: CvuConfig) {}

  async complete(ws: CompletionWorkspace, fim: FimModel, req: CompleteRequest): Promise<CompleteResult> {
    const started = performance.now();
    const offset = offsetOf(req.text, req.position);
    const prefix = req.text.slice(0, offset);
    const suffix = req.text.slice(offset);
    const language = req.language ?? ws.languageOf(req.path);

    const hit = req.prefill ? null : this.cache.get(req.path, prefix, suffix);
    if (hit !== null) {
      return { completion: hit, cached: true, timings: { retrievalMs: 0, promptTokens: 0, reusedTokens: 0, evaluatedTokens: 0, firstTokenMs: 0, totalMs: performance.now() - started } };
    }

    const key = `${req.client}\0${fim.name}`;
    let match = this.anchors.match(key, req.path, prefix, suffix);
    let retrievalMs = 0;
    if (!match) {
      const budget = completionBudget(this.config.completion);
      const t0 = performance.now();
      const { snippets } = await ws.context({
        path: req.path, text: req.text, position: req.position, signal: req.signal,
        budgetTokens: Math.floor(budget.budgetTokens * budget.shares.context),
      });
      retrievalMs = performance.now() - t0;
      throwIfAborted(req.signal, 'completion');
      const built = buildCompletionPrompt({
        path: req.path, language, prefix, suffix, snippets, repoName: path.basename(ws.root), counter: fim.counter, format: fim.format, ...budget,
      });
      const state: AnchorState = { prompt: await this.encode(fim, built.prompt.segments, req.signal), promptTokens: built.promptTokens, retrievalMs };
      throwIfAborted(req.signal, 'completion');
      const anchor: Anchor<AnchorState> = { path: req.path, prefix, suffix, state };
      this.anchors.set(key, anchor);
      match = { anchor, typed: '' };
    }
    const state = match.anchor.state;
    const prompt = await fim.model.append(state.prompt, match.typed, req.signal);
    throwIfAborted(req.signal, 'completion');

    if (req.prefill) {
      const warm = await fim.model.prefill(prompt, req.signal ? { signal: req.signal } : {});
      return {
        completion: '', cached: false,
        timings: { retrievalMs: round(retrievalMs), promptTokens: prompt.length, reusedTokens: warm.reusedTokens, evaluatedTokens: warm.evaluatedTokens, firstTokenMs: 0, totalMs: round(performance.now() - started) },
      };
    }

    const maxTokens = req.maxTokens ?? this.config.completion.maxTokens;
    const window = prefix.slice(-STOP_CHECK_WINDOW);
    const result = await fim.model.complete(prompt, {
      maxTokens,
      signal: req.signal,
      // Stop as soon as the post-processor would cut: the rest would be thrown away.
      shouldStop: !this.config.completion.naturalStop ? undefined : (text) => {
        const kept = postprocessCompletion({ completion: text, prefix: window, suffix: suffix.slice(0, STOP_CHECK_WINDOW), language });
        return kept.length < text.trimEnd().length;
      },
    });
    throwIfAborted(req.signal, 'completion');
    const completion = postprocessCompletion({ completion: result.text, prefix: prefix.slice(-POSTPROCESS_WINDOW), suffix: suffix.slice(0, POSTPROCESS_WINDOW), language });
    this.cache.put(req.path, prefix, suffix, completion);
    return {
      completion,
      cached: false,
      timings: {
        retrievalMs: round(retrievalMs),
        promptTokens: prompt.length,
        reusedTokens: result.reusedTokens,
        evaluatedTokens: result.evaluatedTokens,
        firstTokenMs: round(result.firstTokenMs),
        totalMs: round(performance.now() - started),
      },
    };
  }

  /** A file changed outside the cursor (a save, the watcher): its anchors and cached completions are stale. */
  forget(path: string): void {
    this.cache.forget(path);
    this.anchors.clear();
  }

  /**
   * Segments to the backend's prompt: control text parses special tokens,
   * workspace text never does (a file containing `<|file_sep|>` must not inject one).
   */
  private encode(fim: FimModel, segments: PromptSegment[], signal?: AbortSignal): Promise<EncodedPrompt> {
    return fim.model.encode(segments.map((s) => ({ text: s.text, special: s.kind === 'special' })), { bos: true, ...(signal ? { signal } : {}) });
  }
}

/** LSP position (0-based line, UTF-16 character) → string offset, clamped to its line and the text. */
export function offsetOf(text: string, pos: Position): number {
  return offsetAt(text, pos);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
