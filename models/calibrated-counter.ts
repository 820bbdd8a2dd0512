/**
 * A token counter for a model whose tokenizer sits on a server: budgets are
 * counted synchronously, many times per prompt, where a round trip per count
 * would cost more than the completion. It counts exactly the texts the
 * server has tokenized (a small cache) and estimates the rest at the
 * characters-per-token ratio the server's own counts show, starting at
 * core's estimate (4) until the server has counted something.
 */
import { estimateTokens, type TokenCounter } from '../core/tokens.js';

/** Texts whose exact count is kept. */
const EXACT_ENTRIES = 256;
/** Characters of tokenized text the ratio is taken over at most (older text weighs less). */
const RATIO_WINDOW_CHARS = 200_000;

export class CalibratedCounter implements TokenCounter {
  private chars = 0;
  private tokens = 0;
  private readonly exact = new Map<string, number>();

  constructor(readonly name: string) {}

  /** A text the server counted: its count is kept, and it calibrates the ratio. */
  learn(text: string, tokens: number): void {
    if (!text) return;
    this.chars += text.length;
    this.tokens += tokens;
    if (this.chars > RATIO_WINDOW_CHARS) {
      const keep = RATIO_WINDOW_CHARS / this.chars;
      this.chars *= keep;
      this.tokens *= keep;
    }
    if (text.length <= 64_000) {
      this.exact.delete(text);
      this.exact.set(text, tokens);
      if (this.exact.size > EXACT_ENTRIES) this.exact.delete(this.exact.keys().next().value as string);
    }
  }

  /** Characters per token seen so far. */
  get ratio(): number {
    return this.tokens > 0 ? this.chars / this.tokens : 4;
  }

  count(text: string): number {
    if (text.length === 0) return 0;
    const known = this.exact.get(text);
    if (known !== undefined) return known;
    return this.tokens > 0 ? Math.ceil(text.length / this.ratio) : estimateTokens.count(text);
  }
}
