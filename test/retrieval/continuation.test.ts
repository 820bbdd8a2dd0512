/**
 * Issue 14, which member comes next: what followed lines like the cursor's neighbours in other
 * files and in the buffer (retrieval/continuation.ts), through the real indexer and cursor retrieval.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { indexedWorkspace } from '../helpers/indexed-workspace.js';
import { before } from '../helpers/order.js';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

const reply = [
  'export class Reply {',
  '  header(name: string, value: string): Reply { return this; }',
  '  code(status: number): Reply { return this; }',
  '  send(body: string): void {}',
  '  redirect(url: string): void {}',
  '  type(mime: string): Reply { return this; }',
  '  serializer(fn: (x: unknown) => string): Reply { return this; }',
  '}',
  '',
  'export function makeReply(): Reply { return new Reply(); }',
  '',
].join('\n');

/** A test that redirects: `redirect` is the member more files use. */
const redirecting = (n: number) => [
  "import { makeReply } from '../lib/reply';",
  '',
  `export function redirects${n}(): void {`,
  '  const reply = makeReply();',
  `  reply.redirect('/next/${n}');`,
  '}',
  '',
].join('\n');

/** The pending receiver `reply` typed `Reply` (by makeReply's return type), one member written, the next line blank. */
const buffer = (between: string[]) => [
  "import { makeReply } from '../lib/reply';",
  '',
  ...between,
  'export function answers(): void {',
  '  const reply = makeReply();',
  "  reply.header('content-type', 'text/plain');",
  '  ',
  "  reply.send('ok');",
  '}',
  '',
];
const cursorLine = (lines: string[]) => lines.indexOf('  ');

async function memberOrder(tree: Record<string, string>, lines: string[]): Promise<string[]> {
  const indexed = await indexedWorkspace({ 'lib/reply.ts': reply, 'test/a.test.ts': redirecting(1), 'test/b.test.ts': redirecting(2), 'test/c.test.ts': redirecting(3), ...tree }, 'cvu-next-');
  cleanup = indexed.close;
  const { snippets } = await indexed.ws.context({ path: 'test/new.test.ts', text: lines.join('\n'), position: { line: cursorLine(lines), character: 2 }, budgetTokens: 400 });
  return snippets.filter((s) => s.path === 'lib/reply.ts').map((s) => `${s.path}:${s.startLine}`);
}

/**
 * `toBytes`, `encodeUtf8`, ten helpers, and the one file where `return encodeUtf8(bytes)` follows
 * `const bytes = toBytes(value)`.
 */
const encoding: Record<string, string> = {
  'lib/utf8.ts': 'export function encodeUtf8(bytes: number[]): string {\n  return String.fromCharCode(...bytes);\n}\n',
  'lib/bytes.ts': 'export function toBytes(value: string): number[] {\n  return [...value].map((c) => c.charCodeAt(0));\n}\n',
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`lib/h${i}.ts`, `export function helper${i}(x: number): number {\n  return x + ${i};\n}\n`])),
  'src/names.ts': [
    "import { toBytes } from '../lib/bytes';",
    "import { encodeUtf8 } from '../lib/utf8';",
    '',
    'export function nameOf(value: string): string {',
    '  const bytes = toBytes(value);',
    '  return encodeUtf8(bytes);',
    '}',
    '',
  ].join('\n'),
};

