/**
 * Issue 14, scope and receivers: each language's rule (indexer/lang/<lang>/scope.ts, receivers.ts) for
 * Go, Java and C#, and the receiver rules every language shares (interfaces and their implementations,
 * inherited methods, destructured fields, return types, bindings not used yet, modules beyond the lines
 * read) through the real indexer
 * and cursor retrieval. Each tree has a decoy of the same name in a folder that sorts first, so a
 * rule that does not apply loses the tie.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../workspace/workspace.js';
import { filesInScope, receiverTypes } from '../../indexer/scope.js';
import { indexedWorkspace } from '../helpers/indexed-workspace.js';
import { before } from '../helpers/order.js';
import { declaredReturnType, receiverTypesNear } from '../../retrieval/receiver-types.js';
import { pendingReceiverMembers } from '../../retrieval/offered-definitions.js';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function indexed(tree: Record<string, string>): Promise<Workspace> {
  const indexed = await indexedWorkspace(tree, 'cvu-scope-');
  cleanup = indexed.close;
  return indexed.ws;
}

/** The context's snippets with the cursor on the line that says `// cursor`. */
async function snippetsAt(ws: Workspace, path: string, text: string, budgetTokens = 4000) {
  const line = text.split('\n').findIndex((l) => l.includes('// cursor'));
  return (await ws.context({ path, text, position: { line, character: 0 }, budgetTokens })).snippets;
}

