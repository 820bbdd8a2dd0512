/**
 * The token-budgeted fill-in-the-middle prompt of one completion.
 *
 * ```ts
 * const { prompt, promptTokens, usedSnippets } = buildCompletionPrompt({
 *   path: 'src/cart.ts', language: 'typescript', repoName: 'shop',
 *   prefix, suffix, snippets, format: { kind: 'qwen-repo' }, counter,
 *   ...completionBudget(config.completion),
 * });
 * // prompt.segments → the model runtime; promptTokens <= budgetTokens, always
 * ```
 *
 * How the budget is spent. After the format's fixed overhead, the budget is
 * split by the shares. Each part takes what it needs up to its share, and
 * what a part leaves unused flows to the others, prefix first, then suffix,
 * then context. Then:
 * - snippets are taken in the order given, each whole, or cut after its last
 *   line that fits — never mid-line — and the context stops at the first cut;
 * - the prefix keeps the lines nearest the cursor, trimmed from its start at
 *   a line boundary; the cursor's own (partial) line is always kept (only a
 *   line longer than the whole budget loses its start);
 * - the suffix keeps its first lines, trimmed from its end at a line boundary,
 *   and takes whatever the others left.
 * The assembled prompt is counted segment by segment and trimmed further
 * (suffix, then prefix, then context) should the tokenizer count the joined
 * text higher than its lines: the budget is never exceeded.
 *
 * Keeping the KV cache warm. The runtime reuses the longest common token
 * prefix of consecutive prompts, so what comes first must not move while the
 * user types. Two things would move it:
 * 1. The prefix trim point. Sliding it line by line ("the last N tokens")
 *    shifts the start of the prefix on every new line, and everything after
 *    the snippets is recomputed each time. So the trim point is quantized:
 *    the number of dropped lines is rounded up to a multiple of
 *    `trimBlockLines` (16), which moves the start once every 16 lines and
 *    costs at most 15 of the farthest lines.
 * 2. The budget of the parts. The cursor's line grows with each keystroke,
 *    and if its exact cost were taken off the prefix share, the trim point
 *    (and, through the flow of unused shares, the context) could move with
 *    it. So the current line is budgeted as a reserve rounded up to the next
 *    multiple of 32 tokens; while the line stays under that, every allocation
 *    depends only on the lines above the cursor, the suffix and the snippets,
 *    none of which change while typing. What the reserve does not use goes
 *    to the suffix, which comes after the cursor anyway.
 * Together: typing on one line keeps the snippets, the headers and every
 * complete prefix line byte-identical (`stable: true` segments), and a new
 * line changes the prefix start only at a block boundary.
 */
import { CvuError } from '../core/errors.js';
import type { TokenCounter } from '../core/tokens.js';
import type { Snippet } from '../protocol/snippet.js';
import { countSegments, normalizeShares, splitLines, tailWithin, type PromptBudget } from './budget.js';
import { assembleFim, snippetHead, snippetLine, snippetLines, type FimFormat, type FimPrompt } from './fim-formats.js';

/** Dropped prefix lines are rounded up to a multiple of this (see the module comment). */
export const PREFIX_TRIM_BLOCK_LINES = 16;
/** The cursor's line is budgeted in steps of this many tokens. */
export const CURRENT_LINE_RESERVE_TOKENS = 32;

export interface CompletionPromptInput extends PromptBudget {
  /** Workspace-relative path of the file being edited. */
  path: string;
  language: string;
  /**
   * The file before the cursor. Give the whole file's start (or a window
   * whose start does not move while typing): the trim point counts lines
   * from the start of this string.
   */
  prefix: string;
  /** The file after the cursor. */
  suffix: string;
  /** Retrieved context, best first. */
  snippets: readonly Snippet[];
  repoName: string;
  counter: TokenCounter;
  format: FimFormat;
  /** Quantum of the prefix trim point, in lines (default 16; 1 slides line by line). */
  trimBlockLines?: number;
}

