/**
 * The import graph as cursor retrieval reads it: a file's imports (from the
 * index, or from the buffer when unsaved edits touch them), the files and
 * names they bring in, re-exports followed through barrels, and what a
 * module exports.
 */
import { importsOfText, memberQualifiers, reexports, resolveImport, type ImportContext, type ImportRef } from '../indexer/imports.js';
import type { LanguageId } from '../indexer/languages.js';
import { filesInScope } from '../indexer/scope.js';
import type { IndexStore } from '../store/index-store.js';
import { addTo } from '../store/symbol-table.js';
import type { SymbolRow } from '../store/rows.js';
import { importListAtCursor } from './buffer-names.js';

/** What the import graph reads; cursor retrieval's sources provide it. */
export interface ImportSources {
  store: IndexStore;
  /** A workspace file's current lines (disk), or null when it cannot be read. */
  readLines(path: string): string[] | null;
  importContext(): ImportContext;
}

/**
 * Files the current file imports, for each imported name the files it may come from, and the files
 * whose top-level names the language lets it use bare (its `scope`: indexer/scope.ts).
 */
export function importedFiles(
  src: ImportSources,
  refsOf: RefsOf,
  path: string,
  language: LanguageId,
): { files: Set<string>; byName: Map<string, Set<string>>; renamed: Map<string, Set<string>>; modules: Map<string, Set<string>>; scope: Set<string> } {
  const files = new Set<string>();
  /** Each name the file binds by an import (as the file writes it) → the files it may come from. */
  const byName = new Map<string, Set<string>>();
  /** A name bound under another name than its definition's (`import { Timestamp_ as Timestamp }`, or a barrel's `export { a as b }`) → the names defined. */
  const renamed = new Map<string, Set<string>>();
  /** Names bound to a whole module (`import * as x`, `x = require(…)`, `import x`, Python's `from pkg import x` of a submodule) → its files. */
  const modules = new Map<string, Set<string>>();
  const ctx = src.importContext();
  for (const ref of refsOf(path)) {
    const bound = namesBound(ref);
    for (const target of resolveImport(ref, path, language, ctx)) {
      files.add(target);
      const module = ref.binding ?? (SUBMODULE_IMPORTS.has(language) ? submoduleBinding(ref, bound, target, language) : undefined);
      if (module) addTo(modules, module, target);
      for (const [local, name] of ref.binding ? [...bound, [ref.binding, ref.binding] as const] : bound) {
        addTo(byName, local, target);
        if (name !== local) addTo(renamed, local, name);
        // A barrel (`export { n } from './n.js'`, `export * from`) re-exports what another file defines.
        for (const origin of reexportOrigins(src, refsOf, target, name, ctx, REEXPORT_DEPTH)) {
          addTo(byName, local, origin.file);
          if (origin.name !== local) addTo(renamed, local, origin.name);
        }
      }
    }
  }
  // Scope (issue 14): the files whose top-level names the language lets this file use bare, with no
  // import (Go's package folder, Java's package and on-demand imports, C#'s namespaces).
  const scope = new Set(filesInScope(path, language, refsOf(path), ctx).filter((f) => !files.has(f)));
  return { files, byName, renamed, modules, scope };
}

/**
 * The names an import binds, each as [the name the file writes, the module's name for it]: `{ a as b
 * }` binds b for a; a name not renamed binds itself (as `names` writes it: a Rust path stays one).
 */
export function namesBound(ref: ImportRef): (readonly [string, string])[] {
  if (!ref.renames?.length) return ref.names.map((n) => [n, n] as const);
  const renamedAway = new Set(ref.renames.map(([, name]) => name));
  return [...ref.renames, ...ref.names.filter((n) => !renamedAway.has(lastSegment(n))).map((n) => [n, n] as const)];
}

