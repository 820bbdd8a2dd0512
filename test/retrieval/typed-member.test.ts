/**
 * Issue 14, receiver types: the member typed after a receiver (`w.re|`) comes from the receiver's
 * type (retrieval/typed-member.ts), not from another type with a member of the same name, in every
 * language with a receiver rule; through the real indexer and cursor retrieval on small trees.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memberAccessAt } from '../../retrieval/typed-member.js';
import { indexedWorkspace } from '../helpers/indexed-workspace.js';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('memberAccessAt', () => {
  it('reads the receiver and what is typed of the name', () => {
    expect(memberAccessAt('    context = command.')).toEqual({ segments: ['command'], called: [false], constructed: false, prefix: '' });
    expect(memberAccessAt('  return this._nulls.num')).toEqual({ segments: ['this', '_nulls'], called: [false, false], constructed: false, prefix: 'num' });
    expect(memberAccessAt('  keys = new arrow.Vector([slice.children[0]]).')).toEqual({ segments: ['Vector'], called: [true], constructed: true, prefix: '' });
    expect(memberAccessAt('  a.b<T>(x, f(y)).c?.d')).toEqual({ segments: ['a', 'b', 'c'], called: [false, true, false], constructed: false, prefix: 'd' });
    expect(memberAccessAt('  let c = Client::')?.segments).toEqual(['Client']);
    expect(memberAccessAt('  p->')?.segments).toEqual(['p']);
    expect(memberAccessAt('  user!.')?.segments).toEqual(['user']);
  });

  it('reads no access where there is none to read', () => {
    for (const text of ['    ', '  x = 1.', '  f(...args', '  "text".', '  items[0].', '  (a + b).', '  for i in 0..', '  x = y']) expect(memberAccessAt(text), text).toBeNull();
  });

  it('reads a bounded tail of a long line', () => {
    const t0 = performance.now();
    expect(memberAccessAt('f('.repeat(50_000) + 'x.')?.segments).toEqual(['x']);
    expect(memberAccessAt(')'.repeat(100_000) + '.')).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

/** Members named alike on two types: only the receiver's type tells which one the line means. */
const MEMBERS = ['resize', 'reset', 'close', 'open', 'paint', 'measure'];

interface Case {
  files: Record<string, string>;
  /** The buffer: the cursor is at the end of its line that ends in the marker `|`. */
  buffer: string;
  path: string;
  /** The file of the receiver's type, and the decoy's. */
  typeFile: string;
  decoyFile: string;
  /** The members expected, by name as that language spells them. */
  want: string[];
}

async function symbolsAtCursor(c: Case): Promise<{ path: string; symbol: string | null }[]> {
  const lines = c.buffer.split('\n');
  const row = lines.findIndex((l) => l.endsWith('|'));
  lines[row] = lines[row].slice(0, -1);
  const indexed = await indexedWorkspace({ ...c.files, [c.path]: lines.join('\n') }, 'cvu-typed-');
  cleanup = indexed.close;
  const { snippets } = await indexed.ws.context({ path: c.path, text: lines.join('\n'), position: { line: row, character: lines[row].length }, budgetTokens: 200 });
  return snippets.filter((s) => s.source === 'symbol').map((s) => ({ path: s.path, symbol: s.symbol ?? null }));
}

/** The first members shown are the receiver's type's that start with what is typed: before any other type's and any other member. */
function expectReceiverMembers(found: { path: string; symbol: string | null }[], c: Case): void {
  const members = found.filter((s) => s.symbol && MEMBERS.some((m) => m.toLowerCase() === s.symbol!.toLowerCase()));
  const first = members.slice(0, c.want.length).map((s) => `${s.path}:${s.symbol}`);
  expect(first.sort(), JSON.stringify(found)).toEqual(c.want.map((n) => `${c.typeFile}:${n}`).sort());
}

const tsType = (name: string) => `export class ${name} {\n${MEMBERS.map((m) => `  ${m}(n: number): void {}\n`).join('')}}\n\nexport function make${name}(): ${name} { return new ${name}(); }\n`;
const tsFiles = { 'lib/widget.ts': tsType('Widget'), 'lib/gadget.ts': tsType('Gadget') };
const tsCase = (buffer: string): Case => ({ files: tsFiles, buffer, path: 'src/use.ts', typeFile: 'lib/widget.ts', decoyFile: 'lib/gadget.ts', want: ['resize', 'reset'] });

