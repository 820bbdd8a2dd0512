/**
 * The language rules of issue 14 (indexer/lang/python, rust), through the real indexer and cursor
 * retrieval: a package's `__init__` re-export, pytest's conftest fixtures, Rust's `pub use`; and
 * names bound under another name than their definition's (retrieval/import-graph.ts's `renamed`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { namesNearCursor } from '../../retrieval/buffer-names.js';
import { indexedWorkspace } from '../helpers/indexed-workspace.js';

const indexed = (tree: Record<string, string>) => indexedWorkspace(tree, 'cvu-rules-');

/** Index of the first snippet at path:line, Infinity when absent. */
const rank = (snippets: { path: string; startLine: number }[], at: string) => {
  const i = snippets.findIndex((s) => `${s.path}:${s.startLine}` === at);
  return i < 0 ? Infinity : i;
};

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe('language rules in cursor retrieval', () => {
  it("Rust: a path's type qualifies the name after it (Body::wrap_stream), as Body.wrap_stream would", () => {
    const uses = namesNearCursor(['let b = super::Body::wrap_stream(s);', ''], 1);
    expect(uses.find((u) => u.name === 'wrap_stream')).toMatchObject({ qualifiers: ['Body'], qualified: 1 });
    expect(uses.find((u) => u.name === 'Body')).toMatchObject({ qualified: 1 });
  });

  it('Python: pkg.Client means the Client that pkg/__init__.py re-exports from core.py', async () => {
    const r = await indexed({
      'pkg/__init__.py': 'from .core import Client\n',
      'pkg/core.py': 'class Client:\n    def send(self, data):\n        return data\n',
      // (helper is imported from here; functions apart from Client, so that it is no neighbour of helper's)
      'other/client.py': 'class Client:\n    pass\n\n\ndef a():\n    pass\n\n\ndef b():\n    pass\n\n\ndef helper():\n    return 1\n',
      'app.py': 'import pkg\nfrom other.client import helper\n\n\ndef main():\n    c = pkg.Client()\n    helper()\n    \n',
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'app.py', position: { line: 7, character: 4 }, budgetTokens: 400 });
    // other/client.py is imported (for helper), yet pkg.Client is core's, through the package's re-export
    expect(rank(snippets, 'pkg/core.py:1')).toBeLessThan(rank(snippets, 'other/client.py:1'));
  });

  it('Python: a workspace that is a package is imported by its name (`from mailpkg import errors` inside mailpkg/)', async () => {
    const r = await indexedWorkspace({
      '__init__.py': '',
      'errors.py': 'class CharsetError(Exception):\n    pass\n',
      // (helper is imported from here: its CharsetError would be the one were errors not found)
      'other/codecs.py': 'class CharsetError(Exception):\n    pass\n\n\ndef a():\n    pass\n\n\ndef helper():\n    return 1\n',
      'words.py': 'from mailpkg import errors\nfrom other.codecs import helper\n\n\ndef decode(x):\n    helper()\n    raise errors.CharsetError(x)\n    \n',
    }, 'cvu-rules-', 'mailpkg');
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'words.py', position: { line: 7, character: 4 }, budgetTokens: 400 });
    expect(rank(snippets, 'errors.py:1')).toBeLessThan(rank(snippets, 'other/codecs.py:1'));
  });

  it('Python: a test parameter named like a conftest fixture means that fixture (conftest of its folder or above)', async () => {
    const r = await indexed({
      'tests/conftest.py': 'import pytest\n\n\n@pytest.fixture\ndef server():\n    return {"port": 1}\n',
      'tests/unit/test_api.py': 'def test_port(server):\n    assert server\n    \n',
      'lib/server.py': 'def server():\n    return None\n',
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'tests/unit/test_api.py', position: { line: 2, character: 4 }, budgetTokens: 400 });
    expect(rank(snippets, 'tests/conftest.py:4')).toBeLessThan(rank(snippets, 'lib/server.py:1'));
  });

  it('Rust: crate::Body reached through lib.rs `pub use` means the struct in body.rs', async () => {
    const r = await indexed({
      'Cargo.toml': '[package]\nname = "web"\nversion = "0.1.0"\n',
      'src/lib.rs': 'mod body;\nmod legacy;\nmod client;\npub use self::body::Body;\n',
      'src/body.rs': 'pub struct Body {\n    bytes: Vec<u8>,\n}\n',
      'src/legacy.rs': 'pub struct Body {\n    text: String,\n}\n\npub fn a() {}\n\npub fn b() {}\n\npub fn old() {}\n',
      'src/client.rs': 'use crate::Body;\nuse crate::legacy::old;\n\npub fn send(b: Body) {\n    old();\n    \n}\n',
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'src/client.rs', position: { line: 5, character: 4 }, budgetTokens: 400 });
    expect(rank(snippets, 'src/body.rs:1')).toBeLessThan(rank(snippets, 'src/legacy.rs:1'));
  });

  it("Rust: an integration test's web::Body means the crate's own Body, its Cargo.toml naming the crate", async () => {
    const r = await indexed({
      'Cargo.toml': '[package]\nname = "web"\nversion = "0.1.0"\n\n[dependencies]\nname = "not-this"\n',
      'src/lib.rs': 'mod alpha;\nmod body;\npub use self::body::Body;\n',
      'src/body.rs': 'pub struct Body {\n    bytes: Vec<u8>,\n}\n',
      'src/alpha.rs': 'pub struct Body {\n    text: String,\n}\n\npub fn a() {}\n\npub fn b() {}\n',
      'tests/send.rs': 'mod support;\n\n#[test]\nfn sends() {\n    let b = web::Body::default();\n    support::go();\n    \n}\n',
      'tests/support/mod.rs': 'pub fn go() {}\n',
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'tests/send.rs', position: { line: 6, character: 4 }, budgetTokens: 400 });
    // web::Body is written farther up than support::go, but a path through the crate's own name is as sure as an import.
    expect(rank(snippets, 'src/body.rs:1')).toBeLessThan(rank(snippets, 'tests/support/mod.rs:1'));
    expect(rank(snippets, 'src/body.rs:1')).toBeLessThan(rank(snippets, 'src/alpha.rs:1'));
  });

  it("Rust: self.start() inside impl Server means Server's start, from an impl block in another file", async () => {
    const r = await indexed({
      'Cargo.toml': '[package]\nname = "web"\nversion = "0.1.0"\n',
      'src/lib.rs': 'mod engine;\nmod server;\nmod server_run;\n',
      'src/engine.rs': 'pub struct Engine;\n\nimpl Engine {\n    pub fn start(&self) {}\n}\n',
      'src/server_run.rs': 'use crate::server::Server;\n\nimpl Server {\n    pub fn start(&self) {}\n}\n',
      'src/server.rs': 'pub struct Server;\n\nimpl Server {\n    pub fn serve(&self) {\n        self.start();\n        \n    }\n}\n',
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'src/server.rs', position: { line: 5, character: 8 }, budgetTokens: 400 });
    expect(rank(snippets, 'src/server_run.rs:4')).toBeLessThan(rank(snippets, 'src/engine.rs:4'));
  });

  it('Rust: an item written with its module path (crate::error::Kind) means the one in that module', async () => {
    const r = await indexed({
      'Cargo.toml': '[package]\nname = "web"\nversion = "0.1.0"\n',
      'src/lib.rs': 'mod base;\nmod error;\nmod client;\n',
      'src/base.rs': 'pub struct Kind {\n    name: String,\n}\n',
      'src/error.rs': 'pub struct Kind {\n    code: u8,\n}\n',
      'src/client.rs': 'pub fn fail() -> Option<crate::error::Kind> {\n    \n}\n',
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'src/client.rs', position: { line: 1, character: 4 }, budgetTokens: 400 });
    expect(rank(snippets, 'src/error.rs:1')).toBeLessThan(rank(snippets, 'src/base.rs:1'));
  });

  it.each(['use crate::cookie;', 'use crate::cookie::{self, parse};'])("Rust: `%s` binds the module: the line above `cookie::parse(…)` is offered cookie.rs's other items", async (use) => {
    const r = await indexed({
      'Cargo.toml': '[package]\nname = "web"\nversion = "0.1.0"\n',
      'src/lib.rs': 'mod cookie;\nmod jar;\nmod response;\n',
      // (Cookie far from parse: no neighbour of the definition the line below names.)
      'src/cookie.rs': `pub fn parse(v: u8) -> u8 {\n    v\n}\n\n${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `fn step${i}(v: u8) -> u8 {\n    v + ${i}\n}\n\n`).join('')}pub struct Cookie(u8);\n`,
      'src/jar.rs': 'pub struct Jar;\n\nimpl Jar {\n    pub fn add(&self) {}\n    pub fn clear(&self) {}\n    pub fn len(&self) -> usize {\n        0\n    }\n}\n',
      'src/response.rs': use + '\nuse crate::jar::Jar;\n\npub fn cookies(j: &Jar) -> Vec<u8> {\n    j.add();\n    \n    vec![cookie::parse(1)]\n}\n',
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'src/response.rs', position: { line: 5, character: 4 }, budgetTokens: 400 });
    // (The private steps come as parse's neighbours in its file; the module's public item before them.)
    expect(rank(snippets, 'src/cookie.rs:37')).toBeLessThan(rank(snippets, 'src/cookie.rs:9'));
  });

  it('TS: an import through tsconfig paths means the file they map to', async () => {
    const r = await indexed({
      'tsconfig.json': '{\n  // the app resolves @core/* into the core package\n  "compilerOptions": { "baseUrl": ".", "paths": { "@core/*": ["packages/core/src/*"], }, },\n}\n',
      'packages/core/src/config.ts': 'export function loadConfig(): number {\n  return 1;\n}\n',
      'a/config.ts': 'export function loadConfig(): string {\n  return "";\n}\n',
      'app/main.ts': "import { loadConfig } from '@core/config';\n\nexport function main() {\n  \n}\n",
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'app/main.ts', position: { line: 3, character: 2 }, budgetTokens: 400 });
    expect(rank(snippets, 'packages/core/src/config.ts:1')).toBeLessThan(rank(snippets, 'a/config.ts:1'));
  });

  it("TS: a workspace package's subpath means the file its package.json exports names (a build output: its source)", async () => {
    const r = await indexed({
      'package.json': '{ "name": "mono", "private": true, "workspaces": ["packages/*"] }\n',
      'packages/util/package.json': '{ "name": "@acme/util", "exports": { ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" }, "./strings": "./dist/text/slug.js" } }\n',
      'packages/util/src/index.ts': 'export const VERSION = 1;\n',
      'packages/util/src/text/slug.ts': 'export function slugify(s: string): string {\n  return s;\n}\n',
      'a/strings.ts': 'export function slugify(s: string): string {\n  return s.trim();\n}\n',
      'app/use.ts': "import { slugify } from '@acme/util/strings';\n\nexport function title() {\n  \n}\n",
    });
    close = r.close;
    const { snippets } = await r.ws.context({ path: 'app/use.ts', position: { line: 3, character: 2 }, budgetTokens: 400 });
    expect(rank(snippets, 'packages/util/src/text/slug.ts:1')).toBeLessThan(rank(snippets, 'a/strings.ts:1'));
  });

  describe('names bound under another name', () => {
    it("TS: a name a file exports under another name (`export { Timestamp_ as Timestamp }`) means that file's class, not another of the name", async () => {
      const r = await indexed({
        'type.ts': 'class Timestamp_ {\n  unit = 1;\n  zone = "";\n}\n\nexport { Timestamp_ as Timestamp };\n',
        // The same name defined elsewhere (arrow's generated flatbuffers classes beside its own types).
        'fb/timestamp.ts': 'export class Timestamp {\n  bb = null;\n}\n',
        'visit.ts': "import { Timestamp } from './type';\n\nexport function describe(t: Timestamp): string {\n  \n}\n",
      });
      close = r.close;
      const { snippets } = await r.ws.context({ path: 'visit.ts', position: { line: 3, character: 2 }, budgetTokens: 400 });
      expect(rank(snippets, 'type.ts:1')).toBeLessThan(rank(snippets, 'fb/timestamp.ts:1'));
    });

    it("TS: a barrel's `export { parse as parseConfig } from` means parser.ts's parse", async () => {
      const r = await indexed({
        'parser.ts': 'export function parse(text: string) {\n  return JSON.parse(text);\n}\n',
        'index.ts': "export { parse as parseConfig } from './parser';\n",
        'legacy.ts': 'export function parseConfig(text: string) {\n  return text;\n}\n',
        'app.ts': "import { parseConfig } from './index';\n\nexport function main(text: string) {\n  const config = parseConfig(text);\n  \n  return config;\n}\n",
      });
      close = r.close;
      const { snippets } = await r.ws.context({ path: 'app.ts', position: { line: 4, character: 2 }, budgetTokens: 400 });
      expect(rank(snippets, 'parser.ts:1')).toBeLessThan(rank(snippets, 'legacy.ts:1'));
    });

    it('TS: `Wire.` typed, Wire imported as `{ Message as Wire }`, offers that class\'s statics', async () => {
      const r = await indexed({
        'wire.ts': 'export class Message {\n  static decode(bytes: Uint8Array): Message {\n    return new Message();\n  }\n  static encode(m: Message): Uint8Array {\n    return new Uint8Array();\n  }\n}\n',
        'other.ts': 'export function decodeAll(bytes: Uint8Array) {\n  return bytes;\n}\n',
        'message.ts': "import { Message as Wire } from './wire';\nimport { decodeAll } from './other';\n\nexport class Message {\n  static from(bytes: Uint8Array) {\n    decodeAll(bytes);\n    const m = Wire.\n  }\n}\n",
      });
      close = r.close;
      const { snippets } = await r.ws.context({ path: 'message.ts', position: { line: 6, character: 19 }, budgetTokens: 400 });
      expect(rank(snippets, 'wire.ts:2')).toBeLessThan(rank(snippets, 'other.ts:1'));
    });

    it('TS: `m.` typed, m declared of a type imported under another name (`m: Wire`), offers that type\'s members', async () => {
      const r = await indexed({
        'wire.ts': 'export class Message {\n  headerType(): number {\n    return 1;\n  }\n  bodyLength(): number {\n    return 0;\n  }\n}\n',
        'other.ts': 'export function decodeAll(bytes: Uint8Array) {\n  return bytes;\n}\n',
        'header.ts': "import { Message as Wire } from './wire';\nimport { decodeAll } from './other';\n\nexport function header(m: Wire) {\n  decodeAll(new Uint8Array());\n  return m.\n}\n",
      });
      close = r.close;
      const { snippets } = await r.ws.context({ path: 'header.ts', position: { line: 5, character: 11 }, budgetTokens: 400 });
      expect(rank(snippets, 'wire.ts:2')).toBeLessThan(rank(snippets, 'other.ts:1'));
    });

    it("Python: a package's `from .util import object_to_uri as to_uri` means util.py's function", async () => {
      const r = await indexed({
        'pkg/__init__.py': 'from .util import object_to_uri as to_uri\n',
        'pkg/util.py': 'def object_to_uri(obj):\n    return str(obj)\n',
        'lib/uri.py': 'def to_uri(obj):\n    return obj\n',
        'tests/test_uri.py': 'from pkg import to_uri\n\n\ndef test_uri():\n    u = to_uri(1)\n    \n    assert u\n',
      });
      close = r.close;
      const { snippets } = await r.ws.context({ path: 'tests/test_uri.py', position: { line: 5, character: 4 }, budgetTokens: 400 });
      expect(rank(snippets, 'pkg/util.py:1')).toBeLessThan(rank(snippets, 'lib/uri.py:1'));
    });
  });
});
