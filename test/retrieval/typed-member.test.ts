/**
 * Issue 14, receiver types: the member typed after a receiver (`w.re|`) comes from the receiver's
 * type (retrieval/typed-member.ts), not from another type with a member of the same name, in every
 * language with a receiver rule; through the real indexer and cursor retrieval on small trees.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reachableFrom } from '../../retrieval/definition-traits.js';
import { memberAccessAt, textBeforeCursor } from '../../retrieval/typed-member.js';
import type { SymbolRow } from '../../store/rows.js';
import { contextAtMarker } from '../helpers/indexed-workspace.js';

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

  it('reads a chain written one call a line as one expression, from the statement it goes on', () => {
    const lines = ['    let x = 1;', '    let pos = self', '        .cmd // the command', '        .ge'];
    expect(textBeforeCursor(lines, 3, lines[3].length, 'rust')).toBe('let pos = self.cmd.ge');
    expect(memberAccessAt(textBeforeCursor(lines, 3, lines[3].length, 'rust'))).toMatchObject({ segments: ['self', 'cmd'], prefix: 'ge' });
    // A line that does not start with an accessor is read alone; a statement or block above ends the chain.
    expect(textBeforeCursor(['a', 'b.c'], 1, 3, 'rust')).toBe('b.c');
    expect(textBeforeCursor(['run();', '.x'], 1, 2, 'rust')).toBe('.x');
    expect(textBeforeCursor(['if (a) {', '.x'], 1, 2, 'rust')).toBe('.x');
    // A line above is read as code: a `//` inside a string is no comment, Python's `#` is one.
    const js = ['const r = client', '  .get("http://example.com/a") // fetch', '  .th'];
    expect(memberAccessAt(textBeforeCursor(js, 2, js[2].length, 'javascript'))).toMatchObject({ segments: ['client', 'get'], prefix: 'th' });
    const py = ['r = (session  # the shared one', '    .get(url)', '    .js'];
    expect(memberAccessAt(textBeforeCursor(py, 2, py[2].length, 'python'))).toMatchObject({ segments: ['session', 'get'], prefix: 'js' });
  });

  it('reads the expression a line closes from the line that opened it: an anonymous class, a callback, arguments', () => {
    const java = ['    return new TypeAdapter<OffsetDateTime>() {', '      @Override', '      public void write(JsonWriter out, OffsetDateTime value) {', '        out.name("offset");', '      }', '    }.nu'];
    expect(memberAccessAt(textBeforeCursor(java, 5, java[5].length, 'java'))).toMatchObject({ segments: ['TypeAdapter'], constructed: true, prefix: 'nu' });
    const js = ['const p = new Promise((resolve) => {', '  setTimeout(resolve, [1, 2][0]);', '}).th'];
    expect(memberAccessAt(textBeforeCursor(js, 2, js[2].length, 'javascript'))).toMatchObject({ segments: ['Promise'], constructed: true, prefix: 'th' });
    const args = ['x = client.request(', '  a,', '  b', ').'];
    expect(memberAccessAt(textBeforeCursor(args, 3, 2, 'python'))).toMatchObject({ segments: ['client', 'request'], called: [false, true] });
    // Nothing opened above (the file's first line, or too far up): the line alone, and no receiver.
    expect(textBeforeCursor(['}.'], 0, 2, 'java')).toBe('}.');
    const far = ['new Foo() {', ...Array.from({ length: 300 }, () => '  x();'), '}.'];
    expect(memberAccessAt(textBeforeCursor(far, far.length - 1, 2, 'java'))).toBeNull();
    const wide = ['new Foo() {', 'x'.repeat(50_000), '}.'];
    expect(memberAccessAt(textBeforeCursor(wide, 2, 2, 'java'))).toBeNull();
    // Brackets nested thousands deep inside: not read (each level would cost a pass over the text).
    const deep = ['new Foo() {', '('.repeat(9000), ')'.repeat(9000), '}.'];
    expect(memberAccessAt(textBeforeCursor(deep, 3, 2, 'java'))).toBeNull();
  });

  it('counts no bracket inside a string literal: a character, a string, a template, a raw string', () => {
    const java = ['    return new TypeAdapter<Token>() {', '      String open = "(", close = ")}";', "      char c = '{', q = '\"'; String s = \"(\";", '    }.nu'];
    expect(memberAccessAt(textBeforeCursor(java, 3, java[3].length, 'java'))).toMatchObject({ segments: ['TypeAdapter'], constructed: true, prefix: 'nu' });
    const js = ['const p = new Promise((resolve) => {', "  log('(', `${a})`, \"[\");", '}).th'];
    expect(memberAccessAt(textBeforeCursor(js, 2, js[2].length, 'javascript'))).toMatchObject({ segments: ['Promise'], constructed: true, prefix: 'th' });
    // Rust's lifetimes are no strings: `'a>(x: &'a` keeps its bracket.
    const rust = ["let r = Reader::new(|x: &'a str| {", "    fn f<'a>(s: &'a str) -> &'a str { s }", '    x', '}).wi'];
    expect(memberAccessAt(textBeforeCursor(rust, 3, rust[3].length, 'rust'))).toMatchObject({ segments: ['Reader', 'new'], prefix: 'wi' });
    const go = ['h := NewHandler(func() {', '    fmt.Println(`(`, "{", `C:\\(\\`)', '}).Se'];
    expect(memberAccessAt(textBeforeCursor(go, 2, go[2].length, 'go'))).toMatchObject({ segments: ['NewHandler'], prefix: 'Se' });
  });

  it('reads the tail of a long line only', () => {
    // 50,000 calls never closed: the receiver is read from the last 300 characters.
    expect(memberAccessAt('f('.repeat(50_000) + 'x.')?.segments).toEqual(['x']);
    // Closing parentheses whose opening ones lie before that tail: no receiver.
    expect(memberAccessAt('(x' + ')'.repeat(100_000) + '.')).toBeNull();
  });
});

/** Members named alike on two types: only the receiver's type tells which one the line means. */
const MEMBERS = ['resize', 'reset', 'close', 'open', 'paint', 'measure'];
const capitalised = (m: string) => m[0].toUpperCase() + m.slice(1);

