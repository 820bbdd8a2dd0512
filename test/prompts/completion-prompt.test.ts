import { describe, expect, it } from 'vitest';
import { isCvuError } from '../../core/errors.js';
import { estimateTokens, type TokenCounter } from '../../core/tokens.js';
import type { Snippet } from '../../protocol/snippet.js';
import {
  buildCompletionPrompt,
  FIM_TOKENS,
  PREFIX_TRIM_BLOCK_LINES,
  promptText,
  renderFimPrompt,
  stableText,
  type CompletionPromptInput,
  type FimFormat,
} from '../../prompts/index.js';
import { countSegments } from '../../prompts/budget.js';
import { seededRandom } from '../../fixtures/random.js';



const CHARS = 'abcdefghijklmnopqrstuvwxyz     (){}[];.,=+-_<>"\'\t0123456789ABCXYZ';
function randomLine(rand: () => number, max: number): string {
  const n = Math.floor(rand() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += rand() < 0.01 ? '😀' : CHARS[Math.floor(rand() * CHARS.length)];
  return s;
}
function randomLines(rand: () => number, count: number, max: number): string[] {
  return Array.from({ length: count }, () => randomLine(rand, max));
}

const counters: Record<string, TokenCounter> = {
  estimate: estimateTokens,
  // Runs of word characters, of spaces, and single punctuation: roughly a BPE pre-tokenizer.
  words: { name: 'words', count: (t) => t.match(/\w+|\s+|[^\w\s]/gu)?.length ?? 0 },
  // Counts joined text higher than its parts, so the final check must trim further.
  superadditive: { name: 'superadditive', count: (t) => Math.floor(t.length / 4) + Math.floor((t.length * t.length) / 40_000) },
};

const formats: FimFormat[] = [
  { kind: 'qwen-repo' },
  { kind: 'psm', tokens: FIM_TOKENS.starcoder },
  { kind: 'psm', tokens: FIM_TOKENS.deepseek },
  { kind: 'template', template: '<PRE> {prefix} <SUF>{suffix} <MID>' },
  { kind: 'template', template: '{context}<|file_sep|>{path}\n<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>' },
];

function snippet(path: string, startLine: number, lines: string[]): Snippet {
  return { path, startLine, endLine: startLine + lines.length - 1, text: lines.join('\n'), score: 1, source: 'symbol' };
}

describe('buildCompletionPrompt: budget', () => {
  it('never exceeds the budget, and keeps whole lines, across random sizes, budgets, shares, formats and counters', () => {
    const rand = seededRandom(0xc0ffee);
    let cases = 0;
    for (let iter = 0; iter < 600; iter++) {
      const format = formats[iter % formats.length];
      const counterName = Object.keys(counters)[Math.floor(rand() * 3)];
      const counter = counters[counterName];
      const prefixLines = randomLines(rand, Math.floor(rand() * (rand() < 0.2 ? 600 : 60)), 90);
      const current = randomLine(rand, 70);
      const suffixLines = randomLines(rand, Math.floor(rand() * 80), 90);
      const snippets = Array.from({ length: Math.floor(rand() * 8) }, (_, i) => snippet(`src/m${i}.ts`, 1 + i * 10, randomLines(rand, 1 + Math.floor(rand() * 30), 80)));
      const prefix = prefixLines.map((l) => `${l}\n`).join('') + current;
      const suffix = suffixLines.join('\n') + (rand() < 0.5 ? '\n' : '');
      const shares = { prefix: rand() < 0.1 ? 0 : rand(), suffix: rand() < 0.1 ? 0 : rand(), context: rand() < 0.1 ? 0 : rand() };
      const budgetTokens = 80 + Math.floor(rand() * 3000);
      const trimBlockLines = [1, 4, 16][Math.floor(rand() * 3)];
      const input: CompletionPromptInput = { path: 'src/app.ts', language: 'typescript', repoName: 'repo', prefix, suffix, snippets, budgetTokens, shares, counter, format, trimBlockLines };

      const r = buildCompletionPrompt(input);
      const where = `iteration ${iter} (${format.kind}, ${counterName}, budget ${budgetTokens})`;
      expect(r.promptTokens, where).toBeLessThanOrEqual(budgetTokens);
      expect(countSegments(r.prompt.segments, counter), where).toBe(r.promptTokens);

      // Snippets: in the order given (empty ones skipped), each whole or its first lines; only the last may be cut.
      const nonEmpty = snippets.filter((s) => s.text !== '');
      r.usedSnippets.forEach((s, i) => {
        const given = nonEmpty[i];
        expect(s.path, where).toBe(given.path);
        expect(given.text === s.text || given.text.startsWith(`${s.text}\n`), where).toBe(true);
        expect(s.endLine - s.startLine + 1).toBe(s.text.split('\n').length);
        if (i < r.usedSnippets.length - 1) expect(s.text).toBe(given.text);
      });

      if (counterName !== 'superadditive') {
        // The prompt is exactly the format with the reported parts: prefix from a line boundary with the
        // whole current line, suffix to a line boundary.
        const keptPrefix = prefixLines.slice(r.trimmedPrefixLines).map((l) => `${l}\n`).join('') + current;
        const allSuffix = suffix.match(/[^\n]*\n|[^\n]+$/g) ?? [];
        const keptSuffix = allSuffix.slice(0, allSuffix.length - r.trimmedSuffixLines).join('');
        const expected = renderFimPrompt(format, { repoName: 'repo', path: 'src/app.ts', language: 'typescript', snippets: r.usedSnippets, prefix: keptPrefix, suffix: keptSuffix });
        expect(promptText(r.prompt), where).toBe(promptText(expected));
        if (r.trimmedPrefixLines < prefixLines.length && r.trimmedPrefixLines > 0 && trimBlockLines > 1) {
          // Trimmed at a block boundary unless fewer than a block fit.
          const fewerThanBlock = prefixLines.length - r.trimmedPrefixLines < trimBlockLines;
          expect(r.trimmedPrefixLines % trimBlockLines === 0 || fewerThanBlock, where).toBe(true);
        }
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(300);
  });

  it('gives unused shares to the others: a short file leaves its prefix share to the context', () => {
    const snippets = Array.from({ length: 20 }, (_, i) => snippet(`src/s${i}.ts`, 1, Array.from({ length: 10 }, (_, j) => `export const value${j} = ${j} * ${i}; // padding padding`)));
    const base = { path: 'a.ts', language: 'typescript', repoName: 'r', snippets, counter: estimateTokens, format: { kind: 'qwen-repo' } as const, budgetTokens: 1000, shares: { prefix: 0.45, suffix: 0.15, context: 0.4 } };
    const short = buildCompletionPrompt({ ...base, prefix: 'const x = ', suffix: '' });
    const contextTokens = (r: ReturnType<typeof buildCompletionPrompt>) => r.usedSnippets.reduce((n, s) => n + estimateTokens.count(s.text), 0);
    expect(contextTokens(short)).toBeGreaterThan(0.4 * 1000 + 150);
    expect(short.promptTokens).toBeGreaterThan(900);

    const long = buildCompletionPrompt({ ...base, prefix: 'x();\n'.repeat(2000) + 'const x = ', suffix: 'y();\n'.repeat(2000) });
    expect(contextTokens(long)).toBeLessThanOrEqual(0.4 * 1000);
    expect(long.trimmedPrefixLines).toBeGreaterThan(0);
    expect(long.trimmedSuffixLines).toBeGreaterThan(0);
    expect(long.promptTokens).toBeLessThanOrEqual(1000);
  });

  it('cuts a snippet at a line boundary, reporting its new end line', () => {
    const big = snippet('src/big.ts', 100, Array.from({ length: 200 }, (_, i) => `line ${i} of a long definition`));
    const r = buildCompletionPrompt({
      path: 'a.ts', language: 'typescript', repoName: 'r', prefix: 'f(', suffix: ')', snippets: [big, snippet('src/next.ts', 1, ['never'])],
      counter: estimateTokens, format: { kind: 'qwen-repo' }, budgetTokens: 300, shares: { prefix: 0.4, suffix: 0.2, context: 0.4 },
    });
    expect(r.usedSnippets).toHaveLength(1);
    const kept = r.usedSnippets[0];
    expect(kept.startLine).toBe(100);
    expect(kept.endLine).toBeLessThan(299);
    expect(kept.endLine - 99).toBe(kept.text.split('\n').length);
    expect(big.text.startsWith(`${kept.text}\n`)).toBe(true);
    expect(r.promptTokens).toBeLessThanOrEqual(300);
  });

  it('keeps the end of a current line longer than the whole budget', () => {
    const line = 'x'.repeat(10_000);
    const r = buildCompletionPrompt({
      path: 'a.min.js', language: 'javascript', repoName: 'r', prefix: `a\n${line}`, suffix: 'b', snippets: [],
      counter: estimateTokens, format: { kind: 'psm', tokens: FIM_TOKENS.starcoder }, budgetTokens: 100, shares: { prefix: 1, suffix: 1, context: 1 },
    });
    expect(r.promptTokens).toBeLessThanOrEqual(100);
    expect(r.trimmedPrefixLines).toBe(1);
    expect(promptText(r.prompt)).toMatch(/^<fim_prefix>x+<fim_suffix><fim_middle>$/);
  });

  it('refuses a budget below the format’s own tokens', () => {
    let err: unknown;
    try {
      buildCompletionPrompt({
        path: 'a/very/long/path/'.repeat(20) + 'x.ts', language: 'typescript', repoName: 'r', prefix: '', suffix: '', snippets: [],
        counter: estimateTokens, format: { kind: 'qwen-repo' }, budgetTokens: 64, shares: { prefix: 1, suffix: 1, context: 1 },
      });
    } catch (e) {
      err = e;
    }
    expect(isCvuError(err, 'CVU_ERR_BAD_REQUEST')).toBe(true);
  });
});

describe('buildCompletionPrompt: a stable prefix for the KV cache', () => {
  const fileLines = Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? `function step${i}(input: number): number {` : i % 7 === 6 ? '}' : `  const v${i} = input * ${i} + offset(${i});`));
  const snippets = [
    snippet('src/offset.ts', 1, ['export function offset(n: number): number {', '  return n + 1;', '}']),
    snippet('src/config.ts', 10, ['export const LIMIT = 10;']),
  ];
  const base = {
    path: 'src/steps.ts', language: 'typescript', repoName: 'steps', snippets, counter: estimateTokens,
    budgetTokens: 1536, shares: { prefix: 0.45, suffix: 0.15, context: 0.4 },
  };

  for (const format of [{ kind: 'qwen-repo' }, { kind: 'psm', tokens: FIM_TOKENS.starcoder }] as FimFormat[]) {
    it(`keeps snippets and the prefix start byte-identical while a line is typed (${format.kind})`, () => {
      const cursorLine = 250;
      const above = fileLines.slice(0, cursorLine).map((l) => `${l}\n`).join('');
      const below = `\n${fileLines.slice(cursorLine).join('\n')}\n`;
      const typed = '  const result = computeTotal(items, discount) + offset(LIMIT);';
      let first: ReturnType<typeof buildCompletionPrompt> | null = null;
      for (let i = 0; i <= typed.length; i++) {
        const r = buildCompletionPrompt({ ...base, format, prefix: above + typed.slice(0, i), suffix: below });
        expect(r.promptTokens).toBeLessThanOrEqual(base.budgetTokens);
        first ??= r;
        expect(stableText(r.prompt)).toBe(stableText(first.prompt));
        expect(r.trimmedPrefixLines).toBe(first.trimmedPrefixLines);
        expect(r.usedSnippets).toEqual(first.usedSnippets);
        expect(promptText(r.prompt).startsWith(stableText(r.prompt) + typed.slice(0, i))).toBe(true);
      }
      // The stable part really holds the snippets and the kept prefix lines.
      const stable = stableText(first!.prompt);
      expect(stable).toContain('src/offset.ts');
      expect(stable.endsWith(fileLines[cursorLine - 1] + '\n')).toBe(true);
      expect(first!.trimmedPrefixLines).toBeGreaterThan(0);
    });
  }

  it('moves the prefix start only at block boundaries while new lines are typed', () => {
    const trims = new Set<number>();
    const sliding = new Set<number>();
    for (let line = 200; line < 240; line++) {
      const prefix = fileLines.slice(0, line).map((l) => `${l}\n`).join('') + '  ';
      const suffix = `\n${fileLines.slice(line).join('\n')}`;
      const r = buildCompletionPrompt({ ...base, format: { kind: 'qwen-repo' }, prefix, suffix });
      expect(r.trimmedPrefixLines % PREFIX_TRIM_BLOCK_LINES).toBe(0);
      trims.add(r.trimmedPrefixLines);
      sliding.add(buildCompletionPrompt({ ...base, format: { kind: 'qwen-repo' }, prefix, suffix, trimBlockLines: 1 }).trimmedPrefixLines);
    }
    // 40 new lines: the quantized start moved at most 40/16 + 1 times; a sliding one moves with almost every line.
    expect(trims.size).toBeLessThanOrEqual(4);
    expect(sliding.size).toBeGreaterThan(30);
  });
});
