/**
 * Issue 6, part 4 (hostile input): property-based tests of the pure parsers
 * and prompt builders — the CLI's `path:line:col` parser, the completion
 * post-processor, the completion prompt budgeter and the code-aware
 * tokenizers of the full-text index. Every property runs with a fixed seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importsOfText } from '../../indexer/imports.js';
import { parseLocation, parsePosition, toApiPosition } from '../../clients/cli/position.js';
import { isCvuError } from '../../core/errors.js';
import { estimateTokens, type TokenCounter } from '../../core/tokens.js';
import type { Snippet } from '../../protocol/snippet.js';
import { buildCompletionPrompt, FIM_TOKENS, type FimFormat } from '../../prompts/index.js';
import { countSegments } from '../../prompts/budget.js';
import { snippetLines } from '../../prompts/fim-formats.js';
import { postprocessCompletion } from '../../prompts/postprocess.js';
import { codeSearchQuery, codeSearchText, codeTokens, splitIdentifier } from '../../store/code-text.js';

const SEED = 0x6c7b;
const params = (numRuns: number, seed = SEED): fc.Parameters<unknown> => ({ seed, numRuns });

/** Strings that look like what a user would type, plus the full unicode range. */
const locationish = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.fullUnicodeString({ maxLength: 40 }),
  fc.stringOf(fc.constantFrom(...':()-,0123456789 \\/Ca.ts\t\n'.split('')), { maxLength: 30 }),
);

function throwsOnlyUsage(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    expect(isCvuError(err, 'CVU_ERR_USAGE'), `threw ${String(err)}`).toBe(true);
    return undefined;
  }
}

// A path as the parser must keep it: non-empty, no surrounding whitespace, one line, not a bare drive letter.
const LINE_BREAKS = /[\n\r\u2028\u2029]/;
const segment = fc.stringOf(fc.constantFrom(...'abcXYZ_-.0123456789 :()é😀'.split('')), { minLength: 1, maxLength: 8 });
const posixPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const windowsPath = fc
  .tuple(fc.constantFrom(...'CDZcdz'.split('')), fc.array(segment, { minLength: 1, maxLength: 4 }))
  .map(([drive, parts]) => `${drive}:\\${parts.join('\\')}`);
const anyPath = fc
  .oneof(posixPath, windowsPath, fc.fullUnicodeString({ minLength: 1, maxLength: 20 }))
  .filter((p) => p === p.trim() && p !== '' && !LINE_BREAKS.test(p) && !/^[A-Za-z]$/.test(p) && !p.endsWith(')'));
const lineNo = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constant(Number.MAX_SAFE_INTEGER));

