/**
 * Code navigation over the index, for agents and tools that ask by name or by path rather than by
 * cursor: the definitions of a name, the places that use it, and the outline of a file or folder.
 * Everything comes from the symbol table and the chunks' references; nothing is parsed again.
 */
import type { SymbolDef } from '../indexer/symbols.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { folderOf } from '../store/symbol-table.js';

/** What navigation reads of a workspace. */
export interface NavigationSources {
  store: IndexStore;
  /** A workspace file's lines (null when it cannot be read). */
  readLines(path: string): string[] | null;
}

/**
 * A chunk's lines as its file has them now: an answer shows the code on disk, not the text of the
 * last commit; null when the file is gone or unreadable, fewer lines when it was cut short since.
 */
export function chunkLines(src: NavigationSources, c: { path: string; start_line: number; end_line: number }): string[] | null {
  return src.readLines(c.path)?.slice(c.start_line - 1, c.end_line) ?? null;
}

/** A definition as the indexer found it (the same shape as its symbol rows, in camelCase). */
export type Definition = SymbolDef;

export interface ReferenceFile {
  path: string;
  /** The file defines the name (its definitions come first). */
  defines: boolean;
  /** Each line that names it: 1-based line and its text, trimmed. */
  lines: { line: number; text: string; definition: boolean }[];
}

export interface OutlineEntry {
  name: string;
  kind: string;
  path: string;
  startLine: number;
  endLine: number;
  signature: string;
  /** Definitions inside this one (a class's methods), in line order. */
  children: OutlineEntry[];
}

/** Bindings inside functions are not what someone asking for a definition means, unless nothing else has the name. */
const LOCAL_KINDS = new Set(['local']);
/** How many chunks' references are read for one name at most: a name used everywhere is summarised by its first files. */
const REFERENCE_CHUNKS = 400;

/**
 * The definitions of `query`: a name (`parseConfig`) or a member of a container
 * (`Router.handle`, `Router::handle`, `Router#handle`). Declarations before local bindings,
 * exported and top-level ones first.
 */
export function findDefinitions(src: NavigationSources, query: string): Definition[] {
  const { container, name } = splitQualified(query);
  let defs = src.store.symbols.lookup(name).filter((d) => !container || d.container === container || d.container?.endsWith(`.${container}`));
  if (!defs.length) defs = src.store.symbols.lookupInsensitive(name).filter((d) => !container || d.container?.toLowerCase() === container.toLowerCase());
  const declared = defs.filter((d) => !LOCAL_KINDS.has(d.kind));
  return (declared.length ? declared : defs)
    .slice()
    .sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path) || a.start_line - b.start_line)
    .map(toDefinition);
}

/**
 * The files that use `name`, from the index's per-chunk references, files that define it first,
 * then by how often they use it; each with the lines that name it (whole words).
 */
