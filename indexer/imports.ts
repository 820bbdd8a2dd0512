/**
 * Imports: what a file imports (read from its syntax tree), and which
 * workspace files an import refers to.
 *
 * ```ts
 * resolveImport({ specifier: './config.js', names: ['load'], line: 3 }, 'src/app.ts', 'typescript', { files });
 * // → ['src/config.ts']
 * ```
 *
 * Resolution only looks at the workspace's own file list: anything outside
 * it (node_modules, the standard library, system headers) resolves to [].
 */
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { ImportRef } from './chunker.js';
import { parserFor, type LanguageId } from './languages.js';
import { flatChildren, LineIndex } from './symbols.js';

export type { ImportRef } from './chunker.js';

export interface ImportContext {
  /** All workspace-relative posix paths. Treated as immutable while cached: pass a new set when files change. */
  files: ReadonlySet<string>;
  /** The module path from go.mod. */
  goModule?: string | null;
  /** Workspace package name → its folder (monorepo package.json names, Cargo crate names). */
  packages?: ReadonlyMap<string, string>;
  /** Folder → the entry file its package.json names (`main`, `module`): `require('..')` of a package root. */
  packageMains?: ReadonlyMap<string, string>;
}

// ---------------------------------------------------------------------------
// Extraction

function field(n: Node, name: string): Node | null {
  return n.childForFieldName(name);
}

