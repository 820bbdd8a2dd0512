import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedWorkspace, type IndexedWorkspace } from '../helpers/indexed-workspace.js';

/** One small tree per language the navigation queries must read: members under their types, uses across files. */
const TREE: Record<string, string> = {
  'go/router/mux.go': 'package router\n\ntype Mux struct {\n\troutes []string\n}\n\nfunc (m *Mux) Handle(pattern string) {\n\tm.routes = append(m.routes, pattern)\n}\n\nfunc NewMux() *Mux {\n\treturn &Mux{}\n}\n',
  'go/router/mux_test.go': 'package router\n\nfunc useMux() {\n\tm := NewMux()\n\tm.Handle("/")\n}\n',
  'py/shop/cart.py': 'class Cart:\n    def __init__(self):\n        self.items = []\n\n    def add_item(self, item):\n        self.items.append(item)\n\n\ndef checkout(cart):\n    return len(cart.items)\n',
  'py/shop/views.py': 'from .cart import Cart, checkout\n\n\ndef view():\n    cart = Cart()\n    cart.add_item("x")\n    return checkout(cart)\n',
  'java/src/Ledger.java': 'package bank;\n\npublic class Ledger {\n    private long balance;\n\n    public void deposit(long amount) {\n        balance += amount;\n    }\n}\n',
  'java/src/Teller.java': 'package bank;\n\npublic class Teller {\n    void pay(Ledger ledger) {\n        ledger.deposit(5);\n    }\n}\n',
  'rust/src/store.rs': 'pub struct Store {\n    pub size: usize,\n}\n\nimpl Store {\n    pub fn grow(&mut self) {\n        self.size += 1;\n    }\n}\n',
  'rust/src/main.rs': 'mod store;\nuse store::Store;\n\nfn main() {\n    let mut s = Store { size: 0 };\n    s.grow();\n}\n',
};

describe('code navigation (definitions, references, outline) across languages', () => {
  let w: IndexedWorkspace;
  beforeAll(async () => {
    w = await indexedWorkspace(TREE, 'cvu-nav-');
  }, 60_000);
  afterAll(async () => w?.close());

  it('finds a member by Container.member in Go, Python, Java and Rust, and not another container\'s', () => {
    const at = (q: string) => w.ws.definitions(q).map((d) => `${d.path}:${d.startLine}`);
    expect(at('Mux.Handle')).toEqual(['go/router/mux.go:7']);
    expect(at('Cart.add_item')).toEqual(['py/shop/cart.py:5']);
    expect(at('Ledger.deposit')).toEqual(['java/src/Ledger.java:6']);
    expect(at('Store.grow')).toEqual(['rust/src/store.rs:6']);
    expect(at('Teller.deposit')).toEqual([]);
    expect(at('Store::grow')).toEqual(['rust/src/store.rs:6']);
  });

  it('lists references by file, the defining file first, whole words only', async () => {
    const refs = w.ws.references('Cart', 20);
    expect(refs.map((f) => f.path)).toEqual(['py/shop/cart.py', 'py/shop/views.py']);
    expect(refs[0].lines[0]).toMatchObject({ line: 1, definition: true });
    expect(refs[1].lines.map((l) => l.line)).toEqual([1, 5]);
    // `cart` (lower case) and `Cart()` differ: a whole-word, case-sensitive match.
    expect(refs[1].lines.every((l) => /\bCart\b/.test(l.text))).toBe(true);
    const handle = w.ws.references('Handle', 20);
    expect(handle.map((f) => f.path)).toEqual(['go/router/mux.go', 'go/router/mux_test.go']);
  });

  it('finds names with underscores and dunders as written, not their parts', () => {
    const lines = (name: string) => w.ws.references(name, 20).flatMap((f) => f.lines.map((l) => `${f.path}:${l.line}`));
    expect(lines('add_item')).toEqual(['py/shop/cart.py:5', 'py/shop/views.py:6']);
    expect(lines('__init__')).toEqual(['py/shop/cart.py:2']);
    // `add` is a part of `add_item`, no name of its own here.
    expect(lines('add')).toEqual([]);
  });

  it('follows the index as files change: a new use after its commit, none from a deleted file', async () => {
    fs.writeFileSync(path.join(w.root, 'py/shop/orders.py'), 'from .cart import Cart\n\n\ndef order():\n    return Cart()\n');
    await w.ws.update(['py/shop/orders.py']);
    expect(w.ws.references('Cart', 20).map((f) => f.path)).toEqual(['py/shop/cart.py', 'py/shop/orders.py', 'py/shop/views.py']);
    fs.rmSync(path.join(w.root, 'py/shop/orders.py'));
    await w.ws.update(['py/shop/orders.py']);
    expect(w.ws.references('Cart', 20).map((f) => f.path)).toEqual(['py/shop/cart.py', 'py/shop/views.py']);
  });

  it('outlines a file with members nested under their type, and a folder by file', () => {
    const file = w.ws.outline('py/shop/cart.py');
    expect(file?.kind).toBe('file');
    const entries = file!.kind === 'file' ? file!.entries : [];
    expect(entries.map((e) => [e.name, e.startLine, e.children.map((c) => c.name)])).toEqual([
      ['Cart', 1, ['__init__', 'add_item']],
      ['checkout', 9, []],
    ]);
    const folder = w.ws.outline('rust');
    expect(folder?.kind === 'folder' && folder.files.map((f) => f.path)).toEqual(['rust/src/main.rs', 'rust/src/store.rs']);
    expect(w.ws.outline('rust/sr')).toBeNull();
  });

  it('suggests the closest names and paths for ones that do not exist', () => {
    expect(w.ws.closest('name', 'add_itme')).toContain('add_item');
    expect(w.ws.closest('name', 'Ledgr.deposit')).toContain('deposit');
    expect(w.ws.closest('path', 'py/shop/carts.py')[0]).toBe('py/shop/cart.py');
  });
});
