/**
 * The assistant: one per daemon. It owns the generation model runtime and
 * the model's contexts, and answers the four features over a Workspace.
 *
 * ```ts
 * const assistant = new Assistant({ home });
 * await assistant.complete(ws, { path: 'src/cart.ts', text, position, client: 'vscode-1' });
 * await assistant.explain(ws, { path: 'src/cart.ts', text, range: { startLine: 10, endLine: 24 } }, { onToken: write });
 * await assistant.refactor(ws, { path, text, range, instruction: 'use async/await' }); // { replacement, diff, explanation }
 * await assistant.ask(ws, { question: 'where do we retry uploads?' }, { onToken: write }); // { answer, sources }
 * ```
 *
 * Model contexts: one LlamaContext with two sequences, created on first use
 * of a loaded model. Sequence 0 belongs to completions (a CompletionEngine,
 * so its KV cache survives between keystrokes); sequence 1 to chat (explain,
 * refactor, ask through node-llama-cpp's LlamaChat and the model's own chat
 * template), one answer at a time. Every use holds a runtime lease, so the
 * idle unload never pulls the model from under a generation; when the
 * runtime has unloaded (or swapped) the model, the old contexts are gone
 * with it and the next use creates new ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChatHistoryItem, LlamaChat, LlamaContext, Token } from 'node-llama-cpp';
import { CvuError, isCvuError, throwIfAborted } from '../core/errors.js';
import { unifiedDiff, splitKeepingEol } from '../core/diff.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import { languageForPath } from '../indexer/languages.js';
import { isSecretPath } from '../indexer/ignore-rules.js';
import { CompletionEngine } from '../models/completion-engine.js';
import { LlmRuntime, type LlmLease, type LoadedLlm } from '../models/llm.js';
import {
  buildChatPrompt, CHAT_MESSAGE_OVERHEAD_TOKENS, citedSnippets, contextSection, fenceLanguage, fimFormatFor, parseRefactorAnswer, renderFimPrompt,
  type ChatFeature, type ChatMessage, type FimFormat, type PromptSegment,
} from '../prompts/index.js';
import type { Position } from '../retrieval/context.js';
import type { Snippet } from '../protocol/snippet.js';
import type { AnswerResult, ChatTimings, LocationsResult, RefactorResult } from '../protocol/api.js';

// The answers are wire types (protocol/); re-exported for the features' callers.
export type { AnswerResult, ChatTimings, LocationsResult, RefactorResult };
import type { Workspace } from '../workspace/workspace.js';
import { CompletionService, type CompleteRequest, type CompleteResult, type CompletionWorkspace } from './complete.js';

export type { CompleteResult } from './complete.js';

/** 1-based inclusive file lines. */
export interface LineRange {
  startLine: number;
  endLine: number;
}

/** A completion request as the daemon takes it (the service's own, less its benchmark-only switch). */
export type AssistantCompleteRequest = Omit<CompleteRequest, 'naturalStop'>;

export interface ExplainRequest {
  /** Workspace-relative path. */
  path: string;
  /** The buffer; the file on disk when absent. */
  text?: string;
  /** The selection; the whole file when absent. */
  range?: LineRange;
  question?: string;
  maxTokens?: number;
}

export interface RefactorRequest {
  path: string;
  text?: string;
  range: LineRange;
  instruction?: string;
  maxTokens?: number;
}

export interface AskRequest {
  question: string;
  maxTokens?: number;
  /** Search results to put in the prompt (default 8). */
  limit?: number;
}

/** How a chat feature streams and stops. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** An installed model's name; the workspace's configured model when absent. */
  model?: string;
  maxTokens?: number;
  temperature?: number;
}

export interface TextCompletionRequest {
  prompt: string;
  /** Text after the completion: a fill-in-the-middle request. */
  suffix?: string;
  /** Workspace-relative path the prompt comes from (for the FIM header and language), if known. */
  path?: string;
  model?: string;
  maxTokens?: number;
}

export interface ChatResult {
  /** The model that answered. */
  model: string;
  answer: string;
  /** The repository code added to the conversation. */
  sources: Snippet[];
  stopReason: string;
  promptTokens: number;
  completionTokens: number;
  timings: ChatTimings;
}

export interface ChatCallOptions {
  signal?: AbortSignal;
  /** Each chunk of the answer as the model writes it. */
  onToken?: (text: string) => void;
}