export interface CompletionPrompt {
  prompt: FimPrompt;
  /** Tokens of the prompt by the counter, segment by segment; never above `budgetTokens`. */
  promptTokens: number;
  /** The snippets in the prompt, in order; a cut one has its `text` and `endLine` cut too. */
  usedSnippets: Snippet[];
  /** Complete lines dropped from the start of the prefix. */
  trimmedPrefixLines: number;
  /** Lines dropped from the end of the suffix. */
  trimmedSuffixLines: number;
}

interface Block {
  snippet: Snippet;
  lines: string[];
}

/** Builds the completion prompt within its budget (module comment: how). */
export function buildCompletionPrompt(input: CompletionPromptInput): CompletionPrompt {
  const { counter, format, language } = input;
  const budget = Math.floor(input.budgetTokens);
  const block = Math.max(1, Math.floor(input.trimBlockLines ?? PREFIX_TRIM_BLOCK_LINES));
  const count = (t: string): number => (t ? counter.count(t) : 0);

  const cut = input.prefix.lastIndexOf('\n') + 1;
  const prefixLines = splitLines(input.prefix.slice(0, cut));
  let current = input.prefix.slice(cut);
  const suffixLines = splitLines(input.suffix);

  const base = { repoName: input.repoName, path: input.path, language };
  const render = (context: Block[], prefixStart: number, cur: string, suffixCount: number): FimPrompt =>
    assembleFim(format, {
      ...base,
      context: context.map((b) => ({ path: b.snippet.path, lines: b.lines })),
      prefixLines: prefixLines.slice(prefixStart).join(''),
      currentLine: cur,
      suffix: suffixLines.slice(0, suffixCount).join(''),
    });

  const overhead = countSegments(render([], prefixLines.length, '', 0).segments, counter);
  const avail = budget - overhead;
  if (avail < 0) {
    throw new CvuError('CVU_ERR_BAD_REQUEST', `completion budget of ${budget} tokens is below the ${overhead} tokens the prompt format needs`, { status: 400 });
  }

  // The cursor's line is always kept; only a line longer than everything loses its start.
  if (count(current) > avail) current = tailWithin(current, avail, counter);
  const currentTokens = count(current);
  const reserve = Math.min(avail, (Math.floor(currentTokens / CURRENT_LINE_RESERVE_TOKENS) + 1) * CURRENT_LINE_RESERVE_TOKENS);

  // What each part needs, counted lazily and capped just above what could be given.
  const prefixCosts: number[] = []; // cost of prefixLines[n - 1 - i]
  let prefixLinesNeed = 0;
  for (let i = prefixLines.length - 1; i >= 0 && prefixLinesNeed <= avail; i--) {
    const c = count(prefixLines[i]);
    prefixCosts.push(c);
    prefixLinesNeed += c;
  }
  const suffixCosts: number[] = [];
  let suffixNeed = 0;
  for (let i = 0; i < suffixLines.length && suffixNeed <= avail; i++) {
    const c = count(suffixLines[i]);
    suffixCosts.push(c);
    suffixNeed += c;
  }
  const blocks: Array<Block & { head: number; costs: number[] }> = [];
  let contextNeed = 0;
  for (const snippet of input.snippets) {
    if (contextNeed > avail) break;
    const lines = snippetLines(snippet.text);
    if (lines.length === 0) continue;
    const head = countSegments(snippetHead(format, language, snippet.path), counter);
    const costs: number[] = [];
    let need = head;
    for (const line of lines) {
      if (contextNeed + need > avail) break;
      const c = count(snippetLine(format, language, line));
      costs.push(c);
      need += c;
    }
    blocks.push({ snippet, lines, head, costs });
    contextNeed += need;
  }
  const prefixNeed = reserve + prefixLinesNeed;

  // Shares, then the unused parts of shares flow: prefix first, then suffix, then context.
  const shares = normalizeShares(input.shares);
  let P = Math.max(reserve, Math.min(Math.floor(avail * shares.prefix), prefixNeed));
  let S = Math.min(Math.floor(avail * shares.suffix), suffixNeed);
  let C = Math.min(Math.floor(avail * shares.context), contextNeed);
  let over = P + S + C - avail; // only when the reserve outgrew the prefix share
  if (over > 0) {
    const fromS = Math.min(S, over);
    S -= fromS;
    over -= fromS;
    C -= Math.min(C, over);
  }
  let left = avail - P - S - C;
  const flow = (have: number, need: number): number => {
    const add = Math.max(0, Math.min(left, need - have));
    left -= add;
    return have + add;
  };
  P = flow(P, prefixNeed);
  S = flow(S, suffixNeed);
  C = flow(C, contextNeed);

  // Context: snippets in order, whole or cut at a line boundary; the first cut ends it.
  const context: Block[] = [];
  let usedC = 0;
  for (const b of blocks) {
    let cost = usedC + b.head;
    let kept = 0;
    while (kept < b.costs.length && cost + b.costs[kept] <= C) cost += b.costs[kept++];
    if (kept < b.lines.length) {
      // A cut block ends at its last non-blank line (its text then reads back as the same lines).
      while (kept > 0 && b.lines[kept - 1].trim() === '') cost -= b.costs[--kept];
      if (kept > 0) {
        context.push({ snippet: b.snippet, lines: b.lines.slice(0, kept) });
        usedC = cost;
      }
      break;
    }
    context.push({ snippet: b.snippet, lines: b.lines });
    usedC = cost;
  }
  P = Math.min(prefixNeed, P + (C - usedC));

  // Prefix: the complete lines nearest the cursor that fit beside the reserve, trim point quantized.
  const n = prefixLines.length;
  let keptCount = 0;
  let keptCost = 0;
  while (keptCount < prefixCosts.length && keptCost + prefixCosts[keptCount] <= P - reserve) keptCost += prefixCosts[keptCount++];
  const minDrop = n - keptCount;
  let prefixStart = Math.ceil(minDrop / block) * block;
  if (prefixStart >= n) prefixStart = minDrop; // fewer than a block fit: keep what fits
  const prefixUsed = currentTokens + sumLast(prefixCosts, n - prefixStart);

  // Suffix: its first lines, in whatever is left.
  const S2 = Math.max(S, avail - usedC - prefixUsed);
  let suffixCount = 0;
  let suffixCost = 0;
  while (suffixCount < suffixCosts.length && suffixCost + suffixCosts[suffixCount] <= S2) suffixCost += suffixCosts[suffixCount++];

  // Count what will really be tokenized; trim further if joined text counts higher than its lines.
  let prompt = render(context, prefixStart, current, suffixCount);
  let tokens = countSegments(prompt.segments, counter);
  while (tokens > budget) {
    if (suffixCount > 0) suffixCount--;
    else if (prefixStart < n) prefixStart = Math.min(n, prefixStart + block);
    else if (context.length > 0) {
      const last = context[context.length - 1];
      last.lines = last.lines.slice(0, -1);
      while (last.lines.length > 0 && last.lines[last.lines.length - 1].trim() === '') last.lines = last.lines.slice(0, -1);
      if (last.lines.length === 0) context.pop();
    } else if (current.length > 0) current = current.slice(Math.max(1, Math.ceil(current.length / 8)));
    else throw new CvuError('CVU_ERR_BAD_REQUEST', `completion budget of ${budget} tokens is below what the prompt format needs`, { status: 400 });
    prompt = render(context, prefixStart, current, suffixCount);
    tokens = countSegments(prompt.segments, counter);
  }

  const usedSnippets = context.map(({ snippet, lines }) =>
    lines.length === snippetLines(snippet.text).length ? snippet : { ...snippet, text: lines.join('\n'), endLine: snippet.startLine + lines.length - 1 },
  );
  return {
    prompt,
    promptTokens: tokens,
    usedSnippets,
    trimmedPrefixLines: prefixStart,
    trimmedSuffixLines: suffixLines.length - suffixCount,
  };
}

/** Sum of the first `k` costs (costs are listed from the cursor outwards). */
function sumLast(costs: number[], k: number): number {
  let s = 0;
  for (let i = 0; i < k && i < costs.length; i++) s += costs[i];
  return s;
}