interface Case {
  files: Record<string, string>;
  /** The buffer: the cursor is at the end of its line that ends in the marker `|`. */
  buffer: string;
  path: string;
  /** The file of the receiver's type (or module). */
  typeFile: string;
  /** The members expected, as that language spells them. */
  want: string[];
}

/**
 * Asks a real workspace over the case's files for the context at the marker: the first members
 * shown must be the receiver's type's that start with what is typed, before any other type's of the
 * same names and any other member.
 */
async function expectTypedMembers(c: Case): Promise<void> {
  const snippets = await contextAt(c.files, c.path, c.buffer);
  const members = snippets.filter((s) => s.source === 'symbol' && s.symbol && MEMBERS.includes(s.symbol.toLowerCase()));
  const first = members.slice(0, c.want.length).map((s) => `${s.path}:${s.symbol}`);
  expect(first.sort(), JSON.stringify(snippets.map((s) => `${s.path}:${s.symbol}`))).toEqual(c.want.map((n) => `${c.typeFile}:${n}`).sort());
}

/** The context at the buffer's marker (helpers' contextAtMarker), its workspace closed after the test. */
async function contextAt(files: Record<string, string>, path: string, buffer: string) {
  const { snippets, close } = await contextAtMarker(files, path, buffer, 200, 'cvu-typed-');
  cleanup = close;
  return snippets;
}

const tsType = (name: string) => `export class ${name} {\n${MEMBERS.map((m) => `  ${m}(n: number): void {}\n`).join('')}}\n\nexport function make${name}(): ${name} { return new ${name}(); }\n`;
const tsFiles = { 'lib/widget.ts': tsType('Widget'), 'lib/gadget.ts': tsType('Gadget') };
const tsImports = ["import { Widget, makeWidget } from '../lib/widget';", "import { Gadget } from '../lib/gadget';", ''];
const tsCase = (body: string[], files: Record<string, string> = tsFiles): Case => ({ files, buffer: [...tsImports, ...body].join('\n'), path: 'src/use.ts', typeFile: 'lib/widget.ts', want: ['resize', 'reset'] });