export interface AssistantStatus {
  /** The model's name once one was loaded (or tried); null before. */
  name: string | null;
  loaded: boolean;
}

export interface AssistantOptions {
  home: string;
  log?: Logger;
  /** Default: a runtime over `home`. */
  runtime?: LlmRuntime;
}

/** Answer tokens when the request names none. */
const DEFAULT_ANSWER_TOKENS = { explain: 512, ask: 512 } as const;
/** Lines shown around an explained selection (the prompt trims them first). */
const EXPLAIN_AROUND_LINES = 20;
/** Cursor retrievals spread over a selection, and the budget of the merged result. */
const RETRIEVAL_POINTS = 3;
const RETRIEVAL_SHARE = 0.4;
const MAX_RETRIEVAL_TOKENS = 1536;
/** Tokens kept free between the prompt plus answer and the end of the context. */
const CONTEXT_MARGIN = 16;
const ASK_RESULTS = 8;
/** `/v1/completions`: default answer length, and the lines of the prompt that find its repository context. */
const DEFAULT_TEXT_TOKENS = 128;
const TEXT_CONTEXT_LINES = 15;
const TEXT_CONTEXT_RESULTS = 6;
/** Model errors after which `ask` still answers with code locations. */
const NO_MODEL_CODES = new Set(['CVU_ERR_MODEL_MISSING', 'CVU_ERR_MODEL_LOAD', 'CVU_ERR_MODEL_TOO_BIG']);

/**
 * Sequences of the one context the assistant creates on a loaded model:
 * completions on one, chat on the other. The runtime's memory check counts
 * them (every load asks for them), and the context is created with them.
 */
export const CONTEXT_SEQUENCES = 2;

interface ModelContexts {
  llm: LoadedLlm;
  context: LlamaContext;
  engine: CompletionEngine;
  chat: LlamaChat;
}

export class Assistant {
  readonly runtime: LlmRuntime;
  private readonly log: Logger;
  private contexts: ModelContexts | null = null;
  private creating: { llm: LoadedLlm; promise: Promise<ModelContexts> } | null = null;
  /** One completion service (cache, typing anchors) per workspace root. */
  private readonly services = new Map<string, CompletionService>();
  /** Chat answers run one at a time on the chat sequence. */
  private chatTurn: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(opts: AssistantOptions) {
    this.log = opts.log ?? silentLogger;
    this.runtime = opts.runtime ?? new LlmRuntime({ home: opts.home, log: this.log });
  }

  /** The model's own tokenizer while it is loaded, the estimate otherwise. */
  tokenCounter(): TokenCounter {
    return this.runtime.tokenCounter();
  }

  status(): AssistantStatus {
    return { name: this.runtime.status().name, loaded: this.runtime.loaded };
  }

  /**
   * The status, naming the model a workspace's config would load even before
   * it is loaded (null when none is configured or installed).
   */
  async describe(config: CvuConfig | null): Promise<AssistantStatus> {
    const s = this.status();
    if (s.name !== null || !config) return s;
    try {
      return { name: (await this.runtime.manager.resolve(config)).name, loaded: false };
    } catch {
      return s;
    }
  }

  // -- completions ----------------------------------------------------------

  async complete(ws: Workspace, req: AssistantCompleteRequest): Promise<CompleteResult> {
    throwIfAborted(req.signal, 'completion');
    const config = ws.config;
    return this.withModel(config, async (c) => {
      const fim = {
        name: c.llm.name,
        model: c.llm.model,
        engine: c.engine,
        format: this.fimFormat(c.llm, config),
        counter: this.runtime.tokenCounter(),
      };
      return this.service(ws).complete(completionView(ws), fim, req);
    });
  }

  /** Files changed on disk: their cached completions and the typing anchors are stale. */
  filesChanged(root: string, paths: string[]): void {
    const service = this.services.get(root);
    if (service) for (const p of paths) service.forget(p);
  }

  private service(ws: Workspace): CompletionService {
    let s = this.services.get(ws.root);
    if (!s) {
      s = new CompletionService(ws.config);
      this.services.set(ws.root, s);
    }
    return s;
  }