export function findReferences(src: NavigationSources, query: string, limitFiles: number): ReferenceFile[] {
  const { name } = splitQualified(query);
  const defs = findDefinitions(src, query);
  const defLines = new Set(defs.map((d) => `${d.path}:${d.startLine}`));
  const chunks = src.store.chunksReferencing(name, REFERENCE_CHUNKS);
  const word = new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])`);
  const byFile = new Map<string, Map<number, { line: number; text: string; definition: boolean }>>();
  for (const d of defs) byFile.set(d.path, new Map());
  for (const c of chunks) {
    const lines = chunkLines(src, c) ?? [];
    for (let i = 0; i < lines.length; i++) {
      if (!word.test(lines[i])) continue;
      const line = c.start_line + i;
      let found = byFile.get(c.path);
      if (!found) byFile.set(c.path, (found = new Map()));
      found.set(line, { line, text: lines[i].trim(), definition: defLines.has(`${c.path}:${line}`) });
    }
  }
  // A definition whose chunk did not list the name (a chunk's references are capped) still counts.
  for (const d of defs) {
    const found = byFile.get(d.path)!;
    if (!found.has(d.startLine)) found.set(d.startLine, { line: d.startLine, text: (src.readLines(d.path)?.[d.startLine - 1] ?? d.signature).trim(), definition: true });
  }
  const defining = new Set(defs.map((d) => d.path));
  return [...byFile]
    .filter(([, lines]) => lines.size > 0)
    .map(([path, lines]) => ({ path, defines: defining.has(path), lines: [...lines.values()].sort((a, b) => Number(b.definition) - Number(a.definition) || a.line - b.line) }))
    .sort((a, b) => Number(b.defines) - Number(a.defines) || b.lines.length - a.lines.length || a.path.localeCompare(b.path))
    .slice(0, limitFiles);
}

/** A file's definitions as a tree (members under their container, by line range); local bindings left out. */
export function outlineFile(src: NavigationSources, path: string): OutlineEntry[] {
  const defs = src.store.symbols
    .inFile(path)
    .filter((d) => !LOCAL_KINDS.has(d.kind))
    .slice()
    .sort((a, b) => a.start_line - b.start_line || b.end_line - a.end_line);
  const roots: OutlineEntry[] = [];
  const open: OutlineEntry[] = [];
  for (const d of defs) {
    const entry: OutlineEntry = { name: d.name, kind: d.kind, path: d.path, startLine: d.start_line, endLine: d.end_line, signature: d.signature, children: [] };
    while (open.length && open[open.length - 1].endLine < d.start_line) open.pop();
    const parent = open[open.length - 1];
    if (parent && d.end_line <= parent.endLine && !(d.start_line === parent.startLine && d.end_line === parent.endLine)) parent.children.push(entry);
    else if (parent && d.start_line === parent.startLine && d.end_line === parent.endLine) continue; // the same range twice (an export and its declaration)
    else roots.push(entry);
    open.push(entry);
  }
  return roots;
}

/** The indexed files under a folder ('' for the whole workspace), sorted. */
export function filesUnder(src: NavigationSources, folder: string): string[] {
  const prefix = folder && !folder.endsWith('/') ? `${folder}/` : folder;
  return [...src.store.files.keys()].filter((p) => p.startsWith(prefix)).sort();
}

/** Up to `n` defined names closest to `name` (shared words, then edit distance): what an unknown name may have meant. */
export function closestNames(src: NavigationSources, query: string, n: number): string[] {
  const { name } = splitQualified(query);
  const lower = name.toLowerCase();
  const scored: { name: string; d: number }[] = [];
  for (const candidate of src.store.symbols.names()) {
    const c = candidate.toLowerCase();
    // A cheap bound first: names whose lengths differ a lot are not close.
    if (Math.abs(c.length - lower.length) > Math.max(3, lower.length / 2) && !c.includes(lower) && !lower.includes(c)) continue;
    const d = c.includes(lower) || lower.includes(c) ? Math.abs(c.length - lower.length) / 4 : editDistance(lower, c);
    if (d <= Math.max(2, lower.length / 3)) scored.push({ name: candidate, d });
  }
  return scored.sort((a, b) => a.d - b.d || a.name.localeCompare(b.name)).slice(0, n).map((s) => s.name);
}

/** Up to `n` indexed paths closest to `path`: the same file name elsewhere first, then by edit distance. */
export function closestPaths(src: NavigationSources, path: string, n: number): string[] {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const scored: { p: string; d: number }[] = [];
  const folders = new Set<string>();
  for (const p of src.store.files.keys()) {
    for (let f = folderOf(p); f; f = folderOf(f.slice(0, -1))) folders.add(f.slice(0, -1));
    const name = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
    const d = name === base ? 0 : editDistance(base, name) + 1;
    if (d <= Math.max(3, base.length / 3)) scored.push({ p, d: d + editDistance(path, p) / 100 });
  }
  for (const f of folders) {
    const d = editDistance(path.toLowerCase(), f.toLowerCase());
    if (d <= Math.max(2, path.length / 4)) scored.push({ p: `${f}/`, d: d + 0.5 });
  }
  return scored.sort((a, b) => a.d - b.d || a.p.localeCompare(b.p)).slice(0, n).map((s) => s.p);
}

function splitQualified(query: string): { container: string | null; name: string } {
  const q = query.trim();
  const m = /^(.+?)(?:::|#|\.)([^.:#]+)$/.exec(q);
  return m ? { container: m[1], name: m[2] } : { container: null, name: q };
}

function rank(d: SymbolRow): number {
  return (d.exported ? 0 : 1) + (d.container === null ? 0 : 0.5);
}

function toDefinition(d: SymbolRow): Definition {
  return { name: d.name, kind: d.kind, path: d.path, startLine: d.start_line, endLine: d.end_line, container: d.container, signature: d.signature, exported: d.exported };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}