const pyType = (name: string) => `class ${name}:\n${MEMBERS.map((m) => `    def ${m}(self, n):\n        pass\n\n`).join('')}`;
const pyCase = (buffer: string[]): Case => ({
  files: { 'lib/widget.py': pyType('Widget'), 'lib/gadget.py': pyType('Gadget'), 'lib/__init__.py': '' },
  buffer: ['from lib.widget import Widget', 'from lib.gadget import Gadget', '', ...buffer].join('\n'), path: 'app/use.py', typeFile: 'lib/widget.py', want: ['resize', 'reset'],
});
const goType = (name: string) => `package lib\n\ntype ${name} struct{ n int }\n\n${MEMBERS.map((m) => `func (x *${name}) ${capitalised(m)}(n int) {}\n`).join('\n')}`;
const rsType = (name: string) => `pub struct ${name} { n: i32 }\n\nimpl ${name} {\n    pub fn new() -> Self { ${name} { n: 0 } }\n${MEMBERS.map((m) => `    pub fn ${m}(&self, n: i32) {}\n`).join('')}}\n`;
const pyModule = MEMBERS.map((m) => `def ${m}(n):\n    return n\n\n`).join('');
const pyModuleCase = (imports: string[]): Case => ({
  files: { 'lib/__init__.py': '', 'lib/widget.py': pyModule, 'lib/gadget.py': pyModule },
  buffer: [...imports, '', 'def draw():', '    widget.open(1)', '    gadget.paint(2)', '    widget.re|'].join('\n'), path: 'app/draw.py', typeFile: 'lib/widget.py', want: ['resize', 'reset'],
});