describe('CLI location parser (clients/cli/position.ts)', () => {
  it('never throws anything but a usage CvuError, and what it returns is well formed', () => {
    fc.assert(
      fc.property(locationish, fc.boolean(), (input, exists) => {
        const loc = throwsOnlyUsage(() => parseLocation(input, exists ? { exists: (p) => p.length % 2 === 0 } : {})) as ReturnType<typeof parseLocation> | undefined;
        if (loc) {
          expect(typeof loc.path).toBe('string');
          expect(loc.path.length).toBeGreaterThan(0);
          if (loc.kind === 'position') {
            expect(Number.isSafeInteger(loc.line) && loc.line >= 1).toBe(true);
            if (loc.column !== null) expect(Number.isSafeInteger(loc.column) && loc.column >= 1).toBe(true);
            const api = toApiPosition(loc);
            expect(api.line).toBeGreaterThanOrEqual(0);
            expect(api.character).toBeGreaterThanOrEqual(0);
          }
          if (loc.kind === 'range') expect(loc.endLine).toBeGreaterThanOrEqual(loc.startLine);
        }
        throwsOnlyUsage(() => parsePosition(input));
      }),
      params(1500),
    );
  });

  it('round-trips generated path:line:col, path:line, path(line,col), path:a-b (drive letters, colons in names)', () => {
    fc.assert(
      fc.property(anyPath, lineNo, lineNo, fc.boolean(), (p, line, col, trailingColon) => {
        const tail = trailingColon ? ':' : '';
        expect(parseLocation(`${p}:${line}:${col}${tail}`)).toEqual({ kind: 'position', path: p, line, column: col });
        // `x:5` + `:3` reads as x:5:3 (line 5, column 3): only a path not ending in :digits round-trips as path:line.
        if (!/:\d+$/.test(p)) expect(parseLocation(`${p}:${line}${tail}`)).toEqual({ kind: 'position', path: p, line, column: null });
        expect(parseLocation(`${p}(${line},${col})`)).toEqual({ kind: 'position', path: p, line, column: col });
        expect(parseLocation(`  ${p}:${line}:${col}  `)).toEqual({ kind: 'position', path: p, line, column: col });
        const [a, b] = line <= col ? [line, col] : [col, line];
        expect(parseLocation(`${p}:${a}-${b}`)).toEqual({ kind: 'range', path: p, startLine: a, endLine: b });
        // The file itself exists under the whole spec: it is a path, not a position.
        expect(parseLocation(`${p}:${line}`, { exists: (s) => s === `${p}:${line}` })).toEqual({ kind: 'file', path: `${p}:${line}` });
        expect(toApiPosition(parsePosition(`${p}:${line}:${col}`))).toEqual({ line: line - 1, character: col - 1 });
      }),
      params(800),
    );
  });

  it('refuses line 0, unsafe integers and reversed ranges with a usage error', () => {
    fc.assert(
      fc.property(anyPath, fc.integer({ min: 2, max: 1000 }), (p, n) => {
        for (const bad of [`${p}:0:1`, `${p}:1:0`, `${p}:0`, `${p}:${n}-${n - 1}`, `${p}:9${'9'.repeat(20)}`, `${p}(0,1)`]) {
          expect(() => parseLocation(bad)).toThrow(expect.objectContaining({ code: 'CVU_ERR_USAGE' }));
        }
      }),
      params(200),
    );
  });
});

// ---------------------------------------------------------------------------
// postprocessCompletion
// ---------------------------------------------------------------------------

const LANGUAGES = ['typescript', 'javascript', 'python', 'go', 'rust', 'c', 'cpp', 'java', 'ruby', 'bash', 'markdown', 'text', 'unknown-lang', ''];
const LEAKED = ['<|endoftext|>', '<|file_sep|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|im_end|>', '<EOT>'];

/**
 * Code with no quotes and no comment starters (in any of the languages
 * tested), so that every bracket counts: brackets, words, spaces, tabs,
 * newlines and a few operators.
 */
const codeChars = fc.constantFrom(...'abxy_01 \t\n\n(){}[];,=.:'.split(''), '=>', '\r\n');
const codeText = (maxLength: number) => fc.stringOf(codeChars, { maxLength });

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function openStack(text: string): string[] {
  const stack: string[] = [];
  for (const ch of text) {
    if (OPEN[ch]) stack.push(ch);
    else if (CLOSE[ch] && stack[stack.length - 1] === CLOSE[ch]) stack.pop();
  }
  return stack;
}

/** Closers on the suffix's first line (or its next non-empty one when that is blank) that nothing in the suffix opened. */
function suffixClosers(suffix: string): number {
  const lines = suffix.replace(/\r\n/g, '\n').split('\n');
  const region = lines[0].trim() === '' ? (lines.slice(1).find((l) => l.trim() !== '') ?? '') : lines[0];
  let open = 0;
  let closed = 0;
  for (const ch of region) {
    if (OPEN[ch]) open++;
    else if (CLOSE[ch]) {
      if (open > 0) open--;
      else closed++;
    }
  }
  return closed;
}

