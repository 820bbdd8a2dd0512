import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../workspace/workspace.js';
import type { ContextTimings } from '../../retrieval/context.js';
import { typeNamedLike, typesInFileName } from '../../retrieval/type-names.js';
import { parallelDefinitions, siblingsOf } from '../../retrieval/offered-definitions.js';
import { nearCursor } from '../../retrieval/similar-code.js';
import { readableLines } from '../../retrieval/cursor-context.js';
import { nameLineIndex } from '../../retrieval/snippets.js';
import { writeTree } from '../helpers/temp.js';
import { indexedWorkspace as indexedWorkspaceOf } from '../helpers/indexed-workspace.js';
import { before } from '../helpers/order.js';

const TREE = {
  'src/geometry/shapes.ts': `export interface Shape {
  area(): number;
}

export class Circle implements Shape {
  constructor(readonly radius: number) {}
  area(): number {
    return Math.PI * this.radius ** 2;
  }
}

export class Square implements Shape {
  constructor(readonly side: number) {}
  area(): number {
    return this.side * this.side;
  }
}
`,
  'src/geometry/measure.ts': `import { Circle, type Shape } from './shapes.js';

export function totalArea(shapes: Shape[]): number {
  return shapes.reduce((sum, s) => sum + s.area(), 0);
}

export function largestCircle(circles: Circle[]): Circle | undefined {
  return [...circles].sort((a, b) => b.radius - a.radius)[0];
}
`,
  'src/other/measure-copy.ts': `export function totalArea(values: number[]): number {
  return values.length;
}
`,
  'src/app.ts': `import { totalArea } from './geometry/measure.js';
import { Circle } from './geometry/shapes.js';

export function report(): string {
  const shapes = [new Circle(1), new Circle(2)];
  const area = totalArea(shapes);
  return \`area \${area}\`;
}
`,
};

/** A workspace of `tree`, indexed (full-text only), in temp folders that `close` removes. */
const indexedWorkspace = (tree: Record<string, string>) => indexedWorkspaceOf(tree, 'cvu-ctx-');

/** Runs `fn` on a workspace indexed from `tree`, and closes it whatever happens. */
async function inWorkspace(tree: Record<string, string>, fn: (ws: Workspace) => Promise<void>): Promise<void> {
  const { ws, close } = await indexedWorkspace(tree);
  try {
    await fn(ws);
  } finally {
    await close();
  }
}

/** Where the definition snippets of `/context` for `lines` (as `file`) start, in order: `path:line`, the path less `strip`. */
async function definitionLines(ws: Workspace, file: string, lines: string[], position: { line: number; character: number }, strip = ''): Promise<string[]> {
  const { snippets } = await ws.context({ path: file, text: lines.join('\n'), position, budgetTokens: 400 });
  return snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path.replace(strip, '')}:${s.startLine}`);
}

/** The Java package the tests below write their classes into, and a class with one static method to rank others against. */
const JAVA = 'src/main/java/p/';
const JAVA_HELPER = { [`${JAVA}Helper.java`]: 'package p;\n\npublic class Helper {\n  public static void start() {}\n}\n' };

describe('cursor context (POST /context)', () => {
  let root: string;
  let ws: Workspace;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ root, ws, close } = await indexedWorkspace(TREE));
  });
  afterEach(() => close());

  it('hands the definitions the code at the cursor uses, from other files, signatures first', async () => {
    const { snippets, tokens } = await ws.context({ path: 'src/app.ts', position: { line: 6, character: 2 }, budgetTokens: 400 });
    expect(tokens).toBeGreaterThan(0);
    expect(tokens).toBeLessThanOrEqual(400);
    expect(snippets.every((s) => s.path !== 'src/app.ts')).toBe(true);
    const paths = snippets.map((s) => `${s.path}:${s.startLine}`);
    // The imported totalArea ranks above the same name in a file app.ts does not import.
    expect(paths).toContain('src/geometry/measure.ts:3');
    expect(paths.indexOf('src/geometry/measure.ts:3')).toBeLessThan(paths.indexOf('src/other/measure-copy.ts:1') === -1 ? Infinity : paths.indexOf('src/other/measure-copy.ts:1'));
    const circle = snippets.find((s) => s.symbol === 'Circle');
    expect(circle).toMatchObject({ path: 'src/geometry/shapes.ts', startLine: 5, source: 'symbol' });
    // A long definition is shown by its signature, not its body.
    expect(circle!.text.split('\n')[0]).toBe('export class Circle implements Shape {');
    // Each snippet is its lines of the file, less the indentation they share (a method costs what a function does).
    for (const s of snippets) {
      const lines = ws_lines(root, s.path).slice(s.startLine - 1, s.endLine);
      const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
      expect(s.text).toBe(lines.map((l) => l.slice(indent)).join('\n'));
    }
    expect(snippets.find((s) => s.symbol === 'area' && s.path === 'src/geometry/shapes.ts')?.text.startsWith('area(): number {')).toBe(true);
  });

  it('reads a minified line around the cursor only, and other long lines by their start', async () => {
    // One line of a bundle: the call the cursor follows is read, a name 100,000 characters off is not.
    const filler = Array.from({ length: 20_000 }, (_, i) => `v${i}()`).join(';');
    const line = `import { totalArea } from './geometry/measure.js';${filler};Circle.name;${filler};const a = totalArea(shapes); `;
    const at = line.length;
    const { snippets } = await ws.context({ path: 'src/bundle.js', text: line, position: { line: 0, character: at }, budgetTokens: 400 });
    const paths = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    // totalArea, written at the cursor, before Circle, written only far off (the folder's other definitions may still offer it).
    const [written, far] = [paths.indexOf('src/geometry/measure.ts:3'), paths.indexOf('src/geometry/shapes.ts:5')];
    expect(written).toBeGreaterThanOrEqual(0);
    if (far >= 0) expect(written).toBeLessThan(far);
  });

  it('uses the unsaved buffer, not the file on disk', async () => {
    const text = `import { largestCircle } from './geometry/measure.js';\n\nexport function biggest() {\n  return largestCircle([]);\n}\n`;
    const { snippets } = await ws.context({ path: 'src/app.ts', text, position: { line: 3, character: 2 } });
    expect(snippets[0]).toMatchObject({ path: 'src/geometry/measure.ts', symbol: 'largestCircle', source: 'symbol' });
  });

  it('never exceeds the budget and drops overlapping snippets', async () => {
    for (const budget of [1, 10, 50, 200]) {
      const { snippets, tokens } = await ws.context({ path: 'src/app.ts', position: { line: 5, character: 0 }, budgetTokens: budget });
      expect(tokens).toBeLessThanOrEqual(budget);
      const sum = snippets.reduce((a, s) => a + Math.ceil(s.text.length / 4), 0);
      expect(sum).toBe(tokens);
      for (const a of snippets) for (const b of snippets) {
        if (a !== b && a.path === b.path) expect(a.endLine < b.startLine || b.endLine < a.startLine).toBe(true);
      }
    }
  });

  it('includes regions edited recently in other files', async () => {
    writeTree(root, { 'src/geometry/shapes.ts': TREE['src/geometry/shapes.ts'] + '\nexport const UNIT_SQUARE = new Square(1);\n' });
    await ws.update(['src/geometry/shapes.ts']);
    const { snippets } = await ws.context({ path: 'src/other/measure-copy.ts', position: { line: 1, character: 0 }, budgetTokens: 2000 });
    expect(snippets.some((s) => s.source === 'recent' && s.path === 'src/geometry/shapes.ts' && s.text.includes('UNIT_SQUARE'))).toBe(true);
  });

  it('answers for a position past the end of a short buffer and for an empty one', async () => {
    // An empty buffer names nothing: no definitions, and never the file itself; whatever else comes fits the budget.
    const empty = await ws.context({ path: 'src/app.ts', text: '', position: { line: 0, character: 0 }, budgetTokens: 300 });
    expect(empty.snippets.filter((s) => s.source === 'symbol' || s.path === 'src/app.ts')).toEqual([]);
    expect(empty.tokens).toBeLessThanOrEqual(300);
    expect((await ws.context({ path: 'src/new-file.ts', text: 'totalArea(', position: { line: 99, character: 0 } })).snippets[0]?.symbol).toBe('totalArea');
  });

  it('reports where its time went when asked', async () => {
    const timings: ContextTimings = {};
    await ws.context({ path: 'src/app.ts', position: { line: 5, character: 0 }, timings });
    for (const part of ['fts', 'vector', 'imports', 'definitions', 'total'] as const) expect(timings[part], part).toBeGreaterThanOrEqual(0);
    expect(timings.total!).toBeGreaterThanOrEqual(Math.max(timings.fts!, timings.definitions!));
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(ws.context({ path: 'src/app.ts', position: { line: 5, character: 0 }, signal: ac.signal })).rejects.toMatchObject({ code: 'CVU_ERR_ABORTED' });
  });
});

function ws_lines(root: string, rel: string): string[] {
  return fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
}

describe('the lines the buffer is read by', () => {
  it('cuts a line past 4,000 characters to its start, the cursor line to the characters around the cursor', () => {
    const long = 'x'.repeat(10_000);
    const same = ['a', 'b'];
    expect(readableLines(same, 0, 1)).toEqual({ lines: same, column: 1 });
    const { lines, column } = readableLines([long, `${long}CURSOR${long}`, 'c'], 1, 10_000);
    expect(lines[0]).toBe(long.slice(0, 4000));
    expect(lines[1].length).toBe(4000);
    expect(lines[1].slice(column, column + 6)).toBe('CURSOR');
    expect(lines[2]).toBe('c');
    // Near the line's start, its first 4,000 characters, the column unmoved.
    expect(readableLines([`ab${long}`], 0, 1)).toEqual({ lines: [`ab${long}`.slice(0, 4000)], column: 1 });
  });
});

describe('the vector query', () => {
  // 30 lines of 40 characters: the 16-line window (12 above, 3 below) is 655 characters.
  const lines = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(2, '0')} `.padEnd(40, 'x'));

  it('embeds the lines nearest the cursor, the cursor line first, within its characters', () => {
    const q = nearCursor(lines, 20, 400);
    expect(q.length).toBeLessThanOrEqual(400);
    // 9 lines fit: the cursor line, then one above and one below by turns while below lasts (3), then above.
    expect(q.split('\n').map((l) => Number(l.slice(5, 7)))).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(nearCursor(lines, 20, 10_000).split('\n')).toHaveLength(16);
  });

  it('keeps to the buffer at its edges and cuts a cursor line longer than the limit', () => {
    expect(nearCursor(lines, 0, 200).split('\n').map((l) => l.slice(5, 7))).toEqual(['00', '01', '02', '03']);
    expect(nearCursor(lines, 29, 10_000).split('\n')).toHaveLength(13);
    expect(nearCursor(['x'.repeat(5000)], 0, 400)).toHaveLength(400);
    // A minified line: the text around the cursor's column, most of it before the column.
    const minified = Array.from({ length: 1000 }, (_, i) => `f${i};`).join('');
    const around = nearCursor([minified], 0, 400, minified.indexOf('f500;'));
    expect(around).toHaveLength(400);
    expect(around.indexOf('f500;')).toBe(300);
    expect(nearCursor([minified], 0, 400, minified.length).endsWith('f999;')).toBe(true);
    expect(nearCursor([], 0, 400)).toBe('');
  });
});