describe('the members of the receiver typed at the cursor', () => {
  it('TypeScript: a variable constructed above', async () => {
    await expectTypedMembers(tsCase(['export function draw(g: Gadget): void {', '  const w = new Widget();', '  w.open(1);', '  g.paint(2);', '  w.re|', '}']));
  });

  it("TypeScript: a chain's next call on a line of its own", async () => {
    await expectTypedMembers(tsCase(['export function c(g: Gadget): void {', '  g.paint(1);', '  makeWidget()', '    .re|', '}']));
  });

  it('TypeScript: `new X(…).`', async () => {
    await expectTypedMembers(tsCase(['export function a(g: Gadget): void {', '  g.paint(1);', '  new Widget().re|', '}']));
  });

  it('Go: the names written before the receiver on its line come after its members', async () => {
    // `check(Limit) && w.` is typing w's member: check and Limit are written, the member is not.
    const files = { 'lib/widget.go': goType('Widget'), 'lib/check.go': 'package lib\n\nconst Limit = 3\n\nfunc check(n int) bool { return n > 0 }\n', 'go.mod': 'module example.com/app\n\ngo 1.21\n' };
    const buffer = ['package lib', '', 'func Draw() bool {', '\tvar w *Widget', '\treturn check(Limit) && w.|', '}'];
    const order = (await contextAt(files, 'lib/use.go', buffer.join('\n'))).map((s) => s.symbol ?? '');
    const firstMember = order.findIndex((name) => MEMBERS.includes(name.toLowerCase()));
    expect(firstMember, JSON.stringify(order)).toBeGreaterThanOrEqual(0);
    for (const written of ['check', 'Limit']) expect(order.indexOf(written), JSON.stringify(order)).toBeGreaterThan(firstMember);
  });

  it("TypeScript: a call's declared return type", async () => {
    await expectTypedMembers(tsCase(['export function b(g: Gadget): void {', '  g.paint(1);', '  makeWidget().re|', '}']));
  });

  it("TypeScript: a field's declared type along `this.field.`", async () => {
    await expectTypedMembers(tsCase([
      'export class Screen {',
      '  private widget: Widget = makeWidget();',
      '  private gadget: Gadget = new Gadget();',
      '  draw(): void {',
      '    this.gadget.paint(1);',
      '    this.widget.re|',
      '  }',
      '}',
    ]));
  });

  it("TypeScript: an overloaded function's signatures declare the type its implementation does not", async () => {
    const overloaded = `${tsType('Widget')}\nexport function build(n: number): Widget;\nexport function build(s: string): Widget;\nexport function build(x: any) {\n  return new Widget();\n}\n`;
    await expectTypedMembers(tsCase(["import { build } from '../lib/widget';", 'export function f(g: Gadget): void {', '  const w = build(1);', '  g.paint(1);', '  w.open(2);', '  w.re|', '}'], { ...tsFiles, 'lib/widget.ts': overloaded }));
  });

  it('JavaScript: a parameter named after a constructor function whose prototype has the methods', async () => {
    const jsType = (name: string) => `'use strict'\n\nfunction ${name} (n) {\n  this.n = n\n}\n\n${MEMBERS.map((m) => `${name}.prototype.${m} = function (n) {\n  return n\n}\n`).join('\n')}\nmodule.exports = ${name}\n`;
    await expectTypedMembers({
      files: { 'lib/widget.js': jsType('Widget'), 'lib/gadget.js': jsType('Gadget') },
      buffer: ["'use strict'", '', 'module.exports = function draw (widget, gadget) {', '  widget.open(1)', '  gadget.paint(2)', '  widget.re|', '}'].join('\n'),
      path: 'src/draw.js', typeFile: 'lib/widget.js', want: ['resize', 'reset'],
    });
  });

  it('Python: an instance constructed above', async () => {
    await expectTypedMembers(pyCase(['def draw(g):', '    w = Widget()', '    w.open(1)', '    g.paint(2)', '    w.re|']));
  });

  it('Python: `self.` reaching a base class in another file', async () => {
    await expectTypedMembers(pyCase(['class Fancy(Widget):', '    def draw(self, g):', '        g.paint(1)', '        self.re|']));
  });

  it('Java: a local variable of a declared type', async () => {
    const javaType = (name: string) => `package lib;\n\npublic class ${name} {\n${MEMBERS.map((m) => `  public void ${m}(int n) {}\n`).join('')}}\n`;
    await expectTypedMembers({
      files: { 'src/lib/Widget.java': javaType('Widget'), 'src/lib/Gadget.java': javaType('Gadget') },
      buffer: ['package app;', '', 'import lib.Widget;', 'import lib.Gadget;', '', 'public class Use {', '  void draw(Gadget g) {', '    Widget w = new Widget();', '    w.open(1);', '    g.paint(2);', '    w.re|', '  }', '}'].join('\n'),
      path: 'src/app/Use.java', typeFile: 'src/lib/Widget.java', want: ['resize', 'reset'],
    });
  });

  it("Java: a method's parameter, not a variable of that name another method binds above it", async () => {
    const javaType = (name: string) => `package lib;\n\npublic class ${name} {\n${MEMBERS.map((m) => `  public void ${m}(int n) {}\n`).join('')}}\n`;
    await expectTypedMembers({
      files: { 'src/lib/Widget.java': javaType('Widget'), 'src/lib/Gadget.java': javaType('Gadget') },
      buffer: [
        'package app;', '', 'import lib.Widget;', 'import lib.Gadget;', '', 'public class Use {', '  void first() {', '    Gadget w = new Gadget();', '    w.paint(1);', '  }', '',
        '  void draw(Widget w) throws Exception {', '    w.open(1);', '    w.re|', '  }', '}',
      ].join('\n'),
      path: 'src/app/Use.java', typeFile: 'src/lib/Widget.java', want: ['resize', 'reset'],
    });
  });

  it('C#: a local variable of a declared type', async () => {
    const csType = (name: string) => `namespace Lib {\n  public class ${name} {\n${MEMBERS.map((m) => `    public void ${capitalised(m)}(int n) {}\n`).join('')}  }\n}\n`;
    await expectTypedMembers({
      files: { 'Lib/Widget.cs': csType('Widget'), 'Lib/Gadget.cs': csType('Gadget') },
      buffer: ['using Lib;', '', 'namespace App {', '  public class Use {', '    void Draw(Gadget g) {', '      Widget w = new Widget();', '      w.Open(1);', '      g.Paint(2);', '      w.Re|', '    }', '  }', '}'].join('\n'),
      path: 'App/Use.cs', typeFile: 'Lib/Widget.cs', want: ['Resize', 'Reset'],
    });
  });

  it('Go: a variable of a declared type, its methods by receiver', async () => {
    await expectTypedMembers({
      files: { 'lib/widget.go': goType('Widget'), 'lib/gadget.go': goType('Gadget'), 'go.mod': 'module example.com/app\n\ngo 1.21\n' },
      buffer: ['package lib', '', 'func Draw(g *Gadget) {', '\tvar w *Widget', '\tw.Open(1)', '\tg.Paint(2)', '\tw.Re|', '}'].join('\n'),
      path: 'lib/use.go', typeFile: 'lib/widget.go', want: ['Resize', 'Reset'],
    });
  });

  it('Rust: a value a constructor returns (`Self`)', async () => {
    await expectTypedMembers({
      files: { 'src/widget.rs': rsType('Widget'), 'src/gadget.rs': rsType('Gadget'), 'src/lib.rs': 'pub mod widget;\npub mod gadget;\npub mod usage;\n' },
      buffer: ['use crate::widget::Widget;', 'use crate::gadget::Gadget;', '', 'pub fn draw(g: &Gadget) {', '    let w = Widget::new();', '    w.open(1);', '    g.paint(2);', '    w.re|', '}'].join('\n'),
      path: 'src/usage.rs', typeFile: 'src/widget.rs', want: ['resize', 'reset'],
    });
  });

  it("Rust: `self.field.` in an impl block: the field's type as the struct's body writes it, inside its `Arc`", async () => {
    await expectTypedMembers({
      files: { 'src/widget.rs': rsType('Widget'), 'src/gadget.rs': rsType('Gadget'), 'src/lib.rs': 'pub mod widget;\npub mod gadget;\npub mod holder;\n' },
      buffer: [
        'use std::sync::Arc;', 'use crate::widget::Widget;', 'use crate::gadget::Gadget;', '',
        'pub struct Holder {', '    other: Gadget,', '    pub(crate) inner: Arc<Widget>,', '}', '',
        'impl Holder {', '    pub fn draw(&self) {', '        self.other.paint(2);', '        self.inner.re|', '    }', '}',
      ].join('\n'),
      path: 'src/holder.rs', typeFile: 'src/widget.rs', want: ['resize', 'reset'],
    });
  });

  it("Rust: a module named like the field (`mod inner`) does not come before the field type's members", async () => {
    const buffer = ['use crate::widget::Widget;', '', 'pub struct Holder {', '    inner: Widget,', '}', '', 'impl Holder {', '    pub fn draw(&self) {', '        self.inner.|', '    }', '}'].join('\n');
    const snippets = await contextAt({ 'src/widget.rs': rsType('Widget'), 'src/inner.rs': 'pub fn setup() {}\n', 'src/lib.rs': 'pub mod widget;\npub mod inner;\npub mod holder;\n' }, 'src/holder.rs', buffer);
    const shown = snippets.map((s) => `${s.path}:${s.symbol}`);
    expect(shown[0], JSON.stringify(shown)).toMatch(/^src\/widget\.rs:/);
  });

  it('Rust: a type reached by its module path (`app::blocking::Widget::`), the one that module defines', async () => {
    // Two types named Widget: the path says which, whichever the index lists first.
    for (const module of ['asynch', 'blocking']) {
      await expectTypedMembers({
        files: { 'Cargo.toml': '[package]\nname = "app"\n', 'src/lib.rs': 'pub mod asynch;\npub mod blocking;\n', 'src/asynch/mod.rs': rsType('Widget'), 'src/blocking/mod.rs': rsType('Widget') },
        buffer: ['#[test]', 'fn sized() {', `    let w = app::${module}::Widget::re|`, '}'].join('\n'),
        path: 'tests/sized.rs', typeFile: `src/${module}/mod.rs`, want: ['resize', 'reset'],
      });
      await cleanup?.();
      cleanup = null;
    }
  });

  it("Rust: a name each test binds anew has its own binding's type: a module's function, through `unwrap()`", async () => {
    const blocking = 'use crate::widget::Widget;\n\npub fn get(url: &str) -> crate::Result<Widget> {\n    Ok(Widget::new())\n}\n';
    await expectTypedMembers({
      files: {
        'Cargo.toml': '[package]\nname = "app"\n', 'src/lib.rs': 'pub mod widget;\npub mod gadget;\npub mod asynch;\npub mod blocking;\n\npub type Result<T> = std::result::Result<T, String>;\n',
        'src/widget.rs': rsType('Widget'), 'src/gadget.rs': rsType('Gadget'), 'src/blocking/mod.rs': blocking,
        // Another module's `get`, of another type: the path says which one runs.
        'src/asynch/mod.rs': blocking.replace(/Widget/g, 'Gadget').replace('crate::widget', 'crate::gadget'),
      },
      buffer: [
        'use app::gadget::Gadget;', '', '#[test]', 'fn first() {', '    let res = Gadget::new();', '    res.paint(1);', '}', '',
        '#[test]', 'fn second() {', '    let mut res = app::blocking::get("x").unwrap();', '    res.open(1);', '    res.re|', '}',
      ].join('\n'),
      path: 'tests/get.rs', typeFile: 'src/widget.rs', want: ['resize', 'reset'],
    });
  });

  /** A builder whose `build()` makes a Widget: `let w = WidgetBuilder::new()` / `.size(…)` / `.build();` above `w.re|`. */
  const builderCase = (sizeArgument: string) => ({
    files: {
      'src/lib.rs': 'pub mod widget;\npub mod gadget;\npub mod builder;\npub mod usage;\n', 'src/widget.rs': rsType('Widget'), 'src/gadget.rs': rsType('Gadget'),
      'src/builder.rs': 'use crate::widget::Widget;\n\npub struct WidgetBuilder { n: i32 }\n\nimpl WidgetBuilder {\n    pub fn new() -> Self { WidgetBuilder { n: 0 } }\n    pub fn size(self, n: i32) -> Self { self }\n    pub fn build(self) -> Widget { Widget::new() }\n}\n',
    },
    buffer: ['use crate::builder::WidgetBuilder;', 'use crate::gadget::Gadget;', '', 'pub fn draw(g: &Gadget) {', '    let w = WidgetBuilder::new()', `        .size(${sizeArgument})`, '        .build();', '    g.paint(2);', '    w.re|', '}'].join('\n'),
    path: 'src/usage.rs', typeFile: 'src/widget.rs', want: ['resize', 'reset'],
  });

  it("Rust: a value a builder's chain returns, one call a line: what its last call declares", async () => {
    await expectTypedMembers(builderCase('3'));
    await cleanup?.();
    cleanup = null;
    // Arguments up to the statement's bound (4,000 characters) are read past.
    await expectTypedMembers(builderCase('1+'.repeat(1_800) + '1'));
  });

  it('reads no binding whose value runs on past what a statement holds (a minified argument): the receiver map answers', async () => {
    const c = builderCase('1+'.repeat(100_000) + '1');
    const snippets = await contextAt(c.files, c.path, c.buffer);
    // Not followed to `build()`: the map reads `WidgetBuilder::new()`, so no Widget member comes first.
    const first = snippets.find((s) => s.source === 'symbol' && MEMBERS.includes(s.symbol ?? ''));
    expect(first?.path, JSON.stringify(snippets.map((s) => `${s.path}:${s.symbol}`))).not.toBe('src/widget.rs');
  });

  it("Go: `h.field.` through a struct's field, declared beside another name", async () => {
    await expectTypedMembers({
      files: { 'lib/widget.go': goType('Widget'), 'lib/gadget.go': goType('Gadget'), 'go.mod': 'module example.com/app\n\ngo 1.21\n' },
      buffer: ['package lib', '', 'type Holder struct {', '\tother *Gadget', '\tw, spare *Widget', '}', '', 'func (h *Holder) Draw() {', '\th.other.Paint(2)', '\th.w.Re|', '}'].join('\n'),
      path: 'lib/holder.go', typeFile: 'lib/widget.go', want: ['Resize', 'Reset'],
    });
  });

  it('Go: after a package the file imports, its exported definitions', async () => {
    const goPkg = (pkg: string) => `package ${pkg}\n\n${MEMBERS.map((m) => `func ${capitalised(m)}(n int) int { return n }\n`).join('\n')}`;
    await expectTypedMembers({
      files: { 'go.mod': 'module example.com/app\n\ngo 1.21\n', 'widget/widget.go': goPkg('widget'), 'gadget/gadget.go': goPkg('gadget') },
      buffer: ['package main', '', 'import (', '\t"example.com/app/gadget"', '\t"example.com/app/widget"', ')', '', 'func main() {', '\twidget.Open(1)', '\tgadget.Paint(2)', '\twidget.Re|', '}'].join('\n'),
      path: 'main.go', typeFile: 'widget/widget.go', want: ['Resize', 'Reset'],
    });
  });

  it('Python: after `import pkg.sub as sub`, the submodule\'s definitions', async () => {
    await expectTypedMembers(pyModuleCase(['import lib.gadget as gadget', 'import lib.widget as widget']));
  });

  it('Python: after `from pkg import sub`, the submodule\'s definitions', async () => {
    await expectTypedMembers(pyModuleCase(['from lib import gadget, widget']));
  });
});

