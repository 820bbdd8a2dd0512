import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config/schema.js';
import { isCvuError } from '../../core/errors.js';
import { estimateTokens } from '../../core/tokens.js';
import type { Snippet } from '../../protocol/snippet.js';
import {
  buildChatPrompt,
  citedSnippets,
  DEFAULT_TEMPLATES,
  extractCitations,
  fillTemplate,
  parseRefactorAnswer,
  resolveTemplates,
} from '../../prompts/index.js';

const snippets: Snippet[] = [
  { path: 'src/price.ts', startLine: 3, endLine: 5, text: 'export function price(n: number) {\n  return n * 2;\n}', score: 1, source: 'symbol' },
  { path: 'lib/tax.py', startLine: 10, endLine: 11, text: 'def tax(x):\n    return x * 0.2', score: 0.5, source: 'fts' },
];
const code = 'export function total(items: number[]) {\n  return items.map(price).reduce((a, b) => a + b, 0);\n}';

describe('buildChatPrompt', () => {
  it('explains: system + user with the fenced code, its language and path, and path-headed snippets', () => {
    const { messages, usedSnippets, codeRange } = buildChatPrompt({ feature: 'explain', path: 'src/cart.ts', language: 'typescript', code, codeStartLine: 20, snippets });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0].content).toContain('path:start-end');
    const user = messages[1].content;
    expect(user).toContain('Explain this typescript code from src/cart.ts');
    expect(user).toContain('```typescript\n' + code + '\n```');
    expect(user).toContain('src/price.ts:3-5\n```typescript\nexport function price(n: number) {');
    expect(user).toContain('lib/tax.py:10-11\n```python\ndef tax(x):');
    expect(user.indexOf('src/price.ts:3-5')).toBeLessThan(user.indexOf('lib/tax.py:10-11'));
    expect(user).not.toMatch(/\{(question|context|code)\}/);
    expect(user).not.toMatch(/\n\n\n/);
    expect(user.endsWith('```')).toBe(true); // no question: the empty {question} line is gone
    expect(usedSnippets).toEqual(snippets);
    expect(codeRange).toEqual({ startLine: 20, endLine: 22 });
  });

  it('takes the language from the path when none is given, and adds the question', () => {
    const { messages } = buildChatPrompt({ feature: 'explain', path: 'tools/run.py', code: 'print(1)', question: 'Why print?' });
    expect(messages[1].content).toContain('```python\nprint(1)\n```');
    expect(messages[1].content.endsWith('\n\nWhy print?')).toBe(true);
  });

  it('refactors: the instruction, and a request for the replacement code only in one fenced block', () => {
    const { messages } = buildChatPrompt({ feature: 'refactor', path: 'src/cart.ts', language: 'typescript', code, instruction: 'use a for loop' });
    const user = messages[1].content;
    expect(user).toContain('Instruction: use a for loop');
    expect(user).toMatch(/replacement code only, in one fenced typescript code block/);
    const byDefault = buildChatPrompt({ feature: 'refactor', path: 'src/cart.ts', code }).messages[1].content;
    expect(byDefault).toMatch(/Instruction: \S/);
  });

  it('asks: the question and the snippets, no empty code block', () => {
    const { messages } = buildChatPrompt({ feature: 'ask', question: 'Where is tax computed?', snippets });
    const user = messages[1].content;
    expect(user).toContain('Question: Where is tax computed?');
    expect(user).toContain('lib/tax.py:10-11');
    expect(user).not.toContain('```\n\n```');
    expect(user.startsWith('Code from the repository')).toBe(true);
  });

  it('uses template overrides from config.prompts; null keeps the default', () => {
    const config = resolveConfig({ prompts: { system: 'You review {language}.', explain: 'In {path}:\n{code}\nQ: {question}\n{context}', ask: null } });
    const t = resolveTemplates(config.prompts);
    expect(t.ask).toBe(DEFAULT_TEMPLATES.ask);
    const { messages } = buildChatPrompt({ feature: 'explain', path: 'src/a.go', language: 'go', code: 'x := 1', question: 'why?', templates: config.prompts });
    expect(messages[0].content).toBe('You review go.');
    expect(messages[1].content).toBe('In src/a.go:\n```go\nx := 1\n```\nQ: why?');
  });

  it('fills placeholders once: code that contains a placeholder stays as it is', () => {
    const { messages } = buildChatPrompt({ feature: 'explain', path: 'a.ts', code: 'const s = "{question}";', question: 'Q?' });
    expect(messages[1].content).toContain('const s = "{question}";');
    expect(fillTemplate('a\n\n{context}\n\nb {x}', {})).toBe('a\n\nb {x}');
  });

  it('fences code that itself holds a fence', () => {
    const md = 'Example:\n```js\nx()\n```';
    const { messages } = buildChatPrompt({ feature: 'explain', path: 'README.md', code: md });
    expect(messages[1].content).toContain('````markdown\n' + md + '\n````');
  });

  it('drops snippets from the end first to fit the budget', () => {
    const many: Snippet[] = Array.from({ length: 10 }, (_, i) => ({
      path: `src/s${i}.ts`, startLine: 1, endLine: 20, text: `export const s${i} = 1; // ${'x'.repeat(300)}`, score: 1, source: 'fts',
    }));
    const full = buildChatPrompt({ feature: 'explain', path: 'a.ts', code, snippets: many });
    const budget = full.promptTokens - 200;
    const r = buildChatPrompt({ feature: 'explain', path: 'a.ts', code, snippets: many, budgetTokens: budget, counter: estimateTokens });
    expect(r.promptTokens).toBeLessThanOrEqual(budget);
    expect(r.usedSnippets).toEqual(many.slice(0, r.usedSnippets.length));
    expect(r.usedSnippets.length).toBeLessThan(10);
    expect(r.usedSnippets.length).toBeGreaterThan(5);
    expect(r.trimmedCodeLines).toBe(0);
  });

  it('then trims the code around the selection, and never cuts a refactor’s selection', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `const line${i + 1} = ${i + 1}; // some padding text`);
    const big = lines.join('\n');
    const input = { feature: 'explain' as const, path: 'a.ts', code: big, codeStartLine: 1, selection: { startLine: 100, endLine: 110 }, snippets };
    const r = buildChatPrompt({ ...input, budgetTokens: 1200 });
    expect(r.promptTokens).toBeLessThanOrEqual(1200);
    expect(r.usedSnippets).toEqual([]);
    expect(r.trimmedCodeLines).toBeGreaterThan(0);
    expect(r.codeRange!.startLine).toBeLessThanOrEqual(100);
    expect(r.codeRange!.endLine).toBeGreaterThanOrEqual(110);
    // Trimmed from both sides, around the selection.
    expect(r.codeRange!.startLine).toBeGreaterThan(1);
    expect(r.codeRange!.endLine).toBeLessThan(200);
    expect(Math.abs(100 - r.codeRange!.startLine - (r.codeRange!.endLine - 110))).toBeLessThanOrEqual(1);
    expect(r.messages[1].content).toContain('const line100 = 100;');
    expect(r.messages[1].content).not.toContain('const line1 = 1;');

    // Explain may lose the selection's end; a refactor may not.
    const tiny = buildChatPrompt({ ...input, budgetTokens: 200 });
    expect(tiny.promptTokens).toBeLessThanOrEqual(200);
    expect(tiny.codeRange!.startLine).toBe(100);
    expect(tiny.codeRange!.endLine).toBeLessThan(110);
    let err: unknown;
    try {
      buildChatPrompt({ ...input, feature: 'refactor', budgetTokens: 200 });
    } catch (e) {
      err = e;
    }
    expect(isCvuError(err, 'CVU_ERR_BAD_REQUEST')).toBe(true);
  });
});