describe('what followed lines like the cursor’s neighbours', () => {
  const code = 'lib/reply.ts:3';
  const others = ['lib/reply.ts:5', 'lib/reply.ts:6', 'lib/reply.ts:7'];

  it('in another file: the member that came after the same call there comes first', async () => {
    // Another test sets a header, then the status code, then sends, then redirects; three others
    // redirect: the similar code names both, and more files use `redirect`.
    const order = await memberOrder({
      'test/status.test.ts': [
        "import { makeReply } from '../lib/reply';",
        '',
        'export function created(): void {',
        '  const reply = makeReply();',
        "  reply.header('content-type', 'application/json');",
        '  reply.code(201);',
        "  reply.send('{}');",
        "  reply.redirect('/created');",
        '}',
        '',
      ].join('\n'),
    }, buffer([]));
    expect(order).toContain(code);
    for (const other of others) expect(before(order, code, other)).toBe(true);
  });

  it('in the buffer itself, away from the cursor', async () => {
    const order = await memberOrder({}, buffer([
      'export function created(): void {',
      '  const reply = makeReply();',
      "  reply.header('content-type', 'application/json');",
      '  reply.code(201);',
      "  reply.send('{}');",
      '}',
      '',
    ]));
    expect(order).toContain(code);
    for (const other of others) expect(before(order, code, other)).toBe(true);
  });

  it('reads a member named like a keyword (`reply.type(…)`) as the name that came next', async () => {
    const accepts = (name: string, next: string[]) => [
      "import { makeReply } from '../lib/reply';",
      '',
      `export function ${name}(): void {`,
      '  const reply = makeReply();',
      "  reply.header('accept', 'text/html');",
      ...next,
      "  reply.send('<p>');",
      '}',
      '',
    ];
    const order = await memberOrder({ 'test/html.test.ts': accepts('page', ["  reply.type('text/html');"]).join('\n') }, accepts('answers', ['  ']));
    const type = 'lib/reply.ts:6';
    expect(order).toContain(type);
    for (const other of ['lib/reply.ts:3', 'lib/reply.ts:5', 'lib/reply.ts:7']) expect(before(order, type, other)).toBe(true);
  });

  it('offers a function the buffer never names when it followed such a line elsewhere', async () => {
    const indexed = await indexedWorkspace({
      ...encoding,
      // The ten helpers: the files importing `toBytes` import them too (co-occurrence), none right after it.
      ...Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`src/use${i}.ts`, [
        "import { toBytes } from '../lib/bytes';",
        ...Array.from({ length: 10 }, (_, j) => `import { helper${j} } from '../lib/h${j}';`),
        '',
        `export function use${i}(value: string): number {`,
        '  const bytes = toBytes(value);',
        '  const size = bytes.length;',
        `  return ${Array.from({ length: 10 }, (_, j) => `helper${j}(size)`).join(' + ')};`,
        '}',
        '',
      ].join('\n')])),
    }, 'cvu-next-');
    cleanup = indexed.close;
    // No import of encodeUtf8 here: the line being written is its first use.
    const lines = ["import { toBytes } from '../lib/bytes';", '', 'export function label(value: string): string {', '  const bytes = toBytes(value);', '  ', '}', ''];
    const { snippets } = await indexed.ws.context({ path: 'src/label.ts', text: lines.join('\n'), position: { line: 4, character: 2 }, budgetTokens: 200 });
    const order = snippets.map((s) => `${s.path}:${s.startLine}`);
    expect(order).toContain('lib/utf8.ts:1');
    for (let j = 0; j < 10; j++) if (order.includes(`lib/h${j}.ts:1`)) expect(before(order, 'lib/utf8.ts:1', `lib/h${j}.ts:1`)).toBe(true);
  });

  it('reads, for a name not written yet, the code most like the neighbour lines alone', async () => {
    const sum = Array.from({ length: 10 }, (_, j) => `helper${j}(${j})`).join(' + ');
    const helperImports = Array.from({ length: 10 }, (_, j) => `import { helper${j} } from '../lib/h${j}';`);
    const indexed = await indexedWorkspace({
      ...encoding,
      // Sixteen files like the rest of the cursor's window (the same sum of helpers): the window's
      // best full-text hits, none of them with a line like the one above the cursor.
      ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`src/sum${i}.ts`, [
        "import { toBytes } from '../lib/bytes';",
        ...helperImports,
        '',
        `export function sum${i}(): number {`,
        `  const total = ${sum};`,
        '  return total;',
        '}',
        '',
      ].join('\n')])),
    }, 'cvu-next-');
    cleanup = indexed.close;
    const lines = ["import { toBytes } from '../lib/bytes';", ...helperImports, '', 'export function label(value: string): string {', `  const total = ${sum};`, '  const bytes = toBytes(value);', '  ', '}', ''];
    const { snippets } = await indexed.ws.context({ path: 'src/label.ts', text: lines.join('\n'), position: { line: lines.indexOf('  '), character: 2 }, budgetTokens: 200 });
    expect(snippets.map((s) => `${s.path}:${s.startLine}`)).toContain('lib/utf8.ts:1');
  });

  it('reads hostile lines in a bounded time: an unclosed quote before a thousand backslashes, a 200 KB line', () => {
    // A real workspace and `/context` in a child process with a time limit: a regular expression that
    // backtracks would hang this thread, where no test timeout can stop it.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const code = `
      const { indexedWorkspace } = await import(${JSON.stringify(path.resolve(here, '../helpers/indexed-workspace.ts'))});
      const hostile = "'" + '\\\\'.repeat(490) + 'x';
      const reply = 'export class Reply {\\n  header(name: string): void {}\\n  code(status: number): void {}\\n}\\nexport function makeReply(): Reply { return new Reply(); }\\n';
      const body = ["import { makeReply } from '../lib/reply';", 'export function f(name: string): void {', '  const reply = makeReply();', hostile, '  reply.header(name);', '  reply.code(201);', hostile, 'x'.repeat(200000), '', '  reply.header(name);', '  ', hostile, '}', ''];
      const indexed = await indexedWorkspace({ 'lib/reply.ts': reply, 'src/hostile.ts': body.join('\\n') });
      const { snippets } = await indexed.ws.context({ path: 'src/new.ts', text: body.join('\\n'), position: { line: body.indexOf('  '), character: 2 } });
      console.log(JSON.stringify(snippets.map((s) => s.path + ':' + s.startLine)));
      await indexed.close();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, 'killed at the time limit').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    // Answered, with the member that followed `reply.header(name)` above.
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toContain('lib/reply.ts:3');
  });
});
