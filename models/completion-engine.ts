import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { CvuError } from '../core/errors.js';
import type { CompletionOptions, CompletionOutput } from './generation.js';

/** How the cached tokens were made to match a new prompt. */
export interface ReusePlan {
  /** Ranges of the cached tokens to erase (start inclusive, end exclusive, in cache positions before any erase). */
  erase: { start: number; end: number }[];
  /** Prompt tokens already in the cache once the ranges are erased: the prompt's first `reused` tokens. */
  reused: number;
}

/**
 * Which cached tokens a new prompt can keep: the common start, then — like
 * llama.cpp's `--cache-reuse` — any later run of at least `minChunk` cached
 * tokens that the prompt continues with, once the cached tokens between are
 * erased (their successors' KV entries shift down). Insertions cannot be
 * reused that way, which is why the completion prompt puts what changes
 * while typing at its end (prompts/).
 */
export function planReuse(cached: readonly Token[], prompt: readonly Token[], minChunk = 16): ReusePlan {
  let p = 0;
  while (p < cached.length && p < prompt.length && cached[p] === prompt[p]) p++;
  const erase: { start: number; end: number }[] = [];
  // Cache positions are those before any erase; node-llama-cpp takes the ranges that way.
  let keptEnd = p;
  let c = p;
  while (c < cached.length && p < prompt.length) {
    let n = 0;
    while (c + n < cached.length && p + n < prompt.length && cached[c + n] === prompt[p + n]) n++;
    if (n >= minChunk) {
      if (c > keptEnd) erase.push({ start: keptEnd, end: c });
      keptEnd = c + n;
      c += n;
      p += n;
    } else c++;
  }
  if (cached.length > keptEnd) erase.push({ start: keptEnd, end: cached.length });
  return { erase, reused: p };
}

/** A completion's outcome (models/generation.ts), with the tokens generated themselves. */
export type GenerateResult = Omit<CompletionOutput, 'generatedTokens'> & { tokens: Token[] };

/**
 * Runs prompts on one context sequence and keeps its KV cache between calls,
 * so that a prompt that shares most of its tokens with the previous one costs
 * only its new tokens. One call at a time: calls queue on the sequence.
 */
export class CompletionEngine {
  private busy: Promise<unknown> = Promise.resolve();

  constructor(readonly sequence: LlamaContextSequence, private readonly minChunk = 16) {}

  generate(prompt: Token[], opts: CompletionOptions): Promise<GenerateResult> {
    const run = this.busy.then(() => this.run(prompt, opts));
    this.busy = run.catch(() => {});
    return run;
  }

  /** Evaluates a prompt without generating: warms the cache while the user is idle (a file just opened). */
  prefill(prompt: Token[], signal?: AbortSignal): Promise<{ reusedTokens: number; evaluatedTokens: number }> {
    const run = this.busy.then(async () => {
      const plan = await this.align(prompt);
      if (signal?.aborted) return { reusedTokens: plan.reused, evaluatedTokens: 0 };
      const rest = prompt.slice(plan.reused);
      if (rest.length) await this.sequence.evaluateWithoutGeneratingNewTokens(rest);
      return { reusedTokens: plan.reused, evaluatedTokens: rest.length };
    });
    this.busy = run.catch(() => {});
    return run;
  }

  private async align(prompt: Token[]): Promise<ReusePlan> {
    const contextSize = this.sequence.contextSize;
    if (prompt.length >= contextSize) {
      throw new CvuError('CVU_ERR_BAD_REQUEST', `prompt of ${prompt.length} tokens does not fit the model context (${contextSize})`, { status: 400 });
    }
    const plan = planReuse(this.sequence.contextTokens, prompt, this.minChunk);
    if (plan.erase.length) await this.sequence.eraseContextTokenRanges(plan.erase);
    return plan;
  }

  private async run(prompt: Token[], opts: CompletionOptions): Promise<GenerateResult> {
    const started = performance.now();
    if (opts.signal?.aborted) throw new CvuError('CVU_ERR_ABORTED', 'completion aborted', { status: 499 });
    const plan = await this.align(prompt);
    let rest = prompt.slice(plan.reused);
    let reused = plan.reused;
    if (rest.length === 0) {
      // The whole prompt is cached, but generation needs the last token's logits: evaluate it again.
      await this.sequence.eraseContextTokenRanges([{ start: prompt.length - 1, end: this.sequence.nextTokenIndex }]);
      rest = prompt.slice(-1);
      reused = prompt.length - 1;
    }
    const tokens: Token[] = [];
    let text = '';
    let firstTokenMs = 0;
    let stopReason: GenerateResult['stopReason'] = 'eog';
    const room = this.sequence.contextSize - prompt.length - 1;
    const maxTokens = Math.max(0, Math.min(opts.maxTokens, room));
    if (maxTokens === 0) stopReason = 'maxTokens';
    else {
      for await (const token of this.sequence.evaluate(rest, { temperature: 0 })) {
        if (opts.signal?.aborted) {
          // Superseded or cancelled: what it generates now is for nobody.
          stopReason = 'abort';
          break;
        }
        if (!tokens.length) firstTokenMs = performance.now() - started;
        tokens.push(token);
        text = this.sequence.model.detokenize(tokens);
        if (tokens.length >= maxTokens) {
          stopReason = 'maxTokens';
          break;
        }
        if (opts.shouldStop?.(text)) {
          stopReason = 'stop';
          break;
        }
      }
    }
    return {
      text, tokens, promptTokens: prompt.length, reusedTokens: reused, evaluatedTokens: rest.length,
      firstTokenMs: tokens.length ? firstTokenMs : performance.now() - started, totalMs: performance.now() - started, stopReason,
    };
  }
}