describe('citations', () => {
  const answer = [
    'The total comes from `src/price.ts:3-5`, and tax from lib/tax.py:10.',
    'See also (price.ts:4) and src/price.ts:3-5 again, lib/other.ts:1-2, ./lib/tax.py:11–11.',
    'Not citations: http://localhost:8080/x, note:3, time 10:30.',
  ].join('\n');

  it('extracts path:start-end references and matches them to the given snippets', () => {
    const found = extractCitations(answer, snippets);
    expect(found.map((c) => [c.path, c.startLine, c.endLine, c.snippet?.path ?? null])).toEqual([
      ['src/price.ts', 3, 5, 'src/price.ts'],
      ['lib/tax.py', 10, 10, 'lib/tax.py'],
      ['price.ts', 4, 4, 'src/price.ts'],
      ['lib/other.ts', 1, 2, null],
      ['lib/tax.py', 11, 11, 'lib/tax.py'],
    ]);
    expect(found[0].text).toBe('src/price.ts:3-5');
  });

  it('lists the cited snippets once each, in order of first citation', () => {
    expect(citedSnippets(answer, snippets)).toEqual([snippets[0], snippets[1]]);
    expect(citedSnippets('nothing cited', snippets)).toEqual([]);
    expect(citedSnippets('src/price.ts:40-50 is outside the snippet', snippets)).toEqual([]);
  });

  it('splits a refactor answer into the replacement and the explanation', () => {
    const a = parseRefactorAnswer('```ts\nconst x = 1;\nconst y = 2;\n```\n\nSplit the declaration.');
    expect(a).toEqual({ replacement: 'const x = 1;\nconst y = 2;', explanation: 'Split the declaration.' });
    const crlf = parseRefactorAnswer('Here:\r\n~~~python\r\nx = 1\r\n~~~\r\nDone.');
    expect(crlf).toEqual({ replacement: 'x = 1', explanation: 'Here:\n\nDone.' });
    expect(parseRefactorAnswer('I cannot.')).toEqual({ replacement: null, explanation: 'I cannot.' });
  });
});
