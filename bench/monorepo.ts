/**
 * The monorepo bench:scale indexes, built from real sources: the four shared corpora and the
 * installed npm packages' own source files, then copies of them until the tree holds the files
 * asked for. The plan (which file goes where, in which order) is pure and tested; building it is
 * copying files, deterministically (sorted listings, a fixed order), into a cached folder.
 *
 * ```ts
 * const packages = [...sharedCorpusPackages(dir), ...nodeModulesPackages(path.join(repo, 'node_modules'))];
 * const plan = planMonorepo(packages, 12_500); // packages/<name>/…, then packages/<name>-copy1/…
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';

/** A package as found: its files (relative to `dir`, '/'-separated, sorted). */
export interface SourcePackage {
  name: string;
  dir: string;
  files: string[];
}

export interface PlannedPackage {
  /** The folder under packages/. */
  name: string;
  /** The package it copies, or null for an original. */
  copyOf: string | null;
  files: number;
}

export interface MonorepoPlan {
  /** Every file of the tree, in the order written: `to` relative to the tree's root, `from` absolute. */
  files: { to: string; from: string }[];
  packages: PlannedPackage[];
}

/** Byte order, whatever the locale. */
export const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `packages/<name>/…` for every package in name order, then `packages/<name>-copy<k>/…` for k = 1,
 * 2, … in the same order, until `n` files; the last package may be cut short (its files in
 * order). Packages without files are left out.
 */
export function planMonorepo(packages: SourcePackage[], n: number): MonorepoPlan {
  const sorted = packages.filter((p) => p.files.length).sort((a, b) => byteOrder(a.name, b.name));
  if (!sorted.length) throw new Error('no package has files');
  const names = new Set(sorted.map((p) => p.name));
  if (names.size !== sorted.length) throw new Error('two packages have the same name');
  const plan: MonorepoPlan = { files: [], packages: [] };
  for (let k = 0; plan.files.length < n; k++) {
    for (const p of sorted) {
      if (plan.files.length >= n) break;
      const name = k === 0 ? p.name : `${p.name}-copy${k}`;
      const take = p.files.slice(0, n - plan.files.length);
      for (const f of take) plan.files.push({ to: `packages/${name}/${f}`, from: path.join(p.dir, f) });
      plan.packages.push({ name, copyOf: k === 0 ? null : p.name, files: take.length });
    }
  }
  return plan;
}

/** n items spread evenly over the list (all of it when it is shorter), in its order. */
export function spread<T>(items: readonly T[], n: number): T[] {
  if (n >= items.length) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}

// ---------------------------------------------------------------- what a package's source is

/** The source files taken from an installed package. */
export const PACKAGE_SOURCE = /\.(js|mjs|cjs|ts|tsx|py|go|rs|java|c|h|cc|cpp)$/;
/** Declarations, minified files and bundles are what a build emits, not what authors edit. */
const EMITTED = /(\.d\.[mc]?ts|[.-]min\.[mc]?js|\.bundle\.[mc]?js)$/;
/** Folders left out of a package: build output (dist-browser/ too), caches, dependencies (nested packages are packages of their own). */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'out', 'target', 'vendor', 'coverage', 'bundle', 'bundles', 'umd', '__pycache__', 'venv']);
const isSkippedDir = (name: string) => name.startsWith('.') || SKIPPED_DIRS.has(name) || /^dist[-_.]/.test(name);
/** A package's manifests, kept as found at its root. */
const MANIFESTS = new Set(['package.json', 'tsconfig.json', 'go.mod', 'cargo.toml', 'pyproject.toml', 'setup.cfg', 'pom.xml', 'build.gradle', 'binding.gyp']);
/** Larger files are left out (generated tables, vendored amalgamations). */
export const MAX_SOURCE_BYTES = 200 * 1024;

/** Whether a file of an installed package (path relative to it, '/'-separated) is taken. */
export function isPackageSource(rel: string, bytes: number): boolean {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (!rel.includes('/') && MANIFESTS.has(base.toLowerCase())) return true;
  return PACKAGE_SOURCE.test(base) && !EMITTED.test(base) && bytes < MAX_SOURCE_BYTES;
}

/** The folder name of a package found at `rel` under node_modules: `@scope/a/node_modules/b` → `scope__a__b`. */
export function packageFolderName(rel: string): string {
  return rel
    .split('/')
    .filter((s) => s !== 'node_modules')
    .map((s) => s.replace(/^@/, ''))
    .join('__');
}

/** Every regular file under `dir` (sorted, '/'-separated), folders passed through `keepDir`; symbolic links are not followed. */
function listFiles(dir: string, keepDir: (name: string, rel: string) => boolean, keepFile: (rel: string, bytes: number) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => byteOrder(a.name, b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (keepDir(e.name, r)) walk(r);
      } else if (e.isFile() && keepFile(r, fs.statSync(path.join(dir, r)).size)) out.push(r);
    }
  };
  walk('');
  return out;
}