/** The last name of a path as imports write it: `a.b.C`, `crate::x::C`, `pkg/sub` → C, C, sub. */
export function lastSegment(s: string): string {
  const parts = s.split(/::|\.|\//);
  return parts[parts.length - 1] ?? '';
}

/**
 * Languages whose import of a name can bind a whole module, told by the file it resolves to:
 * Python's `from pkg import sub`, Rust's `use crate::cookie;` (then `cookie::Cookie`).
 */
const SUBMODULE_IMPORTS: ReadonlySet<LanguageId> = new Set<LanguageId>(['python', 'rust']);

/**
 * The name an import binds to the module file `target`, if any: a name it lists that is that
 * module's (`from pkg import sub`, `use crate::cookie`), else a qualifier the language's member rule
 * says it binds (indexer/lang/*'s memberUses: Rust's `use super::body::{self, Body}` binds body).
 */
function submoduleBinding(ref: ImportRef, bound: readonly (readonly [string, string])[], target: string, language: LanguageId): string | undefined {
  const name = submoduleName(target);
  return bound.find(([, n]) => n === name)?.[0] ?? memberQualifiers(ref, language).find((q) => q === name);
}

/** The name a module file is imported by: `pkg/sub.py`, `pkg/sub/__init__.py`, `src/sub.rs`, `src/sub/mod.rs` → sub. */
function submoduleName(file: string): string {
  const parts = file.replace(/\.(?:pyi?|rs)$/, '').split('/');
  const last = parts.pop()!;
  return last === '__init__' || last === 'mod' ? (parts.pop() ?? '') : last;
}

/** How many barrels deep a re-exported name is followed. */
const REEXPORT_DEPTH = 3;

/**
 * The files that `file` re-exports the name `name` from, followed through further re-exports, each with
 * the name it has there (`export { a as name } from './x'`: a, in x).
 */
function reexportOrigins(src: ImportSources, refsOf: RefsOf, file: string, name: string, ctx: ImportContext, depth: number): { file: string; name: string }[] {
  if (depth === 0 || name === 'default') return [];
  const language = src.store.files.get(file)?.language as LanguageId | undefined;
  if (!language) return [];
  const out: { file: string; name: string }[] = [];
  for (const ref of refsOf(file)) {
    const there = ref.renames?.find(([exported]) => exported === name)?.[1] ?? name;
    // the language's rule (indexer/lang/*/: TS's `export … from`, Python's package `__init__`, Rust's `pub use`)
    if (!reexports(ref, there, file, language)) continue;
    for (const target of resolveImport(ref, file, language, ctx)) {
      if (target === file || out.some((o) => o.file === target)) continue;
      out.push({ file: target, name: there }, ...reexportOrigins(src, refsOf, target, there, ctx, depth - 1));
    }
  }
  return out;
}

/**
 * The files where `name`, read as a member of modules bound in the file (`pkg.name`, `crate_mod::name`),
 * may be defined: the modules themselves and the files they re-export it from.
 */
export function memberOrigins(src: ImportSources, refsOf: RefsOf, modules: Iterable<string>, name: string): Set<string> {
  const out = new Set<string>();
  const ctx = src.importContext();
  for (const m of modules) {
    out.add(m);
    for (const origin of reexportOrigins(src, refsOf, m, name, ctx, REEXPORT_DEPTH)) out.add(origin.file);
  }
  return out;
}

/** A file's import and export statements, each parsed once per request (a barrel is consulted for many names). */
export type RefsOf = (file: string) => ImportRef[];

export function importRefsCache(src: ImportSources, known?: { path: string; refs: ImportRef[] }): RefsOf {
  const parsed = new Map<string, ImportRef[]>(known ? [[known.path, known.refs]] : []);
  return (file) => parsed.get(file) ?? parsed.set(file, importRefs(src, file)).get(file)!;
}

/**
 * The current file's imports when the buffer's unsaved edits touch them (an import added or removed,
 * a name added to a list): read from the buffer, which wins over the indexed file. Null when the
 * edits lie elsewhere — the indexed imports stand, and nothing is parsed.
 */
export async function bufferImports(src: ImportSources, path: string, lines: string[], language: LanguageId): Promise<ImportRef[] | null> {
  const disk = src.readLines(path);
  if (disk) {
    // The edited region: lines that differ, between the common head and the common tail.
    let head = 0;
    while (head < lines.length && head < disk.length && lines[head] === disk[head]) head++;
    if (head === lines.length && head === disk.length) return null;
    let a = lines.length - 1;
    let b = disk.length - 1;
    while (a >= head && b >= head && lines[a] === disk[b]) {
      a--;
      b--;
    }
    const python = language === 'python';
    const edited = [...lines.slice(head, a + 1), ...disk.slice(head, b + 1)];
    if (!edited.some((l) => IMPORT_WORD.test(l)) && !importListAtCursor(lines, head, python) && !importListAtCursor(disk, head, python)) return null;
  }
  return importsOfText(lines.join('\n'), language);
}

/** A word that starts or names an import in the common languages. */
const IMPORT_WORD = /\b(import|export|from|require|use|include|package)\b/;

function importRefs(src: ImportSources, path: string): ImportRef[] {
  const row = src.store.files.get(path);
  if (!row) return [];
  try {
    return JSON.parse(row.imports) as ImportRef[];
  } catch {
    return [];
  }
}

export interface ModuleExport {
  name: string;
  /** The module that exports it, and the line of the definition or of the `export … from`. */
  file: string;
  line: number;
  defs: SymbolRow[];
}

/** What a module exports: its own public top-level definitions, and the names it re-exports (found in their files). */
export function moduleExports(src: ImportSources, refsOf: RefsOf, file: string): ModuleExport[] {
  const out: ModuleExport[] = src.store.symbols
    .inFile(file)
    .filter((s) => !s.container && s.exported && s.kind !== 'local')
    .map((s) => ({ name: s.name, file, line: s.start_line, defs: [s] }));
  const language = src.store.files.get(file)?.language as LanguageId | undefined;
  if (!language || !/^(typescript|tsx|javascript)$/.test(language)) return out;
  const ctx = src.importContext();
  for (const ref of refsOf(file)) {
    if (ref.kind !== 'export') continue;
    // (`export { a as b } from './x'` exports b: x's a, or what x re-exports as a.)
    for (const [exported, name] of namesBound(ref)) {
      const origins = resolveImport(ref, file, language, ctx).flatMap((t) => [{ file: t, name }, ...reexportOrigins(src, refsOf, t, name, ctx, REEXPORT_DEPTH - 1)]);
      const defs = [...new Set(origins.map((o) => o.name))].flatMap((n) => src.store.symbols.lookup(n).filter((d) => origins.some((o) => o.file === d.path && o.name === n)));
      out.push({ name: exported, file, line: ref.line, defs });
    }
  }
  return out;
}