describe("what the language's visibility keeps from the buffer", () => {
  /** The `re…` members shown for the buffer at `path` (the cursor after `w.re`), by name; its workspace closed (a test asks twice). */
  const shown = async (files: Record<string, string>, path: string, buffer: string[]) => {
    const { snippets, close } = await contextAtMarker(files, path, buffer.join('\n'), 200, 'cvu-typed-');
    try {
      return new Set(snippets.filter((s) => s.source === 'symbol' && /^re/i.test(s.symbol ?? '')).map((s) => s.symbol));
    } finally {
      await close();
    }
  };

  it("Java: a member with no access modifier is its package's (folder's), `src/test` sharing `src/main`'s; a protected one any subclass's", async () => {
    const builder = ['package lib;', '', 'public class Builder {', '  int retries;', '  public Builder resize(int n) { return this; }', '  Builder reset() { return this; }', '  protected void repaint() {}', '  private void recount() {}', '}', ''].join('\n');
    const use = (pkg: string) => [`package ${pkg};`, '', 'import lib.Builder;', '', 'public class Use {', '  void draw() {', '    Builder w = new Builder();', '    w.re|', '  }', '}'];
    const files = { 'src/main/java/lib/Builder.java': builder };
    expect(await shown(files, 'src/main/java/app/Use.java', use('app'))).toEqual(new Set(['resize', 'repaint']));
    expect(await shown(files, 'src/test/java/lib/Use.java', use('lib'))).toEqual(new Set(['resize', 'repaint', 'reset', 'retries']));
  });

  it('reads a member by its own modifiers or name, a type by whether its package exports it', () => {
    const row = (path: string, name: string, signature: string, exported: boolean, container: string | null = null): SymbolRow =>
      ({ name, kind: container ? 'method' : 'class', path, start_line: 1, end_line: 1, container, signature, exported });
    const node = 'src/main/java/lib/internal/Tree.java';
    // A public method of a package-private class: called through the interface it implements.
    expect(reachableFrom(row(node, 'getKey', 'public K getKey()', false, 'Node'), 'src/main/java/app/Use.java')).toBe(true);
    expect(reachableFrom(row(node, 'rebalance', 'void rebalance()', false, 'Node'), 'src/main/java/app/Use.java')).toBe(false);
    expect(reachableFrom(row(node, 'rebalance', 'void rebalance()', false, 'Node'), 'src/test/java/lib/internal/TreeTest.java')).toBe(true);
    expect(reachableFrom(row(node, 'Node', 'static final class Node<K, V>', false), 'src/main/java/app/Use.java')).toBe(false);
    expect(reachableFrom(row(node, 'log', 'private void log()', false, 'Node'), 'src/main/java/lib/internal/Other.java')).toBe(false);
    // Go: by the name's case alone, whatever its receiver's type.
    expect(reachableFrom(row('lib/tree.go', 'Walk', 'func (n *node) Walk()', false, 'node'), 'main.go')).toBe(true);
    expect(reachableFrom(row('lib/tree.go', 'walk', 'func (n *Node) walk()', false, 'Node'), 'main.go')).toBe(false);
    // Other languages: `private` alone.
    expect(reachableFrom(row('lib/tree.py', '_walk', 'def _walk(self)', false, 'Node'), 'main.py')).toBe(true);
  });

  it("Go: a lower-case method is its package's", async () => {
    const widget = ['package lib', '', 'type Widget struct{}', '', 'func NewWidget() *Widget { return &Widget{} }', '', 'func (w *Widget) Resize(n int) {}', '', 'func (w *Widget) reset() {}', ''].join('\n');
    const files = { 'go.mod': 'module example.com/app\n\ngo 1.21\n', 'lib/widget.go': widget };
    const other = ['package main', '', 'import "example.com/app/lib"', '', 'func main() {', '\tw := lib.NewWidget()', '\tw.Re|', '}'];
    expect(await shown(files, 'main.go', other)).toEqual(new Set(['Resize']));
    const same = ['package lib', '', 'func draw() {', '\tw := NewWidget()', '\tw.Re|', '}'];
    expect(await shown(files, 'lib/draw.go', same)).toEqual(new Set(['Resize', 'reset']));
  });
});

