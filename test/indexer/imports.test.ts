import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../indexer/chunker.js';
import { memberUsesIn, readsMemberUses, resolveImport, type ImportContext, type ImportRef } from '../../indexer/imports.js';
import type { LanguageId } from '../../indexer/languages.js';

/** Imports of a snippet as [line, kind, specifier, names]. */
async function importsOf(path: string, text: string): Promise<Array<[number, string | undefined, string, string[]]>> {
  const a = await analyzeFile(path, text);
  return a.imports.map((i) => [i.line, i.kind, i.specifier, i.names]);
}

const ref = (specifier: string, names: string[] = [], kind?: string): ImportRef => ({ specifier, names, line: 1, kind });

describe('import extraction', () => {
  it('TypeScript / JavaScript: static, re-export, require and dynamic import', async () => {
    const text = [
      "import { readFile as rf, stat } from 'node:fs/promises';",
      "import * as path from 'node:path';",
      "import Default, { named } from './lib.js';",
      "import type { Config } from '../config';",
      "import './side-effect.css';",
      "export { helper, other as alias } from './helpers';",
      "export * from './all';",
      "import legacy = require('./legacy');",
      "const cp = require('child_process');",
      '',
      'export async function load() {',
      "  const mod = await import('./plugins/' + name);",
      "  const fixed = await import('./fixed.js');",
      '  return { mod, fixed };',
      '}',
    ].join('\n');
    expect(await importsOf('src/a.ts', text)).toEqual([
      [1, 'import', 'node:fs/promises', ['readFile', 'stat']],
      [2, 'import', 'node:path', []],
      [3, 'import', './lib.js', ['default', 'named']],
      [4, 'import', '../config', ['Config']],
      [5, 'import', './side-effect.css', []],
      [6, 'export', './helpers', ['helper', 'other']],
      [7, 'export', './all', []],
      [8, 'import', './legacy', []],
      [9, 'require', 'child_process', []],
      [13, 'dynamic', './fixed.js', []],
    ]);
  });

  it('records the local name bound to a whole module, so `x.name` can be looked up in it', async () => {
    const bindings = async (path: string, text: string) => (await analyzeFile(path, text)).imports.map((i) => [i.specifier, i.binding ?? null]);
    const ts = [
      "import * as dtypes from './type.js';",
      "import Default, { named } from './lib.js';",
      "import { only } from './only.js';",
      "import legacy = require('./legacy');",
      "const cp = require('child_process');",
      'const types_1 = __importStar(require("./types"));',
      "foo(require('./bare'));",
      "const { build, sleep: wait } = require('./helper');",
      'const {',
      '  deep,',
      "} = require('./multi-line');",
    ].join('\n');
    expect(await bindings('src/a.ts', ts)).toEqual([
      ['./type.js', 'dtypes'],
      ['./lib.js', 'Default'],
      ['./only.js', null],
      ['./legacy', 'legacy'],
      ['child_process', 'cp'],
      ['./types', 'types_1'],
      ['./bare', null],
      ['./helper', null],
      ['./multi-line', null],
    ]);
    const named = (await analyzeFile('src/a.js', ts)).imports.filter((i) => i.kind === 'require').map((i) => [i.specifier, i.names]);
    expect(named).toContainEqual(['./helper', ['build', 'sleep']]);
    expect(named).toContainEqual(['./multi-line', ['deep']]);
    expect(await bindings('a.py', 'import gyp\nimport gyp.common\nimport os.path as osp\nfrom . import sibling\n')).toEqual([
      ['gyp', 'gyp'],
      ['gyp.common', 'common'],
      ['os.path', 'osp'],
      ['.', null],
    ]);
    expect(await bindings('main.go', 'package main\n\nimport (\n\t"github.com/acme/shop/store"\n\tstr "strings"\n\t"github.com/go-chi/chi/v5"\n\t"gopkg.in/yaml.v3"\n)\n')).toEqual([
      ['github.com/acme/shop/store', 'store'],
      ['strings', 'str'],
      // A major version is not the package's name.
      ['github.com/go-chi/chi/v5', 'chi'],
      ['gopkg.in/yaml.v3', 'yaml'],
    ]);
  });

  it('records the members the code reaches through what each import binds (pkg.Name, a.b.name, x.name, m::f)', async () => {
    const members = async (path: string, text: string) => (await analyzeFile(path, text)).imports.map((i) => [i.specifier, i.members ?? null]);
    const go = 'package main\n\nimport (\n\t"github.com/go-chi/chi/v5/middleware"\n\t"strings"\n)\n\nfunc main() {\n\tr.Use(middleware.Logger)\n\tr.Use(middleware.Recoverer, middleware.Logger)\n\t_ = strings.TrimSpace(x.middleware.Nope)\n}\n';
    expect(await members('main.go', go)).toEqual([
      ['github.com/go-chi/chi/v5/middleware', { middleware: ['Logger', 'Recoverer'] }],
      ['strings', { strings: ['TrimSpace'] }],
    ]);
    const py = 'import click\nimport gyp.common\nimport os.path as osp\nfrom . import sibling\nfrom .core import Option\n\nclick.Option(["--x"])\ngyp.common.WriteOnDiff(osp.join(a), sibling.helper())\nclick.echo(common.Nope)\n';
    expect(await members('a.py', py)).toEqual([
      ['click', { click: ['Option', 'echo'] }],
      ['gyp.common', { 'gyp.common': ['WriteOnDiff'] }],
      ['os.path', { osp: ['join'] }],
      ['.', { sibling: ['helper'] }],
      ['.core', null],
    ]);
    const ts = "import * as dtypes from './type.js';\nimport { named } from './lib.js';\nconst fastify = require('./fastify');\nexport { x } from './x.js';\n\ndtypes.Int8; named.notAModule; fastify.inject(); x.y;\n";
    expect(await members('src/a.ts', ts)).toEqual([
      ['./type.js', { dtypes: ['Int8'] }],
      ['./lib.js', null],
      ['./x.js', null],
      ['./fastify', { fastify: ['inject'] }],
    ]);
    const rs = 'use crate::dns;\nuse crate::{error, proxy::{self, Proxy}};\nmod util;\n\nfn f() {\n    dns::resolve();\n    error::BoxError::new();\n    util::fast(crate::tls::Identity::from_pem());\n}\n';
    const got = Object.fromEntries((await members('src/lib.rs', rs)).map(([s, m]) => [s as string, m]));
    expect(got['crate::dns']).toEqual({ dns: ['resolve'] });
    expect(got['crate']).toEqual({ error: ['BoxError'] });
    expect(got['util']).toEqual({ util: ['fast'] });
    expect(got['crate::tls']).toEqual({ 'crate::tls': ['Identity'] });
  });

  it('counts the members another text reaches through the imports, and where each is first written', async () => {
    const refs = (await analyzeFile('a.py', 'import click\nimport gyp.common\n')).imports;
    const text = 'x = 1\ngyp.common.RelativePath(a)\nclick.echo(gyp.common.RelativePath(b))\nclick.echo()\nother.RelativePath\n';
    const uses = memberUsesIn(refs, text, 'python');
    expect(Object.fromEntries([...uses].map(([q, m]) => [q, Object.fromEntries(m)]))).toEqual({
      'gyp.common': { RelativePath: { count: 2, first: text.indexOf('gyp.common.RelativePath') } },
      click: { echo: { count: 2, first: text.indexOf('click.echo') } },
    });
    // A language without the rule reaches nothing, and says so before any text is read.
    expect(memberUsesIn(refs, text, 'css').size).toBe(0);
    expect([readsMemberUses('python'), readsMemberUses('css'), readsMemberUses('java')]).toEqual([true, false, false]);
  });

  it('Python: import, from-import, relative, and imports guarded by if/try', async () => {
    const text = [
      'import os.path, sys as system',
      'from . import sibling',
      'from ..pkg.mod import a as b, c',
      'from x import (y,',
      '    z)',
      'from m import *',
      'try:',
      '    import ujson as json',
      'except ImportError:',
      '    import json',
      'def f():',
      '    import lazy_module',
    ].join('\n');
    expect(await importsOf('pkg/sub/a.py', text)).toEqual([
      [1, 'import', 'os.path', []],
      [1, 'import', 'sys', []],
      [2, 'from', '.', ['sibling']],
      [3, 'from', '..pkg.mod', ['a', 'c']],
      [4, 'from', 'x', ['y', 'z']],
      [6, 'from', 'm', []],
      [8, 'import', 'ujson', []],
      [10, 'import', 'json', []],
    ]);
  });

  it('Go: single and grouped imports, aliases', async () => {
    const text = 'package main\n\nimport "fmt"\nimport (\n\t"os"\n\tstr "strings"\n\t_ "embed"\n\t"github.com/acme/shop/internal/store"\n)\n';
    expect(await importsOf('main.go', text)).toEqual([
      [3, 'import', 'fmt', []],
      [5, 'import', 'os', []],
      [6, 'import', 'strings', []],
      [7, 'import', 'embed', []],
      [8, 'import', 'github.com/acme/shop/internal/store', []],
    ]);
  });

  it('Rust: use paths, use lists, wildcards, aliases and mod declarations', async () => {
    const text = 'use crate::config::{Config, load as ld, self};\nuse std::io;\nuse super::util::*;\nuse crate::net::http::Client as C;\nmod parser;\npub mod inline { pub fn f() {} }\n';
    expect(await importsOf('src/lib.rs', text)).toEqual([
      [1, 'use', 'crate::config', ['Config', 'load', 'self']],
      [2, 'use', 'std::io', ['io']],
      [3, 'use', 'super::util', ['*']],
      [4, 'use', 'crate::net::http::Client', []],
      [5, 'mod', 'parser', []],
    ]);
  });

  it('records the names an import binds under another name, and what each stands for', async () => {
    const renames = async (path: string, text: string) => (await analyzeFile(path, text)).imports.map((i) => [i.specifier, i.renames ?? null]);
    const ts = [
      "import { readFile as rf, stat, constructor as ctor } from 'node:fs/promises';",
      "import Default, { Message as Wire } from './wire.js';",
      "export { parse as parseConfig, load } from './parser.js';",
      "import * as all from './all.js';",
    ].join('\n');
    expect(await renames('src/a.ts', ts)).toEqual([
      ['node:fs/promises', [['rf', 'readFile'], ['ctor', 'constructor']]],
      ['./wire.js', [['Wire', 'Message']]],
      ['./parser.js', [['parseConfig', 'parse']]],
      ['./all.js', null],
    ]);
    const py = 'from .util import object_to_uri as suri, other\nfrom x import (a as b,\n    c)\nimport os.path as osp\n';
    expect(await renames('pkg/a.py', py)).toEqual([['.util', [['suri', 'object_to_uri']]], ['x', [['b', 'a']]], ['os.path', null]]);
    const rs = 'use crate::config::{Config, load as ld};\nuse crate::net::http::Client as C;\nuse std::io::Write as _;\n';
    expect(await renames('src/lib.rs', rs)).toEqual([['crate::config', [['ld', 'load']]], ['crate::net::http::Client', [['C', 'Client']]], ['std::io::Write', null]]);
  });

  it('Java and C#: imports and usings', async () => {
    const java = 'package a.b;\nimport java.util.List;\nimport static java.lang.Math.max;\nimport com.example.util.*;\nclass A {}\n';
    expect(await importsOf('A.java', java)).toEqual([
      [2, 'import', 'java.util.List', ['List']],
      [3, 'import', 'java.lang.Math.max', ['max']],
      [4, 'import', 'com.example.util.*', []],
    ]);
    const cs = 'using System;\nusing static System.Math;\nusing Alias = System.Text;\nnamespace App {\n  using App.Models;\n  class X {}\n}\n';
    expect(await importsOf('X.cs', cs)).toEqual([
      [1, 'using', 'System', []],
      [2, 'using', 'System.Math', []],
      [3, 'using', 'System.Text', []],
      [5, 'using', 'App.Models', []],
    ]);
  });

  it('C/C++: quoted and system includes, inside include guards too', async () => {
    const text = '#ifndef A_H\n#define A_H\n#include "util/helper.h"\n#include <vector>\n#endif\n';
    expect(await importsOf('src/a.h', text)).toEqual([
      [3, 'include', 'util/helper.h', []],
      [4, 'system-include', 'vector', []],
    ]);
  });

  it('Ruby, PHP, Bash and CSS', async () => {
    expect(await importsOf('lib/a.rb', "require 'json'\nrequire_relative '../lib/helper'\nrequire \"x/#{name}\"\n")).toEqual([
      [1, 'require', 'json', []],
      [2, 'require_relative', '../lib/helper', []],
    ]);
    const php = String.raw`<?php
namespace App\Http;
use App\Models\User;
use App\Support\{Str, Arr as A};
require_once __DIR__ . '/helpers.php';
include 'config.php';
`;
    expect(await importsOf('app/Http/a.php', php)).toEqual([
      [3, 'use', 'App\\Models\\User', ['User']],
      [4, 'use', 'App\\Support\\Str', ['Str']],
      [4, 'use', 'App\\Support\\Arr', ['Arr']],
      [5, 'require', './helpers.php', []],
      [6, 'require', 'config.php', []],
    ]);
    expect(await importsOf('s.sh', '#!/bin/bash\nsource ./lib.sh\n. "$DIR/other.sh"\necho source\n')).toEqual([
      [2, 'source', './lib.sh', []],
      [3, 'source', '$DIR/other.sh', []],
    ]);
    expect(await importsOf('a.css', '@import url("base.css");\n@import "theme/dark";\n.a { color: red; }\n')).toEqual([
      [1, 'import', 'base.css', []],
      [2, 'import', 'theme/dark', []],
    ]);
  });

  it('finds nothing in files without a grammar', async () => {
    expect(await importsOf('README.md', "import x from 'y'\n")).toEqual([]);
  });
});