/** The `path:line` of each definition snippet of `symbol`, best first. */
async function ranked(ws: Workspace, path: string, text: string, symbol: string): Promise<string[]> {
  return (await snippetsAt(ws, path, text)).filter((s) => s.symbol === symbol && s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
}

describe('Go: the package folder, and methods by receiver type', () => {
  const tree = {
    'go.mod': 'module example.com/app\n',
    'aaa/decoy.go': 'package aaa\n\ntype Client struct{}\n\nfunc (c *Client) Start() error { return nil }\n\nfunc NewConfig() string { return "" }\n',
    'server/server.go': 'package server\n\ntype Server struct{ addr string }\n\nfunc (s *Server) Start() error { return nil }\n\nfunc NewConfig() string { return "" }\n',
    'server/helpers_test.go': 'package server\n\nfunc fixture() *Server { return new(Server) }\n',
    'server/handler.go': 'package server\n',
  };

  it('sees its package files by bare name, and a test file sees the package and its test helpers', () => {
    const ctx = { files: new Set(Object.keys(tree).concat('server/handler_test.go')), goModule: 'example.com/app' };
    expect(filesInScope('server/handler.go', 'go', [], ctx).sort()).toEqual(['server/server.go']);
    expect(filesInScope('server/handler_test.go', 'go', [], ctx).sort()).toEqual(['server/handler.go', 'server/helpers_test.go', 'server/server.go']);
  });

  it('ranks the same package first for a bare name no import names', async () => {
    const ws = await indexed(tree);
    const text = 'package server\n\nfunc run() string {\n\treturn NewConfig()\n\t// cursor\n}\n';
    expect((await ranked(ws, 'server/handler.go', text, 'NewConfig'))[0]).toBe('server/server.go:7');
  });

  it("ranks the receiver type's method first: s := new(Server), then s.Start()", async () => {
    const ws = await indexed(tree);
    const text = 'package server\n\nfunc run() error {\n\ts := new(Server)\n\treturn s.Start()\n\t// cursor\n}\n';
    expect((await ranked(ws, 'server/handler.go', text, 'Start'))[0]).toBe('server/server.go:5');
    expect(receiverTypes('go', { lines: ['func (s *Server) Stop() {', '\tvar c aaa.Client', '\tsrv, err := NewServer(addr)'], from: 0, to: 3 })).toEqual(
      new Map([
        ['s', new Set(['Server'])],
        ['c', new Set(['Client'])],
        ['srv', new Set(['Server'])],
      ]),
    );
  });
});

describe('Java: the package, on-demand imports, declared types and their supertypes', () => {
  const tree = {
    'src/main/java/com/acme/alpha/Teller.java': 'package com.acme.alpha;\n\npublic class Teller {\n  public int id() { return 1; }\n}\n',
    'src/main/java/com/acme/app/Teller.java': 'package com.acme.app;\n\npublic class Teller {\n  public void open() {}\n}\n',
    'src/main/java/com/acme/util/Journal.java': 'package com.acme.util;\n\npublic class Journal {\n  public void post(String line) {}\n  public int id() { return 2; }\n}\n',
    'src/main/java/com/acme/util/Ledger.java': 'package com.acme.util;\n\npublic class Ledger {\n  public void post(String line) {}\n}\n',
    'src/main/java/com/acme/model/Entity.java': 'package com.acme.model;\n\npublic abstract class Entity {\n  public int id() { return 0; }\n}\n',
    'src/main/java/com/acme/model/Account.java': 'package com.acme.model;\n\npublic class Account extends Entity {\n  public void deposit(long cents) {}\n}\n',
    'src/main/java/com/acme/app/Bank.java': 'package com.acme.app;\n',
  };
  const bank = (body: string) =>
    `package com.acme.app;\n\nimport com.acme.model.Account;\nimport com.acme.util.*;\n\npublic class Bank {\n  private Ledger ledger;\n\n  void run(Account account) {\n${body}\n    // cursor\n  }\n}\n`;

  it('sees its package (main and test roots), on-demand imports and a static import\'s class', () => {
    const files = new Set([...Object.keys(tree), 'src/test/java/com/acme/app/BankTest.java']);
    const imports = [
      { specifier: 'com.acme.util.*', names: [], line: 3 },
      { specifier: 'com.acme.model.Entity.id', names: ['id'], line: 4 },
    ];
    expect(filesInScope('src/test/java/com/acme/app/BankTest.java', 'java', imports, { files }).sort()).toEqual([
      'src/main/java/com/acme/app/Bank.java',
      'src/main/java/com/acme/app/Teller.java',
      'src/main/java/com/acme/model/Entity.java',
      'src/main/java/com/acme/util/Journal.java',
      'src/main/java/com/acme/util/Ledger.java',
    ]);
  });

  it('ranks the same package\'s class first for a bare type no import names', async () => {
    const ws = await indexed(tree);
    expect((await ranked(ws, 'src/main/java/com/acme/app/Bank.java', bank('    Teller teller = null;'), 'Teller'))[0]).toBe('src/main/java/com/acme/app/Teller.java:3');
  });

  it("ranks a field's type's method first", async () => {
    const ws = await indexed(tree);
    expect((await ranked(ws, 'src/main/java/com/acme/app/Bank.java', bank('    ledger.post("x");'), 'post'))[0]).toBe('src/main/java/com/acme/util/Ledger.java:4');
  });

  it("ranks a supertype's method first for a parameter of the subtype", async () => {
    const ws = await indexed(tree);
    expect((await ranked(ws, 'src/main/java/com/acme/app/Bank.java', bank('    int n = account.id();'), 'id'))[0]).toBe('src/main/java/com/acme/model/Entity.java:4');
  });
});

describe('overloads', () => {
  it("show the first of a name's overloads in a class, and the others after every other definition", async () => {
    const overloads = Array.from({ length: 6 }, (_, i) => `  public String toJson(${'Object a, '.repeat(i)}Object z) { return ""; }\n`).join('');
    const ws = await indexed({
      'src/main/java/com/acme/Codec.java': `package com.acme;\n\npublic class Codec {\n${overloads}  public String toYaml(Object z) { return ""; }\n}\n`,
      'src/main/java/com/acme/Use.java': 'package com.acme;\n',
    });
    const text = 'package com.acme;\n\nclass Use {\n  void run(Codec codec) {\n    codec.toYaml(2);\n    codec.toJson(1);\n    // cursor\n  }\n}\n';
    const { snippets } = await ws.context({ path: 'src/main/java/com/acme/Use.java', text, position: { line: 6, character: 0 }, budgetTokens: 4000 });
    const order = snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol);
    // toJson, written nearer, first; then toYaml before the five other toJson.
    const first = order.indexOf('toJson');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(order.indexOf('toYaml'));
    expect(order.indexOf('toJson', first + 1)).toBeGreaterThan(order.indexOf('toYaml'));
    expect(order.filter((n) => n === 'toJson')).toHaveLength(6);
  });

  it('show the implementation of TypeScript overload signatures first, the signatures after every other definition', async () => {
    const signatures = ['string', 'number', 'boolean'].map((t) => `export function encode(value: ${t}): string;\n`).join('');
    const ws = await indexed({
      'src/codec.ts': `${signatures}export function encode(value: unknown): string {\n  return String(value);\n}\n\nexport function decode(text: string): unknown {\n  return text;\n}\n`,
      'src/use.ts': '',
    });
    const text = "import { decode, encode } from './codec.js';\n\nexport function run(): void {\n  decode('1');\n  encode(1);\n  // cursor\n}\n";
    const { snippets } = await ws.context({ path: 'src/use.ts', text, position: { line: 5, character: 0 }, budgetTokens: 4000 });
    const order = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.symbol}:${s.startLine}`);
    expect(order[0]).toBe('encode:4');
    expect(order.indexOf('encode:1')).toBeGreaterThan(order.indexOf('decode:8'));
  });
});

describe('C#: the namespace and the ones around it, and declared types', () => {
  const tree = {
    'Acme/Archive/Invoice.cs': 'namespace Acme.Archive\n{\n    public class Invoice\n    {\n        public void Send() { }\n    }\n}\n',
    'Acme/Billing/Invoice.cs': 'namespace Acme.Billing\n{\n    public class Invoice\n    {\n        public void Close() { }\n    }\n}\n',
    'Acme/Tools/Mailer.cs': 'namespace Acme.Tools\n{\n    public class Mailer\n    {\n        public void Send() { }\n    }\n}\n',
    'Acme/Tools/Fax.cs': 'namespace Acme.Tools\n{\n    public class Fax\n    {\n        public void Send() { }\n    }\n}\n',
    'Acme/Clock.cs': 'namespace Acme\n{\n    public class Clock { }\n}\n',
    'Acme/Billing/Runner.cs': 'namespace Acme.Billing { }\n',
  };
  const runner = (body: string) =>
    `using Acme.Tools;\n\nnamespace Acme.Billing\n{\n    public class Runner\n    {\n        public Mailer Outbox { get; set; }\n\n        public void Run()\n        {\n${body}\n            // cursor\n        }\n    }\n}\n`;

  it('sees its folder and the folders above it', () => {
    const files = new Set(Object.keys(tree));
    expect(filesInScope('Acme/Billing/Runner.cs', 'csharp', [], { files }).sort()).toEqual(['Acme/Billing/Invoice.cs', 'Acme/Clock.cs']);
  });

  it("ranks its namespace's class first, and a property's type's method", async () => {
    const ws = await indexed(tree);
    expect((await ranked(ws, 'Acme/Billing/Runner.cs', runner('            var invoice = new Invoice();'), 'Invoice'))[0]).toBe('Acme/Billing/Invoice.cs:3');
    expect((await ranked(ws, 'Acme/Billing/Runner.cs', runner('            Outbox.Send();'), 'Send'))[0]).toBe('Acme/Tools/Mailer.cs:5');
  });
});

describe('C#: namespaces that do not follow folders, as the files declare them', () => {
  // UniTask's layout: Runtime/Internal/TaskTracker.cs is in the root namespace, Runtime/Linq/ in Acme.Tasks.Linq;
  // a decoy of each name in a folder that sorts first, in namespaces the buffer neither is in nor uses.
  const tree = {
    'Aaa/TaskTracker.cs': 'namespace Other.Tasks\n{\n    public static class TaskTracker\n    {\n        public static void Track(object o) { }\n    }\n}\n',
    'Aaa/Pool.cs': 'namespace Other.Pools;\n\npublic class Pool\n{\n    public void Rent() { }\n}\n',
    'Runtime/Internal/TaskTracker.cs': 'namespace Acme.Tasks\n{\n    public static class TaskTracker\n    {\n        public static void Track(object o) { }\n    }\n}\n',
    'Runtime/Internal/Pool.cs': 'namespace Acme.Tasks.Pooling;\n\npublic class Pool\n{\n    public void Rent() { }\n}\n',
  };
  const takeUntil = (body: string) =>
    `using System;\nusing Acme.Tasks.Pooling;\n\nnamespace Acme.Tasks.Linq\n{\n    public class TakeUntil\n    {\n        public void Run()\n        {\n${body}\n            // cursor\n        }\n    }\n}\n`;
  // (On disk as in the buffer but for the lines at the cursor: the indexed file's namespace and usings are the buffer's.)
  const withBuffer = { ...tree, 'Runtime/Linq/TakeUntil.cs': takeUntil('') };

  it('sees the files that declare its namespace and the ones around it, and a using means the files that declare it', async () => {
    const ws = await indexed(withBuffer);
    expect((await ranked(ws, 'Runtime/Linq/TakeUntil.cs', takeUntil('            TaskTracker.Track(this);'), 'TaskTracker'))[0]).toBe('Runtime/Internal/TaskTracker.cs:3');
    expect((await ranked(ws, 'Runtime/Linq/TakeUntil.cs', takeUntil('            var pool = new Pool();'), 'Pool'))[0]).toBe('Runtime/Internal/Pool.cs:3');
  });
});

describe('a receiver typed by an interface: the implementation runs', () => {
  const host = (body: string) =>
    [
      'export interface Host {',
      '  save(id: string): void;',
      '  load(id: string): string;',
      '}',
      '',
      'export class Flow {',
      '  constructor(private host: Host) {}',
      ...body.split('\n'),
      '  run(id: string) {',
      '    this.host.load(id);',
      '    this.host.save(id);',
      '    // cursor',
      '  }',
      '}',
      '',
    ].join('\n');
  const tree = {
    'src/aaa/cache.ts': 'export class Cache {\n  save(id: string): void {}\n  load(id: string): string {\n    return id;\n  }\n}\n',
    'src/store.ts': "import type { Host } from './flow.js';\n\nexport class Store implements Host {\n  save(id: string): void {}\n  load(id: string): string {\n    return id;\n  }\n}\n",
    'src/flow.ts': '',
  };

  it("ranks the class that implements the field's interface first (TypeScript `implements`)", async () => {
    const ws = await indexed(tree);
    expect((await ranked(ws, 'src/flow.ts', host(''), 'save'))[0]).toBe('src/store.ts:4');
  });

  it('reads the field from the top of a class longer than the lines read for names', async () => {
    const ws = await indexed(tree);
    const long = Array.from({ length: 700 }, (_, i) => `  m${i}() { return ${i}; }`).join('\n');
    expect((await ranked(ws, 'src/flow.ts', host(long), 'save'))[0]).toBe('src/store.ts:4');
  });

  it("ranks the Go type that has the interface's methods first", async () => {
    const ws = await indexed({
      'go.mod': 'module example.com/app\n',
      'aaa/plain.go': 'package aaa\n\ntype plain struct{}\n\nfunc (p *plain) Bytes() int { return 0 }\n',
      'mw/writer.go': 'package mw\n\ntype Writer interface {\n\tStatus() int\n\tBytes() int\n}\n\ntype basic struct{ n int }\n\nfunc (b *basic) Status() int { return 200 }\n\nfunc (b *basic) Bytes() int { return b.n }\n',
      'mw/log.go': 'package mw\n',
    });
    const text = 'package mw\n\nfunc logIt(ww Writer) int {\n\ts := ww.Status()\n\treturn s + ww.Bytes()\n\t// cursor\n}\n';
    expect((await ranked(ws, 'mw/log.go', text, 'Bytes'))[0]).toBe('mw/writer.go:12');
  });
});

describe('a subclass: what it inherits', () => {
  it('offers the methods of a base class in another file that the buffer does not name, protected ones first (TypeScript)', async () => {
    const ts = [
      "import { State } from './state.js';",
      "import { fill0, fill1, fill2, fill3 } from './filler.js';",
      '',
      'export class CodeState extends State {',
      '  submit(code: number): State {',
      '    const n = fill0(fill1(fill2(fill3(code))));',
      '    ',
      '  }',
      '}',
    ].join('\n');
    const ws = await indexed({
      'src/state.ts': 'export abstract class State {\n  public describe(): string {\n    return "";\n  }\n\n  protected handleResult(r: number): State {\n    return this;\n  }\n}\n',
      // Twelve functions, four called beside the cursor: the file's other eight compete for the budget.
      'src/filler.ts': Array.from({ length: 12 }, (_, i) => `export function fill${i}(x: number): number {\n  return x;\n}\n`).join('\n'),
      // As saved: the index knows the class around the cursor from it.
      'src/code-state.ts': ts,
    });
    const { snippets } = await ws.context({ path: 'src/code-state.ts', text: ts, position: { line: 6, character: 4 }, budgetTokens: 120 });
    const order = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(order).toContain('src/state.ts:6');
    expect(before(order, 'src/state.ts:6', 'src/state.ts:2')).toBe(true);
  });

  it('offers what the class inherits up the chain, a nearer override first, and the one the block header names before the rest (Python)', async () => {
    const MIXED = 'from mail.base import MIMEBase\n\n\nclass _Mixed(MIMEBase):\n    def mixed(self):\n        pass\n\n\nclass MIMEMixed(_Mixed):\n    def __init__(self, boundary=None):\n        if boundary:\n            \n\n    def close(self):\n        pass\n';
    const py = 'from mail.base import MIMEBase\n\n\nclass MIMEMultipart(MIMEBase):\n    def __init__(self, boundary=None):\n        MIMEBase.__init__(self)\n        if boundary:\n            \n\n    def close(self):\n        pass\n';
    const ws = await indexed({
      'aaa/other.py': 'class Other:\n    def set_boundary(self, b):\n        pass\n',
      'mail/__init__.py': '',
      'mail/message.py': 'class Message:\n    def get_payload(self):\n        return None\n\n    def attach(self, part):\n        pass\n\n    def set_payload(self, p):\n        pass\n\n    def get_charset(self):\n        return None\n\n    def set_boundary(self, b):\n        pass\n',
      'mail/base.py': 'from mail import message\n\n\nclass MIMEBase(message.Message):\n    def __init__(self):\n        pass\n\n    def attach(self, part):\n        pass\n',
      'mail/multi.py': py,
      'mail/mixed.py': MIXED,
    });
    const { snippets } = await ws.context({ path: 'mail/multi.py', text: py, position: { line: 7, character: 12 }, budgetTokens: 400 });
    const order = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    // The grandparent's set_boundary, not the other class's; named by `if boundary:`, before the grandparent's other methods.
    expect(before(order, 'mail/message.py:14', 'aaa/other.py:2')).toBe(true);
    expect(before(order, 'mail/message.py:14', 'mail/message.py:2')).toBe(true);
    // MIMEBase's attach, the one `self.attach` would run, before Message's.
    expect(before(order, 'mail/base.py:8', 'mail/message.py:5')).toBe(true);
    // Through a base class of the buffer's own file, on up the chain.
    const mixed = await ws.context({ path: 'mail/mixed.py', text: MIXED, position: { line: 10, character: 12 }, budgetTokens: 400 });
    const through = mixed.snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(before(through, 'mail/message.py:14', 'aaa/other.py:2')).toBe(true);
  });
});

describe('TypeScript: a destructured binding has its field\'s declared type', () => {
  it("ranks the method of the field's type first, for `const {sink} = it` and a destructured parameter", async () => {
    const local = "import type { Cxt } from './cxt.js';\n\nexport function f(it: Cxt): void {\n  const { sink, name } = it;\n  sink.emit(name);\n  // cursor\n}\n";
    const ws = await indexed({
      'src/aaa/other.ts': 'export class Other {\n  emit(code: string): void {}\n}\n',
      'src/emitter.ts': 'export class Emitter {\n  emit(code: string): void {}\n}\n',
      'src/cxt.ts': "import type { Emitter } from './emitter.js';\nimport type { Other } from './aaa/other.js';\n\nexport interface Cxt {\n  readonly other: Other;\n  readonly sink: Emitter;\n  readonly name: string;\n}\n",
      'src/use.ts': local,
    });
    expect((await ranked(ws, 'src/use.ts', local, 'emit'))[0]).toBe('src/emitter.ts:2');
    const parameter = "import type { Cxt } from './cxt.js';\n\nexport function g({ sink: s2 }: Cxt): void {\n  s2.emit('x');\n  // cursor\n}\n";
    expect((await ranked(ws, 'src/use.ts', parameter, 'emit'))[0]).toBe('src/emitter.ts:2');
  });
});

describe('a receiver assigned the result of a call has the type the callee says it returns', () => {
  // The callee in a file of its own (importing it favours nothing), the type's method below the
  // type's first lines (the type's own snippet must not hold it), a decoy type with the same method.
  const TS_BODY = '  private readonly items = new Map<string, string>();\n  private opened = false;\n  get size(): number {\n    return this.items.size;\n  }\n  save(key: string): void {}\n}\n';
  const PY_BODY = '    # Keeps things.\n\n    def __init__(self):\n        self.items = {}\n        self.opened = False\n\n    def flush(self):\n        pass\n';
  const tree = {
    'src/aaa/cache.ts': `export class Cache {\n${TS_BODY}`,
    'src/store.ts': `export class Store {\n${TS_BODY}`,
    'src/open.ts': "import { Store } from './store.js';\n\nexport async function openStore(path: string): Promise<Store> {\n  return new Store();\n}\n",
    'go.mod': 'module example.com/app\n',
    'aaa/cache.go': 'package aaa\n\ntype Cache struct{}\n\nfunc (c *Cache) Flush() error { return nil }\n',
    'store/store.go': 'package store\n\ntype Store struct{}\n\nfunc (s *Store) Flush() error { return nil }\n',
    'factory/factory.go': 'package factory\n\nimport "example.com/app/store"\n\nfunc Open(path string) (*store.Store, error) { return &store.Store{}, nil }\n',
    'py/aaa/cache.py': `class Cache:\n${PY_BODY}`,
    'py/store.py': `class Store:\n${PY_BODY}`,
    'py/factory.py': 'from store import Store\n\n\ndef open_store(path) -> "Store":\n    return Store()\n',
    'rs/src/aaa.rs': 'pub struct Log;\n\nimpl Log {\n    pub fn sync(&self) {}\n}\n',
    'rs/src/db.rs': 'pub struct Db;\n\nimpl Db {\n    pub fn sync(&self) {}\n}\n',
    'rs/src/factory.rs': 'use crate::db::Db;\n\npub fn open() -> Result<Db, String> {\n    Ok(Db)\n}\n',
  };

  it("ranks that type's method first (TypeScript `): Promise<T>`, Go's `(*pkg.T, error)`, Python's `-> \"T\"`, Rust's `-> Result<T, E>`)", async () => {
    const ws = await indexed(tree);
    const ts = "import { openStore } from './open.js';\n\nexport async function run(): Promise<void> {\n  const db = await openStore('x');\n  db.save('a');\n  // cursor\n}\n";
    expect((await ranked(ws, 'src/use.ts', ts, 'save'))[0]).toBe('src/store.ts:7');
    const go = 'package main\n\nimport "example.com/app/factory"\n\nfunc main() {\n\tdb, err := factory.Open("x")\n\t_ = err\n\tdb.Flush()\n\t// cursor\n}\n';
    expect((await ranked(ws, 'cmd/main.go', go, 'Flush'))[0]).toBe('store/store.go:5');
    const py = 'from factory import open_store\n\n\ndef run():\n    db = open_store("x")\n    db.flush()\n    # cursor\n';
    expect((await ranked(ws, 'py/use.py', py, 'flush'))[0]).toBe('py/store.py:8');
    const rs = 'use crate::factory::open;\n\nfn run() {\n    let db = open().unwrap();\n    db.sync();\n    // cursor\n}\n';
    expect((await ranked(ws, 'rs/src/main.rs', rs, 'sync'))[0]).toBe('rs/src/db.rs:4');
  });

  it('takes the binding nearest above the cursor, a chain by its last call only, and `self.f()` as the enclosing type\'s', async () => {
    const ws = await indexed({
      'src/lib.rs': [
        'pub struct Widget;', 'pub struct Gadget;', 'pub struct Entry;', 'pub struct Holder;', '',
        'pub fn make_widget() -> Widget { Widget }', 'pub fn make_gadget() -> Gadget { Gadget }', '',
        'impl Holder {', '    pub fn entry_of(&mut self) -> Entry { Entry }', '    pub fn get_mut(&mut self, n: i32) -> Option<&mut Gadget> { None }', '}', '',
        'impl Widget {', '    pub fn get_mut(&mut self, n: i32) -> crate::Result<&mut Widget> { Err(()) }', '}', '',
        'pub type Result<T> = std::result::Result<T, ()>;', '',
      ].join('\n'),
    });
    const lines = [
      'impl Holder {', '    fn first(&mut self) {', '        let x = make_gadget();', '        x.run();', '    }', '',
      '    fn second(&mut self) {', '        let x = make_widget();', '        let y = self.entry_of().or_insert(1);', '        let z = self.get_mut(1).expect("none");',
      '        let u = make_gadget()', '            .finish();', '        let v = make_widget()', '            .unwrap();', '        ', '    }', '}',
    ];
    const types = receiverTypesNear(ws.store, 'rust', lines, { from: 0, to: lines.length, at: 14 });
    expect([...(types.get('x') ?? [])]).toEqual(['Widget']);
    expect(types.get('y')).toBeUndefined();
    expect([...(types.get('z') ?? [])]).toEqual(['Gadget']);
    // A chain a call a line: its next line goes on into another call, or hands the value back.
    expect(types.get('u')).toBeUndefined();
    expect([...(types.get('v') ?? [])]).toEqual(['Widget']);
    // A wrapper reached by its path (`crate::Result<T>`) is no type of its own.
    expect(declaredReturnType('pub fn get(url: &str) -> crate::Result<Response> {', 'get', 'a.rs')).toBe('Response');
  });

  it('reads the returned type from a signature, by language', () => {
    expect(declaredReturnType('public static JsonElement parseString(String json) throws JsonSyntaxException {', 'parseString', 'A.java')).toBe('JsonElement');
    expect(declaredReturnType('public async Task<Order> LoadAsync(int id)', 'LoadAsync', 'A.cs')).toBe('Order');
    expect(declaredReturnType('getModes(id: string): Modalities | null {', 'getModes', 'a.ts')).toBe('Modalities');
    expect(declaredReturnType('func (mx *Mux) Find(rctx *Context, path string) (*Route, error) {', 'Find', 'a.go')).toBe('Route');
    expect(declaredReturnType('pub fn new() -> Self {', 'new', 'a.rs')).toBe('Self');
    expect(declaredReturnType('def parser(self) -> Optional[Parser]:', 'parser', 'a.py')).toBe('Parser');
    expect(declaredReturnType('function plain(a, b) {', 'plain', 'a.js')).toBeNull();
    expect(declaredReturnType('func Close() error {', 'Close', 'a.go')).toBeNull();
  });
});

describe('a variable bound just above the cursor and used nowhere yet', () => {
  it("offers its type's members early: the line being written most likely uses it", async () => {
    const ws = await indexed({
      'src/aaa/other.ts': 'export class Other {\n  query(sql: string): string[] {\n    return [];\n  }\n}\n',
      'src/conn.ts': 'export class Conn {\n  private readonly opened = true;\n\n  query(sql: string): string[] {\n    return [sql];\n  }\n\n  close(): void {}\n}\n',
      'src/factory.ts': "import { Conn } from './conn.js';\n\nexport function connect(url: string): Conn {\n  return new Conn();\n}\n",
      'go.mod': 'module example.com/app\n',
      'aaa/other.go': 'package aaa\n\ntype Other struct{}\n\nfunc (o *Other) Query(sql string) []string { return nil }\n',
      'conn/conn.go': 'package conn\n\ntype Conn struct {\n\topened bool\n}\n\nfunc (c *Conn) Query(sql string) []string { return nil }\n\nfunc (c *Conn) Close() {}\n',
    });
    // A tiny tree offers everything at a large budget: a small one shows what comes first.
    const text = "import { connect } from './factory.js';\n\nexport function run(): void {\n  const db = connect('x');\n  // cursor\n}\n";
    const at = async (path: string, buffer: string) => (await snippetsAt(ws, path, buffer, 40)).map((s) => `${s.path}:${s.startLine}`);
    expect(await at('src/use.ts', text)).toContain('src/conn.ts:4');
    // A parameter not used yet alike (Go: the type from another package).
    const go = 'package main\n\nimport "example.com/app/conn"\n\nfunc run(db *conn.Conn) {\n\t// cursor\n}\n';
    expect(await at('cmd/main.go', go)).toContain('conn/conn.go:7');
  });

  it('counts one just assigned above the cursor, though the rest of the file uses the name (`self.conn = Conn(…)`)', async () => {
    const ws = await indexed({
      'pkg/__init__.py': '',
      'pkg/conn.py': 'class Conn:\n    def query(self, sql):\n        return [sql]\n\n    def close(self):\n        pass\n',
    });
    // `self.conn` is used by another method: not unused in the buffer, but just assigned above the cursor.
    const lines = ['from pkg.conn import Conn', '', '', 'class Job:', '    def start(self, url):', '        self.conn = Conn(url)', '        ', '', '    def stop(self):', '        self.conn.close()', ''];
    const pending = (buffer: string[], cursor: number, typedReceiver?: string) =>
      pendingReceiverMembers(ws.store, 'python', 'job.py', buffer, cursor, () => receiverTypes('python', { lines: buffer, from: 0, to: buffer.length, at: cursor })!, () => true, typedReceiver).map((d) => `${d.def.path}:${d.def.start_line}`);
    expect(pending(lines, 6)).toEqual(['pkg/conn.py:2']);
    // With another receiver typed at the cursor (`job.`), that one is what the line uses.
    expect(pending(lines, 6, 'job')).toEqual([]);
    expect(pending(lines, 6, 'conn')).toEqual(['pkg/conn.py:2']);
    // Used in between: the line being written is no longer its first use.
    const used = [...lines.slice(0, 6), '        self.conn.close()', ...lines.slice(6)];
    expect(pending(used, 7)).toEqual([]);
    // A comparison is no assignment (the attribute typed by the class's annotation).
    const annotated = ['from pkg.conn import Conn', '', '', 'class Job:', '    conn: Conn', '    def start(self, url):', '        if self.conn == url:', '            ', '', '    def stop(self):', '        self.conn.close()', ''];
    expect(pending(annotated, 7)).toEqual([]);
    expect(pending(annotated.map((l) => l.replace('if self.conn == url:', 'self.conn = url')), 7)).toEqual(['pkg/conn.py:2']);
  });
});

describe('a module imported beyond the lines read for names', () => {
  it('is not taken for unused when the code uses it once: its other members do not crowd out the names written', async () => {
    const lines = [
      'import pkg.clock',
      'from pkg.util import helper',
      '',
      ...Array.from({ length: 120 }, (_, i) => `V${i} = ${i}`),
      'def run():',
      ...Array.from({ length: 500 }, () => '    x = 1'),
      '    t = pkg.clock.now()',
      ...Array.from({ length: 50 }, () => '    y = 2'),
      '    z = helper(helper(t))',
      ...Array.from({ length: 49 }, () => '    w = 3'),
      '    ',
      '    return z',
    ];
    const ws = await indexed({
      'pkg/__init__.py': '',
      'pkg/clock.py': ['def now():', '    return 1', '', 'def later():', '    return 2', '', 'def sooner():', '    return 0', ''].join('\n'),
      'pkg/util.py': 'def helper(t):\n    return t\n',
      'pkg/run.py': lines.join('\n'),
    });
    const { snippets } = await ws.context({ path: 'pkg/run.py', text: lines.join('\n'), position: { line: lines.length - 2, character: 4 }, budgetTokens: 400 });
    const order = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(order).toContain('pkg/util.py:1');
    expect(before(order, 'pkg/util.py:1', 'pkg/clock.py:4')).toBe(true);
    expect(before(order, 'pkg/util.py:1', 'pkg/clock.py:7')).toBe(true);
  });
});

describe('a polyglot repository: the names a buffer means are its own language family\'s', () => {
  // A C++ engine with a TypeScript UI: both define `connect` and `enabled`; a C header declares the
  // function a Python binding calls. Each C++ file sorts first, so a rule that does not apply loses.
  const tree = {
    'aaa/engine.h': 'struct Server {\n  bool enabled;\n  int connect(int port);\n};\n\nnamespace console {\nvoid log(const char * text);\n}\n\nvoid llama_free(struct llama_context * ctx);\n',
    'aaa/engine.cpp': '#include "engine.h"\n\nint Server::connect(int port) { return port; }\n',
    'ui/store.ts': 'export class Store {\n  enabled = false;\n  connect(url: string): void {}\n}\n\nexport const store = new Store();\n',
    'ui/app.ts': '',
    'py/binding.py': '',
  };

  it('a TypeScript buffer is shown the TypeScript definitions, not a C++ field or namespace of the same name', async () => {
    const ws = await indexed(tree);
    const text = "import { store } from './store';\n\nexport function start(url: string) {\n  console.log(url);\n  if (store.enabled) store.connect(url);\n  // cursor\n}\n";
    const snippets = await snippetsAt(ws, 'ui/app.ts', text);
    const defs = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(defs).toEqual(expect.arrayContaining(['ui/store.ts:2', 'ui/store.ts:3']));
    expect(snippets.filter((s) => s.path.startsWith('aaa/')).map((s) => `${s.path}:${s.startLine}`)).toEqual([]);
  });

  it("a Python binding still reaches the C function it calls, which no Python code defines", async () => {
    const ws = await indexed(tree);
    const text = 'import ctypes\n\nlib = ctypes.CDLL("libllama.so")\n\ndef free(ctx):\n    lib.llama_free(ctx)\n    # cursor\n';
    const defs = (await snippetsAt(ws, 'py/binding.py', text)).filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(defs).toContain('aaa/engine.h:10');
  });
});
