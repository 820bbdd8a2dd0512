import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../workspace/workspace.js';
import { importsOfText } from '../../indexer/imports.js';
import { anticipate, type AnticipationSignal } from '../../retrieval/anticipation.js';
import { importGraph, isTestPath, pairStem } from '../../retrieval/workspace-imports.js';
import type { ImportSources } from '../../retrieval/import-graph.js';
import { indexedWorkspace } from '../helpers/indexed-workspace.js';
import { writeTree } from '../helpers/temp.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

/** A workspace of `tree`, indexed (full-text only), removed after the test. */
async function indexed(tree: Record<string, string>): Promise<{ root: string; ws: Workspace; src: ImportSources }> {
  const { root, ws, close } = await indexedWorkspace(tree, 'cvu-ant-');
  cleanup.push(close);
  const src: ImportSources = {
    store: ws.store,
    readLines: (p) => (fs.existsSync(path.join(root, p)) ? fs.readFileSync(path.join(root, p), 'utf8').split('\n') : null),
    importContext: () => ({ files: new Set(ws.store.files.keys()) }),
  };
  return { root, ws, src };
}

const ONLY = (signal: AnticipationSignal) => ({ cooccurrence: 0, paired: 0, module: 0, similar: 0, [signal]: 1 });

/** What anticipation offers at a buffer of `file`, by one signal: `name (signal)`, best first. */
async function offered(src: ImportSources, file: string, text: string, signal: AnticipationSignal, similar = false): Promise<string[]> {
  const language = file.endsWith('.py') ? 'python' : 'typescript';
  const refs = (await importsOfText(text, language)) ?? [];
  const written = new Set(text.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const hits = similar ? await src.store.searchText(text, 12, { excludePaths: [file] }) : [];
  return anticipate(src, { path: file, language, refs, written, similar: hits, weights: ONLY(signal) }).map((a) => `${a.def.name} (${a.why})`);
}

const billing = (extra: string) => `import { Money } from '../money.js';\nimport { Ledger } from '../ledger.js';\n${extra}\nexport function run(m: Money, l: Ledger) {\n  return [m, l];\n}\n`;
const logging = `import { Logger } from '../log.js';\nimport { formatLine } from '../log.js';\n\nexport function say(l: Logger) {\n  return formatLine(l);\n}\n`;

/** Two kinds of file: billing code (Money, Ledger, taxRate) and logging code (Logger, formatLine). */
const TREE = {
  'src/money.ts': 'export class Money {\n  constructor(readonly cents: number) {}\n}\n',
  'src/ledger.ts': 'export class Ledger {\n  entries: number[] = [];\n}\n',
  'src/tax.ts': 'export function taxRate(country: string): number {\n  return country.length;\n}\n',
  'src/log.ts': 'export class Logger {}\nexport function formatLine(l: Logger): string {\n  return String(l);\n}\n',
  'src/billing/invoice.ts': billing("import { taxRate } from '../tax.js';"),
  'src/billing/refund.ts': billing("import { taxRate } from '../tax.js';"),
  'src/billing/payout.ts': billing("import { taxRate } from '../tax.js';"),
  'src/ops/a.ts': logging,
  'src/ops/b.ts': logging,
  'src/ops/c.ts': logging,
};

describe('anticipation: names the buffer does not write yet', () => {
  it('offers what files importing the same things import too (co-occurrence over the import graph)', async () => {
    const { src } = await indexed(TREE);
    const text = "import { Money } from '../money.js';\nimport { Ledger } from '../ledger.js';\n\nexport function settle(m: Money, l: Ledger) {\n  \n}\n";
    const got = await offered(src, 'src/app/settle.ts', text, 'cooccurrence');
    expect(got[0]).toBe('taxRate (cooccurrence)');
    // Files that share nothing with this one say nothing about it.
    expect(got).not.toContain('formatLine (cooccurrence)');
    // What the buffer writes is known, not anticipated (here: in a comment).
    expect(await offered(src, 'src/app/settle.ts', `// uses taxRate\n${text}`, 'cooccurrence')).not.toContain('taxRate (cooccurrence)');
  });

  it('weighs a shared rare import above a shared common one', async () => {
    // Every file imports Logger; only the billing files import Ledger. A file importing both leans billing.
    const tree: Record<string, string> = { ...TREE };
    for (const f of ['src/billing/invoice.ts', 'src/billing/refund.ts', 'src/billing/payout.ts']) tree[f] = `import { Logger } from '../log.js';\n${TREE[f as keyof typeof TREE]}`;
    for (const f of ['src/ops/d.ts', 'src/ops/e.ts', 'src/ops/f.ts', 'src/ops/g.ts']) tree[f] = logging;
    const { src } = await indexed(tree);
    const text = "import { Logger } from '../log.js';\nimport { Money } from '../money.js';\nimport { Ledger } from '../ledger.js';\n\nexport function audit(m: Money, l: Ledger, log: Logger) {\n  \n}\n";
    // Seven logging files share Logger with it, three billing files Ledger: counted plainly, formatLine would win.
    expect((await offered(src, 'src/app/audit.ts', text, 'cooccurrence'))[0]).toBe('taxRate (cooccurrence)');
  });

  it('pairs a test with its code: what the code imports and defines', async () => {
    const { src } = await indexed({
      ...TREE,
      'src/cart.ts': "import { Money } from './money.js';\n\nexport class Cart {\n  total = new Money(0);\n}\nexport function emptyCart(): Cart {\n  return new Cart();\n}\n",
      'test/cart.test.ts': "import { Cart } from '../src/cart.js';\n\nexport function testCartTotal() {\n  return new Cart();\n}\n",
    });
    const text = "import { Cart } from '../src/cart.js';\n\nexport function testCartTotal() {\n  const cart = new Cart();\n  \n}\n";
    const got = await offered(src, 'test/cart.test.ts', text, 'paired');
    expect(got).toContain('Money (paired)');
    expect(got).toContain('emptyCart (paired)');
    // From the code's side, the test's own functions are not something code calls.
    const fromCode = await offered(src, 'src/cart.ts', "import { Money } from './money.js';\n\nexport class Cart {\n  \n}\n", 'paired');
    expect(fromCode).not.toContain('testCartTotal (paired)');
  });

  it('names the pairs of the common conventions', () => {
    expect(['foo_test.go', 'foo.go', 'FooTest.java', 'Foo.java', 'test_foo.py', 'foo.py', 'foo.test.ts', 'foo.spec.js', 'src/foo.ts'].map(pairStem)).toEqual(Array(9).fill('foo'));
    expect(['foo_test.go', 'FooTest.java', 'tests/test_foo.py', 'src/foo.test.ts', 'test/foo.ts'].every(isTestPath)).toBe(true);
    expect(['foo.go', 'Foo.java', 'src/foo.py', 'src/foo.ts', 'src/contest.ts', 'src/Latest.java'].some(isTestPath)).toBe(false);
    expect(pairStem('src/index.ts')).toBeNull();
  });

  it("offers the rest of a module the file imports from, the definitions other files import first", async () => {
    const shapes = 'export class Circle {}\nexport class Triangle {}\nexport class Square {}\n';
    const useSquare = "import { Square } from './shapes.js';\n\nexport const s = new Square();\n";
    const { src } = await indexed({ 'src/shapes.ts': shapes, 'src/a.ts': useSquare, 'src/b.ts': useSquare, 'src/c.ts': useSquare });
    const text = "import { Circle } from './shapes.js';\n\nexport function draw(c: Circle) {\n  \n}\n";
    const got = await offered(src, 'src/draw.ts', text, 'module');
    expect(got.slice(0, 2)).toEqual(['Square (module)', 'Triangle (module)']);
    expect(got).not.toContain('Circle (module)');
  });

  it("offers a module's members reached by qualifier (`import pkg` then `pkg.Name`), the ones most files binding it use first", async () => {
    const tree = {
      'pkg/__init__.py': 'from .core import Option, Command, Argument, Group\n',
      'pkg/core.py': 'class Option:\n    pass\n\nclass Command:\n    pass\n\nclass Argument:\n    pass\n\nclass Group:\n    pass\n',
      'tests/test_a.py': 'import pkg\n\ndef test_a():\n    pkg.Command()\n    pkg.Option()\n',
      'tests/test_b.py': 'import pkg\n\ndef test_b():\n    pkg.Command()\n',
      'tests/test_c.py': 'import pkg\n\ndef test_c():\n    pkg.Command()\n',
    };
    const { src } = await indexed(tree);
    const text = 'import pkg\n\ndef test_d():\n    pkg.Argument()\n    \n';
    const got = await offered(src, 'tests/test_d.py', text, 'module');
    expect(got.slice(0, 2)).toEqual(['Command (module)', 'Option (module)']);
    expect(got).not.toContain('Argument (module)');
    expect(got).not.toContain('Group (module)');
  });

  it("does not take the indexed file's member uses for the buffer's when the buffer no longer writes them", async () => {
    const { src } = await indexed({
      'pkg/__init__.py': 'from .core import Option, Command\n',
      'pkg/core.py': 'class Option:\n    pass\n\nclass Command:\n    pass\n',
      'tests/test_a.py': 'import pkg\n\ndef test_a():\n    pkg.Option()\n    pkg.Command()\n',
      'tests/test_d.py': 'import pkg\n\ndef test_d():\n    pkg.Option()\n',
    });
    // The buffer has the line `pkg.Option()` blanked; its imports are still the indexed file's.
    const text = 'import pkg\n\ndef test_d():\n    \n';
    const refs = JSON.parse(src.store.files.get('tests/test_d.py')!.imports);
    const written = new Set(text.match(/[A-Za-z_$][\w$]*/g) ?? []);
    const got = anticipate(src, { path: 'tests/test_d.py', language: 'python', refs, written, weights: ONLY('module') }).map((a) => a.def.name);
    expect(got).toContain('Option');
  });

  it('offers what code like the lines at the cursor uses (full-text hits)', async () => {
    const plugin = (name: string) => `import { Registry } from './registry.js';\nimport { auditTrail } from './audit.js';\n\nexport function install${name}(registry: Registry) {\n  registry.register(new ${name}Plugin(registry.options));\n  auditTrail(registry, '${name}');\n}\nclass ${name}Plugin {\n  constructor(readonly options: object) {}\n}\n`;
    const { src } = await indexed({
      'src/registry.ts': 'export class Registry {\n  options = {};\n  register(p: object) {\n    return p;\n  }\n}\n',
      'src/audit.ts': 'export function auditTrail(registry: object, what: string): void {\n  void registry;\n  void what;\n}\n',
      'src/widget.ts': plugin('Widget'),
      'src/gadget.ts': plugin('Gadget'),
      'src/unrelated.ts': 'export function somethingElse(): number {\n  return 1;\n}\n',
    });
    const text = "import { Registry } from './registry.js';\n\nexport function installSprocket(registry: Registry) {\n  registry.register(new SprocketPlugin(registry.options));\n  \n}\n";
    const got = await offered(src, 'src/sprocket.ts', text, 'similar', true);
    expect(got[0]).toBe('auditTrail (similar)');
    // Without hits, this signal has nothing to say.
    expect(await offered(src, 'src/sprocket.ts', text, 'similar', false)).toEqual([]);
  });

  it("offers no other file's private definitions, which no code here can reach", async () => {
    const { src } = await indexed({
      'src/port.ts': 'export function defaultPort(): number {\n  return 8080;\n}\n',
      'src/config.ts': "import { defaultPort } from './port.js';\n\nexport class Config {\n  private static maxConnections = 10;\n  static limit(): number {\n    return Config.maxConnections + defaultPort();\n  }\n}\n",
    });
    const text = "import { Config } from './config.js';\n\nexport function connections(): number {\n  const n = Config.limit();\n  \n}\n";
    const got = await offered(src, 'src/server.ts', text, 'similar', true);
    expect(got).toContain('defaultPort (similar)');
    expect(got).not.toContain('maxConnections (similar)');
  });

  it('follows the index: a file saved with new imports changes what is offered', async () => {
    const { root, ws, src } = await indexed(TREE);
    const text = "import { Money } from '../money.js';\nimport { Ledger } from '../ledger.js';\n\nexport function settle(m: Money, l: Ledger) {\n  \n}\n";
    expect(await offered(src, 'src/app/settle.ts', text, 'cooccurrence')).not.toContain('feeTable (cooccurrence)');
    const fee = "import { feeTable } from '../fees.js';";
    writeTree(root, { 'src/fees.ts': 'export const feeTable = [1, 2];\n', 'src/billing/invoice.ts': billing(fee), 'src/billing/refund.ts': billing(fee), 'src/billing/payout.ts': billing(fee) });
    await ws.update(['src/fees.ts', 'src/billing/invoice.ts', 'src/billing/refund.ts', 'src/billing/payout.ts']);
    const got = await offered(src, 'src/app/settle.ts', text, 'cooccurrence');
    expect(got[0]).toBe('feeTable (cooccurrence)');
    expect(got).not.toContain('taxRate (cooccurrence)');
  });

  it('follows a definition that moves within its file, the files importing it unchanged', async () => {
    const { root, ws, src } = await indexed(TREE);
    const text = "import { Money } from '../money.js';\nimport { Ledger } from '../ledger.js';\n\nexport function settle(m: Money, l: Ledger) {\n  \n}\n";
    const lineOf = async () => {
      const refs = (await importsOfText(text, 'typescript')) ?? [];
      return anticipate(src, { path: 'src/app/settle.ts', language: 'typescript', refs, written: new Set(), weights: ONLY('cooccurrence') }).find((a) => a.def.name === 'taxRate')?.def.start_line;
    };
    expect(await lineOf()).toBe(1);
    writeTree(root, { 'src/tax.ts': '// Rates.\n\nexport const ZERO = 0;\nexport function taxRate(country: string): number {\n  return country.length;\n}\n' });
    await ws.update(['src/tax.ts']);
    expect(await lineOf()).toBe(4);
  });

  it('keeps the import graph current as files come and go', async () => {
    const tree: Record<string, string> = {
      ...TREE,
      'src/billing/fees-user.ts': "import { feeFor } from '../fees.js';\nexport const f = feeFor;\n",
      'src/cents/user.ts': "import { roundCents } from '.';\nexport const r = roundCents;\n",
    };
    for (let i = 0; i < 20; i++) tree[`src/misc/m${i}.ts`] = `import { Logger } from '../log.js';\nexport const m${i} = Logger;\n`;
    const { root, ws, src } = await indexed(tree);
    const importersOf = (item: string) => importGraph(src).importers.get(item) ?? [];
    // The import names a file not there yet: nothing to resolve it to.
    expect(importersOf('feeFor\0src/fees.ts')).toEqual([]);
    expect(importersOf('taxRate\0src/tax.ts').sort()).toEqual(['src/billing/invoice.ts', 'src/billing/payout.ts', 'src/billing/refund.ts']);
    const loggers = importersOf('Logger\0src/log.ts').length;

    // The file appears: the import that names it resolves to it now, the graph's other files stay as they were.
    writeTree(root, { 'src/fees.ts': 'export function feeFor(cents: number): number {\n  return cents / 100;\n}\n' });
    await ws.update(['src/fees.ts']);
    expect(importersOf('feeFor\0src/fees.ts')).toEqual(['src/billing/fees-user.ts']);
    expect(importersOf('Logger\0src/log.ts')).toHaveLength(loggers);
    // An import of the folder itself (`from '.'`) writes no word: its folder's index file coming counts.
    writeTree(root, { 'src/cents/index.ts': 'export function roundCents(n: number): number {\n  return Math.round(n);\n}\n' });
    await ws.update(['src/cents/index.ts']);
    expect(importersOf('roundCents\0src/cents/index.ts')).toEqual(['src/cents/user.ts']);

    // A file goes: what imported its definitions imports a missing module (by its path) instead.
    fs.rmSync(path.join(root, 'src/tax.ts'));
    await ws.update(['src/tax.ts']);
    expect(importersOf('taxRate\0src/tax.ts')).toEqual([]);
    expect(importGraph(src).itemsOf.get('src/billing/invoice.ts')).not.toContain('taxRate\0src/tax.ts');
    expect(importersOf('feeFor\0src/fees.ts')).toEqual(['src/billing/fees-user.ts']);
  });
});

describe('anticipation in the cursor context', () => {
  it('adds anticipated definitions by their first line, after the definitions of the names written at the cursor', async () => {
    const { ws } = await indexed(TREE);
    const text = "import { Money } from '../money.js';\nimport { Ledger } from '../ledger.js';\n\nexport function settle(l: Ledger) {\n  const m = new Money(100);\n  \n}\n";
    writeTree(ws.root, { 'src/app/settle.ts': text });
    await ws.update(['src/app/settle.ts']);
    const { snippets } = await ws.context({ path: 'src/app/settle.ts', text, position: { line: 5, character: 2 }, budgetTokens: 400 });
    const at = (file: string) => snippets.findIndex((s) => s.path === file);
    expect(at('src/tax.ts')).toBeGreaterThan(-1);
    expect(snippets[at('src/tax.ts')]).toMatchObject({ startLine: 1, endLine: 1, text: 'export function taxRate(country: string): number {', source: 'symbol', symbol: 'taxRate' });
    expect(at('src/money.ts')).toBeLessThan(at('src/tax.ts'));
    expect(at('src/ledger.ts')).toBeLessThan(at('src/tax.ts'));
  });

  it('keeps a name written at the cursor first however sure the anticipation', async () => {
    // Every other file imports taxRate and Money together; the buffer writes formatLine at the cursor.
    const { ws } = await indexed(TREE);
    const text = "import { Money } from '../money.js';\n\nexport function settle(m: Money) {\n  formatLine(\n}\n";
    const { snippets } = await ws.context({ path: 'src/app/settle.ts', text, position: { line: 3, character: 13 }, budgetTokens: 30 });
    expect(snippets[0]).toMatchObject({ path: 'src/log.ts', symbol: 'formatLine' });
  });
});
