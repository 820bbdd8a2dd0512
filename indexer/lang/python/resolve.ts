/**
 * Which workspace files a Python import means: relative imports by their
 * dots, absolute ones under the workspace's package roots (the root, `src/`,
 * the parents of top-level packages) and the importer's own folder, or in the
 * root itself when the workspace is a package imported by its folder's name;
 * a `from m import sub` names the submodule files where they exist.
 */
import { dirOf, fileIndex, firstExisting, join, type FileIndex } from '../../file-index.js';
import type { ImportContext, ImportRef } from '../../import-ref.js';
import type { ImportResolver, ReexportRule } from '../language-support.js';

export const resolvePythonImport: ImportResolver = ({ ref, specifier, from, ctx }) => resolvePython(ref, specifier, from, ctx);

/**
 * A name a module imports is an attribute of that module: `from .core import Client` in
 * pkg/__init__.py makes `pkg.Client` (and `from pkg import Client`) core.py's Client; so does
 * `from .core import *`.
 */
export const pythonReexports: ReexportRule = (ref, name) => ref.kind === 'from' && ref.names.some((n) => n === name || n === '*');

function probePy(base: string | null, files: ReadonlySet<string>): string | null {
  if (base === null) return null;
  return firstExisting(files, base ? [`${base}.py`, `${base}.pyi`, `${base}/__init__.py`, `${base}/__init__.pyi`] : ['__init__.py']);
}

const rootsByIndex = new WeakMap<FileIndex, string[]>();

/** Folders top-level packages sit in: the root, `src/`, and the parents of packages with no `__init__.py` above them. */
function pyRoots(idx: FileIndex, files: ReadonlySet<string>): string[] {
  const hit = rootsByIndex.get(idx);
  if (hit) return hit;
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
  const list = [...roots];
  rootsByIndex.set(idx, list);
  return list;
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
  // The workspace is the package (`email/` opened, its modules writing `from email import errors`).
  const [head, ...below] = rest.split('/');
  if (head === ctx.rootName && files.has('__init__.py')) return resolvePyFrom(below.join('/'), true, ref.names, files);
  return [];
}
