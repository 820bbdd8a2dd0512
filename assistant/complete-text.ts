/**
 * The OpenAI-style text completion (`/v1/completions`). With a `suffix`: a
 * fill-in-the-middle prompt in the model's own format, with the workspace
 * code most like the prompt's last lines as repository context (as much as
 * fits). Without: the prompt continued as it is. Runs on the completion
 * sequence, so a repeated prompt reuses its cache.
 */
import path from 'node:path';
import { CvuError, throwIfAborted } from '../core/errors.js';
import type { EncodedPrompt } from '../models/generation.js';
import { renderFimPrompt, type PromptSegment } from '../prompts/index.js';
import { answerTokens, promptBudget, timingsOf, withModelName, type ChatCallOptions, type ChatResult } from './answer.js';
import { fimFormatOf } from './fim-model.js';
import type { ModelSession } from './model-session.js';
import type { AssistantWorkspace } from './workspace-access.js';

export interface TextCompletionRequest {
  prompt: string;
  /** Text after the completion: a fill-in-the-middle request. */
  suffix?: string;
  /** Workspace-relative path the prompt comes from (for the FIM header and language), if known. */
  path?: string;
  model?: string;
  maxTokens?: number;
}

/** Default answer length, and the lines of the prompt that find its repository context. */
const DEFAULT_TEXT_TOKENS = 128;
const TEXT_CONTEXT_LINES = 15;
const TEXT_CONTEXT_RESULTS = 6;

export async function completeText(session: ModelSession, ws: AssistantWorkspace, req: TextCompletionRequest, opts: ChatCallOptions = {}): Promise<ChatResult> {
  const t0 = performance.now();
  const tail = req.prompt.split('\n').slice(-TEXT_CONTEXT_LINES).join('\n').trim();
  const results = req.suffix !== undefined && tail ? await ws.search(tail.slice(0, 2000), { limit: TEXT_CONTEXT_RESULTS, ...(opts.signal ? { signal: opts.signal } : {}) }) : [];
  throwIfAborted(opts.signal, 'completion');
  const retrievalMs = performance.now() - t0;
  const config = withModelName(ws.config, req.model);
  return session.withModel(config, async (m) => {
    const maxTokens = answerTokens(config, req.maxTokens ?? DEFAULT_TEXT_TOKENS);
    const room = promptBudget(config, maxTokens);
    const tokensOf = (segments: PromptSegment[]) => m.encode(segments.map((seg) => ({ text: seg.text, special: seg.kind === 'special' })), opts.signal ? { signal: opts.signal } : {});
    let tokens: EncodedPrompt;
    let stop: string[] = [];
    const used = [...results];
    if (req.suffix === undefined) tokens = await m.encode([{ text: req.prompt, special: false }], opts.signal ? { signal: opts.signal } : {});
    else {
      const format = fimFormatOf(m.facts, config);
      const suffix = req.suffix;
      const render = () =>
        renderFimPrompt(format, { repoName: path.basename(ws.root), path: req.path ?? 'untitled', language: req.path ? ws.languageOf(req.path) : 'text', snippets: used, prefix: req.prompt, suffix });
      let fim = render();
      tokens = await tokensOf(fim.segments);
      // Drop the least relevant snippet until the prompt fits.
      while (tokens.length > room && used.length) {
        used.pop();
        fim = render();
        tokens = await tokensOf(fim.segments);
      }
      stop = fim.stop;
    }
    if (tokens.length > room) {
      throw new CvuError('CVU_ERR_BAD_REQUEST', `the prompt needs ${tokens.length} tokens; with ${maxTokens} for the answer the model has room for ${room}`, { status: 400 });
    }
    let sent = 0;
    const out = await m.complete(tokens, {
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
      model: m.facts.name,
      answer: beforeStop(out.text, stop).text,
      sources: used,
      stopReason: out.stopReason,
      promptTokens: out.promptTokens,
      completionTokens: out.generatedTokens,
      timings: timingsOf(out, retrievalMs, t0),
    };
  });
}

/** The text before the first of the stop strings in it, and whether there was one. */
export function beforeStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  let end = text.length;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && at < end) end = at;
  }
  return { text: text.slice(0, end), stopped: end < text.length };
}
