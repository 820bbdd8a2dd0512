/**
 * The language rules of issue 14 (indexer/lang/python, rust), through the real indexer and cursor
 * retrieval: a package's `__init__` re-export, pytest's conftest fixtures, Rust's `pub use`.
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
});
