/** Issue 14's rules for Python and Rust, each read by the indexer's entry points on small texts. */
import { describe, expect, it } from 'vitest';
import { importsOfText, reexports, resolveImport } from '../../../indexer/imports.js';
import { filesInScope, receiverTypes } from '../../../indexer/scope.js';

const types = (m: Map<string, Set<string>> | null, name: string) => [...(m?.get(name) ?? [])].sort();

describe('Python', () => {
  it('re-exports what a module imports from another (a package __init__), or all of it with *', () => {
    expect(reexports({ specifier: '.core', names: ['Client'], line: 1, kind: 'from' }, 'Client', 'pkg/__init__.py', 'python')).toBe(true);
    expect(reexports({ specifier: '.core', names: ['*'], line: 1, kind: 'from' }, 'Other', 'pkg/__init__.py', 'python')).toBe(true);
    expect(reexports({ specifier: '.core', names: ['Client'], line: 1, kind: 'from' }, 'Other', 'pkg/__init__.py', 'python')).toBe(false);
  });

  it('a test file sees the conftest.py of its folder and of every folder above, and nothing else', () => {
    const files = new Set(['conftest.py', 'tests/conftest.py', 'tests/api/conftest.py', 'tests/api/test_a.py', 'tests/api/helpers.py', 'other/conftest.py']);
    expect(filesInScope('tests/api/test_a.py', 'python', [], { files }).sort()).toEqual(['conftest.py', 'tests/api/conftest.py', 'tests/conftest.py']);
    expect(filesInScope('tests/api/conftest.py', 'python', [], { files }).sort()).toEqual(['conftest.py', 'tests/conftest.py']);
    expect(filesInScope('tests/api/helpers.py', 'python', [], { files })).toEqual([]);
  });

  it('receivers: annotations, constructor calls (to a name or `self.`\'s attribute), with … as, and self as the enclosing class and its bases', () => {
    const lines = [
      'class Handler(base.Base, Mixin, metaclass=Meta):',
      '    def run(self, client: Client, maybe: Optional[Store]):',
      '        conn = db.Connection(url)',
      '        with Session() as s:',
      '            self.settings = emulation.Settings(spec)',
      '            ',
    ];
    const m = receiverTypes('python', { lines, from: 0, to: lines.length, at: 5 });
    expect(types(m, 'client')).toEqual(['Client']);
    expect(types(m, 'maybe')).toEqual(['Store']);
    expect(types(m, 'conn')).toEqual(['Connection']);
    expect(types(m, 's')).toEqual(['Session']);
    // an attribute assigned a constructed value: `self.settings.` reads it by the attribute's name
    expect(types(m, 'settings')).toEqual(['Settings']);
    expect(types(m, 'self')).toEqual(['Base', 'Handler', 'Mixin']);
    expect(types(receiverTypes('python', { lines: ['class A:', '    x = 1', '', 'def f():', '    '], from: 0, to: 5, at: 4 }), 'self')).toEqual([]);
  });
});