/** A shared corpus extracted at `dir`, whole. */
export function wholeFolderPackage(name: string, dir: string): SourcePackage {
  return { name, dir, files: listFiles(dir, () => true, () => true) };
}

/** The packages installed under `nodeModules` (scoped and nested ones too), each with its source files. */
export function nodeModulesPackages(nodeModules: string): SourcePackage[] {
  const out: SourcePackage[] = [];
  const visit = (nm: string, prefix: string) => {
    if (!fs.existsSync(nm)) return;
    const entries = fs.readdirSync(nm, { withFileTypes: true }).sort((a, b) => byteOrder(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith('.') || !e.isDirectory()) continue;
      const dirs = e.name.startsWith('@')
        ? fs.readdirSync(path.join(nm, e.name), { withFileTypes: true }).filter((s) => s.isDirectory()).map((s) => `${e.name}/${s.name}`).sort(byteOrder)
        : [e.name];
      for (const d of dirs) {
        const dir = path.join(nm, d);
        const rel = `${prefix}${d}`;
        const files = listFiles(dir, (name) => !isSkippedDir(name), isPackageSource);
        // A package with only its manifest is no source code.
        if (files.some((f) => PACKAGE_SOURCE.test(f))) out.push({ name: packageFolderName(rel), dir, files });
        visit(path.join(dir, 'node_modules'), `${rel}/node_modules/`);
      }
    }
  };
  visit(nodeModules, '');
  return out;
}

// ---------------------------------------------------------------- a definition in another file

export interface DefinitionPair {
  /** The file the editor has open (relative to the package). */
  target: string;
  /** Another file of the package, which defines `name`. */
  definer: string;
  name: string;
  language: 'typescript' | 'go';
}

const TS_FILE = /\.(ts|tsx|mts|js|mjs)$/;
const TS_DEFINITION = /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|const|let|var|interface|type|enum)\s+([A-Za-z_][\w]*)/gm;
const GO_DEFINITION = /^(?:func\s+([A-Za-z_]\w*)\s*[[(]|type\s+([A-Za-z_]\w*)\s)/gm;

/**
 * A name defined in exactly one file of a package and a file of the same package that does not
 * mention it (TypeScript or JavaScript modules: any two; Go: two of the same folder, its package):
 * the deepest such file, then the first by name. Null when the package has none.
 */
export function findDefinitionPair(files: { rel: string; text: string }[]): DefinitionPair | null {
  let best: (DefinitionPair & { depth: number }) | null = null;
  for (const language of ['typescript', 'go'] as const) {
    const own = files
      .filter((f) => (language === 'go' ? f.rel.endsWith('.go') && !f.rel.endsWith('_test.go') : TS_FILE.test(f.rel) && !/\.d\.[mc]?ts$/.test(f.rel) && /^\s*(import|export)\s/m.test(f.text)))
      .sort((a, b) => byteOrder(a.rel, b.rel));
    const definers = new Map<string, Set<string>>();
    for (const f of own) {
      for (const m of f.text.matchAll(language === 'go' ? GO_DEFINITION : TS_DEFINITION)) {
        const name = m[1] ?? m[2];
        if (!definers.has(name)) definers.set(name, new Set());
        definers.get(name)!.add(f.rel);
      }
    }
    const names = [...definers].filter(([name, by]) => by.size === 1 && name.length >= 6).map(([name]) => name).sort(byteOrder);
    for (const name of names) {
      const definer = [...definers.get(name)!][0];
      const word = new RegExp(`\\b${name}\\b`);
      const dirOf = (rel: string) => rel.slice(0, rel.lastIndexOf('/') + 1);
      for (const f of own) {
        if (f.rel === definer || word.test(f.text)) continue;
        if (language === 'go' && dirOf(f.rel) !== dirOf(definer)) continue;
        const depth = f.rel.split('/').length;
        if (!best || depth > best.depth) best = { target: f.rel, definer, name, language, depth };
      }
    }
  }
  if (!best) return null;
  const { depth: _, ...pair } = best;
  return pair;
}

/**
 * The editor's buffer for the open file: the file, the name written at its end (imported first, in
 * a module), the cursor after the name.
 */
export function bufferUsing(pair: DefinitionPair, text: string): { text: string; position: { line: number; character: number } } {
  let out: string;
  if (pair.language === 'go') {
    out = `${text.replace(/\n*$/, '')}\n\nfunc cvuScaleProbe() {\n\t_ = ${pair.name}`;
  } else {
    let spec = path.posix.relative(path.posix.dirname(pair.target), pair.definer).replace(/\.(ts|tsx|mts)$/, '.js');
    if (!spec.startsWith('.')) spec = `./${spec}`;
    out = `import { ${pair.name} } from '${spec}';\n${text.replace(/\n*$/, '')}\n\nexport function cvuScaleProbe() {\n  return ${pair.name}`;
  }
  const lines = out.split('\n');
  return { text: out, position: { line: lines.length - 1, character: lines[lines.length - 1].length } };
}