  private fimFormat(llm: LoadedLlm, config: CvuConfig): FimFormat {
    const text = (id: Token | null) => (id === null ? null : llm.model.detokenize([id], true));
    try {
      return fimFormatFor(
        {
          fimTokens: { prefix: text(llm.fim.prefix) ?? undefined, suffix: text(llm.fim.suffix) ?? undefined, middle: text(llm.fim.middle) ?? undefined },
          repoTokens: { repoName: text(llm.fim.repoName), fileSep: text(llm.fim.fileSep) },
        },
        config.model.fimTemplate,
      );
    } catch (err) {
      if (err instanceof CvuError) throw new CvuError(err.code, `model ${llm.name} cannot complete code: ${err.message}`, { status: 422, cause: err });
      throw err;
    }
  }

  // -- chat features --------------------------------------------------------

  /** Explains a selection (or a file) with cross-file context; streams through `onToken`. */
  async explain(ws: Workspace, req: ExplainRequest, opts: ChatCallOptions = {}): Promise<AnswerResult> {
    const text = req.text ?? readWorkspaceFile(ws, req.path);
    const lines = splitKeepingEol(text);
    const selection = clampRange(req.range ?? { startLine: 1, endLine: Math.max(1, lines.length) }, lines.length);
    const from = Math.max(1, selection.startLine - EXPLAIN_AROUND_LINES);
    const to = Math.min(lines.length, selection.endLine + EXPLAIN_AROUND_LINES);
    const config = ws.config;
    return this.withModel(config, async (c) => {
      const maxTokens = this.answerTokens(config, req.maxTokens ?? DEFAULT_ANSWER_TOKENS.explain);
      const budget = this.promptBudget(config, maxTokens);
      const t0 = performance.now();
      const snippets = await this.selectionContext(ws, req.path, text, selection, budget, opts.signal);
      const retrievalMs = performance.now() - t0;
      const prompt = buildChatPrompt({
        feature: 'explain', path: req.path, language: languageOf(ws, req.path),
        code: lines.slice(from - 1, to).join(''), codeStartLine: from, selection,
        ...(req.question ? { question: req.question } : {}),
        snippets, templates: ws.config.prompts, budgetTokens: budget, counter: this.runtime.tokenCounter(),
      });
      const out = await this.generate(c, 'explain', prompt.messages, { maxTokens, signal: opts.signal, onToken: opts.onToken });
      return answerOf(out, prompt.usedSnippets, retrievalMs, t0);
    });
  }