describe('completion post-processor (prompts/postprocess.ts)', () => {
  it('never throws, and its output is trimmed, free of control tokens and in the document line endings, on arbitrary text', () => {
    const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.fullUnicodeString({ maxLength: 120 }), codeText(200));
    const withLeak = fc.tuple(anyText, fc.constantFrom(...LEAKED), anyText).map(([a, t, b]) => a + t + b);
    fc.assert(
      fc.property(fc.oneof(anyText, withLeak), anyText, anyText, fc.constantFrom(...LANGUAGES), (completion, prefix, suffix, language) => {
        const out = postprocessCompletion({ completion, prefix, suffix, language });
        expect(typeof out).toBe('string');
        if (out === '') return;
        expect(out.trim()).not.toBe('');
        expect(out).toBe(out.replace(/\s+$/, ''));
        for (const l of out.split(/\r?\n/)) expect(l).toBe(l.replace(/[ \t]+$/, ''));
        for (const t of LEAKED) expect(out).not.toContain(t);
        const crlf = prefix.includes('\r\n') || suffix.includes('\r\n');
        if (crlf) expect(out.replace(/\r\n/g, '')).not.toContain('\n');
      }),
      params(1500),
    );
  });

  it('keeps brackets balanced: no closer that nothing open matches, none of the prefix when the suffix closes it', () => {
    fc.assert(
      fc.property(codeText(200), codeText(120), codeText(120), fc.constantFrom('typescript', 'python', 'go', 'rust', 'c'), (completion, prefix, suffix, language) => {
        const out = postprocessCompletion({ completion, prefix, suffix, language }).replace(/\r\n/g, '\n');
        const stack = openStack(prefix.replace(/\r\n/g, '\n'));
        let prefixDepth = stack.length;
        const suffixCloses = suffixClosers(suffix) > 0;
        for (const ch of out) {
          if (OPEN[ch]) stack.push(ch);
          else if (CLOSE[ch]) {
            expect(stack.length, `unmatched ${ch} in ${JSON.stringify(out)}`).toBeGreaterThan(0);
            expect(stack[stack.length - 1], `${ch} closes the wrong bracket in ${JSON.stringify(out)}`).toBe(CLOSE[ch]);
            if (stack.length <= prefixDepth) {
              expect(suffixCloses, `${JSON.stringify(out)} closes a prefix bracket that the suffix ${JSON.stringify(suffix)} closes already`).toBe(false);
              prefixDepth--;
            }
            stack.pop();
          }
        }
      }),
      params(1500),
    );
  });

  it('never repeats the suffix next non-empty line as a whole line (cursor on a blank line), and stays on one line mid-line', () => {
    const line = fc.stringOf(fc.constantFrom(...'abxy_ (){};=,'.split('')), { minLength: 1, maxLength: 20 }).filter((l) => l.trim() !== '');
    fc.assert(
      fc.property(
        codeText(120),
        fc.constantFrom('', '  ', '\t'),
        line,
        fc.array(fc.oneof(line, codeText(30)), { maxLength: 6 }),
        fc.constantFrom('typescript', 'python', 'go'),
        fc.nat(6),
        (prefixBody, indent, nextLine, others, language, insertAt) => {
          const prefix = prefixBody + '\n' + indent; // the cursor on a blank line
          const suffix = '\n\n' + indent + nextLine + '\n}\n';
          // The model repeats the next line somewhere in its output.
          const lines = [...others];
          const pos = Math.min(insertAt, lines.length);
          lines.splice(pos, 0, indent + nextLine);
          const out = postprocessCompletion({ completion: lines.join('\n'), prefix, suffix, language });
          // The repeated line ends the completion: nothing of it or after it is kept.
          const before = pos === 0 ? 0 : lines.slice(0, pos).join('\n').replace(/\r\n/g, '\n').split('\n').length;
          const kept = out === '' ? 0 : out.split('\n').length;
          expect(kept, JSON.stringify({ completion: lines.join('\n'), out, suffix })).toBeLessThanOrEqual(before);
        },
      ),
      params(1000),
    );
    fc.assert(
      fc.property(codeText(60), fc.stringOf(fc.constantFrom(...'abxy_0(=,'.split('')), { minLength: 1, maxLength: 10 }), codeText(200), fc.stringOf(fc.constantFrom(...'abxy_)};,'.split('')), { minLength: 1, maxLength: 10 }), (above, before, completion, after) => {
        const out = postprocessCompletion({ completion, prefix: above + '\n' + before, suffix: after + '\nrest\n', language: 'typescript' });
        expect(out, JSON.stringify({ completion, out })).not.toMatch(/\n/);
      }),
      params(800),
    );
  });
});

// ---------------------------------------------------------------------------
// buildCompletionPrompt
// ---------------------------------------------------------------------------