function ctx(files: string[], extra: Partial<ImportContext> = {}): ImportContext {
  return { files: new Set(files), ...extra };
}

function expectResolves(c: ImportContext, language: LanguageId, from: string, cases: Array<[ImportRef, string[]]>): void {
  for (const [r, want] of cases) expect(resolveImport(r, from, language, c), `${r.specifier} from ${from}`).toEqual(want);
}

describe('import resolution', () => {
  it('TypeScript / JavaScript: relative specifiers with extension probing, index files, workspace packages', () => {
    const c = ctx([
      'src/app.ts', 'src/config.ts', 'src/util/index.ts', 'src/util/strings.ts', 'src/components/Button.tsx', 'src/legacy.js',
      'src/types.d.ts', 'src/esm.mts', 'src/styles.css', 'packages/core/package.json', 'packages/core/src/index.ts',
      'packages/core/src/sub/thing.ts', 'packages/ui/index.js', 'index.ts',
    ], { packages: new Map([['@acme/core', 'packages/core'], ['@acme/ui', 'packages/ui/']]) });
    expectResolves(c, 'typescript', 'src/app.ts', [
      [ref('./config.js'), ['src/config.ts']],
      [ref('./config'), ['src/config.ts']],
      [ref('./util'), ['src/util/index.ts']],
      [ref('./util/'), ['src/util/index.ts']],
      [ref('./util/strings'), ['src/util/strings.ts']],
      [ref('./components/Button.js'), ['src/components/Button.tsx']],
      [ref('./legacy.js'), ['src/legacy.js']],
      [ref('./types'), ['src/types.d.ts']],
      [ref('./esm.mjs'), ['src/esm.mts']],
      [ref('./styles.css'), ['src/styles.css']],
      [ref('..'), ['index.ts']],
      [ref('../../outside'), []],
      [ref('./missing'), []],
      [ref('lodash'), []],
      [ref('@acme/core'), ['packages/core/src/index.ts']],
      [ref('@acme/core/sub/thing'), ['packages/core/src/sub/thing.ts']],
      [ref('@acme/core-extra'), []],
      [ref('@acme/ui'), ['packages/ui/index.js']],
      [ref('@/util/strings'), ['src/util/strings.ts']],
    ]);
    expectResolves(c, 'javascript', 'src/components/Button.tsx', [[ref('../util/strings.js'), ['src/util/strings.ts']]]);
  });

  it("TypeScript / JavaScript: an alias configured in code (SvelteKit's $lib, #x, ~x) means the one file its path names", () => {
    const c = ctx([
      'web/src/lib/services/db.service.ts', 'web/src/lib/stores/chat/index.svelte.ts', 'web/src/lib/utils/index.ts',
      'web/src/lib/format.ts', 'tools/format.ts', 'web/src/routes/page.ts', 'web/src/lib/client.ts',
    ]);
    expectResolves(c, 'typescript', 'web/src/routes/page.ts', [
      [ref('$lib/services/db.service'), ['web/src/lib/services/db.service.ts']],
      [ref('$lib/stores/chat/index.svelte'), ['web/src/lib/stores/chat/index.svelte.ts']],
      [ref('$lib/utils'), ['web/src/lib/utils/index.ts']],
      // two format.ts: the one in a folder named like the alias
      [ref('$lib/format'), ['web/src/lib/format.ts']],
      [ref('#internal/format'), []],
      [ref('$app/environment'), []],
      // a bare specifier is a package's, whatever the workspace holds
      [ref('react-dom/client'), []],
    ]);
  });

  it('TypeScript / JavaScript: code and its declarations, and a package folder\'s main', () => {
    const c = ctx(['fastify.js', 'fastify.d.ts', 'package.json', 'test/app.test.js', 'types/app.test-d.ts', 'lib/only.js'], {
      packageMains: new Map([['', 'fastify.js']]),
    });
    // A JavaScript importer means the code first; a TypeScript one the declarations first.
    expectResolves(c, 'javascript', 'test/app.test.js', [
      [ref('../fastify'), ['fastify.js', 'fastify.d.ts']],
      [ref('..'), ['fastify.js', 'fastify.d.ts']],
      [ref('../lib/only'), ['lib/only.js']],
    ]);
    expectResolves(c, 'typescript', 'types/app.test-d.ts', [[ref('../fastify'), ['fastify.d.ts', 'fastify.js']]]);
  });

  it('Python: relative imports, packages, submodules and source roots', () => {
    const c = ctx([
      'app/__init__.py', 'app/main.py', 'app/models/__init__.py', 'app/models/user.py', 'app/services/__init__.py',
      'app/services/billing.py', 'src/toolkit/__init__.py', 'src/toolkit/text.py', 'scripts/run.py', 'scripts/helpers.py',
      'libs/vendored/pkgx/__init__.py', 'libs/vendored/pkgx/core.py',
    ]);
    expectResolves(c, 'python', 'app/services/billing.py', [
      [ref('..models', ['user']), ['app/models/user.py']],
      [ref('..models.user', ['User']), ['app/models/user.py']],
      [ref('..', ['models']), ['app/models/__init__.py']],
      [ref('.', ['billing']), ['app/services/billing.py']],
      [ref('app.models.user'), ['app/models/user.py']],
      [ref('app.models', ['user', 'User']), ['app/models/__init__.py', 'app/models/user.py']],
      [ref('app.models', ['user']), ['app/models/user.py']],
      [ref('toolkit.text', ['clean']), ['src/toolkit/text.py']],
      [ref('toolkit'), ['src/toolkit/__init__.py']],
      [ref('pkgx.core'), ['libs/vendored/pkgx/core.py']],
      [ref('os.path'), []],
      [ref('.missing', ['x']), []],
    ]);
    expectResolves(c, 'python', 'scripts/run.py', [[ref('helpers'), ['scripts/helpers.py']]]);
    expectResolves(c, 'python', 'app/main.py', [[ref('...', ['x']), []]]);
  });

  it('Python: a workspace that is itself a package is imported by its folder\'s name', () => {
    const files = ['__init__.py', 'errors.py', 'quoprimime.py', 'mime/__init__.py', 'mime/nonmultipart.py'];
    const c = { ...ctx(files), rootName: 'mail' };
    expectResolves(c, 'python', 'mime/nonmultipart.py', [
      [ref('mail', ['errors']), ['errors.py']],
      [ref('mail.quoprimime'), ['quoprimime.py']],
      [ref('mail.mime.nonmultipart', ['MIMENonMultipart']), ['mime/nonmultipart.py']],
      [ref('other', ['errors']), []],
    ]);
    // A package of that name inside the workspace comes first.
    const inner = { ...ctx([...files, 'mail/__init__.py', 'mail/errors.py']), rootName: 'mail' };
    expectResolves(inner, 'python', 'mime/nonmultipart.py', [[ref('mail', ['errors']), ['mail/errors.py']]]);
    // A folder that is no package (no __init__.py at its root) is not imported by its name.
    const plain = { ...ctx(files.filter((f) => f !== '__init__.py')), rootName: 'mail' };
    expectResolves(plain, 'python', 'mime/nonmultipart.py', [[ref('mail', ['errors']), []]]);
  });

  it('Go: packages under the module path resolve to their non-test files', () => {
    const c = ctx(['go.mod', 'main.go', 'internal/store/store.go', 'internal/store/store_test.go', 'internal/store/shard.go', 'pkg/api/api.go', 'pkg/api/v2/api.go']);
    const withMod = { ...c, goModule: 'github.com/acme/shop' };
    expectResolves(withMod, 'go', 'main.go', [
      [ref('github.com/acme/shop/internal/store'), ['internal/store/shard.go', 'internal/store/store.go']],
      [ref('github.com/acme/shop/pkg/api'), ['pkg/api/api.go']],
      [ref('github.com/acme/shop'), ['main.go']],
      [ref('github.com/acme/shopping/x'), []],
      [ref('fmt'), []],
    ]);
    expect(resolveImport(ref('github.com/acme/shop/pkg/api'), 'main.go', 'go', c)).toEqual([]);
  });

  it('Rust: crate/self/super paths and mod declarations', () => {
    const c = ctx([
      'Cargo.toml', 'src/lib.rs', 'src/config.rs', 'src/net/mod.rs', 'src/net/http.rs', 'src/net/tcp.rs', 'src/util.rs',
      'src/util/strings.rs', 'crates/core/src/lib.rs', 'crates/core/src/x.rs',
    ], { packages: new Map([['acme-core', 'crates/core']]) });
    expectResolves(c, 'rust', 'src/lib.rs', [
      [ref('config', [], 'mod'), ['src/config.rs']],
      [ref('net', [], 'mod'), ['src/net/mod.rs']],
      [ref('missing', [], 'mod'), []],
      [ref('crate::net::http::Client'), ['src/net/http.rs']],
      [ref('crate::config', ['Config', 'load']), ['src/config.rs']],
      [ref('crate::net', ['http', 'tcp']), ['src/net/http.rs', 'src/net/tcp.rs']],
      [ref('crate::Thing'), ['src/lib.rs']],
      [ref('std::io'), []],
      [ref('acme_core::x::Item'), ['crates/core/src/x.rs']],
    ]);
    expectResolves(c, 'rust', 'src/net/mod.rs', [
      [ref('http', [], 'mod'), ['src/net/http.rs']],
      [ref('self::http::Client'), ['src/net/http.rs']],
    ]);
    expectResolves(c, 'rust', 'src/util.rs', [[ref('strings', [], 'mod'), ['src/util/strings.rs']]]);
    expectResolves(c, 'rust', 'src/net/http.rs', [
      [ref('super::tcp::Stream'), ['src/net/tcp.rs']],
      [ref('super::super::config::Config'), ['src/config.rs']],
    ]);
  });

  it("Rust: Cargo's tests, examples and benches are crate roots, and a use may start from a module of the file", () => {
    const c = ctx([
      'Cargo.toml', 'src/lib.rs', 'src/proxy.rs', 'tests/gzip.rs', 'tests/support/mod.rs', 'tests/support/server.rs',
      'examples/simple.rs', 'examples/util.rs', 'src/net/tests/mod.rs', 'src/net/tests/cases.rs', 'src/net/tests/cases/more.rs',
    ], { packages: new Map([['acme', '']]) });
    expectResolves(c, 'rust', 'tests/gzip.rs', [
      [ref('support', [], 'mod'), ['tests/support/mod.rs']],
      [ref('support::server'), ['tests/support/server.rs']],
      [ref('support', ['server']), ['tests/support/server.rs']],
      [ref('acme::proxy::Proxy'), ['src/proxy.rs']],
      [ref('acme::Client'), ['src/lib.rs']],
      [ref('tokio::io'), []],
    ]);
    expectResolves(c, 'rust', 'examples/simple.rs', [[ref('util', [], 'mod'), ['examples/util.rs']]]);
    // A module folder that happens to be called tests is no crate root.
    expectResolves(c, 'rust', 'src/net/tests/cases.rs', [[ref('more', [], 'mod'), ['src/net/tests/cases/more.rs']]]);
  });

  it('Java and C#: classes, wildcard packages and namespaces', () => {
    const j = ctx([
      'src/main/java/com/acme/orders/OrderService.java', 'src/main/java/com/acme/orders/model/Order.java',
      'src/main/java/com/acme/orders/model/Customer.java', 'src/main/java/com/acme/util/Strings.java',
    ]);
    expectResolves(j, 'java', 'src/main/java/com/acme/orders/OrderService.java', [
      [ref('com.acme.orders.model.Order'), ['src/main/java/com/acme/orders/model/Order.java']],
      [ref('com.acme.orders.model.*'), ['src/main/java/com/acme/orders/model/Customer.java', 'src/main/java/com/acme/orders/model/Order.java']],
      [ref('com.acme.util.Strings.join'), ['src/main/java/com/acme/util/Strings.java']],
      [ref('java.util.List'), []],
    ]);
    const cs = ctx(['src/App/Services/StockService.cs', 'src/App/Services/IStock.cs', 'src/App/Models/Item.cs', 'src/App/Program.cs']);
    expectResolves(cs, 'csharp', 'src/App/Program.cs', [
      [ref('App.Services'), ['src/App/Services/IStock.cs', 'src/App/Services/StockService.cs']],
      [ref('Acme.App.Models'), ['src/App/Models/Item.cs']],
      [ref('System.Collections.Generic'), []],
    ]);
  });

  it('C/C++: quoted includes relative to the file, then the root and include folders', () => {
    const c = ctx(['src/engine/renderer.cpp', 'src/engine/renderer.h', 'include/engine/mesh.h', 'src/util.h', 'third_party/json/json.hpp']);
    expectResolves(c, 'cpp', 'src/engine/renderer.cpp', [
      [ref('renderer.h', [], 'include'), ['src/engine/renderer.h']],
      [ref('engine/mesh.h', [], 'include'), ['include/engine/mesh.h']],
      [ref('../util.h', [], 'include'), ['src/util.h']],
      [ref('vector', [], 'system-include'), []],
      [ref('json/json.hpp', [], 'system-include'), ['third_party/json/json.hpp']],
      [ref('missing.h', [], 'include'), []],
    ]);
    expectResolves(c, 'c', 'src/engine/renderer.cpp', [[ref('renderer.h', [], 'include'), ['src/engine/renderer.h']]]);
  });

  it('Ruby, PHP, Bash and CSS', () => {
    const rb = ctx(['lib/billing/invoice.rb', 'lib/billing/line_item.rb', 'lib/billing.rb']);
    expectResolves(rb, 'ruby', 'lib/billing/invoice.rb', [
      [ref('line_item', [], 'require_relative'), ['lib/billing/line_item.rb']],
      [ref('../billing', [], 'require_relative'), ['lib/billing.rb']],
      [ref('billing/invoice', [], 'require'), ['lib/billing/invoice.rb']],
      [ref('json', [], 'require'), []],
    ]);
    const php = ctx(['app/Models/User.php', 'app/Http/Controllers/UserController.php', 'app/helpers.php', 'config/app.php', 'public/index.php']);
    expectResolves(php, 'php', 'app/Http/Controllers/UserController.php', [
      [ref('App\\Models\\User', ['User'], 'use'), ['app/Models/User.php']],
      [ref('App\\Missing\\Thing', ['Thing'], 'use'), []],
      [ref('./../../helpers.php', [], 'require'), ['app/helpers.php']],
    ]);
    expectResolves(php, 'php', 'public/index.php', [[ref('config/app.php', [], 'require'), ['config/app.php']]]);
    const sh = ctx(['scripts/deploy.sh', 'scripts/lib/common.sh', 'lib.sh']);
    expectResolves(sh, 'bash', 'scripts/deploy.sh', [
      [ref('$(dirname "$0")/lib/common.sh', [], 'source'), ['scripts/lib/common.sh']],
      [ref('${SCRIPT_DIR}/lib/common.sh', [], 'source'), ['scripts/lib/common.sh']],
      [ref('lib.sh', [], 'source'), ['lib.sh']],
      [ref('~/.bashrc', [], 'source'), []],
    ]);
    const css = ctx(['web/styles/app.css', 'web/styles/reset.css', 'web/styles/theme/dark.css']);
    expectResolves(css, 'css', 'web/styles/app.css', [
      [ref('reset.css'), ['web/styles/reset.css']],
      [ref('theme/dark'), ['web/styles/theme/dark.css']],
      [ref('https://fonts.example.com/x.css'), []],
    ]);
  });

  it('resolves what analyzeFile extracted, end to end', async () => {
    const files = ['src/app.ts', 'src/config.ts', 'src/util/index.ts'];
    const a = await analyzeFile('src/app.ts', "import { load } from './config.js';\nimport * as util from './util';\nimport fs from 'node:fs';\n");
    const resolved = a.imports.map((r) => resolveImport(r, 'src/app.ts', a.language, ctx(files)));
    expect(resolved).toEqual([['src/config.ts'], ['src/util/index.ts'], []]);
  });

  it('returns [] for languages it does not resolve and for empty specifiers', () => {
    const c = ctx(['a.md']);
    expect(resolveImport(ref('a.md'), 'b.md', 'markdown', c)).toEqual([]);
    expect(resolveImport(ref(''), 'src/a.ts', 'typescript', c)).toEqual([]);
  });
});
