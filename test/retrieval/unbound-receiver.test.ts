/**
 * Issue 14, names not written yet: a receiver used just below the cursor and bound nowhere above
 * (`w.repaint(…)` under the line being written) is most likely bound by that line, which names its
 * type: the type defining the members used on it (retrieval/offered-definitions.ts's
 * unboundReceiverTypes). Through the real indexer and cursor retrieval on small trees.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { unboundReceiverTypes } from '../../retrieval/offered-definitions.js';
import { contextAtMarker, indexedWorkspace } from '../helpers/indexed-workspace.js';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

/** Three types sharing member names pairwise: only `repaint` and `fold` together say Widget. */
const TYPES: Record<string, string[]> = { Widget: ['repaint', 'fold'], Gadget: ['fold', 'close'], Gizmo: ['repaint', 'close'] };

/** The types' snippets in the order the context for the buffer's `|` line shows them. */
async function typesShown(files: Record<string, string>, path: string, buffer: string): Promise<string[]> {
  const { snippets, close } = await contextAtMarker(files, path, buffer, 300, 'cvu-unbound-');
  cleanup = close;
  return snippets.filter((s) => s.source === 'symbol' && s.symbol && s.symbol in TYPES).map((s) => s.symbol!);
}

const java = (name: string) => `package app;\n\npublic class ${name} {\n${TYPES[name].map((m) => `  public void ${m}(int n) {}\n`).join('')}}\n`;
const javaFiles = Object.fromEntries(Object.keys(TYPES).map((t) => [`src/app/${t}.java`, java(t)]));
const javaBuffer = (body: string[]) => ['package app;', '', 'public class Screen {', ...body, '}'].join('\n');

const ts = (name: string) => `export class ${name} {\n${TYPES[name].map((m) => `  ${m}(n: number): void {}\n`).join('')}}\n`;
const tsFiles = Object.fromEntries(Object.keys(TYPES).map((t) => [`lib/${t.toLowerCase()}.ts`, ts(t)]));

const py = (name: string) => `class ${name}:\n${TYPES[name].map((m) => `    def ${m}(self, n):\n        pass\n\n`).join('')}`;
const pyFiles = { 'lib/__init__.py': '', ...Object.fromEntries(Object.keys(TYPES).map((t) => [`lib/${t.toLowerCase()}.py`, py(t)])) };

describe('the type of a receiver used below and bound nowhere above', () => {
  // Each buffer calls `g.close()` above the cursor: Gadget and Gizmo define `close`, so without the
  // rule one of them is the first type shown (checked); Widget leads only through `w`'s members.
  it('Java: the type of the local the line declares', async () => {
    const shown = await typesShown(javaFiles, 'src/app/Screen.java', javaBuffer(['  void draw(int n, Object g) {', '    g.close();', '    |', '    w.repaint(n);', '    w.fold(n);', '  }']));
    expect(shown[0]).toBe('Widget');
  });

  it('TypeScript: the class the line constructs', async () => {
    const shown = await typesShown(tsFiles, 'src/draw.ts', ['export function draw(n: number, g: any): void {', '  g.close();', '  |', '  w.repaint(n);', '  w.fold(n);', '}'].join('\n'));
    expect(shown[0]).toBe('Widget');
  });

  it('Python: the class the line instantiates', async () => {
    const shown = await typesShown(pyFiles, 'app/draw.py', ['def draw(n, g):', '    g.close()', '    |', '    w.repaint(n)', '    w.fold(n)'].join('\n'));
    expect(shown[0]).toBe('Widget');
  });

  it('not for a receiver bound above (a parameter), nor one bound later, nor members that three types define alike', async () => {
    const indexed = await indexedWorkspace(pyFiles, 'cvu-unbound-');
    cleanup = indexed.close;
    // The cursor is on the body's blank line.
    const offered = (body: string[]) => {
      const lines = ['def draw(n, w0, make):', ...body];
      const row = lines.findIndex((l) => !l.trim());
      return unboundReceiverTypes(indexed.ws.store, 'python', 'draw.py', lines, row, () => true).map((s) => s.def.name);
    };
    // The rule itself, then what it must leave alone.
    expect(offered(['    ', '    w.repaint(n)', '    w.fold(n)'])).toEqual(['Widget']);
    // A parameter: its type is declared where it is bound, not on the line being written.
    expect(offered(['    ', '    w0.repaint(n)', '    w0.fold(n)'])).toEqual([]);
    // Bound below the cursor: the line being written does not bind it.
    expect(offered(['    ', '    w = make()', '    w.repaint(n)', '    w.fold(n)'])).toEqual([]);
    // Past the block: `w` below the dedent is another block's.
    expect(offered(['    if n:', '        ', '    w.repaint(n)', '    w.fold(n)'])).toEqual([]);
    // `repaint`, `fold` and `close`: each type defines two of them, nothing told apart.
    expect(offered(['    ', '    w.repaint(n)', '    w.fold(n)', '    w.close()'])).toEqual([]);
    // Two members, two types tied (Widget and Gizmo share `repaint`; `paint` is nobody's): both.
    expect(offered(['    ', '    w.repaint(n)', '    w.paint(n)']).sort()).toEqual(['Gizmo', 'Widget']);
  });

  // The line binding such a receiver as often calls what makes the type as it names the type: Go's
  // `NewWidget()` beside the struct, Rust's `Widget::new()` in its impl (not a builder's `wider(self)`,
  // called on one already made). Each fails without makersOf.
  it.each([
    {
      language: 'go' as const,
      files: Object.fromEntries(Object.keys(TYPES).map((t) => [`ui/${t.toLowerCase()}.go`, `package ui\n\ntype ${t} struct{}\n\nfunc New${t}() *${t} { return &${t}{} }\n\nfunc Make${t}List() []string { return nil }\n\n${TYPES[t].map((m) => `func (x *${t}) ${m}(n int) {}\n`).join('')}`])),
      lines: ['package ui', 'func draw(n int) {', '\t', '\tw.repaint(n)', '\tw.fold(n)', '}'],
      makers: ['NewWidget'],
      path: 'ui/draw.go',
    },
    {
      language: 'rust' as const,
      files: Object.fromEntries(Object.keys(TYPES).map((t) => [`src/${t.toLowerCase()}.rs`, `pub struct ${t};\n\nimpl ${t} {\n    pub fn new() -> Self { ${t} }\n    pub fn size(&self) -> usize { 0 }\n    pub fn wider(mut self, n: i32) -> Self { self }\n${TYPES[t].map((m) => `    pub fn ${m}(&self, n: i32) {}\n`).join('')}}\n`])),
      lines: ['fn draw(n: i32) {', '    ', '    w.repaint(n);', '    w.fold(n);', '}'],
      makers: ['new'],
      path: 'src/draw.rs',
    },
  ])('$language: with the type, the functions beside it that return it', async ({ language, files, lines, makers, path }) => {
    const indexed = await indexedWorkspace(files, 'cvu-unbound-');
    cleanup = indexed.close;
    const row = lines.findIndex((l) => !l.trim());
    const offered = unboundReceiverTypes(indexed.ws.store, language, path, lines, row, () => true);
    expect(offered.map((s) => s.def.name).sort()).toEqual(['Widget', ...makers].sort());
    // Widget's own: not Gadget's or Gizmo's maker, nor a function returning something else.
    expect(offered.every((s) => s.def.path.includes('widget'))).toBe(true);
  });
});
