/**
 * Token budgets: how many tokens a prompt may take and how they are shared
 * between its parts. Counts come from a `TokenCounter` (the model's own
 * tokenizer once it is loaded, an estimate before), and every prompt builder
 * checks its final count against the budget: a budget is never exceeded.
 */
import type { CvuConfig } from '../config/schema.js';
import type { TokenCounter } from '../core/tokens.js';

/** Shares of a completion budget; they need not sum to 1 (they are normalised). */
export interface PromptShares {
  prefix: number;
  suffix: number;
  context: number;
}

/** A prompt's token budget and its shares. */
export interface PromptBudget {
  budgetTokens: number;
  shares: PromptShares;
}

/** The completion budget of a config (`completion.budgetTokens`, `*Share`). */
export function completionBudget(completion: CvuConfig['completion']): PromptBudget {
  return {
    budgetTokens: completion.budgetTokens,
    shares: { prefix: completion.prefixShare, suffix: completion.suffixShare, context: completion.contextShare },
  };
}

/** Shares scaled to sum to 1; negative or non-finite shares count as 0, all-zero shares as equal thirds. */
export function normalizeShares(shares: PromptShares): PromptShares {
  const clean = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);
  const p = clean(shares.prefix);
  const s = clean(shares.suffix);
  const c = clean(shares.context);
  const sum = p + s + c;
  if (sum === 0) return { prefix: 1 / 3, suffix: 1 / 3, context: 1 / 3 };
  return { prefix: p / sum, suffix: s / sum, context: c / sum };
}

/** Tokens of a list of segments, each counted on its own (as the runtime tokenizes them). */
export function countSegments(segments: ReadonlyArray<{ text: string }>, counter: TokenCounter): number {
  let n = 0;
  for (const s of segments) if (s.text) n += counter.count(s.text);
  return n;
}

/** `text` cut into lines that keep their `\n` (a final line without one is kept; '' has no lines). */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * The longest tail of `text` (cut at a character, never inside a UTF-16
 * surrogate pair) whose count is at most `tokens`.
 */
export function tailWithin(text: string, tokens: number, counter: TokenCounter): string {
  if (counter.count(text) <= tokens) return text;
  let lo = 1;
  let hi = text.length;
  // The smallest start whose tail fits; counts grow as the start moves left.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (counter.count(text.slice(mid)) <= tokens) hi = mid;
    else lo = mid + 1;
  }
  let start = lo;
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return text.slice(start);
}