describe('Rust', () => {
  it('a use re-exports its last segment, or anything through a wildcard', () => {
    expect(reexports({ specifier: 'self::proxy', names: ['Proxy', 'NoProxy'], line: 1, kind: 'use' }, 'Proxy', 'src/lib.rs', 'rust')).toBe(true);
    expect(reexports({ specifier: 'self::body::Body', names: [], line: 1, kind: 'use' }, 'Body', 'src/lib.rs', 'rust')).toBe(true);
    expect(reexports({ specifier: 'self::body::Body', names: [], line: 1, kind: 'use' }, 'Client', 'src/lib.rs', 'rust')).toBe(false);
    expect(reexports({ specifier: 'x', names: [], line: 1, kind: 'mod' }, 'x', 'src/lib.rs', 'rust')).toBe(false);
  });

  it('wildcard uses keep their * and resolve to the module (or the listed submodule)', async () => {
    const refs = (await importsOfText('use crate::util::*;\nuse crate::{net::*, Body};\n', 'rust'))!;
    expect(refs.map((r) => [r.specifier, r.names])).toEqual([['crate::util', ['*']], ['crate', ['net::*', 'Body']]]);
    const files = new Set(['src/lib.rs', 'src/util.rs', 'src/net/mod.rs', 'src/client.rs']);
    expect(resolveImport(refs[0], 'src/client.rs', 'rust', { files })).toEqual(['src/util.rs']);
    expect(resolveImport(refs[1], 'src/client.rs', 'rust', { files })).toEqual(['src/lib.rs', 'src/net/mod.rs']);
  });

  it('a module reached by a path in code is an import of it, bound to its last segment (std and use lines left out)', async () => {
    const text = 'use crate::net::Client;\nfn f() -> crate::error::Kind {\n    let p = reqwest::Proxy::http(x); // crate::doc::Nope\n    std::mem::take(&mut y);\n    super::Body::empty();\n    crate::util::escape(s)\n}\n';
    const refs = (await importsOfText(text, 'rust'))!.filter((r) => r.kind === 'path');
    expect(refs.map((r) => [r.line, r.specifier, r.binding])).toEqual([
      [2, 'crate::error', 'error'],
      [3, 'reqwest', 'reqwest'],
      [5, 'super', undefined],
      [6, 'crate::util', 'util'],
    ]);
    const files = new Set(['src/lib.rs', 'src/error.rs', 'src/util.rs', 'src/client.rs']);
    expect(resolveImport(refs[0], 'src/client.rs', 'rust', { files })).toEqual(['src/error.rs']);
    expect(resolveImport(refs[1], 'tests/proxy.rs', 'rust', { files, packages: new Map([['reqwest', '']]) })).toEqual(['src/lib.rs']);
  });

  it('receivers: let bindings of constructors, annotations through wrappers, and self in impl Type / impl Trait for Type', () => {
    const lines = [
      'impl<T> Handler for Server<T> {',
      '    fn run(&self, pool: &mut Pool, shared: Arc<Store>) {',
      '        let client = reqwest::Client::new();',
      '        let mut cfg = Config { port: 1 };',
      '        ',
      '    }',
      '}',
    ];
    const m = receiverTypes('rust', { lines, from: 0, to: lines.length, at: 4 });
    expect(types(m, 'pool')).toEqual(['Pool']);
    expect(types(m, 'shared')).toEqual(['Store']);
    expect(types(m, 'client')).toEqual(['Client']);
    expect(types(m, 'cfg')).toEqual(['Config']);
    expect(types(m, 'self')).toEqual(['Handler', 'Server']);
    expect(types(receiverTypes('rust', { lines: [...lines, 'fn free() {', '    '], from: 0, to: 9, at: 8 }), 'self')).toEqual([]);
  });
});

describe('TypeScript project configuration', () => {
  const ref = (specifier: string) => ({ specifier, names: [], line: 1, kind: 'import' });

  it('tsconfig paths (longest pattern first, through a relative extends, JSON with comments) and baseUrl', () => {
    const texts: Record<string, string> = {
      'tsconfig.base.json': '{ /* shared */ "compilerOptions": { "baseUrl": "./src", "paths": { "@/*": ["*"], "@lib/x": ["lib/x-impl.ts"], } } }',
      'web/tsconfig.json': '{ "extends": "../tsconfig.base.json", "compilerOptions": { "strict": true } }',
    };
    const files = new Set([...Object.keys(texts), 'src/lib/x-impl.ts', 'src/lib/x.ts', 'src/util/format.ts', 'web/app.ts']);
    const ctx = { files, readText: (p: string) => texts[p] ?? null };
    expect(resolveImport(ref('@/util/format'), 'web/app.ts', 'typescript', ctx)).toEqual(['src/util/format.ts']);
    expect(resolveImport(ref('@lib/x'), 'web/app.ts', 'typescript', ctx)).toEqual(['src/lib/x-impl.ts']);
    expect(resolveImport(ref('util/format.js'), 'web/app.ts', 'typescript', ctx)).toEqual(['src/util/format.ts']);
    expect(resolveImport(ref('left-pad'), 'web/app.ts', 'typescript', ctx)).toEqual([]);
    // without the configuration, none of it resolves
    expect(resolveImport(ref('@lib/x'), 'web/app.ts', 'typescript', { files })).toEqual([]);
  });

  it("workspace packages' exports: conditions, subpath patterns, build outputs read as their sources", () => {
    const texts: Record<string, string> = {
      'packages/ui/package.json': JSON.stringify({ name: '@acme/ui', exports: { '.': { import: './dist/esm/index.js', types: './types/index.d.ts' }, './widgets/*': './dist/widgets/*.js', './package.json': './package.json' } }),
    };
    const files = new Set([...Object.keys(texts), 'packages/ui/types/index.d.ts', 'packages/ui/src/index.ts', 'packages/ui/src/widgets/button.tsx', 'app/page.ts']);
    const ctx = { files, packages: new Map([['@acme/ui', 'packages/ui']]), readText: (p: string) => texts[p] ?? null };
    expect(resolveImport(ref('@acme/ui'), 'app/page.ts', 'typescript', ctx)).toEqual(['packages/ui/types/index.d.ts']);
    expect(resolveImport(ref('@acme/ui/widgets/button'), 'app/page.ts', 'typescript', ctx)).toEqual(['packages/ui/src/widgets/button.tsx']);
  });
});