describe('cursor context: how the file refers to other code', () => {
  const tree = {
    // A barrel re-exports what the leaf files define.
    'src/types/index.ts': "export { Int8, Int16, Int32, Float32, Float64 } from './numbers.js';\nexport * from './strings.js';\n",
    'src/types/numbers.ts': [
      'export class Int8 { bits = 8; }',
      'export class Int16 { bits = 16; }',
      'export class Int32 { bits = 32; }',
      'export class Float32 { bits = 32; }',
      'export class Float64 { bits = 64; }',
      '',
    ].join('\n'),
    'src/types/strings.ts': 'export class Utf8 { encoding = "utf-8"; }\nexport class LargeUtf8 { encoding = "utf-8"; }\n',
    // A barrel with a line a name, in its own order.
    'src/types/ordered.ts': ["export { Int8 } from './numbers.js';", "export { Int16 } from './numbers.js';", "export { Utf8 } from './strings.js';", "export { Int32 } from './numbers.js';", ''].join('\n'),
    // The same names elsewhere, in files the code at the cursor does not import.
    'src/legacy/numbers.ts': 'export class Int8 { legacy = true; }\nexport class Float64 { legacy = true; }\nexport class Utf8 { legacy = true; }\n',
    'src/codec/reader.ts': 'export function decode(bytes: Uint8Array): string {\n  return String(bytes.length);\n}\n',
    'src/codec/writer.ts': 'export function decode(text: string): Uint8Array {\n  return new Uint8Array(text.length);\n}\n',
  };
  let root: string;
  let ws: Workspace;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ root, ws, close } = await indexedWorkspace(tree));
  });
  afterEach(() => close());

  /** The snippets for `file` saved as `lines`, at `position`. */
  const ask = async (file: string, lines: string[], position: { line: number; character: number }, budgetTokens: number) => {
    const text = lines.join('\n');
    writeTree(root, { [file]: text });
    await ws.sync();
    return (await ws.context({ path: file, text, position, budgetTokens })).snippets;
  };
  const where = (s: { path: string; startLine: number }) => `${s.path}:${s.startLine}`;
  const at = async (file: string, lines: string[], line: number, budgetTokens = 60) => (await ask(file, lines, { line, character: 0 }, budgetTokens)).map(where);
  /** Definitions only: in a tree this small, full-text hits show every file and would pass for them. */
  const definitionsAt = async (file: string, lines: string[], position: { line: number; character: number }, budgetTokens = 400) =>
    (await ask(file, lines, position, budgetTokens)).filter((s) => s.source === 'symbol').map(where);

  it('reads the names a comment writes as code, and not the words of its prose', async () => {
    writeTree(root, {
      'src/net/frames.ts': 'export function decodeFrame(bytes: Uint8Array): number {\n  return bytes.length;\n}\n',
      'src/net/parts.ts': 'export function header(): string {\n  return "h";\n}\n\nexport function length(): number {\n  return 1;\n}\n',
    });
    const lines = [
      '/**',
      ' * Reads the header of a frame and its length.',
      ' */',
      'export function read(bytes: Uint8Array) {',
      '  // the frame is whole: decodeFrame(bytes) says how long',
      '  ',
      '}',
    ];
    const got = await at('src/read.ts', lines, 5);
    expect(got[0]).toBe('src/net/frames.ts:1');
    expect(got).not.toContain('src/net/parts.ts:1');
    expect(got).not.toContain('src/net/parts.ts:5');
  });

  it('shows what an exported alias names, not the alias line', async () => {
    writeTree(root, {
      'src/router.js': 'function createRouter (routes) {\n  return routes\n}\n\nmodule.exports.default = createRouter\n',
    });
    const lines = ["const { default: makeRouter } = require('./router')", '', 'function main () {', '  ', '}'];
    const got = await at('src/main.js', lines, 3);
    expect(got).toContain('src/router.js:1');
    expect(got).not.toContain('src/router.js:5');
  });

  it("offers the function that another file's locals, named here, live in", async () => {
    writeTree(root, {
      'test/helper.js': [
        'function waitForTimeout (options) {',
        '  return new Promise((resolve) => setTimeout(resolve, options.ms))',
        '}',
        '',
        'function waitForSteps (options) {',
        '  let left = options.steps',
        '  let done',
        '  const patience = new Promise((resolve) => { done = resolve })',
        '  function stepIn () {',
        '    if (--left === 0) done()',
        '  }',
        '  return { stepIn, patience }',
        '}',
        '',
        'module.exports = { waitForTimeout, waitForSteps }',
        '',
      ].join('\n'),
    });
    // The line destructures what waitForSteps returns; the buffer names only its two locals.
    const lines = ["test('steps', async () => {", '  ', '  stepIn()', '  stepIn()', '  await patience', '})'];
    const definitions = await definitionsAt('test/steps.test.js', lines, { line: 1, character: 2 }, 200);
    // First: before the file's other helper, which the code near the cursor (found by full text) names as much.
    expect(definitions[0]).toBe('test/helper.js:5');
  });

  it("shows one of a name's definitions shaped alike in several files before the other names", async () => {
    const client = 'export function connect(url: string): Client {\n  return new Client(url);\n}\n\nexport class Client {\n  constructor(readonly url: string) {}\n}\n';
    writeTree(root, {
      'src/async/client.ts': client,
      'src/blocking/client.ts': client,
      'src/wasm/client.ts': client,
      'src/util/retry.ts': 'export function retry(times: number): void {\n  void times;\n}\n',
    });
    const lines = ['export function main() {', '  retry(3);', ...Array(9).fill('  step();'), '  const c = connect("a");', '  ', '}'];
    const definitions = await definitionsAt('src/app.ts', lines, { line: 12, character: 2 });
    // One connect (the three say the same), then retry, written farther up; the other two after it.
    expect(definitions.slice(0, 2).filter((d) => d.endsWith('/client.ts:1'))).toHaveLength(1);
    expect(definitions.slice(0, 2)).toContain('src/util/retry.ts:1');
    expect(definitions.filter((d) => d.endsWith('/client.ts:1'))).toHaveLength(3);
  });

  it("offers no neighbours of a constructor: they are its class's members, not the next of a run", async () => {
    writeTree(root, {
      [`${JAVA}Foo.java`]: 'package p;\n\npublic class Foo {\n  private int count;\n\n  public Foo() {}\n\n  public int total() {\n    return count;\n  }\n}\n',
      [`${JAVA}Bar.java`]: 'package p;\n\npublic class Bar {\n  public Bar() {}\n}\n',
    });
    // The cursor line constructs a Foo: its class and constructor first, then Bar (a line up), not Foo's field.
    const lines = ['package p;', '', 'public class UsageTest {', '  public void test() {', '    Bar bar = new Bar();', '    Foo foo = new Foo(', '  }', '}'];
    const got = (await ask('src/test/java/p/UsageTest.java', lines, { line: 5, character: 22 }, 200)).map(where);
    expect(before(got, `${JAVA}Bar.java:3`, `${JAVA}Foo.java:4`)).toBe(true);
  });

  it('anticipates a function before a member of a class the buffer does not name', async () => {
    writeTree(root, {
      'src/net/http.ts': 'export class HttpClient {\n  sendRequest(path: string): string {\n    return path;\n  }\n}\n',
      'src/util/time.ts': 'export function formatTime(t: number): string {\n  return String(t);\n}\n',
      // (Each body starts with a line naming neither: the line after a header like the buffer's says
      // nothing here, retrieval/continuation.ts.)
      'src/jobs/status.ts': "export function pollStatus(api: any, started: number) {\n  const at = started;\n  const reply = api.sendRequest('/status');\n  const stamp = formatTime(at);\n  return reply + stamp;\n}\n",
      'src/jobs/health.ts': "export function pollHealth(api: any, started: number) {\n  const at = started;\n  return api.sendRequest('/health' + at);\n}\n",
    });
    const definitions = await definitionsAt('src/jobs/queue.ts', ['export function pollQueue(api: any, started: number) {', '  ', '}', ''], { line: 1, character: 2 });
    // Similar code calls sendRequest twice as often, but on receivers of a class this file never names.
    expect(definitions).toContain('src/net/http.ts:2');
    expect(definitions.indexOf('src/util/time.ts:1')).toBeGreaterThanOrEqual(0);
    expect(definitions.indexOf('src/util/time.ts:1')).toBeLessThan(definitions.indexOf('src/net/http.ts:2'));
  });

  it('follows a barrel to the file that defines an imported name', async () => {
    const lines = ["import { Float64 } from './types/index.js';", '', 'export function wide() {', '  ', '}', 'const unusedSoFar = 1;'];
    const got = await at('src/use-barrel.ts', lines, 3);
    expect(got[0]).toBe('src/types/numbers.ts:5');
    const legacy = got.indexOf('src/legacy/numbers.ts:2');
    expect(legacy === -1 || legacy > 0).toBe(true);
  });

  it('inside an import list, offers what the file uses from that module but does not import yet', async () => {
    const lines = [
      'import {',
      '    Int8,',
      '    ',
      "} from './types/numbers.js';",
      '',
      ...Array.from({ length: 40 }, (_, i) => `export const filler${i} = ${i};`),
      'export const wide = new Float64();',
    ];
    const got = await at('src/use-list.ts', lines, 2);
    // Next to Int8 itself, which full-text search finds in the window too; far above Float64's first use.
    expect(got.slice(0, 2)).toContain('src/types/numbers.ts:5');
  });

  it('inside an export list, offers what the module exports and the list does not name yet, in the module\'s order', async () => {
    // Utf8 lies between Int16 and Int32 in the barrel; Int8 is the other name not listed yet.
    const got = await at('src/reexport-list.ts', ['export {', '    Int16,', '    ', '    Int32,', "} from './types/ordered.js';"], 2);
    expect(got[0]).toBe('src/types/strings.ts:1');
    expect(got.indexOf('src/types/numbers.ts:1')).toBeGreaterThan(0);
    // A module's own definitions, in a Python import list.
    writeTree(root, { 'shapes.py': 'def circle(r):\n    return r\n\ndef square(s):\n    return s\n\ndef triangle(a, b, c):\n    return a\n\ndef _private():\n    return 0\n' });
    const py = await at('use_shapes.py', ['from shapes import (', '    circle,', '    ', '    triangle,', ')', ''], 2);
    // (circle, listed beside the cursor, is also what full-text search finds most like the window)
    expect(py.slice(0, 2)).toContain('shapes.py:4');
    expect(py.indexOf('shapes.py:4')).toBeLessThan(py.indexOf('shapes.py:7'));
  });

  it('goes on with a run of lines that each name a definition from another file of one folder', async () => {
    const cmd = (name: string) => `export function ${name}Command(argv: string[]): number {\n  return argv.length;\n}\n\nexport function ${name}Helper(): void {}\n`;
    writeTree(root, { 'src/commands/alpha-cmd.ts': cmd('alpha'), 'src/commands/beta-cmd.ts': cmd('beta'), 'src/commands/gamma-cmd.ts': cmd('gamma') });
    const lines = [
      "import { alphaCommand } from './commands/alpha-cmd.js';",
      "import { gammaCommand } from './commands/gamma-cmd.js';",
      '',
      'export const commands = {',
      '  alpha: alphaCommand,',
      '  ',
      '  gamma: gammaCommand,',
      '};',
    ];
    const got = await at('src/registry.ts', lines, 5);
    // beta's command, the one file of the folder the run has not named; not its helper, which ends otherwise.
    expect(got.slice(0, 3)).toContain('src/commands/beta-cmd.ts:1');
    expect(got).not.toContain('src/commands/beta-cmd.ts:5');
  });

  it('tells same-named members apart by the type the buffer gives the receiver', async () => {
    const mailer = (name: string) => `export class ${name} {\n  send(to: string): boolean {\n    return to.length > 0;\n  }\n}\n`;
    writeTree(root, { 'src/mail/a-queue.ts': mailer('QueueMailer'), 'src/mail/z-smtp.ts': mailer('SmtpMailer') });
    const sendFirst = (got: string[]) => got.filter((s) => s.endsWith('.ts:2'))[0];
    const declared = ["import { SmtpMailer } from './mail/z-smtp.js';", '', 'export function notify(mailer: SmtpMailer) {', '  mailer.send("a");', '  ', '}'];
    expect(sendFirst(await at('src/notify.ts', declared, 4))).toBe('src/mail/z-smtp.ts:2');
    // Constructed from a class the file does not import by name (a namespace import of both files).
    const made = ["import * as mail from './mail/index.js';", '', 'export function notify() {', '  const mailer = new mail.SmtpMailer();', '  mailer.send("a");', '  ', '}'];
    writeTree(root, { 'src/mail/index.ts': "export * from './a-queue.js';\nexport * from './z-smtp.js';\n" });
    expect(sendFirst(await at('src/notify-made.ts', made, 5))).toBe('src/mail/z-smtp.ts:2');
  });

  it('judges which names the file defines by the buffer, not by its last indexed version', async () => {
    writeTree(root, { 'src/lib/g.ts': 'export function gamma(): number {\n  return 1;\n}\n', 'src/lib/d.ts': 'export function delta(): number {\n  return 2;\n}\n' });
    // On disk the file defines a local gamma on line 2; the buffer is rewriting that line.
    writeTree(root, { 'src/run.ts': 'export function run() {\n  const gamma = makeGamma();\n  gamma();\n  delta();\n}\n' });
    await ws.sync();
    const text = 'export function run() {\n  \n  gamma();\n  delta();\n}\n';
    const { snippets } = await ws.context({ path: 'src/run.ts', text, position: { line: 1, character: 2 }, budgetTokens: 60 });
    // gamma is written nearer the cursor, and the buffer no longer defines it locally.
    expect(snippets.map((s) => s.path).slice(0, 2)).toEqual(['src/lib/g.ts', 'src/lib/d.ts']);
  });

  it("reads the file's imports from the buffer when its unsaved edits change them", async () => {
    // Saved, the file imports Utf8 from the legacy module; the buffer now imports it from types/.
    writeTree(root, { 'src/encode.ts': "import { Utf8 } from './legacy/numbers.js';\n\nexport function encode() {\n  return new Utf8();\n}\n" });
    await ws.sync();
    const text = "import { Utf8 } from './types/strings.js';\n\nexport function encode() {\n  return new Utf8();\n  \n}\n";
    const { snippets } = await ws.context({ path: 'src/encode.ts', text, position: { line: 4, character: 2 }, budgetTokens: 60 });
    const got = snippets.map((s) => `${s.path}:${s.startLine}`);
    expect(got[0]).toBe('src/types/strings.ts:1');
    expect(got.indexOf('src/legacy/numbers.ts:3')).not.toBe(0);
  });

  it('tells same-named definitions apart by the module a qualifier names', async () => {
    const lines = ["import * as writer from './codec/writer.js';", "import * as reader from './codec/reader.js';", '', 'export function roundTrip(t: string) {', '  const bytes = writer.decode(t);', '  ', '}'];
    const got = await at('src/use-qualifier.ts', lines, 5, 30);
    expect(got[0]).toBe('src/codec/writer.ts:1');
  });

  it('offers the members of a module named just above the cursor', async () => {
    const lines = ["import * as reader from './codec/reader.js';", '', 'export function load(bytes: Uint8Array) {', '  ', '}'];
    await at('src/use-module.ts', lines, 3, 30);
    const { snippets } = await ws.context({ path: 'src/use-module.ts', text: lines.join('\n'), position: { line: 3, character: 2 }, budgetTokens: 30 });
    // Found as the definition of one of the module's members, not only as text like the window's.
    expect(snippets.find((s) => s.path === 'src/codec/reader.ts' && s.startLine === 1)).toMatchObject({ symbol: 'decode', source: 'symbol' });
  });

  it('offers the member of a module named beside the cursor that the enclosing function is named after', async () => {
    const termui = ['def echo(x):', '    pass', '', 'def style(x):', '    pass', '', 'def pause(info=None):', '    pass', '', 'def secho(x):', '    pass', ''].join('\n');
    const test = 'import pkg\n\ndef test_pause_not_blocking():\n    pkg.echo("x")\n    pkg.pause()\n';
    const py = await indexedWorkspaceOf({
      'pkg/__init__.py': 'from .termui import echo, style, pause, secho\n',
      'pkg/termui.py': termui,
      'tests/test_termui.py': 'import pkg\n\ndef test_all():\n    pkg.echo(1)\n    pkg.style(1)\n    pkg.secho(1)\n    pkg.pause()\n',
      'tests/test_pause.py': test,
    });
    try {
      const lines = test.split('\n');
      lines[4] = '    ';
      const { snippets } = await py.ws.context({ path: 'tests/test_pause.py', text: lines.join('\n'), position: { line: 4, character: 4 }, budgetTokens: 60 });
      const order = snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol);
      // Without the enclosing name, style (used by the other test beside pause) would come first.
      expect(order[0]).toBe('pause');
    } finally {
      await py.close();
    }
  });

  /** Six functions imported by name and used 20 lines above the cursor: names written, to rank offered ones against. */
  const FNS = Array.from({ length: 6 }, (_, i) => `export function f${i}(x: number): number {\n  return x + ${i};\n}\n`).join('\n');
  const FNS_USED_FAR_ABOVE = [
    "import { f0, f1, f2, f3, f4, f5 } from './fns.js';",
    '',
    ...Array.from({ length: 6 }, (_, i) => `export const v${i} = f${i}(${i});`),
    ...Array.from({ length: 20 }, (_, i) => `export const k${i} = ${i};`),
  ];

  it('offers the members of a module imported and not used yet, however far above, those other files use most first', async () => {
    const clock = ['export function toSeconds(d: Date): number {', '  return d.getTime() / 1000;', '}', '', 'export function nowSeconds(): number {', '  return Math.round(Date.now() / 1000);', '}', '', 'export function isExpired(at: number): boolean {', '  return at < nowSeconds();', '}', ''].join('\n');
    const user = (n: number) => `import * as clock from './clock.js';\n\nexport function stamp${n}(): number {\n  return clock.nowSeconds();\n}\n`;
    const lines = [
      "import * as clock from './clock.js';",
      ...FNS_USED_FAR_ABOVE,
      'export function sign(id: number) {',
      '  const payload = {',
      '    ',
      '  };',
      '}',
    ];
    await inWorkspace({ 'src/clock.ts': clock, 'src/fns.ts': FNS, 'src/a.ts': user(1), 'src/b.ts': user(2), 'src/sign.ts': '' }, async (ws) => {
      const got = await definitionLines(ws, 'src/sign.ts', lines, { line: lines.length - 3, character: 4 });
      // nowSeconds, reached through the module by two files, before the functions imported by name and
      // used far above (anticipated only, it came after every one of them); isExpired, which no file
      // reaches, after it.
      expect(got.indexOf('src/clock.ts:5')).toBeGreaterThanOrEqual(0);
      expect(got.indexOf('src/clock.ts:5')).toBeLessThan(got.indexOf('src/fns.ts:1'));
      expect(before(got, 'src/clock.ts:5', 'src/clock.ts:9')).toBe(true);
    });
  });

  it('offers the members of an object imported by name and not used yet, after it (not a class\'s)', async () => {
    const migrations = ['export const Migrations = {', '  async runAll(): Promise<void> {', '    await Promise.resolve();', '  },', '', '  version(): number {', '    return 3;', '  },', '};', ''].join('\n');
    const lines = [
      "import { Migrations } from './migrations.js';",
      "import { Store } from './store.js';",
      ...FNS_USED_FAR_ABOVE,
      'export async function init(): Promise<void> {',
      '  ',
      '}',
    ];
    const tree = {
      'src/migrations.ts': migrations,
      'src/store.ts': 'export class Store {\n  open(): void {}\n\n  close(): void {}\n}\n',
      'src/fns.ts': FNS,
      'src/init.ts': '',
    };
    await inWorkspace(tree, async (ws) => {
      const got = await definitionLines(ws, 'src/init.ts', lines, { line: lines.length - 2, character: 2 });
      expect(got.indexOf('src/migrations.ts:2')).toBeGreaterThanOrEqual(0);
      expect(before(got, 'src/migrations.ts:2', 'src/fns.ts:1')).toBe(true);
      // Store, imported and unused too, is shown; its methods wait for a name that calls them.
      expect(got).toContain('src/store.ts:1');
      expect(before(got, 'src/fns.ts:1', 'src/store.ts:2')).toBe(true);
    });
  });

  it('shows both a value and a type of one name in one file (TypeScript\'s `const X = {…} as const` with `type X`)', async () => {
    const mode = ['export const Mode = {', '  Fast: 0,', '  Safe: 1,', '  Strict: 2,', '  Legacy: 3,', '} as const;', '', 'export type Mode = (typeof Mode)[keyof typeof Mode];', ''].join('\n');
    const util = ['alpha', 'beta', 'gamma', 'delta'].map((n) => `export function ${n}(x: number): number {\n  return x;\n}\n`).join('\n');
    const lines = [
      "import { Mode } from './mode.js';",
      "import { alpha, beta, gamma, delta } from './util.js';",
      '',
      'export const n = alpha(beta(gamma(delta(1))));',
      ...Array.from({ length: 20 }, (_, i) => `export const k${i} = ${i};`),
      'export function pick(m: Mode): number {',
      '  ',
      '}',
    ];
    await inWorkspace({ 'src/mode.ts': mode, 'src/util.ts': util, 'src/pick.ts': '' }, async (ws) => {
      const got = await definitionLines(ws, 'src/pick.ts', lines, { line: lines.length - 2, character: 2 });
      // Not taken for an overload, which waits behind every other definition: the type among the first.
      expect(got.indexOf('src/mode.ts:1')).toBeGreaterThanOrEqual(0);
      expect(got.indexOf('src/mode.ts:8')).toBeGreaterThanOrEqual(0);
      expect(before(got, 'src/mode.ts:8', 'src/util.ts:13')).toBe(true);
    });
  });

  it.each<[string, string[]]>([
    ['', []],
    // A comment uses no name: `Utf8` in a doc comment and in a commented-out line leaves it unused.
    [', though comments mention it', ['/** Text columns are `Utf8`; numbers are Int8. */', '// export function text(): Utf8']],
  ])('puts a name imported but not used yet first, however far above the import is%s', async (_label, comments) => {
    const lines = [
      "import { Int8, Utf8 } from './types/index.js';",
      ...comments.slice(0, 1),
      ...Array.from({ length: 60 }, (_, i) => `export const n${i} = new Int8();`),
      ...comments.slice(1),
      'export function text() {',
      '  ',
      '}',
    ];
    const got = await at('src/use-unused.ts', lines, lines.length - 2);
    expect(got[0]).toBe('src/types/strings.ts:1');
  });

  it('puts a name imported but written nowhere else first when the import lies beyond the lines read for names', async () => {
    const lines = [
      "import { Int8, Utf8 } from './types/index.js';",
      "import { totalArea } from './geometry/measure.js';",
      ...Array.from({ length: 700 }, (_, i) => `export const n${i} = new Int8();`),
      'export const area = totalArea([]);',
      'export function text() {',
      '  ',
      '}',
    ];
    const got = await at('src/use-unused-far.ts', lines, lines.length - 2);
    expect(got[0]).toBe('src/types/strings.ts:1');
  });

  it("offers what a long file imports by name even when the uses lie beyond the lines read for names", async () => {
    const lines = [
      "import { Int8, Utf8 } from './types/index.js';",
      'export const small = new Int8();',
      'export const text = new Utf8();',
      ...Array.from({ length: 700 }, (_, i) => `export const n${i} = ${i};`),
      '',
    ];
    const got = await at('src/long.ts', lines, lines.length - 1);
    expect(got).toContain('src/types/numbers.ts:1');
    expect(got).toContain('src/types/strings.ts:1');
    // The Int8 it imports before legacy's, whose one line also defines a field that anticipation
    // offers (`export class Int8 … { legacy = true; }`): credit to the field is none to the class.
    writeTree(root, { 'src/legacy/numbers.ts': 'export class Int8 extends Object { legacy = true; }\nexport class Float64 { legacy = true; }\nexport class Utf8 { legacy = true; }\n' });
    const definitions = await definitionsAt('src/long.ts', lines, { line: lines.length - 1, character: 0 });
    const [imported, legacy] = [definitions.indexOf('src/types/numbers.ts:1'), definitions.indexOf('src/legacy/numbers.ts:1')];
    expect(imported).toBeGreaterThanOrEqual(0);
    if (legacy >= 0) expect(imported).toBeLessThan(legacy);
  });

  it("offers the members a long file reaches through a module it imports when the uses lie beyond the lines read for names", async () => {
    const lines = [
      "import * as codec from './codec/reader.js';",
      'export const first = codec.decode(new Uint8Array(0));',
      ...Array.from({ length: 700 }, (_, i) => `export const n${i} = ${i};`),
      '',
    ];
    const got = await definitionsAt('src/long-codec.ts', lines, { line: lines.length - 1, character: 0 });
    // The reader's decode, the module the qualifier names, first; the writer's of the same name after it if at all.
    const [reader, writer] = [got.indexOf('src/codec/reader.ts:1'), got.indexOf('src/codec/writer.ts:1')];
    expect(reader).toBeGreaterThanOrEqual(0);
    if (writer >= 0) expect(writer).toBeGreaterThan(reader);
  });
});