const counters: TokenCounter[] = [
  estimateTokens,
  { name: 'words', count: (t) => t.match(/\w+|\s+|[^\w\s]/gu)?.length ?? 0 },
  // Joined text costs more than its parts: the final check must trim further.
  { name: 'superadditive', count: (t) => Math.floor(t.length / 4) + Math.floor((t.length * t.length) / 40_000) },
  // One token per UTF-16 unit: surrogates and NULs count.
  { name: 'chars', count: (t) => t.length },
];
const formats: FimFormat[] = [
  { kind: 'qwen-repo' },
  { kind: 'psm', tokens: FIM_TOKENS.starcoder },
  { kind: 'psm', tokens: FIM_TOKENS.deepseek },
  { kind: 'template', template: '<PRE> {prefix} <SUF>{suffix} <MID>' },
];

const promptText = fc.oneof(fc.string({ maxLength: 400 }), fc.fullUnicodeString({ maxLength: 200 }), fc.array(fc.string({ maxLength: 60 }), { maxLength: 60 }).map((l) => l.join('\n')));
const snippetArb: fc.Arbitrary<Snippet> = fc
  .record({ path: fc.string({ minLength: 1, maxLength: 30 }), startLine: fc.integer({ min: 1, max: 10_000 }), lines: fc.array(fc.string({ maxLength: 80 }), { minLength: 1, maxLength: 30 }) })
  .map(({ path, startLine, lines }) => ({ path, startLine, endLine: startLine + lines.length - 1, text: lines.join('\n'), score: 1, source: 'fts' as const }));
const share = fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY));

describe('completion prompt budgeter (prompts/completion-prompt.ts)', () => {
  it('never exceeds the budget, keeps snippets in order and whole lines, or refuses a budget below the format overhead', () => {
    fc.assert(
      fc.property(
        fc.record({
          prefix: promptText,
          suffix: promptText,
          snippets: fc.array(snippetArb, { maxLength: 6 }),
          budgetTokens: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 3000 }), fc.double({ min: 0, max: 500, noNaN: true })),
          shares: fc.record({ prefix: share, suffix: share, context: share }),
          counter: fc.constantFrom(...counters),
          format: fc.constantFrom(...formats),
          path: fc.string({ maxLength: 30 }),
          repoName: fc.string({ maxLength: 20 }),
          trimBlockLines: fc.option(fc.integer({ min: -3, max: 40 }), { nil: undefined }),
        }),
        (input) => {
          let result;
          try {
            result = buildCompletionPrompt({ ...input, language: 'typescript' });
          } catch (err) {
            expect(isCvuError(err, 'CVU_ERR_BAD_REQUEST'), String(err)).toBe(true);
            expect((err as Error).message).toMatch(/below/);
            return;
          }
          const budget = Math.floor(input.budgetTokens);
          expect(result.promptTokens).toBeLessThanOrEqual(budget);
          expect(countSegments(result.prompt.segments, input.counter)).toBeLessThanOrEqual(budget);
          expect(result.promptTokens).toBe(countSegments(result.prompt.segments, input.counter));
          // Snippets: in the order given (empty ones skipped), each whole or cut after a whole line; the first cut ends them.
          let j = 0;
          result.usedSnippets.forEach((used, i) => {
            while (j < input.snippets.length && input.snippets[j].text === '') j++;
            const orig = input.snippets[j++];
            expect(orig, 'a used snippet that was not given').toBeDefined();
            expect(used.path).toBe(orig.path);
            expect(used.startLine).toBe(orig.startLine);
            if (used.text !== orig.text) {
              const origLines = snippetLines(orig.text);
              const usedLines = used.text.split('\n');
              expect(usedLines.length).toBeLessThan(origLines.length);
              expect(usedLines).toEqual(origLines.slice(0, usedLines.length));
              expect(used.endLine).toBe(used.startLine + usedLines.length - 1);
            }
            if (i < result.usedSnippets.length - 1) expect(used.text).toBe(orig.text);
          });
          expect(result.trimmedPrefixLines).toBeGreaterThanOrEqual(0);
          expect(result.trimmedSuffixLines).toBeGreaterThanOrEqual(0);
        },
      ),
      params(1000),
    );
  });
});