function unquote(s: string): string {
  return s.replace(/^[a-zA-Z]*?(['"`])([\s\S]*)\1$/, '$2').replace(/^<([\s\S]*)>$/, '$1');
}

/** Longer unsaved texts are not parsed for their imports on a request (their indexed imports stand). */
const MAX_TEXT_PARSE_CHARS = 200_000;

/**
 * The imports of a text that is not indexed — an editor buffer with unsaved edits — read as the
 * indexer reads a file's; null when it cannot be parsed here (no grammar, too long).
 */
export async function importsOfText(text: string, lang: LanguageId): Promise<ImportRef[] | null> {
  if (text.length > MAX_TEXT_PARSE_CHARS) return null;
  const parser = await parserFor(lang);
  const tree = parser?.parse(text);
  if (!tree) return null;
  try {
    return extractImports(tree.rootNode, lang, new LineIndex(text));
  } finally {
    tree.delete();
  }
}

/** Raw imports of a parsed file, in source order. */
export function extractImports(root: Node, lang: LanguageId, lines: LineIndex): ImportRef[] {
  const src = lines.text;
  const out: ImportRef[] = [];
  const seen = new Set<string>();
  const add: Add = (specifier, names, row, kind, binding) => {
    specifier = specifier.trim();
    if (!specifier || specifier.length > 500) return;
    const key = `${row}\u0000${specifier}`; // `import x = require('y')` is one import, not two
    if (seen.has(key)) return;
    seen.add(key);
    out.push(binding && IDENTIFIER.test(binding) ? { specifier, names, binding, line: row + 1, kind } : { specifier, names, line: row + 1, kind });
  };
  const text = (n: Node | null) => (n ? src.slice(n.startIndex, n.endIndex) : '');
  const row = (n: Node) => n.startPosition.row;
  try {
    switch (lang) {
      case 'typescript':
      case 'tsx':
      case 'javascript':
        jsImports(flatChildren(root), text, row, add);
        // require('x') and import('x') may sit anywhere; a scan is far cheaper than a full tree walk
        for (const m of src.matchAll(/(?<![\w$.])(require|import)\s*\(\s*(['"`])([^'"`\n\\]+)\2\s*[,)]/g)) {
          const at = m.index ?? 0;
          // `const x = require('y')`, also wrapped as compiled TypeScript writes it (`__importStar(require('y'))`),
          // and CommonJS's named import, `const { a, b: c } = require('y')`.
          const before = src.slice(Math.max(0, at - 400), at);
          const binding = /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:[\w$.]+\()?(?:await\s+)?$/.exec(before)?.[1];
          const destructured = /(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*(?:await\s+)?$/.exec(before)?.[1];
          const names = destructured ? destructured.split(',').map((p) => p.split(':')[0].trim()).filter((n) => IDENTIFIER.test(n)) : [];
          add(m[3], names, lines.rowOf(at), m[1] === 'require' ? 'require' : 'dynamic', binding);
        }
        break;
      case 'python':
        pyImports(flatChildren(root), text, row, add, 0);
        break;
      case 'go':
        for (const n of flatChildren(root)) {
          if (n.type !== 'import_declaration') continue;
          const specs = n.descendantsOfType('import_spec');
          for (const s of specs) {
            if (!s) continue;
            const spec = unquote(text(field(s, 'path')));
            // The package is named by its alias, else (by Go convention) by the path's last segment.
            const alias = text(field(s, 'name'));
            add(spec, [], row(s), 'import', alias || spec.slice(spec.lastIndexOf('/') + 1));
          }
        }
        break;
      case 'rust':
        for (const n of flatChildren(root)) {
          if (n.type === 'use_declaration') rustUse(field(n, 'argument'), text, row(n), add);
          else if (n.type === 'mod_item' && !field(n, 'body')) {
            const name = field(n, 'name');
            if (name) add(text(name), [], row(n), 'mod');
          }
        }
        break;
      case 'java':
        for (const n of flatChildren(root)) {
          if (n.type !== 'import_declaration') continue;
          const spec = text(n).replace(/^import\s+(static\s+)?/, '').replace(/\s*;\s*$/, '').replace(/\s+/g, '');
          add(spec, spec.endsWith('.*') ? [] : [spec.slice(spec.lastIndexOf('.') + 1)], row(n), 'import');
        }
        break;
      case 'csharp': {
        const visit = (nodes: Node[], depth: number) => {
          for (const n of nodes) {
            if (n.type === 'using_directive') {
              const alias = field(n, 'name');
              const target = n.namedChildren.filter((c) => c && (!alias || !c.equals(alias)) && /identifier|qualified_name|generic_name/.test(c.type)).pop();
              if (target) add(text(target), [], row(n), 'using');
            } else if ((n.type === 'namespace_declaration' || n.type === 'declaration_list') && depth < 4) {
              const body = n.type === 'namespace_declaration' ? field(n, 'body') : n;
              if (body) visit(flatChildren(body), depth + 1);
            }
          }
        };
        visit(flatChildren(root), 0);
        break;
      }
      case 'cpp':
      case 'c':
        for (const n of flatChildren(root)) {
          if (n.type !== 'preproc_include') continue;
          const p = field(n, 'path');
          if (!p) continue;
          add(unquote(text(p)), [], row(n), p.type === 'system_lib_string' ? 'system-include' : 'include');
        }
        break;
      case 'ruby':
        for (const n of flatChildren(root)) {
          if (n.type !== 'call') continue;
          const m = text(field(n, 'method'));
          if (!/^(require|require_relative|load|autoload)$/.test(m)) continue;
          const args = field(n, 'arguments');
          const str = args?.namedChildren.filter((c) => c?.type === 'string').pop();
          if (str && !/#\{/.test(text(str))) add(unquote(text(str)), [], row(n), m);
        }
        break;
      case 'php':
        phpImports(flatChildren(root), text, row, add, 0);
        break;
      case 'bash':
        for (const n of flatChildren(root)) {
          if (n.type !== 'command') continue;
          const name = text(field(n, 'name'));
          if (name !== 'source' && name !== '.') continue;
          const arg = n.childrenForFieldName('argument')[0];
          if (arg) add(unquote(text(arg)), [], row(n), 'source');
        }
        break;
      case 'css':
        for (const n of flatChildren(root)) {
          if (n.type !== 'import_statement') continue;
          const m = /@import\s+(?:url\(\s*)?(['"]?)([^'")\s;]+)\1/.exec(text(n));
          if (m) add(m[2], [], row(n), 'import');
        }
        break;
      default:
        break;
    }
  } catch {
    // a tree shape the extractor does not expect: keep what was found
  }
  return out;
}

type Add = (specifier: string, names: string[], row: number, kind: string, binding?: string) => void;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
type Text = (n: Node | null) => string;
type Row = (n: Node) => number;

function jsImports(nodes: Node[], text: Text, row: Row, add: Add): void {
  for (const n of nodes) {
    if (n.type === 'import_statement') {
      let source = field(n, 'source');
      if (!source) {
        const req = n.namedChildren.find((c) => c?.type === 'import_require_clause');
        source = req ? field(req, 'source') ?? req.namedChildren.find((c) => c?.type === 'string') ?? null : null;
      }
      if (!source) continue;
      const names: string[] = [];
      let binding: string | undefined;
      const clause = n.namedChildren.find((c) => c?.type === 'import_clause');
      if (clause) {
        for (const c of clause.namedChildren) {
          if (!c) continue;
          if (c.type === 'identifier') {
            names.push('default');
            binding = text(c);
          } else if (c.type === 'namespace_import') {
            binding = text(c.namedChildren.find((x) => x?.type === 'identifier') ?? null);
          } else if (c.type === 'named_imports') {
            for (const s of c.namedChildren) if (s && s.type === 'import_specifier') names.push(text(field(s, 'name') ?? s.namedChild(0)));
          }
        }
      }
      // `import x = require('y')`
      const req = n.namedChildren.find((c) => c?.type === 'import_require_clause');
      if (req) binding = text(req.namedChildren.find((x) => x?.type === 'identifier') ?? null);
      add(unquote(text(source)), names, row(n), 'import', binding);
    } else if (n.type === 'export_statement') {
      const source = field(n, 'source');
      if (!source) continue;
      const names: string[] = [];
      const clause = n.namedChildren.find((c) => c?.type === 'export_clause');
      if (clause) for (const s of clause.namedChildren) if (s && s.type === 'export_specifier') names.push(text(field(s, 'name') ?? s.namedChild(0)));
      add(unquote(text(source)), names, row(n), 'export');
    }
  }
}

function pyImports(nodes: Node[], text: Text, row: Row, add: Add, depth: number): void {
  const dotted = (n: Node | null) => (n?.type === 'aliased_import' ? text(field(n, 'name')) : text(n));
  for (const n of nodes) {
    if (n.type === 'import_statement') {
      for (const name of n.childrenForFieldName('name')) {
        if (!name) continue;
        const module = dotted(name);
        // `import a.b as x` binds x; `import a.b` is written `a.b.f()`, whose nearest qualifier is b.
        const alias = name.type === 'aliased_import' ? text(field(name, 'alias')) : '';
        add(module, [], row(n), 'import', alias || module.slice(module.lastIndexOf('.') + 1));
      }
    } else if (n.type === 'import_from_statement') {
      const mod = field(n, 'module_name');
      if (!mod) continue;
      const names = n.childrenForFieldName('name').filter(Boolean).map((c) => dotted(c));
      add(text(mod).replace(/\s+/g, ''), names, row(n), 'from');
    } else if (depth < 3 && /^(if_statement|try_statement|with_statement|else_clause|elif_clause|except_clause|finally_clause|block)$/.test(n.type)) {
      pyImports(n.namedChildren.filter((c): c is Node => !!c), text, row, add, depth + 1);
    }
  }
}

function rustUse(arg: Node | null, text: Text, r: number, add: Add): void {
  if (!arg) return;
  const clean = (s: string) => s.replace(/\s+/g, '').replace(/^::/, '');
  switch (arg.type) {
    case 'use_as_clause':
      add(clean(text(field(arg, 'path'))), [], r, 'use');
      return;
    case 'use_wildcard':
      add(clean(text(arg)).replace(/::\*$/, ''), [], r, 'use');
      return;
    case 'scoped_use_list': {
      const p = field(arg, 'path');
      const list = field(arg, 'list');
      const names: string[] = [];
      for (const c of list?.namedChildren ?? []) {
        if (!c) continue;
        if (c.type === 'use_as_clause') names.push(clean(text(field(c, 'path'))));
        else if (c.type === 'scoped_use_list') names.push(clean(text(field(c, 'path'))));
        else if (c.type !== 'use_wildcard') names.push(clean(text(c)));
      }
      add(clean(text(p)), names, r, 'use');
      return;
    }
    case 'use_list':
      for (const c of arg.namedChildren) if (c) rustUse(c, text, r, add);
      return;
    default:
      add(clean(text(arg)), [], r, 'use');
  }
}

function phpImports(nodes: Node[], text: Text, row: Row, add: Add, depth: number): void {
  for (const n of nodes) {
    if (n.type === 'namespace_use_declaration') {
      const group = n.namedChildren.find((c) => c?.type === 'namespace_use_group');
      const prefix = group ? text(n.namedChildren.find((c) => c?.type === 'namespace_name') ?? null) : '';
      const clauses = (group ?? n).namedChildren.filter((c): c is Node => c?.type === 'namespace_use_clause');
      for (const c of clauses) {
        const target = c.namedChildren.find((x) => x && (x.type === 'qualified_name' || x.type === 'name' || x.type === 'namespace_name'));
        if (!target) continue;
        const spec = (prefix ? `${prefix}\\${text(target)}` : text(target)).replace(/^\\/, '');
        add(spec, [spec.slice(spec.lastIndexOf('\\') + 1)], row(n), 'use');
      }
    } else if (n.type === 'expression_statement') {
      const e = n.namedChild(0);
      if (!e || !/^(require|require_once|include|include_once)_expression$/.test(e.type)) continue;
      const t = text(e).replace(/^\w+\s*\(?\s*/, '').replace(/\)?\s*$/, '');
      const m = /^(?:__DIR__|dirname\(\s*__FILE__\s*\))\s*\.\s*(['"])([^'"]+)\1$/.exec(t) ?? /^(['"])([^'"]+)\1$/.exec(t);
      if (!m) continue;
      const spec = t.startsWith('__DIR__') || t.startsWith('dirname') ? './' + m[2].replace(/^\/+/, '') : m[2];
      add(spec, [], row(n), 'require');
    } else if (n.type === 'namespace_definition' && depth < 2) {
      const body = field(n, 'body');
      if (body) phpImports(flatChildren(body), text, row, add, depth + 1);
    }
  }
}

// ---------------------------------------------------------------------------
// Resolution

interface FileIndex {
  size: number;
  dirs: Map<string, string[]>;
  byBase: Map<string, string[]>;
  pyRoots?: string[];
}

const indexes = new WeakMap<ReadonlySet<string>, FileIndex>();

function fileIndex(files: ReadonlySet<string>): FileIndex {
  const hit = indexes.get(files);
  if (hit && hit.size === files.size) return hit;
  const dirs = new Map<string, string[]>();
  const byBase = new Map<string, string[]>();
  for (const f of files) {
    const i = f.lastIndexOf('/');
    const dir = i < 0 ? '' : f.slice(0, i);
    const base = f.slice(i + 1);
    let d = dirs.get(dir);
    if (!d) dirs.set(dir, (d = []));
    d.push(f);
    let b = byBase.get(base);
    if (!b) byBase.set(base, (b = []));
    b.push(f);
  }
  for (const list of dirs.values()) list.sort();
  for (const list of byBase.values()) list.sort();
  const idx: FileIndex = { size: files.size, dirs, byBase };
  indexes.set(files, idx);
  return idx;
}

/** Joins and normalizes posix segments; null when the result leaves the workspace root. */
function join(...parts: string[]): string | null {
  const out: string[] = [];
  for (const part of parts) {
    for (const seg of part.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (!out.length) return null;
        out.pop();
      } else out.push(seg);
    }
  }
  return out.join('/');
}

const dirOf = (p: string) => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};

/** Workspace files one import refers to; [] when it points outside the workspace or cannot be found. */
export function resolveImport(ref: ImportRef, fromPath: string, language: LanguageId, ctx: ImportContext): string[] {
  try {
    const spec = ref.specifier.trim();
    if (!spec) return [];
    const from = fromPath.replace(/\\/g, '/').replace(/^\.\//, '');
    switch (language) {
      case 'typescript':
      case 'tsx':
      case 'javascript':
      case 'vue':
      case 'svelte':
        return resolveJs(spec, from, ctx);
      case 'python':
        return resolvePython(ref, spec, from, ctx);
      case 'go':
        return resolveGo(spec, ctx);
      case 'rust':
        return resolveRust(ref, spec, from, ctx);
      case 'java':
      case 'kotlin':
      case 'scala':
        return resolveJava(spec, ctx);
      case 'csharp':
        return resolveCsharp(spec, ctx);
      case 'cpp':
      case 'c':
        return resolveInclude(spec, from, ref.kind === 'system-include', ctx);
      case 'ruby':
        return resolveRuby(ref, spec, from, ctx);
      case 'php':
        return resolvePhp(ref, spec, from, ctx);
      case 'bash':
        return resolveSource(spec, from, ctx);
      case 'css':
      case 'scss':
      case 'less':
        return resolveCss(spec, from, ctx);
      default:
        return [];
    }
  } catch {
    return [];
  }
}

const one = (p: string | null): string[] => (p ? [p] : []);

function firstExisting(files: ReadonlySet<string>, candidates: Array<string | null>): string | null {
  for (const c of candidates) if (c !== null && c !== '' && files.has(c)) return c;
  return null;
}

// --- TypeScript / JavaScript

const jsExts = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
const jsForTs: Record<string, string[]> = { '.js': ['.ts', '.tsx', '.d.ts'], '.jsx': ['.tsx'], '.mjs': ['.mts', '.d.mts'], '.cjs': ['.cts', '.d.cts'] };

function probeJs(base: string | null, files: ReadonlySet<string>): string | null {
  if (base === null) return null;
  if (base && files.has(base)) return base;
  const m = /\.(?:m|c)?jsx?$/.exec(base);
  if (m) {
    const stem = base.slice(0, -m[0].length);
    for (const ext of jsForTs[m[0]] ?? []) if (files.has(stem + ext)) return stem + ext;
  }
  if (base) for (const ext of jsExts) if (files.has(base + ext)) return base + ext;
  const index = base ? `${base}/index` : 'index';
  for (const ext of jsExts) if (files.has(index + ext)) return index + ext;
  return null;
}

/** The entry file a folder's package.json names, when the folder is a package. */
function packageMain(folder: string | null, ctx: ImportContext): string | null {
  if (folder === null) return null;
  const main = ctx.packageMains?.get(folder);
  return main ? probeJs(main, ctx.files) : null;
}

/**
 * A relative import of a file that exists both as code and as declarations
 * (`fastify.js` beside `fastify.d.ts`) means both: the code first for a
 * JavaScript importer (what runs), the declarations first for TypeScript.
 */
function withCounterpart(found: string | null, from: string, files: ReadonlySet<string>): string[] {
  if (!found) return [];
  const stem = found.replace(/(\.d)?\.(?:[mc]?[jt]sx?)$/, '');
  const code = ['.js', '.mjs', '.cjs', '.jsx'].map((e) => stem + e).find((f) => files.has(f));
  const types = ['.d.ts', '.d.mts', '.d.cts'].map((e) => stem + e).find((f) => files.has(f));
  if (!code || !types || (found !== code && found !== types)) return [found];
  return /\.[mc]?jsx?$/.test(from) ? [code, types] : [types, code];
}

function resolveJs(spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  const clean = spec.replace(/[?#].*$/, '');
  if (clean === '.' || clean === '..' || clean.startsWith('./') || clean.startsWith('../')) {
    const target = join(dirOf(from), clean);
    return withCounterpart(probeJs(target, files) ?? packageMain(target, ctx), from, files);
  }
  if (clean.startsWith('/')) return [];
  if (ctx.packages?.size) {
    let best: [string, string] | null = null;
    for (const [name, folder] of ctx.packages) {
      if ((clean === name || clean.startsWith(name + '/')) && (!best || name.length > best[0].length)) best = [name, folder];
    }
    if (best) {
      const folder = best[1].replace(/^\.\/|\/+$/g, '');
      const rest = clean.slice(best[0].length + 1);
      if (rest) {
        return one(probeJs(join(folder, rest), files) ?? probeJs(join(folder, 'src', rest), files) ?? probeJs(join(folder, 'lib', rest), files));
      }
      return one(packageMain(folder, ctx) ?? probeJs(join(folder, 'src', 'index'), files) ?? probeJs(join(folder, 'index'), files) ?? probeJs(join(folder, 'lib', 'index'), files)
        ?? firstExisting(files, [join(folder, 'src', 'main.ts'), join(folder, 'main.js')]));
    }
  }
  // common path aliases: '@/x' and '~/x' for 'src/x'
  const alias = /^[@~]\/(.+)$/.exec(clean);
  if (alias) return one(probeJs(join('src', alias[1]), files) ?? probeJs(join(alias[1]), files));
  return [];
}

// --- Python

function probePy(base: string | null, files: ReadonlySet<string>): string | null {
  if (base === null) return null;
  return firstExisting(files, base ? [`${base}.py`, `${base}.pyi`, `${base}/__init__.py`, `${base}/__init__.pyi`] : ['__init__.py']);
}

function pyRoots(idx: FileIndex, files: ReadonlySet<string>): string[] {
  if (idx.pyRoots) return idx.pyRoots;
  const roots = new Set<string>(['']);
  const extra = new Set<string>();
  for (const f of files) {
    if (!f.endsWith('.py')) continue;
    if (f.startsWith('src/')) extra.add('src');
    if (f.endsWith('/__init__.py')) {
      const pkg = dirOf(f);
      const parent = dirOf(pkg);
      if (!files.has(parent ? `${parent}/__init__.py` : '__init__.py')) extra.add(parent);
    }
  }
  if (extra.has('src')) roots.add('src');
  for (const r of [...extra].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))) roots.add(r);
  idx.pyRoots = [...roots];
  return idx.pyRoots;
}

function resolvePyFrom(base: string, hasModule: boolean, names: string[], files: ReadonlySet<string>): string[] {
  const out: string[] = [];
  let allSub = names.length > 0;
  for (const n of names) {
    if (n === '*') {
      allSub = false;
      continue;
    }
    const sub = probePy(join(base, n.replace(/\./g, '/')), files);
    if (sub) out.push(sub);
    else allSub = false;
  }
  if (!allSub) {
    const mod = hasModule ? probePy(base, files) : probePy(base, files) ?? null;
    if (mod && !out.includes(mod)) out.unshift(mod);
  }
  return out;
}

function resolvePython(ref: ImportRef, spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  const dots = /^\.*/.exec(spec)![0].length;
  const rest = spec.slice(dots).replace(/\./g, '/');
  if (dots > 0) {
    let dir: string | null = dirOf(from);
    for (let i = 1; i < dots; i++) {
      if (dir === '') return [];
      dir = dirOf(dir);
    }
    const base = join(dir, rest);
    if (base === null) return [];
    return resolvePyFrom(base, !!rest, ref.names, files);
  }
  const idx = fileIndex(files);
  const roots = [...pyRoots(idx, files), dirOf(from)];
  for (const root of roots) {
    const base = join(root, rest);
    if (base === null || base === '') continue;
    // a root counts only if it holds the module's top package or file
    const head = rest.split('/')[0];
    const top = join(root, head);
    if (!top || !(probePy(top, files) || idx.dirs.has(top))) continue;
    const found = resolvePyFrom(base, true, ref.names, files);
    if (found.length) return found;
  }
  return [];
}

// --- Go

function resolveGo(spec: string, ctx: ImportContext): string[] {
  const mod = ctx.goModule?.trim();
  if (!mod) return [];
  let dir: string;
  if (spec === mod) dir = '';
  else if (spec.startsWith(mod + '/')) dir = spec.slice(mod.length + 1);
  else return [];
  const idx = fileIndex(ctx.files);
  const pick = (d: string) => (idx.dirs.get(d) ?? []).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'));
  return pick(dir);
}

// --- Rust

function rustModDir(from: string): string {
  const base = from.slice(from.lastIndexOf('/') + 1);
  const dir = dirOf(from);
  if (base === 'mod.rs' || base === 'lib.rs' || base === 'main.rs' || dir.endsWith('/bin') || dir === 'bin' || base === 'build.rs') return dir;
  return join(dir, base.replace(/\.rs$/, '')) ?? dir;
}

function rustCrateRoot(from: string, files: ReadonlySet<string>): string {
  let dir = dirOf(from);
  for (let i = 0; i < 32; i++) {
    if (files.has(join(dir, 'lib.rs') ?? '') || files.has(join(dir, 'main.rs') ?? '') || dir.endsWith('/src') || dir === 'src') return dir;
    if (dir === '') break;
    dir = dirOf(dir);
  }
  return 'src';
}

function probeRustModule(baseDir: string, segs: string[], files: ReadonlySet<string>): string | null {
  const p = join(baseDir, segs.join('/'));
  if (!p) return null;
  return firstExisting(files, [`${p}.rs`, `${p}/mod.rs`]);
}

function resolveRust(ref: ImportRef, spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  if (ref.kind === 'mod') return one(probeRustModule(rustModDir(from), [spec], files));
  const segs = spec.split('::').filter(Boolean);
  if (!segs.length) return [];
  let baseDir: string;
  let rootFiles: string[];
  const first = segs[0];
  if (first === 'crate') {
    baseDir = rustCrateRoot(from, files);
    segs.shift();
    rootFiles = [join(baseDir, 'lib.rs') ?? '', join(baseDir, 'main.rs') ?? ''];
  } else if (first === 'self' || first === 'super') {
    let dir = rustModDir(from);
    segs.shift();
    if (first === 'super') dir = dirOf(dir);
    while (segs[0] === 'super') {
      segs.shift();
      dir = dirOf(dir);
    }
    baseDir = dir;
    rootFiles = [join(baseDir, 'mod.rs') ?? '', `${baseDir}.rs`, join(baseDir, 'lib.rs') ?? '', join(baseDir, 'main.rs') ?? ''];
  } else {
    const folder = ctx.packages?.get(first) ?? ctx.packages?.get(first.replace(/_/g, '-'));
    if (folder === undefined) return [];
    baseDir = join(folder, 'src') ?? 'src';
    segs.shift();
    rootFiles = [join(baseDir, 'lib.rs') ?? '', join(baseDir, 'main.rs') ?? ''];
  }
  const out: string[] = [];
  let needModule = ref.names.length === 0;
  for (const n of ref.names) {
    if (n === 'self') {
      needModule = true;
      continue;
    }
    const sub = probeRustModule(baseDir, [...segs, ...n.split('::')], files);
    if (sub) out.push(sub);
    else needModule = true;
  }
  if (needModule) {
    let mod: string | null = null;
    for (let k = segs.length; k >= 1 && !mod; k--) mod = probeRustModule(baseDir, segs.slice(0, k), files);
    mod ??= firstExisting(files, rootFiles);
    if (mod && !out.includes(mod)) out.unshift(mod);
  }
  return out;
}

// --- Java / C#

function dirsEndingWith(idx: FileIndex, suffix: string): string[] {
  const out: string[] = [];
  for (const d of idx.dirs.keys()) if (d === suffix || d.endsWith('/' + suffix)) out.push(d);
  return out.sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
}

function filesEndingWith(idx: FileIndex, rel: string): string[] {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  return (idx.byBase.get(base) ?? []).filter((f) => f === rel || f.endsWith('/' + rel));
}

function resolveJava(spec: string, ctx: ImportContext): string[] {
  const idx = fileIndex(ctx.files);
  if (spec.endsWith('.*')) {
    const pkg = spec.slice(0, -2).replace(/\./g, '/');
    for (const d of dirsEndingWith(idx, pkg)) {
      const list = (idx.dirs.get(d) ?? []).filter((f) => /\.(java|kt|scala)$/.test(f));
      if (list.length) return list;
    }
    // `import static a.b.C.*`: the class itself
    return filesEndingWith(idx, pkg + '.java').slice(0, 1);
  }
  const segs = spec.split('.');
  for (let k = segs.length; k >= Math.max(1, segs.length - 2); k--) {
    const rel = segs.slice(0, k).join('/');
    for (const ext of ['.java', '.kt', '.scala']) {
      const hit = filesEndingWith(idx, rel + ext);
      if (hit.length) return [hit[0]];
    }
  }
  return [];
}

function resolveCsharp(spec: string, ctx: ImportContext): string[] {
  const idx = fileIndex(ctx.files);
  const segs = spec.replace(/^global::/, '').split('.');
  for (let k = segs.length; k >= 1; k--) {
    const suffix = segs.slice(segs.length - k).join('/');
    for (const d of dirsEndingWith(idx, suffix)) {
      const list = (idx.dirs.get(d) ?? []).filter((f) => f.endsWith('.cs'));
      if (list.length) return list;
    }
    const cls = filesEndingWith(idx, suffix + '.cs');
    if (cls.length) return [cls[0]];
    if (k <= segs.length - 2) break; // do not guess from a single trailing word of a long namespace
  }
  return [];
}

// --- C / C++, Ruby, PHP, shell, CSS

function bySuffixUnique(idx: FileIndex, rel: string): string | null {
  const hits = filesEndingWith(idx, rel);
  return hits.length === 1 ? hits[0] : null;
}

function resolveInclude(spec: string, from: string, system: boolean, ctx: ImportContext): string[] {
  const files = ctx.files;
  const cands = system ? [] : [join(dirOf(from), spec)];
  cands.push(join(spec), join('include', spec), join('src', spec));
  const hit = firstExisting(files, cands);
  if (hit) return [hit];
  return one(spec.includes('/') || !system ? bySuffixUnique(fileIndex(files), spec.replace(/^(\.\.?\/)+/, '')) : null);
}

function resolveRuby(ref: ImportRef, spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  const withExt = /\.rb$/.test(spec) ? spec : `${spec}.rb`;
  if (ref.kind === 'require_relative') return one(firstExisting(files, [join(dirOf(from), withExt)]));
  if (spec.startsWith('./') || spec.startsWith('../')) return one(firstExisting(files, [join(dirOf(from), withExt)]));
  return one(firstExisting(files, [join('lib', withExt), join(withExt), join('app', withExt)]));
}

function resolvePhp(ref: ImportRef, spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  if (ref.kind === 'use' || (!spec.includes('/') && spec.includes('\\'))) {
    const segs = spec.replace(/^\\/, '').split('\\');
    const idx = fileIndex(files);
    const base = `${segs[segs.length - 1]}.php`;
    let best: string | null = null;
    let bestScore = 0;
    for (const f of idx.byBase.get(base) ?? []) {
      const parts = f.split('/');
      let score = 1;
      for (let i = 2; i <= segs.length && i <= parts.length; i++) {
        if (parts[parts.length - i].toLowerCase() !== segs[segs.length - i].toLowerCase()) break;
        score++;
      }
      if (f.startsWith('vendor/')) score -= 0.5;
      if (score > bestScore) {
        best = f;
        bestScore = score;
      }
    }
    return best && (bestScore >= 2 || segs.length === 1) ? [best] : [];
  }
  if (spec.startsWith('/')) return [];
  return one(firstExisting(files, [join(dirOf(from), spec), spec.startsWith('.') ? null : join(spec)]));
}

function resolveSource(spec: string, from: string, ctx: ImportContext): string[] {
  let s = spec.replace(/^(['"])(.*)\1$/, '$2');
  const rel = /^(?:\$\{?\w+(?:\[[^\]]*\])?\}?|\$\([^)]*\)|"\$\([^)]*\)")\/(.*)$/.exec(s);
  if (rel) s = './' + rel[1];
  if (s.startsWith('/') || s.includes('$') || s.startsWith('~')) return [];
  return one(firstExisting(ctx.files, [join(dirOf(from), s), s.startsWith('.') ? null : join(s)]));
}

function resolveCss(spec: string, from: string, ctx: ImportContext): string[] {
  if (/^[a-z]+:/i.test(spec) || spec.startsWith('//')) return [];
  const s = spec.startsWith('/') ? spec.slice(1) : spec;
  const withExt = path.posix.extname(s) ? [s] : [`${s}.css`, s];
  const cands: Array<string | null> = [];
  for (const w of withExt) cands.push(spec.startsWith('/') ? join(w) : join(dirOf(from), w));
  if (!spec.startsWith('.') && !spec.startsWith('/')) for (const w of withExt) cands.push(join(w));
  return one(firstExisting(ctx.files, cands));
}