describe('cursor context: local bindings of other files', () => {
  it('shows a name bound in one function elsewhere, not one bound in several and declared nowhere', async () => {
    await inWorkspace({
      'test/a.test.ts': "export function first() {\n  const payload = JSON.stringify({ a: 1 });\n  return payload.length;\n}\n",
      'test/b.test.ts': "export function second() {\n  const payload = JSON.stringify({ b: 2 });\n  return payload.length;\n}\n",
      'src/cache.ts': 'export function warm() {\n  const evictionWindow = computeWindow();\n  return evictionWindow;\n}\nfunction computeWindow() {\n  return 3;\n}\n',
    }, async (ws) => {
      const text = 'export function third() {\n  const payload = build();\n  const n = evictionWindow + payload.length;\n\n}\n';
      const { snippets } = await ws.context({ path: 'src/third.ts', text, position: { line: 3, character: 2 }, budgetTokens: 400 });
      const definitions = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.symbol} ${s.path}:${s.startLine}`);
      expect(definitions).toContain('evictionWindow src/cache.ts:2');
      expect(definitions.filter((d) => d.startsWith('payload '))).toEqual([]);
    });
  });
});

describe('cursor context: CommonJS', () => {
  it("takes `const x = require('y')` for the import it is, not a definition of x", async () => {
    await inWorkspace({
      'lib/widget.js': 'function Widget (name) {\n  this.name = name\n}\n\nmodule.exports = Widget\n',
      'lib/shop.js': "const Widget = require('./widget')\n\nfunction Shop () {\n  return new Widget('shop')\n}\n\nmodule.exports = Shop\n",
    }, async (ws) => {
      const text = "const Widget = require('../lib/widget')\n\nconst first = new Widget('a')\n\n";
      const { snippets } = await ws.context({ path: 'test/widget.test.js', text, position: { line: 3, character: 0 }, budgetTokens: 200 });
      expect(snippets.filter((s) => s.symbol === 'Widget').map((s) => `${s.path}:${s.startLine}`)).toEqual(['lib/widget.js:1']);
    });
  });
});

describe('cursor context: decorated definitions', () => {
  it('shows the line that names a decorated or annotated definition, not its decorators alone', async () => {
    await inWorkspace({
      'pkg/util.py': '@memoize\n@traced\ndef relative_path(a, b):\n    x = 1\n    y = 2\n    return x\n\n\ndef memoize(f):\n    return f\n\n\ndef traced(f):\n    return f\n',
      'src/Builder.java': 'class Builder {\n  @Deprecated\n  @SuppressWarnings("unchecked")\n  public Builder register(Object adapter) {\n    int a = 1;\n    return this;\n  }\n}\n',
    }, async (ws) => {
      const py = await ws.context({ path: 'pkg/main.py', text: 'from pkg.util import relative_path\n\nrelative_path(1, 2)\n', position: { line: 3, character: 0 }, budgetTokens: 400 });
      const def = py.snippets.find((s) => s.symbol === 'relative_path');
      expect(def?.text).toContain('def relative_path(a, b):');
      expect(def?.startLine).toBe(1);
      const java = await ws.context({ path: 'src/Use.java', text: 'class Use {\n  void go(Builder b) {\n    b.register(null);\n    \n  }\n}\n', position: { line: 3, character: 4 }, budgetTokens: 400 });
      expect(java.snippets.find((s) => s.symbol === 'register')?.text).toContain('public Builder register(Object adapter) {');
    });
  });

  it('finds the line that names a definition past its decorators, the first line when none does', () => {
    const at = (lines: string[], name: string) => nameLineIndex(lines, 1, lines.length, name);
    expect(at(['@memoize', '@cli.command(name="x")', 'def run(x):', '    pass'], 'run')).toBe(2);
    expect(at(['#[cfg(test)]', 'fn run() {'], 'run')).toBe(1);
    // `@run` itself is a decorator, not the definition's line; `rerun` is another name.
    expect(at(['@run', 'def go():'], 'run')).toBe(0);
    expect(at(['@decorate', 'def rerun():', 'def run():'], 'run')).toBe(2);
    expect(at(['export class $Store {'], '$Store')).toBe(0);
    expect(at(['template <class T>', 'T& operator[](int i) {'], 'operator[]')).toBe(1);
    // Within the definition's lines, counted from its first.
    expect(nameLineIndex(['x', '@memoize', 'def run():'], 2, 3, 'run')).toBe(1);
  });
});

describe('cursor context: JavaScript', () => {
  it("ranks a declaration file's types below code for a JavaScript buffer, which cannot use them", async () => {
    await inWorkspace({
      'lib/fastify.js': 'function fastify (opts) {\n  return {}\n}\n\nmodule.exports = fastify\n',
      'types/index.d.ts': 'type Fastify = typeof fastify\ndeclare function fastify (opts?: object): object\n',
      'test/teardown.js': 'function tearDown (app) {\n  return app\n}\n\nmodule.exports = tearDown\n',
    }, async (ws) => {
      const text = ["const Fastify = require('../lib/fastify')", 'tearDown(null)', '', '', 'const app = Fastify()', ''].join('\n');
      const { snippets } = await ws.context({ path: 'test/app.test.js', text, position: { line: 5, character: 0 }, budgetTokens: 400 });
      const order = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
      // Fastify is written nearer the cursor than tearDown, but only a TypeScript type has that name.
      expect(order.indexOf('types/index.d.ts:1')).toBeGreaterThan(order.indexOf('test/teardown.js:1'));
      expect(order.indexOf('test/teardown.js:1')).toBeGreaterThanOrEqual(0);
    });
  });
});

describe('cursor context: receivers', () => {
  it("puts a member after the rest when the receiver's type comes from outside the code base, not when it is the code base's", async () => {
    await inWorkspace({
      'middleware/wrap.go': 'package middleware\n\ntype basicWriter struct{}\n\nfunc (b *basicWriter) Write(p []byte) (int, error) {\n\treturn len(p), nil\n}\n',
      'middleware/render.go': 'package middleware\n\nimport "net/http"\n\nfunc Render(w http.ResponseWriter, s string) {\n}\n',
    }, async (ws) => {
      const order = async (receiver: string) => {
        const lines = ['package middleware', '', `func serve(w ${receiver}) {`, '\tRender(w, "a")', '\ta := 1', '\tb := 2', '\tc := 3', '\td := 4', '\t_ = a + b + c + d', '\tw.Write([]byte("x"))', '', '}'];
        const { snippets } = await ws.context({ path: 'middleware/serve.go', text: lines.join('\n'), position: { line: 10, character: 1 }, budgetTokens: 400 });
        return snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol);
      };
      // Write is written nearer the cursor than Render.
      const external = await order('http.ResponseWriter');
      expect(external.indexOf('Render')).toBeGreaterThanOrEqual(0);
      expect(external.indexOf('Render')).toBeLessThan(external.indexOf('Write') < 0 ? Infinity : external.indexOf('Write'));
      const own = await order('*basicWriter');
      expect(own.indexOf('Write')).toBeGreaterThanOrEqual(0);
      expect(own.indexOf('Write')).toBeLessThan(own.indexOf('Render'));
    });
  });

  it('ranks a member used on a receiver far above high when the receiver is written again right above', async () => {
    const helpers = Array.from({ length: 40 }, (_, i) => `export function step${i}(): number {\n  return ${i};\n}\n`).join('');
    await inWorkspace({
      // (inject is no sibling of register: two methods lie between them)
      'src/server.ts': 'export class Server {\n  register(plugin: string): this {\n    return this;\n  }\n  listen(): void {}\n  close(): void {}\n  inject(url: string): string {\n    return url;\n  }\n}\n',
      'src/steps.ts': helpers,
    }, async (ws) => {
      const lines = [
        "import { Server } from './server.js';",
        "import * as steps from './steps.js';",
        'const server = new Server();',
        "server.inject('/');",
        ...Array.from({ length: 40 }, (_, i) => `steps.step${39 - i}();`),
        "server.register('plugin');",
        '',
      ];
      const { snippets } = await ws.context({ path: 'src/use.ts', text: lines.join('\n'), position: { line: lines.length - 1, character: 0 }, budgetTokens: 4000 });
      const order = snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol);
      // inject is written 41 lines up, but on the receiver of the line above: before the steps written 10 lines up and more.
      expect(order.indexOf('inject')).toBeGreaterThanOrEqual(0);
      expect(order.indexOf('inject')).toBeLessThan(order.indexOf('step10'));
    });
  });

  it('puts a receiver the buffer binds itself after what it calls: another file\'s definition of the same name is seldom the one meant', async () => {
    const lines = [
      "import { Server } from './server.js';",
      'export function main() {',
      "  log('start');",
      '  const app = new Server();',
      '  app.listen(3);',
      '  ',
      '}',
    ];
    await inWorkspace({
      'src/server.ts': 'export class Server {\n  listen(port: number): void {}\n  close(): void {}\n}\n',
      // `app` named elsewhere too, in a file the buffer does not import.
      'src/factory.ts': 'export function app(): number {\n  return 1;\n}\n',
      'src/log.ts': 'export function log(message: string): void {}\n',
      // The file as saved: the index knows the buffer binds `app` itself.
      'src/main.ts': lines.join('\n'),
    }, async (ws) => {
      const { snippets } = await ws.context({ path: 'src/main.ts', text: lines.join('\n'), position: { line: 5, character: 2 }, budgetTokens: 400 });
      const order = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
      expect(order).toContain('src/factory.ts:1');
      // log is written farther from the cursor than app, but it is a call, not a receiver bound here.
      expect(order.indexOf('src/log.ts:1')).toBeGreaterThanOrEqual(0);
      expect(order.indexOf('src/factory.ts:1')).toBeGreaterThan(order.indexOf('src/log.ts:1'));
    });
  });

  it('offers the type a variable is named after when the buffer never writes the type', async () => {
    await inWorkspace({
      [`${JAVA}Visitor.java`]: 'package p;\n\npublic interface Visitor {\n  void visit(Node node);\n}\n',
      [`${JAVA}Node.java`]: 'package p;\n\npublic abstract class Node {\n  public abstract int version();\n}\n',
      // (Both write `visitor` too: the full-text search alone cannot tell Visitor from them.)
      [`${JAVA}Version.java`]: 'package p;\n\npublic class Version {\n  int major;\n  void walk(Object visitor, Object node) {}\n}\n',
      [`${JAVA}Renderer.java`]: 'package p;\n\npublic class Renderer {\n  void walk(Object visitor, Object node) {}\n}\n',
    }, async (ws) => {
      const ask = (lines: string[], line: number) => definitionLines(ws, `${JAVA}Leaf.java`, lines, { line, character: 4 }, JAVA);
      const header = ['package p;', '', 'public class Leaf extends Node {', '  @Override'];
      // The line that declares `visitor` is the one being written: Visitor is named nowhere, but `visitor` is
      // (before the package's other types, which a tree this small offers anyway).
      const untyped = await ask([...header, '    ', '    walk(visitor, this);', '  }', '}'], 4);
      expect(before(untyped, 'Visitor.java:3', 'Renderer.java:3')).toBe(true);
      expect(before(untyped, 'Visitor.java:3', 'Version.java:3')).toBe(true);
      // Typed in the buffer, `visitor` is a Renderer, not a Visitor; `.version()` is a method, not a variable named after Version.
      const typed = await ask([...header, '  void accept(Renderer visitor) {', '    int v = this.version();', '    ', '  }', '}'], 6);
      expect(before(typed, 'Renderer.java:3', 'Visitor.java:3')).toBe(true);
      expect(before(typed, 'Node.java:4', 'Version.java:3')).toBe(true);
    });
  });
});

describe('type names read from other names', () => {
  it('reads the type a variable is named after, and those a file name is made of', () => {
    expect(typeNamedLike('visitor')).toBe('Visitor');
    expect(typeNamedLike('nodeRenderer')).toBe('NodeRenderer');
    expect(typeNamedLike('header_table')).toBe('HeaderTable');
    expect(typeNamedLike('Visitor')).toBeNull();
    expect(typeNamedLike('id')).toBeNull();
    expect(typesInFileName('src/p/HtmlBlockParser.java').sort()).toEqual(['BlockParser', 'Html', 'HtmlBlock', 'Parser']);
    expect(typesInFileName('pkg/html_block_parser.py').sort()).toEqual(['BlockParser', 'Html', 'HtmlBlock', 'Parser']);
    expect(typesInFileName('AbstractSSLConnection.java').sort()).toEqual(['Abstract', 'AbstractSSL', 'Connection', 'SSLConnection']);
    expect(typesInFileName('src/client.rs')).toEqual([]);
  });

  it('offers the types the file name is made of that the buffer does not write', async () => {
    await inWorkspace({
      [`${JAVA}HtmlBlock.java`]: 'package p;\n\npublic class HtmlBlock {\n}\n',
      [`${JAVA}Attributes.java`]: 'package p;\n\npublic class Attributes {\n}\n',
      ...JAVA_HELPER,
    }, async (ws) => {
      // The class's own line is being written: only the file's name says HtmlBlock.
      const lines = ['package p;', '', '', '  void run() {', '    Helper.start();', '  }', '}'];
      const order = await definitionLines(ws, `${JAVA}HtmlBlockParser.java`, lines, { line: 2, character: 0 }, JAVA);
      // Before the package's other types, which a tree this small offers anyway.
      expect(order.slice(0, 2)).toEqual(['Helper.java:3', 'HtmlBlock.java:3']);
    });
  });
});

describe('cursor context: supertypes', () => {
  it("offers the type that declares, without a body, the members the buffer's class defines", async () => {
    const body = ['  @Override', '  public String getOpeningDelimiter() {', '    return "**";', '  }', '', '  @Override', '  public String getClosingDelimiter() {', '    return "**";', '  }', '}'];
    await inWorkspace({
      [`${JAVA}Delimited.java`]: 'package p;\n\npublic interface Delimited {\n  String getOpeningDelimiter();\n\n  String getClosingDelimiter();\n}\n',
      // Another implementation defines the same members, with bodies: not what the buffer's class extends.
      [`${JAVA}Emphasis.java`]: ['package p;', '', 'public class Emphasis implements Delimited {', ...body].join('\n'),
      ...JAVA_HELPER,
      // As last saved; the buffer is rewriting its header.
      [`${JAVA}StrongEmphasis.java`]: ['package p;', '', 'public class StrongEmphasis implements Delimited {', ...body].join('\n'),
    }, async (ws) => {
      // The class's header is the line being written: nothing in the buffer names Delimited.
      const lines = ['package p;', '', '', ...body];
      expect((await definitionLines(ws, `${JAVA}StrongEmphasis.java`, lines, { line: 2, character: 0 }, JAVA))[0]).toBe('Delimited.java:3');
    });
  });
});

describe('cursor context: members and their classes', () => {
  it("shows the line that names a member's class or impl right before the member, once", async () => {
    const filler = Array.from({ length: 6 }, (_, i) => [`    def unused${i}(self):`, `        return ${i}`, '']).flat();
    const config = ['class Config:', ...filler, '    def getini(self, name):', '        return name', '', '    def getoption(self, name):', '        return name', ''];
    const lineOf = (word: string) => `pkg/config.py:${config.findIndex((l) => l.includes(word)) + 1}`;
    await inWorkspace({
      'pkg/config.py': config.join('\n'),
      'src/lib.rs': 'pub struct Client;\n\nimpl Client {\n    pub fn send(&self) -> u32 {\n        1\n    }\n}\n',
      'mux.go': 'package chi\n\ntype Mux struct{}\n\nfunc (mx *Mux) Handle(pattern string) {\n}\n',
    }, async (ws) => {
      const ask = (file: string, lines: string[], line: number) => definitionLines(ws, file, lines, { line, character: 4 });
      // Nothing names Config: its members are found by their names alone. Its header comes once, before them.
      const python = await ask('pkg/run.py', ['def run(cfg):', '    a = cfg.getini("a")', '    b = cfg.getoption("b")', '    ', ''], 3);
      expect(python.filter((s) => s === 'pkg/config.py:1')).toHaveLength(1);
      expect(python).toContain(lineOf('getini'));
      expect(before(python, 'pkg/config.py:1', lineOf('getini'))).toBe(true);
      expect(before(python, 'pkg/config.py:1', lineOf('getoption'))).toBe(true);
      const rust = await ask('src/main.rs', ['fn main(c: &Other) {', '    let n = c.send();', '    ', '}'], 2);
      expect(rust).toContain('src/lib.rs:4');
      expect(before(rust, 'src/lib.rs:3', 'src/lib.rs:4')).toBe(true);
      // A Go method names its receiver itself: nothing comes before it for it.
      const go = await ask('use.go', ['package chi', '', 'func use() {', '\tm := find()', '\tm.Handle("/")', '\t', '}'], 5);
      expect(go).toContain('mux.go:5');
      expect(go[go.indexOf('mux.go:5') - 1]).not.toBe('mux.go:3');
    });
  });
});

describe('cursor context: constructors and private definitions', () => {
  it("puts a test file's definitions after the code's when the buffer is no test: no code outside the tests reaches them", async () => {
    // A test double in the buffer's own package (its scope, were it not a test's) and the real class elsewhere.
    const widget = (pkg: string) => `package ${pkg};\n\npublic class Widget {\n  public void draw() {}\n}\n`;
    await inWorkspace({ 'src/main/java/q/Widget.java': widget('q'), 'src/test/java/p/Widget.java': widget('p'), 'src/test/java/p/UseTest.java': '' }, async (ws) => {
      const lines = ['package p;', '', 'public class Use {', '  void run() {', '    Class<?> c = Widget.class;', '    ', '  }', '}'];
      const at = { line: 5, character: 4 };
      const got = await definitionLines(ws, 'src/main/java/p/Use.java', lines, at);
      expect(before(got, 'src/main/java/q/Widget.java:3', 'src/test/java/p/Widget.java:3')).toBe(true);
      // A test sees both; the double in its own package first.
      const inTest = await definitionLines(ws, 'src/test/java/p/UseTest.java', lines, at);
      expect(before(inTest, 'src/test/java/p/Widget.java:3', 'src/main/java/q/Widget.java:3')).toBe(true);
    });
  });

  it("puts another file's private definitions, and the constructors of a class it lists, after what it can use", async () => {
    await inWorkspace({
      [`${JAVA}Log.java`]: 'package p;\n\npublic final class Log {\n  private Log() {}\n  public static void logTrace(String s) {}\n  private static int level() { return 0; }\n}\n',
      [`${JAVA}Maker.java`]: 'package p;\n\npublic class Maker {\n  private int n;\n  public Maker(int n) { this.n = n; }\n  public static Maker of(int n) { return null; }\n  public int size() { return n; }\n}\n',
      ...JAVA_HELPER,
    }, async (ws) => {
      const order = async (body: string[]) => {
        const lines = ['package p;', '', 'public class Use {', '  void run() {', '    Helper.start();', '    int a = 1;', '    int b = 2;', '    int c = 3;', '    int d = 4;', '    int e = 5;', ...body, '    ', '  }', '}'];
        return definitionLines(ws, `${JAVA}Use.java`, lines, { line: lines.length - 3, character: 4 }, JAVA);
      };
      // Log is written nearer than Helper, but its constructor is private and `level` too: Helper comes first.
      const logged = await order(['    Log.logTrace(Log.level() + "a");']);
      expect(logged[0]).toBe('Log.java:3');
      expect(before(logged, 'Helper.java:3', 'Log.java:4')).toBe(true);
      expect(before(logged, 'Helper.java:3', 'Log.java:6')).toBe(true);
      // A public constructor called above or not at all: its class, listed, stands for it, and it waits
      // behind every other definition, the class's own members too. (Passed on, not bound: a binding
      // the line is about to use offers its type's members first.)
      for (const call of ['    keep(Maker.of(1));', '    keep(new Maker(1));']) {
        const got = await order([call]);
        expect(before(got, 'Maker.java:3', 'Helper.java:3')).toBe(true);
        expect(before(got, 'Helper.java:3', 'Maker.java:5')).toBe(true);
        expect(before(got, 'Maker.java:6', 'Maker.java:5')).toBe(true);
      }
      // Called on the cursor's own line, it comes with its class: its parameters are what the line needs.
      const lines = ['package p;', '', 'public class Use {', '  void run() {', '    Helper.start();', '    keep(new Maker(', '  }', '}'];
      const made = await definitionLines(ws, `${JAVA}Use.java`, lines, { line: 5, character: 19 }, JAVA);
      expect(before(made, 'Maker.java:5', 'Helper.java:3')).toBe(true);
    });
  });
});

describe('cursor context: runs of lines', () => {
  it("goes on with a folder's definitions of the same signature shape as those named on the lines beside the cursor", async () => {
    const mw = (name: string, sig = '(next http.Handler) http.Handler') => `package middleware\n\nimport "net/http"\n\nfunc ${name}${sig} {\n\treturn nil\n}\n`;
    await inWorkspace({
      'go.mod': 'module example.com/app\n',
      'middleware/compress.go': mw('Compress', '(level int) func(http.Handler) http.Handler'),
      'middleware/logger.go': mw('Logger'),
      'middleware/recoverer.go': mw('Recoverer', '(h http.Handler) http.Handler'),
      'middleware/request_id.go': mw('RequestID'),
    }, async (ws) => {
      const lines = ['package main', '', 'import "example.com/app/middleware"', '', 'func main() {', '\tr := NewRouter()', '\tr.Use(middleware.RequestID)', '\t', '\tr.Use(middleware.Logger)', '}', ''];
      const { snippets } = await ws.context({ path: 'main.go', text: lines.join('\n'), position: { line: 7, character: 1 }, budgetTokens: 4000 });
      const order = snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol);
      expect(order).toContain('Recoverer');
      expect(order.indexOf('Recoverer')).toBeLessThan(order.indexOf('Compress'));
      // The run above the cursor only, its lines two and three away: it goes on all the same.
      const above = ['package main', '', 'import "example.com/app/middleware"', '', 'func main() {', '\tr := NewRouter()', '\tr.Use(middleware.RequestID)', '\tr.Use(middleware.Logger)', '', '\t', '}', ''];
      const run = await ws.context({ path: 'main.go', text: above.join('\n'), position: { line: 9, character: 1 }, budgetTokens: 4000 });
      const next = run.snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol);
      expect(next).toContain('Recoverer');
      expect(next.indexOf('Recoverer')).toBeLessThan(next.indexOf('Compress'));
    });
  });

  it('shares a run\'s continuation among the definitions by how many files use each', async () => {
    const mw = (name: string) => `package middleware\n\nimport "net/http"\n\nfunc ${name}(next http.Handler) http.Handler {\n\treturn next\n}\n`;
    // Recoverer is called in three other files of its package; NoCache in none.
    const caller = (n: number) => `package middleware\n\nimport "net/http"\n\nfunc safe${n}(h http.Handler) {\n\t_ = Recoverer(h)\n}\n`;
    await inWorkspace({
      'go.mod': 'module example.com/app\n',
      'middleware/logger.go': mw('Logger'),
      'middleware/nocache.go': mw('NoCache'),
      'middleware/recoverer.go': mw('Recoverer'),
      'middleware/request_id.go': mw('RequestID'),
      'middleware/safe1.go': caller(1),
      'middleware/safe2.go': caller(2),
      'middleware/safe3.go': caller(3),
    }, async (ws) => {
      const run = ['RequestID', 'Logger'].map((name, i) => ({ def: ws.store.symbols.lookup(name)[0], score: 1, distance: i + 1 }));
      const next = parallelDefinitions(ws.store, run, new Set(['RequestID', 'Logger']), 'main.go');
      const score = (name: string) => next.find((s) => s.def.name === name)?.score ?? 0;
      expect(next.map((s) => s.def.name).sort()).toEqual(['NoCache', 'Recoverer']);
      // Each weighs one plus the files naming it (its own among them): 5 against 2, of a sibling's share (0.3) of the run's best.
      expect(score('Recoverer')).toBeCloseTo((0.3 * 5) / 7, 6);
      expect(score('NoCache')).toBeCloseTo((0.3 * 2) / 7, 6);
    });
  });

  it("offers a definition's neighbours, not another file's private members between them", async () => {
    await inWorkspace({
      'src/app/Builder.java': 'package app;\n\npublic class Builder {\n  public void addId(int id) {}\n  private void check(int id) {}\n  public void addName(String n) {}\n}\n',
    }, async (ws) => {
      const addId = ws.store.symbols.lookup('addId')[0];
      const next = siblingsOf(ws.store, [{ def: addId, score: 1, distance: 0 }], 'src/app/Use.java');
      expect(next.map((s) => s.def.name)).toEqual(['addName']);
    });
  });

  it('goes on with a run across the branches of an if/else, its lines apart by braces', async () => {
    // The stream of each branch is another file's class of the buffer's package; the braces and
    // conditions between them put its neighbours four lines from the cursor, past a run's three.
    const stream = (name: string) => `package app;\n\nclass ${name} extends java.io.FilterOutputStream {\n  ${name}(Exchange t, java.io.OutputStream out) { super(out); }\n}\n`;
    await inWorkspace({
      'src/app/FixedLengthOutputStream.java': stream('FixedLengthOutputStream'),
      'src/app/ChunkedOutputStream.java': stream('ChunkedOutputStream'),
      'src/app/UndefLengthOutputStream.java': stream('UndefLengthOutputStream'),
      'src/app/Exchange.java': 'package app;\n\nclass Exchange {\n  void setWrappedStream(java.io.OutputStream s) {}\n}\n',
      // Classes of the package the chain has nothing to do with.
      'src/app/ServerConfig.java': 'package app;\n\nclass ServerConfig {\n  static int idleInterval() { return 1; }\n}\n',
      'src/app/TimeSource.java': 'package app;\n\nclass TimeSource {\n  long now() { return 0; }\n}\n',
    }, async (ws) => {
      const lines = [
        'package app;', '', 'class Responder {', '  void send(Exchange o, java.io.OutputStream ros, boolean head, boolean empty, boolean http10) {',
        '    if (head) {', '      o.setWrappedStream(new FixedLengthOutputStream(o, ros));',
        '    } else {', '      if (empty) {', '        if (http10) {', '          ', '          o.close();', '        } else {',
        '          o.setWrappedStream(new ChunkedOutputStream(o, ros));', '        }', '      }', '    }', '  }', '}', '',
      ];
      const { snippets } = await ws.context({ path: 'src/app/Responder.java', text: lines.join('\n'), position: { line: 9, character: 10 }, budgetTokens: 4000 });
      const order = snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol);
      expect(order).toContain('UndefLengthOutputStream');
      expect(order.indexOf('UndefLengthOutputStream')).toBeLessThan(order.indexOf('ServerConfig'));
    });
  });

  it("goes on with a package-private class of the buffer's own package, not another package's", async () => {
    // Java: `new StaticLinker()`, `new MethodLinker()` beside the cursor; ClassLinker is not public
    // but its package is the buffer's; OtherLinker is as private, in another package.
    const cls = (pkg: string, name: string) => `package ${pkg};\n\nclass ${name} implements Linker {\n}\n`;
    await inWorkspace({
      'src/app/StaticLinker.java': cls('app', 'StaticLinker'),
      'src/app/MethodLinker.java': cls('app', 'MethodLinker'),
      'src/app/ClassLinker.java': cls('app', 'ClassLinker'),
      'src/other/OtherLinker.java': cls('other', 'OtherLinker'),
    }, async (ws) => {
      const run = ['StaticLinker', 'MethodLinker'].map((name, i) => ({ def: ws.store.symbols.lookup(name)[0], score: 1, distance: i + 1 }));
      const written = new Set(['StaticLinker', 'MethodLinker']);
      const inApp = (p: string) => p.startsWith('src/app/');
      expect(parallelDefinitions(ws.store, run, written, 'src/app/Linkers.java', inApp).map((s) => s.def.name)).toEqual(['ClassLinker']);
      // Outside any scope, a class no other package can reach goes on no run.
      expect(parallelDefinitions(ws.store, run, written, 'src/app/Linkers.java')).toEqual([]);
    });
  });
});