describe('a large API typed after its receiver', () => {
  it('Go: of a type with more methods than a budget shows, the ones other files use come first, wherever declared', async () => {
    // 150 methods; the two the code base's other packages call are declared last, where file order would never reach.
    const methods = [...Array.from({ length: 150 }, (_, i) => `Set${String(i).padStart(3, '0')}`), 'Flags', 'Execute'];
    const command = `package cli\n\ntype Command struct{ name string }\n\n${methods.map((m) => `func (c *Command) ${m}() *Command { return c }\n`).join('\n')}`;
    const users = Object.fromEntries([1, 2, 3].map((i) => [`tool${i}/main.go`, `package main\n\nimport "example.com/app/cli"\n\nfunc register(parent *cli.Command, name string) {\n\tif name == "" {\n\t\treturn\n\t}\n\tparent.Flags()\n\tparent.Execute()\n}\n`]));
    // Code like the buffer's calls other methods, once each: what is like the cursor's lines does not say which.
    const alike = Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`cli/build${i}.go`, `package cli\n\nfunc build${i}(c *Command) {\n\tc.Set00${i}()\n}\n`]));
    const snippets = await contextAt({ 'go.mod': 'module example.com/app\n\ngo 1.21\n', 'cli/command.go': command, ...users, ...alike }, 'cli/build.go', ['package cli', '', 'func build(c *Command) {', '\tc.|'].join('\n'));
    const members = snippets.filter((s) => s.path === 'cli/command.go' && s.symbol && methods.includes(s.symbol)).map((s) => s.symbol);
    expect(members.slice(0, 2).sort(), JSON.stringify(members)).toEqual(['Execute', 'Flags']);
  });

  it('Go: a method the buffer calls already comes before those other files call more', async () => {
    const methods = ['Flags', 'Execute', 'Name', 'HasParent'];
    const command = `package cli\n\ntype Command struct{ name string }\n\n${methods.map((m) => `func (c *Command) ${m}() bool { return true }\n`).join('\n')}`;
    const users = Object.fromEntries([1, 2, 3, 4].map((i) => [`tool${i}/main.go`, `package main\n\nimport "example.com/app/cli"\n\nfunc register${i}(parent *cli.Command) {\n\tparent.Flags()\n\tparent.Execute()\n\tparent.Name()\n}\n`]));
    const buffer = ['package cli', '', 'func build(c *Command, kind string) bool {', '\tswitch {', '\tcase kind == "a" && c.HasParent():', '\t\treturn true', '\tcase kind == "b" && c.HasParent():', '\t\treturn false', '\tcase kind == "c" && c.|'];
    const snippets = await contextAt({ 'go.mod': 'module example.com/app\n\ngo 1.21\n', 'cli/command.go': command, ...users }, 'cli/build.go', buffer.join('\n'));
    const members = snippets.filter((s) => s.path === 'cli/command.go' && s.symbol && methods.includes(s.symbol)).map((s) => s.symbol);
    expect(members[0], JSON.stringify(members)).toBe('HasParent');
  });
});

describe("a struct's fields typed after their receiver (Go and Rust keep no symbol for a field)", () => {
  it('Go: `e.Le` offers the type of the field the prefix starts', async () => {
    const snippets = await contextAt({
      'go.mod': 'module example.com/app\n\ngo 1.21\n',
      'log/level.go': 'package log\n\n// Level is how severe an entry is.\ntype Level uint32\n\nfunc (l Level) String() string { return "" }\n',
      'log/fields.go': 'package log\n\ntype Fields map[string]any\n',
      'log/entry.go': 'package log\n\ntype Entry struct {\n\tLevel   Level\n\tData    Fields\n\tMessage string\n}\n\nfunc (e *Entry) Log() {}\n',
    }, 'log/use.go', 'package log\n\nfunc report(e *Entry) {\n\te.Le|\n}\n');
    const shown = snippets.map((s) => `${s.path}:${s.symbol}`);
    // The field `Level Level` is what `e.Le` goes on to: its type comes first, before the struct and its methods.
    expect(shown[0], JSON.stringify(shown)).toBe('log/level.go:Level');
  });
});