  /**
   * Proposes a replacement for lines `range` and the unified diff of the file.
   * The model's answer is opened with a fenced block in the code's language,
   * so that it writes code first; the text after the block is the explanation.
   */
  async refactor(ws: Workspace, req: RefactorRequest, opts: ChatCallOptions = {}): Promise<RefactorResult> {
    const text = req.text ?? readWorkspaceFile(ws, req.path);
    const lines = splitKeepingEol(text);
    const range = clampRange(req.range, lines.length);
    const selected = lines.slice(range.startLine - 1, range.endLine);
    const language = languageOf(ws, req.path);
    const config = ws.config;
    return this.withModel(config, async (c) => {
      const counter = this.runtime.tokenCounter();
      // Room for the selection rewritten, and a sentence or two after it.
      const wanted = req.maxTokens ?? Math.ceil(counter.count(selected.join('')) * 1.5) + 192;
      const maxTokens = this.answerTokens(config, wanted);
      const budget = this.promptBudget(config, maxTokens);
      const t0 = performance.now();
      const snippets = await this.selectionContext(ws, req.path, text, range, budget, opts.signal);
      const retrievalMs = performance.now() - t0;
      const prompt = buildChatPrompt({
        feature: 'refactor', path: req.path, language, code: selected.join(''), codeStartLine: range.startLine,
        ...(req.instruction ? { instruction: req.instruction } : {}),
        snippets, templates: ws.config.prompts, budgetTokens: budget, counter,
      });
      const opening = '```' + fenceLanguage(language) + '\n';
      opts.onToken?.(opening);
      const out = await this.generate(c, 'refactor', prompt.messages, { maxTokens, signal: opts.signal, onToken: opts.onToken, prefill: opening });
      const answer = opening + out.text;
      const parsed = parseRefactorAnswer(answer);
      let replacement: string;
      let explanation: string;
      let truncated = false;
      if (parsed.replacement !== null) {
        replacement = parsed.replacement;
        explanation = parsed.explanation;
      } else {
        // The block was never closed (the answer hit maxTokens): everything after the opening is code.
        replacement = out.text.replace(/\n?[ \t]*`{0,2}$/, '');
        explanation = '';
        truncated = true;
      }
      const eol = selected.some((l) => l.endsWith('\r\n')) || (!selected.length && text.includes('\r\n')) ? '\r\n' : '\n';
      const endsWithEol = selected.length === 0 || /\n$/.test(selected[selected.length - 1]);
      let block = replacement.replace(/\r\n/g, '\n').split('\n').join(eol);
      if (endsWithEol && block !== '') block += eol;
      const after = lines.slice(0, range.startLine - 1).join('') + block + lines.slice(range.endLine).join('');
      const cited = citedSnippets(explanation, prompt.usedSnippets);
      return {
        replacement: block,
        diff: unifiedDiff(text, after, { path: req.path }),
        explanation,
        path: req.path,
        startLine: range.startLine,
        endLine: range.endLine,
        truncated,
        sources: cited.length ? cited : prompt.usedSnippets,
        stopReason: out.stopReason,
        timings: timingsOf(out, retrievalMs, t0),
      };
    });
  }

  /**
   * Answers a question about the workspace from hybrid search results. With
   * no usable model it still answers: the code locations most relevant to the
   * question, and a notice saying which command installs a model.
   */
  async ask(ws: Workspace, req: AskRequest, opts: ChatCallOptions = {}): Promise<AnswerResult | LocationsResult> {
    const t0 = performance.now();
    const results = await ws.search(req.question, { limit: req.limit ?? ASK_RESULTS, ...(opts.signal ? { signal: opts.signal } : {}) });
    throwIfAborted(opts.signal, 'ask');
    const retrievalMs = performance.now() - t0;
    const config = ws.config;
    let lease: LlmLease;
    try {
      lease = await this.runtime.acquire(config, { sequences: CONTEXT_SEQUENCES });
    } catch (err) {
      if (isCvuError(err) && NO_MODEL_CODES.has(err.code)) return { answer: null, sources: results, notice: { code: err.code, message: err.message } };
      throw err;
    }
    try {
      const c = await this.contextsFor(lease.llm);
      const maxTokens = this.answerTokens(config, req.maxTokens ?? DEFAULT_ANSWER_TOKENS.ask);
      const prompt = buildChatPrompt({
        feature: 'ask', question: req.question, snippets: results, templates: ws.config.prompts,
        budgetTokens: this.promptBudget(config, maxTokens), counter: this.runtime.tokenCounter(),
      });
      const out = await this.generate(c, 'ask', prompt.messages, { maxTokens, signal: opts.signal, onToken: opts.onToken });
      return answerOf(out, prompt.usedSnippets, retrievalMs, t0);
    } finally {
      lease.release();
    }
  }

  /**
   * An OpenAI-style chat (`/v1/chat/completions`): the caller's conversation,
   * with the workspace code most relevant to its last user message added as a
   * system message — as many snippets as fit beside the conversation.
   */
  async chat(ws: Workspace, req: ChatRequest, opts: ChatCallOptions = {}): Promise<ChatResult> {
    const t0 = performance.now();
    const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')?.content.trim() ?? '';
    const results = lastUser ? await ws.search(lastUser.slice(0, 2000), { limit: ASK_RESULTS, ...(opts.signal ? { signal: opts.signal } : {}) }) : [];
    throwIfAborted(opts.signal, 'chat');
    const retrievalMs = performance.now() - t0;
    const config = this.withModelName(ws.config, req.model);
    return this.withModel(config, async (c) => {
      const counter = this.runtime.tokenCounter();
      const maxTokens = this.answerTokens(config, req.maxTokens ?? DEFAULT_ANSWER_TOKENS.ask);
      const budget = this.promptBudget(config, maxTokens);
      const own = req.messages.reduce((n, m) => n + counter.count(m.content) + CHAT_MESSAGE_OVERHEAD_TOKENS, 0);
      if (own > budget) {
        throw new CvuError('CVU_ERR_BAD_REQUEST', `the messages need ${own} tokens; with ${maxTokens} for the answer the model has room for ${budget}`, { status: 400 });
      }
      const used = [...results];
      while (used.length && own + counter.count(contextSection(used)) + CHAT_MESSAGE_OVERHEAD_TOKENS > budget) used.pop();
      // The repository's code goes after the caller's own system messages, before the conversation.
      const lead = req.messages.findIndex((m) => m.role !== 'system');
      const at = lead < 0 ? req.messages.length : lead;
      const messages: ChatMessage[] = used.length
        ? [...req.messages.slice(0, at), { role: 'system', content: contextSection(used) }, ...req.messages.slice(at)]
        : [...req.messages];
      const out = await this.generate(c, 'chat', messages, {
        maxTokens, signal: opts.signal, onToken: opts.onToken, ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      });
      return {
        model: c.llm.name,
        answer: out.text,
        sources: used,
        stopReason: out.stopReason,
        promptTokens: out.promptTokens,
        completionTokens: out.generatedTokens,
        timings: timingsOf(out, retrievalMs, t0),
      };
    });
  }

  /**
   * An OpenAI-style text completion (`/v1/completions`). With a `suffix`: a
   * fill-in-the-middle prompt in the model's own format, with the workspace
   * code most like the prompt's last lines as repository context (as much as
   * fits). Without: the prompt continued as it is. Runs on the completion
   * sequence, so a repeated prompt reuses its cache.
   */
  async completeText(ws: Workspace, req: TextCompletionRequest, opts: ChatCallOptions = {}): Promise<ChatResult> {
    const t0 = performance.now();
    const tail = req.prompt.split('\n').slice(-TEXT_CONTEXT_LINES).join('\n').trim();
    const results = req.suffix !== undefined && tail ? await ws.search(tail.slice(0, 2000), { limit: TEXT_CONTEXT_RESULTS, ...(opts.signal ? { signal: opts.signal } : {}) }) : [];
    throwIfAborted(opts.signal, 'completion');
    const retrievalMs = performance.now() - t0;
    const config = this.withModelName(ws.config, req.model);
    return this.withModel(config, async (c) => {
      const maxTokens = this.answerTokens(config, req.maxTokens ?? DEFAULT_TEXT_TOKENS);
      const room = config.model.contextSize - maxTokens - CONTEXT_MARGIN;
      const tokensOf = (segments: PromptSegment[]) => segments.flatMap((seg) => c.llm.model.tokenize(seg.text, seg.kind === 'special'));
      let tokens: Token[];
      let stop: string[] = [];
      const used = [...results];
      if (req.suffix === undefined) tokens = c.llm.model.tokenize(req.prompt, false);
      else {
        const format = this.fimFormat(c.llm, config);
        const render = () =>
          renderFimPrompt(format, { repoName: path.basename(ws.root), path: req.path ?? 'untitled', language: req.path ? languageOf(ws, req.path) : 'text', snippets: used, prefix: req.prompt, suffix: req.suffix! });
        let fim = render();
        tokens = tokensOf(fim.segments);
        while (tokens.length > room && used.length) {
          used.pop();
          fim = render();
          tokens = tokensOf(fim.segments);
        }
        stop = fim.stop;
      }
      if (tokens.length > room) {
        throw new CvuError('CVU_ERR_BAD_REQUEST', `the prompt needs ${tokens.length} tokens; with ${maxTokens} for the answer the model has room for ${room}`, { status: 400 });
      }
      let sent = 0;
      const out = await c.engine.generate(tokens, {
        maxTokens,
        ...(opts.signal ? { signal: opts.signal } : {}),
        shouldStop: (text) => {
          const kept = beforeStop(text, stop);
          if (kept.text.length > sent) opts.onToken?.(kept.text.slice(sent));
          sent = Math.max(sent, kept.text.length);
          return kept.stopped;
        },
      });
      return {
        model: c.llm.name,
        answer: beforeStop(out.text, stop).text,
        sources: used,
        stopReason: out.stopReason,
        promptTokens: out.promptTokens,
        completionTokens: out.tokens.length,
        timings: timingsOf(out, retrievalMs, t0),
      };
    });
  }

  /** `config` with `model` (an installed model's name, as `/v1/models` lists them) chosen; unchanged when absent. */
  private withModelName(config: CvuConfig, model: string | undefined): CvuConfig {
    return model ? { ...config, model: { ...config.model, path: model } } : config;
  }

  /** Cross-file context for a selection: cursor retrieval at points spread over it, merged. */
  private async selectionContext(ws: Workspace, rel: string, text: string, range: LineRange, promptBudget: number, signal?: AbortSignal): Promise<Snippet[]> {
    const budgetTokens = Math.max(64, Math.min(MAX_RETRIEVAL_TOKENS, Math.floor(promptBudget * RETRIEVAL_SHARE)));
    const span = range.endLine - range.startLine;
    const points = span === 0 ? [range.endLine] : Array.from({ length: Math.min(RETRIEVAL_POINTS, span + 1) }, (_, i) => range.endLine - Math.round((i * span) / Math.min(RETRIEVAL_POINTS, span + 1)));
    const per = Math.max(32, Math.floor(budgetTokens / points.length));
    const lists = await Promise.all(
      points.map((line) => ws.context({ path: rel, text, position: { line: line - 1, character: 0 }, budgetTokens: per, ...(signal ? { signal } : {}) })),
    );
    throwIfAborted(signal, 'retrieval');
    // Round-robin over the lists (each is best first), dropping overlaps.
    const out: Snippet[] = [];
    for (let i = 0; lists.some((l) => i < l.snippets.length); i++) {
      for (const l of lists) {
        const s = l.snippets[i];
        if (s && !out.some((o) => o.path === s.path && o.startLine <= s.endLine && s.startLine <= o.endLine)) out.push(s);
      }
    }
    return out;
  }

  // -- the model ------------------------------------------------------------

  /** Acquires the model (loading it), makes sure its contexts exist, runs `fn`, releases. */
  private async withModel<T>(config: CvuConfig, fn: (c: ModelContexts) => Promise<T>): Promise<T> {
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', 'the assistant is shutting down', { status: 503 });
    const lease = await this.runtime.acquire(config, { sequences: CONTEXT_SEQUENCES });
    try {
      return await fn(await this.contextsFor(lease.llm));
    } finally {
      lease.release();
    }
  }

  private async contextsFor(llm: LoadedLlm): Promise<ModelContexts> {
    const c = this.contexts;
    if (c && c.llm === llm && !c.context.disposed && !c.chat.disposed) return c;
    if (this.creating?.llm === llm) return this.creating.promise;
    const promise = (async () => {
      if (c) this.disposeContexts(c);
      const { LlamaChat } = await import('node-llama-cpp');
      // Created under the caller's lease: `llm` is the runtime's current model.
      const context = await this.runtime.createContext({ sequences: CONTEXT_SEQUENCES });
      const created: ModelContexts = {
        llm,
        context,
        engine: new CompletionEngine(context.getSequence()),
        chat: new LlamaChat({ contextSequence: context.getSequence() }),
      };
      this.log.info('model contexts created', { model: llm.name, contextSize: context.contextSize, sequences: context.totalSequences, chat: created.chat.chatWrapper.wrapperName });
      this.contexts = created;
      return created;
    })();
    const entry = { llm, promise };
    this.creating = entry;
    try {
      return await promise;
    } finally {
      if (this.creating === entry) this.creating = null;
    }
  }

  private disposeContexts(c: ModelContexts): void {
    if (this.contexts === c) this.contexts = null;
    try {
      if (!c.chat.disposed) c.chat.dispose();
    } catch {
      // disposed with its model
    }
    if (!c.context.disposed) void c.context.dispose().catch((err: unknown) => this.log.warn(`disposing a model context failed: ${(err as Error).message}`));
  }

  /** Answer tokens: what was asked, at most half the context. */
  private answerTokens(config: CvuConfig, wanted: number): number {
    return Math.max(1, Math.min(wanted, Math.floor(config.model.contextSize / 2)));
  }

  private promptBudget(config: CvuConfig, maxTokens: number): number {
    return config.model.contextSize - maxTokens - CONTEXT_MARGIN;
  }

  /** One chat answer on the chat sequence (answers queue: one sequence, one at a time). */
  private generate(
    c: ModelContexts,
    feature: ChatFeature | 'chat',
    messages: ChatMessage[],
    opts: { maxTokens: number; signal?: AbortSignal; onToken?: (text: string) => void; prefill?: string; temperature?: number },
  ): Promise<{ text: string; stopReason: string; promptTokens: number; generatedTokens: number; firstTokenMs: number }> {
    const run = this.chatTurn.then(async () => {
      throwIfAborted(opts.signal, feature);
      const started = performance.now();
      let firstTokenMs = 0;
      let generated = 0;
      const history: ChatHistoryItem[] = messages.map((m) =>
        m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: 'user', text: m.content },
      );
      history.push({ type: 'model', response: opts.prefill ? [opts.prefill] : [] });
      try {
        const r = await c.chat.generateResponse(history, {
          maxTokens: opts.maxTokens,
          ...(opts.signal ? { signal: opts.signal } : {}),
          // Code and explanations of code: little randomness.
          temperature: opts.temperature ?? (feature === 'refactor' ? 0 : 0.2),
          ...(feature === 'refactor' ? {} : { topP: 0.9, seed: 1 }),
          onToken: (tokens) => {
            generated += tokens.length;
          },
          onTextChunk: (text) => {
            if (!firstTokenMs) firstTokenMs = performance.now() - started;
            opts.onToken?.(text);
          },
        });
        return {
          text: r.response,
          stopReason: r.metadata.stopReason,
          // What the sequence holds, less the answer (its last token is generated but not evaluated).
          promptTokens: Math.max(0, c.chat.sequence.nextTokenIndex - Math.max(0, generated - 1)),
          generatedTokens: generated,
          firstTokenMs: firstTokenMs || performance.now() - started,
        };
      } catch (err) {
        if (opts.signal?.aborted) {
          const reason: unknown = opts.signal.reason;
          throw reason instanceof CvuError ? reason : new CvuError('CVU_ERR_ABORTED', `${feature} aborted`, { status: 499, cause: err });
        }
        throw err;
      }
    });
    this.chatTurn = run.catch(() => {});
    return run;
  }

  /** Disposes the contexts and the runtime (daemon shutdown). */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.contexts) this.disposeContexts(this.contexts);
    await this.runtime.dispose();
  }
}

function completionView(ws: Workspace): CompletionWorkspace {
  return { root: ws.root, context: (req) => ws.context(req), languageOf: (p) => languageOf(ws, p) };
}

function languageOf(ws: Workspace, rel: string): string {
  return ws.store.files.get(rel)?.language ?? languageForPath(rel);
}

/** A range within the file's lines (a file of 0 lines still has line 1). */
function clampRange(range: LineRange, lineCount: number): LineRange {
  const last = Math.max(1, lineCount);
  const startLine = Math.min(Math.max(1, Math.floor(range.startLine)), last);
  const endLine = Math.min(Math.max(startLine, Math.floor(range.endLine)), last);
  return { startLine, endLine };
}

/** A workspace file's text (the server reads it before; this is for direct callers). */
function readWorkspaceFile(ws: Workspace, rel: string): string {
  if (isSecretPath(rel)) throw new CvuError('CVU_ERR_FORBIDDEN', `${rel} is a secret file; Cvu never shows it to a model`, { status: 403 });
  try {
    return fs.readFileSync(path.join(ws.root, rel), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CvuError('CVU_ERR_NOT_FOUND', `${rel} does not exist; send its text`, { status: 404 });
    throw new CvuError('CVU_ERR_FILE_UNREADABLE', `${rel} could not be read: ${(err as Error).message}`, { status: 422 });
  }
}

/** The text before the first of the stop strings in it, and whether there was one. */
function beforeStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  let end = text.length;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && at < end) end = at;
  }
  return { text: text.slice(0, end), stopped: end < text.length };
}

/** A chat feature's timings, from the start of its retrieval (`t0`) to now. */
function timingsOf(out: { promptTokens: number; firstTokenMs: number }, retrievalMs: number, t0: number): ChatTimings {
  return { retrievalMs: round(retrievalMs), promptTokens: out.promptTokens, firstTokenMs: round(out.firstTokenMs), totalMs: round(performance.now() - t0) };
}

/** An answer with the snippets it cites as its sources, or every snippet its prompt held when it cites none. */
function answerOf(out: { text: string; stopReason: string; promptTokens: number; firstTokenMs: number }, used: Snippet[], retrievalMs: number, t0: number): AnswerResult {
  const cited = citedSnippets(out.text, used);
  return { answer: out.text, sources: cited.length ? cited : used, stopReason: out.stopReason, timings: timingsOf(out, retrievalMs, t0) };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