// ---------------------------------------------------------------------------
// store/code-text.ts
// ---------------------------------------------------------------------------

describe('code-aware tokenizers (store/code-text.ts)', () => {
  const identish = fc.stringOf(fc.constantFrom(...'aZbY_$09xHTTPServer-. \n'.split('')), { maxLength: 60 });
  const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.fullUnicodeString({ maxLength: 200 }), identish);

  it('a capped codeSearchText does not change what the next codeTokens / codeSearchQuery sees (shared regex state)', () => {
    const query = 'parseConfig readFile';
    const before = codeSearchQuery(query);
    expect(before).toBe('parseconfig parse config readfile read file');
    // An indexed chunk with more identifiers than the cap (4000 by default) stops the scan early...
    codeSearchText('alpha beta gamma delta epsilon', 2);
    // ...and a search that follows must still see the whole query.
    expect(codeSearchQuery(query)).toBe(before);
    expect(codeTokens(query)).toEqual(['parseconfig', 'parse', 'config', 'readfile', 'read', 'file']);
  });

  it('never throw, are deterministic, and emit only lowercased word tokens', () => {
    fc.assert(
      fc.property(anyText, anyText, fc.integer({ min: 0, max: 50 }), (text, other, max) => {
        const first = { split: splitIdentifier(text), tokens: codeTokens(text), capped: codeTokens(text, max), fts: codeSearchText(text), ftsCapped: codeSearchText(text, max), query: codeSearchQuery(text) };
        // Run another text through the memo cache in between: the answer must not change.
        codeTokens(other);
        codeSearchText(other);
        expect({ split: splitIdentifier(text), tokens: codeTokens(text), capped: codeTokens(text, max), fts: codeSearchText(text), ftsCapped: codeSearchText(text, max), query: codeSearchQuery(text) }).toEqual(first);
        for (const t of first.tokens) expect(t).toMatch(/^[a-z0-9_]+$/);
        for (const t of first.split) expect(t).toMatch(/^[a-z0-9]+$/);
        if (first.fts) for (const t of first.fts.split(' ')) expect(t).toMatch(/^[a-z0-9]+$/);
        const q = first.query ? first.query.split(' ') : [];
        expect(new Set(q).size).toBe(q.length);
        for (const t of q) expect(t).toMatch(/^[a-z0-9]+$/);
        // Queries and the index agree: every query word of a text is a word of its FTS text.
        const ftsWords = new Set(first.fts.split(' '));
        for (const t of q) expect(ftsWords.has(t), `${t} of ${JSON.stringify(text)} is not in its FTS text`).toBe(true);
      }),
      params(1500),
    );
  });
});

describe("a buffer's imports, read on a request", () => {
  it('gives up on a garbage buffer rather than hold the request, and the next buffer of the language parses right', async () => {
    // 160,000 characters of `::a` in a C# buffer: tree-sitter's error recovery took 1.8 s on it.
    const garbage = `using System;\n${'crate' + '::a'.repeat(53_000)}\n`;
    const refs = await importsOfText(garbage, 'csharp');
    // Cut short (null), or, on a machine fast enough, read whole.
    if (refs) expect(refs.map((r) => r.specifier)).toContain('System');
    // A parse cut short must not be resumed by the next one (tree-sitter resumes unless reset).
    const next = await importsOfText('using System.Text;\nusing Acme.Billing;\n\nclass A {}\n', 'csharp');
    expect(next?.map((r) => r.specifier)).toEqual(['System.Text', 'Acme.Billing']);
  });

  it('does not parse a buffer nested thousands deep, which ran the runtime out of memory for good', async () => {
    // 13,000 lines of unclosed generics: tree-sitter's WebAssembly aborted, and refused every later
    // parse of the process (each /context after it failed with `Aborted()`).
    const nested = `import { A } from './a';\nconst m: ${'Map<String,\n'.repeat(13_000)}`;
    expect(await importsOfText(nested, 'typescript')).toBeNull();
    const next = await importsOfText("import { B } from './b';\nlet x: Map<string, Array<number>> = new Map();\n", 'typescript');
    expect(next?.map((r) => r.specifier)).toEqual(['./b']);
  });
});