describe('the members of the receiver typed at the cursor', () => {
  it('TypeScript: a variable constructed above', async () => {
    expectReceiverMembers(await symbolsAtCursor(tsCase([
      "import { Widget } from '../lib/widget';",
      "import { Gadget } from '../lib/gadget';",
      '',
      'export function draw(g: Gadget): void {',
      '  const w = new Widget();',
      '  w.open(1);',
      '  g.paint(2);',
      '  w.re|',
      '}',
    ].join('\n'))), tsCase(''));
  });

  it('TypeScript: `new X(…).`, a call\'s declared return type, a field\'s declared type', async () => {
    const head = ["import { Widget, makeWidget } from '../lib/widget';", "import { Gadget } from '../lib/gadget';", ''];
    expectReceiverMembers(await symbolsAtCursor(tsCase([...head, 'export function a(g: Gadget): void {', '  g.paint(1);', '  new Widget().re|', '}'].join('\n'))), tsCase(''));
    await cleanup?.();
    expectReceiverMembers(await symbolsAtCursor(tsCase([...head, 'export function b(g: Gadget): void {', '  g.paint(1);', '  makeWidget().re|', '}'].join('\n'))), tsCase(''));
    await cleanup?.();
    expectReceiverMembers(await symbolsAtCursor(tsCase([
      ...head,
      'export class Screen {',
      '  private widget: Widget = makeWidget();',
      '  private gadget: Gadget = new Gadget();',
      '  draw(): void {',
      '    this.gadget.paint(1);',
      '    this.widget.re|',
      '  }',
      '}',
    ].join('\n'))), tsCase(''));
  });

  it("TypeScript: an overloaded function's signatures declare the type its implementation does not", async () => {
    const overloaded = `${tsType('Widget')}\nexport function build(n: number): Widget;\nexport function build(s: string): Widget;\nexport function build(x: any) {\n  return new Widget();\n}\n`;
    const c: Case = { ...tsCase(''), files: { ...tsFiles, 'lib/widget.ts': overloaded } };
    c.buffer = ["import { build } from '../lib/widget';", "import { Gadget } from '../lib/gadget';", '', 'export function f(g: Gadget): void {', '  const w = build(1);', '  g.paint(1);', '  w.open(2);', '  w.re|', '}'].join('\n');
    expectReceiverMembers(await symbolsAtCursor(c), c);
  });

  it('JavaScript: a parameter named after a constructor function whose prototype has the methods', async () => {
    const jsType = (name: string) => `'use strict'\n\nfunction ${name} (n) {\n  this.n = n\n}\n\n${MEMBERS.map((m) => `${name}.prototype.${m} = function (n) {\n  return n\n}\n`).join('\n')}\nmodule.exports = ${name}\n`;
    const c: Case = {
      files: { 'lib/widget.js': jsType('Widget'), 'lib/gadget.js': jsType('Gadget') },
      buffer: ["'use strict'", '', 'module.exports = function draw (widget, gadget) {', '  widget.open(1)', '  gadget.paint(2)', '  widget.re|', '}'].join('\n'),
      path: 'src/draw.js', typeFile: 'lib/widget.js', decoyFile: 'lib/gadget.js', want: ['resize', 'reset'],
    };
    expectReceiverMembers(await symbolsAtCursor(c), c);
  });

  it('Python: an instance constructed above, and `self.` reaching a base class in another file', async () => {
    const pyType = (name: string) => `class ${name}:\n${MEMBERS.map((m) => `    def ${m}(self, n):\n        pass\n\n`).join('')}`;
    const files = { 'lib/widget.py': pyType('Widget'), 'lib/gadget.py': pyType('Gadget'), 'lib/__init__.py': '' };
    const c: Case = { files, buffer: '', path: 'app/use.py', typeFile: 'lib/widget.py', decoyFile: 'lib/gadget.py', want: ['resize', 'reset'] };
    expectReceiverMembers(await symbolsAtCursor({ ...c, buffer: ['from lib.widget import Widget', 'from lib.gadget import Gadget', '', 'def draw(g):', '    w = Widget()', '    w.open(1)', '    g.paint(2)', '    w.re|'].join('\n') }), c);
    await cleanup?.();
    expectReceiverMembers(await symbolsAtCursor({ ...c, buffer: ['from lib.widget import Widget', 'from lib.gadget import Gadget', '', 'class Fancy(Widget):', '    def draw(self, g):', '        g.paint(1)', '        self.re|'].join('\n') }), c);
  });

  it('Java: a local variable of a declared type', async () => {
    const javaType = (name: string) => `package lib;\n\npublic class ${name} {\n${MEMBERS.map((m) => `  public void ${m}(int n) {}\n`).join('')}}\n`;
    const c: Case = {
      files: { 'src/lib/Widget.java': javaType('Widget'), 'src/lib/Gadget.java': javaType('Gadget') },
      buffer: ['package app;', '', 'import lib.Widget;', 'import lib.Gadget;', '', 'public class Use {', '  void draw(Gadget g) {', '    Widget w = new Widget();', '    w.open(1);', '    g.paint(2);', '    w.re|', '  }', '}'].join('\n'),
      path: 'src/app/Use.java', typeFile: 'src/lib/Widget.java', decoyFile: 'src/lib/Gadget.java', want: ['resize', 'reset'],
    };
    expectReceiverMembers(await symbolsAtCursor(c), c);
  });

  it('C#: a local variable of a declared type', async () => {
    const csType = (name: string) => `namespace Lib {\n  public class ${name} {\n${MEMBERS.map((m) => `    public void ${m[0].toUpperCase() + m.slice(1)}(int n) {}\n`).join('')}  }\n}\n`;
    const c: Case = {
      files: { 'Lib/Widget.cs': csType('Widget'), 'Lib/Gadget.cs': csType('Gadget') },
      buffer: ['using Lib;', '', 'namespace App {', '  public class Use {', '    void Draw(Gadget g) {', '      Widget w = new Widget();', '      w.Open(1);', '      g.Paint(2);', '      w.Re|', '    }', '  }', '}'].join('\n'),
      path: 'App/Use.cs', typeFile: 'Lib/Widget.cs', decoyFile: 'Lib/Gadget.cs', want: ['Resize', 'Reset'],
    };
    expectReceiverMembers(await symbolsAtCursor(c), c);
  });

  it('Go: a variable of a declared type, its methods by receiver', async () => {
    const goType = (name: string) => `package lib\n\ntype ${name} struct{ n int }\n\n${MEMBERS.map((m) => `func (x *${name}) ${m[0].toUpperCase() + m.slice(1)}(n int) {}\n`).join('\n')}`;
    const c: Case = {
      files: { 'lib/widget.go': goType('Widget'), 'lib/gadget.go': goType('Gadget'), 'go.mod': 'module example.com/app\n\ngo 1.21\n' },
      buffer: ['package lib', '', 'func Draw(g *Gadget) {', '\tvar w *Widget', '\tw.Open(1)', '\tg.Paint(2)', '\tw.Re|', '}'].join('\n'),
      path: 'lib/use.go', typeFile: 'lib/widget.go', decoyFile: 'lib/gadget.go', want: ['Resize', 'Reset'],
    };
    expectReceiverMembers(await symbolsAtCursor(c), c);
  });

  it('Go and Python: after a module the file binds, its public definitions', async () => {
    const goPkg = (pkg: string) => `package ${pkg}\n\n${MEMBERS.map((m) => `func ${m[0].toUpperCase() + m.slice(1)}(n int) int { return n }\n`).join('\n')}`;
    const go: Case = {
      files: { 'go.mod': 'module example.com/app\n\ngo 1.21\n', 'widget/widget.go': goPkg('widget'), 'gadget/gadget.go': goPkg('gadget') },
      buffer: ['package main', '', 'import (', '\t"example.com/app/gadget"', '\t"example.com/app/widget"', ')', '', 'func main() {', '\twidget.Open(1)', '\tgadget.Paint(2)', '\twidget.Re|', '}'].join('\n'),
      path: 'main.go', typeFile: 'widget/widget.go', decoyFile: 'gadget/gadget.go', want: ['Resize', 'Reset'],
    };
    expectReceiverMembers(await symbolsAtCursor(go), go);
    await cleanup?.();
    const pyModule = MEMBERS.map((m) => `def ${m}(n):\n    return n\n\n`).join('');
    const py: Case = {
      files: { 'lib/__init__.py': '', 'lib/widget.py': pyModule, 'lib/gadget.py': pyModule },
      buffer: ['import lib.gadget as gadget', 'import lib.widget as widget', '', 'def draw():', '    widget.open(1)', '    gadget.paint(2)', '    widget.re|'].join('\n'),
      path: 'app/draw.py', typeFile: 'lib/widget.py', decoyFile: 'lib/gadget.py', want: ['resize', 'reset'],
    };
    expectReceiverMembers(await symbolsAtCursor(py), py);
    await cleanup?.();
    // `from pkg import sub` binds the submodule too.
    const fromImport = { ...py, buffer: py.buffer.replace('import lib.gadget as gadget\nimport lib.widget as widget', 'from lib import gadget, widget') };
    expect(fromImport.buffer).toContain('from lib import gadget, widget');
    expectReceiverMembers(await symbolsAtCursor(fromImport), fromImport);
  });

  it('Rust: a value a constructor returns (`Self`)', async () => {
    const rsType = (name: string) => `pub struct ${name} { n: i32 }\n\nimpl ${name} {\n    pub fn new() -> Self { ${name} { n: 0 } }\n${MEMBERS.map((m) => `    pub fn ${m}(&self, n: i32) {}\n`).join('')}}\n`;
    const c: Case = {
      files: { 'src/widget.rs': rsType('Widget'), 'src/gadget.rs': rsType('Gadget'), 'src/lib.rs': 'pub mod widget;\npub mod gadget;\npub mod usage;\n' },
      buffer: ['use crate::widget::Widget;', 'use crate::gadget::Gadget;', '', 'pub fn draw(g: &Gadget) {', '    let w = Widget::new();', '    w.open(1);', '    g.paint(2);', '    w.re|', '}'].join('\n'),
      path: 'src/usage.rs', typeFile: 'src/widget.rs', decoyFile: 'src/gadget.rs', want: ['resize', 'reset'],
    };
    expectReceiverMembers(await symbolsAtCursor(c), c);
  });
});
