/**
 * The workspace's import graph: what every file imports (a definition imported by name, else the
 * module), which files import each, the members files reach through a module they bind (`pkg.Name`),
 * and the files by folder and by paired stem (`foo_test.go` ↔ `foo.go`). Anticipation
 * (anticipation.ts) and the rules that follow imports a step further (offered-definitions.ts) read it.
 *
 * It is kept per store and brought up to date when the index version changes: a file's part is
 * redone only when its imports, or a file its names were looked for in, changed.
 */
import { memberQualifiers, resolveImport, type ImportContext, type ImportRef } from '../indexer/imports.js';
import type { LanguageId } from '../indexer/languages.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { folderOf } from '../store/symbol-table.js';
import { importRefsCache, lastSegment, memberOrigins, type ImportSources } from './import-graph.js';

/**
 * What the files of the workspace import: an item is a definition imported by name (`name\0path`
 * of the definition) or, when no name is, the module (its path).
 */
export interface ImportGraph {
  version: number;
  ctx: ImportContext;
  /** File → its items. */
  itemsOf: Map<string, string[]>;
  /** Item → the files importing it. */
  importers: Map<string, string[]>;
  /** Definition item → the definition. */
  defOf: Map<string, SymbolRow>;
  /**
   * A module reached by qualifier (its files, joined by \0: a Go package, `import click`, `import * as x`)
   * → each member item (`name\0path`) the files binding it use on it (`pkg.Name`), with how many files do.
   */
  moduleMembers: Map<string, Map<string, number>>;
  /** File → its items reached only as members of a module binding. */
  memberOnly: Map<string, Set<string>>;
  /** Folder → its files (all indexed files). */
  byFolder: Map<string, string[]>;
  /** A file name without its test affixes and extension → the files that have it. */
  byStem: Map<string, string[]>;
}

/** Per store: the graph of the last version, and what each file's imports resolved to. */
interface GraphState {
  graph: ImportGraph | null;
  /** When the graph was built, and how long that took (ms). */
  builtAt: number;
  buildMs: number;
  /** The file set (and package names) the entries below were resolved against. */
  ctx: ImportContext | null;
  files: Map<string, FileEntry>;
}

/** A file's imports, each with the workspace files it refers to, and the items they bring in. */
interface FileEntry {
  /** The file row's imports as stored (the same text: the same imports) and its content hash. */
  raw: string;
  hash: string;
  refs: ResolvedRef[];
  /** The words its imports write (refKeys): a file that came or went and is named by none of them changes nothing here. */
  keys: Set<string>;
  /** Item → its definition (null: a module); null until found, and again when a file it may come from changes. */
  items: Map<string, SymbolRow | null> | null;
  /** Where the items' definitions were looked for: the files imported, and the folders of those whose names were not in them. */
  lookedIn: Deps;
  /** A module bound in the file (its files, joined by \0) → the member items the file reaches through it. */
  byModule: Map<string, Set<string>>;
  /** The items the file reaches only as members (`pkg.Name`), imported by name nowhere in it. */
  memberOnly: Set<string>;
}

/** An import with the workspace files it refers to, and the members the file reaches through it, with the files each qualifier means. */
interface ResolvedRef {
  ref: ImportRef;
  targets: string[];
  members?: { files: string[]; names: string[] }[];
}

/** The definition a member name reached through a module (its files) refers to, or null. */
type FindMember = (files: readonly string[], name: string) => SymbolRow | null;

interface Deps {
  files: Set<string>;
  folders: Set<string>;
}

const states = new WeakMap<IndexStore, GraphState>();

/**
 * A graph that took at least SLOW_BUILD_MS to build is built again at most once in REBUILD_SPACING
 * times that: each build is a pass over every file on the thread that answers requests (30–60 ms
 * at 12,500 files), and a workspace being indexed commits every second or so. Meanwhile the last
 * graph answers, without the latest commits' imports, for MAX_STALE_MS at most (a first build, of
 * every file, takes far longer than the next ones). A small workspace's is always current.
 */
const SLOW_BUILD_MS = 10;
const REBUILD_SPACING = 20;
const MAX_STALE_MS = 2000;

/**
 * Past this share of the workspace's files added or removed at once, every file's imports are
 * resolved again (a branch switch, a first index's commits); below it, only the files whose imports
 * may name one of them (mayResolveTo).
 */
const MANY_ADDED_SHARE = 0.2;

/**
 * The import graph of the index as it is now, rebuilt when the index changed: a file's imports are
 * resolved again only when they changed or may name a file that came or went, and their items found
 * again only when a file they may come from changed. (On 12,500 files, resolving every file's
 * imports again for each file added took 1.2 s of a /context answer.)
 */
export function importGraph(src: ImportSources): ImportGraph {
  let state = states.get(src.store);
  if (!state) states.set(src.store, (state = { graph: null, builtAt: 0, buildMs: 0, ctx: null, files: new Map() }));
  const previous = state.graph;
  if (previous && previous.version === src.store.version) return previous;
  const started = performance.now();
  if (previous && state.buildMs >= SLOW_BUILD_MS && started - state.builtAt < Math.min(state.buildMs * REBUILD_SPACING, MAX_STALE_MS)) return previous;
  const ctx = src.importContext();
  const delta = state.ctx ? fileSetDelta(state.ctx, ctx) : null;
  const sameFiles = !!delta && !delta.added.length && !delta.removed.length;
  // Files that came or went: the imports that may name one of them are resolved again (all of them
  // when many did, or when what resolution reads beside the file set changed).
  let cameOrWent: Set<string> | null | undefined;
  if (!delta || delta.added.length + delta.removed.length > Math.max(64, ctx.files.size * MANY_ADDED_SHARE)) state.files.clear();
  else if (!sameFiles) cameOrWent = resolutionKeys([...delta.added, ...delta.removed]);
  state.ctx = ctx;
  const graph: ImportGraph = {
    version: src.store.version, ctx, itemsOf: new Map(), importers: new Map(), defOf: new Map(), moduleMembers: new Map(), memberOnly: new Map(),
    byFolder: sameFiles && previous ? previous.byFolder : new Map(), byStem: sameFiles && previous ? previous.byStem : new Map(),
  };
  if (!sameFiles || !previous) {
    for (const path of src.store.files.keys()) {
      push(graph.byFolder, folderOf(path), path);
      const stem = pairStem(path);
      if (stem) push(graph.byStem, stem, path);
    }
  }
  // The files whose content changed since the last build, and those that went: definitions there
  // may have come or gone, and so may they under their folders.
  const changed = new Set<string>(delta?.removed ?? []);
  for (const [path, row] of src.store.files) if (state.files.get(path)?.hash !== row.hash) changed.add(path);
  const changedFolders = new Set<string>();
  for (const c of changed) for (let i = c.indexOf('/'); ; i = c.indexOf('/', i + 1)) {
    changedFolders.add(c.slice(0, i + 1));
    if (i < 0) break;
  }
  const stale = (e: FileEntry) => meets(e.lookedIn.files, changed) || meets(e.lookedIn.folders, changedFolders);
  const memo = new Map<string, SymbolRow | null>();
  const findMember = memberFinder(src);
  for (const [path, row] of src.store.files) {
    let entry = state.files.get(path);
    if (!entry || entry.raw !== row.imports || (cameOrWent !== undefined && mayResolveTo(entry, cameOrWent))) {
      const raw = parseRefs(row.imports);
      entry = { raw: row.imports, hash: row.hash, refs: resolveRefs(raw, path, row.language as LanguageId, ctx), keys: refKeys(raw), items: null, lookedIn: { files: new Set(), folders: new Set() }, byModule: new Map(), memberOnly: new Set() };
      state.files.set(path, entry);
    } else if (entry.items && changed.size && stale(entry)) entry.items = null;
    entry.hash = row.hash;
    if (!entry.items) {
      entry.lookedIn = { files: new Set(), folders: new Set() };
      entry.byModule = new Map();
      const viaName = new Set<string>();
      entry.items = itemsOf(src.store, entry.refs, memo, findMember, entry.lookedIn, entry.byModule, undefined, viaName);
      entry.memberOnly = new Set([...entry.byModule.values()].flatMap((used) => [...used].filter((i) => !viaName.has(i))));
    }
    if (entry.memberOnly.size) graph.memberOnly.set(path, entry.memberOnly);
    for (const [module, used] of entry.byModule) {
      let counts = graph.moduleMembers.get(module);
      if (!counts) graph.moduleMembers.set(module, (counts = new Map()));
      for (const item of used) counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    if (!entry.items.size) continue;
    graph.itemsOf.set(path, [...entry.items.keys()]);
    for (const [item, def] of entry.items) {
      push(graph.importers, item, path);
      if (def) graph.defOf.set(item, def);
    }
  }
  for (const path of state.files.keys()) if (!src.store.files.has(path)) state.files.delete(path);
  state.graph = graph;
  state.builtAt = performance.now();
  state.buildMs = state.builtAt - started;
  return graph;
}

/**
 * The files added to and removed from the workspace between two import contexts; null when what
 * resolution reads beside the file set changed (the Go module, the workspace's packages).
 */
function fileSetDelta(a: ImportContext, b: ImportContext): { added: string[]; removed: string[] } | null {
  if (a.goModule !== b.goModule || a.rootName !== b.rootName || !sameMap(a.packages, b.packages) || !sameMap(a.packageMains, b.packageMains)) return null;
  if (a.files === b.files) return { added: [], removed: [] };
  const added: string[] = [];
  const removed: string[] = [];
  for (const f of b.files) if (!a.files.has(f)) added.push(f);
  for (const f of a.files) if (!b.files.has(f)) removed.push(f);
  return { added, removed };
}

/**
 * What an import must write to resolve to one of these files, lower-cased: the file's name without
 * its extension, and its folder's name (a Go or Java package, `pkg/__init__.py`, `mod.rs`,
 * `index.ts`). Null for a file whose text resolution reads (a tsconfig, a package.json): anything
 * may resolve differently then.
 */
function resolutionKeys(paths: readonly string[]): Set<string> | null {
  const keys = new Set<string>();
  for (const p of paths) {
    const parts = p.toLowerCase().split('/');
    const base = parts[parts.length - 1];
    if (CONFIG_FILE.test(base)) return null;
    const stem = base.replace(/\..*$/, '');
    keys.add(stem);
    if (parts.length > 1) keys.add(parts[parts.length - 2]);
    if (FOLDER_ENTRY.test(stem)) keys.add(FOLDER_ITSELF);
  }
  return keys;
}

/** A folder's own module (`index.ts`, `__init__.py`, `mod.rs`…), what `'.'`, `'..'` or `from . import` resolve to. */
const FOLDER_ENTRY = /^(index|__init__|mod|lib|main)$/;
/** The key of an import that names a folder by dots alone (`'.'`, `'../..'`): it writes no word. */
const FOLDER_ITSELF = '\0folder';

/** Files whose text import resolution reads (tsconfig `paths`, package.json `exports`, go.mod, Cargo.toml). */
const CONFIG_FILE = /^(tsconfig.*\.json|jsconfig\.json|package\.json|go\.mod|cargo\.toml)$/;

/** The words an import writes (its specifier's segments and the names it imports), lower-cased. */
function refKeys(refs: readonly ImportRef[]): Set<string> {
  const keys = new Set<string>();
  for (const ref of refs) {
    const words = ref.specifier.toLowerCase().split(/[^a-z0-9_$-]+/).filter(Boolean);
    for (const w of words) keys.add(w);
    if (!words.length) keys.add(FOLDER_ITSELF);
    for (const n of ref.names) for (const w of n.toLowerCase().split(/[^a-z0-9_$-]+/)) if (w) keys.add(w);
    if (ref.binding) keys.add(ref.binding.toLowerCase());
  }
  return keys;
}

/** Whether a file's imports write a word that names one of the files that came or went (null: any may). */
function mayResolveTo(entry: FileEntry, keys: Set<string> | null): boolean {
  if (!keys) return true;
  for (const k of entry.keys) if (keys.has(k)) return true;
  return false;
}

/** Whether two sets share an item (without copying either: this runs for every file at each rebuild). */
function meets(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

function sameMap(a: ReadonlyMap<string, string> | undefined, b: ReadonlyMap<string, string> | undefined): boolean {
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
  for (const [k, v] of a ?? []) if (b?.get(k) !== v) return false;
  return true;
}

function parseRefs(raw: string): ImportRef[] {
  try {
    const refs = JSON.parse(raw) as unknown;
    return Array.isArray(refs) ? (refs as ImportRef[]) : [];
  } catch {
    return [];
  }
}

/** The imports (not re-exports) that refer to workspace files, with those files. */
export function resolveRefs(refs: readonly ImportRef[], path: string, language: LanguageId, ctx: ImportContext): ResolvedRef[] {
  const out: ResolvedRef[] = [];
  for (const ref of refs) {
    if (ref.kind === 'export') continue;
    const targets = resolveImport(ref, path, language, ctx).filter((t) => t !== path);
    if (!targets.length) continue;
    const resolved: ResolvedRef = { ref, targets };
    const qualifiers = memberQualifiers(ref, language);
    if (qualifiers.length) {
      resolved.members = [];
      for (const q of qualifiers) {
        const names = ref.members?.[q];
        // A name the import lists (`from pkg import module`, `use crate::{dns}`) means the file it resolves to alone.
        const files = ref.names.includes(q) ? resolveImport({ ...ref, names: [q] }, path, language, ctx).filter((t) => t !== path) : targets;
        if (files.length) resolved.members.push({ files, names: Array.isArray(names) ? names : [] });
      }
    }
    out.push(resolved);
  }
  return out;
}

/**
 * The items resolved imports bring in, each with its definition: each name imported by name as its
 * definition; a module bound to a name (`const fastify = require('./fastify')`) as the definition of
 * that name in it, if any; else the module (null). `memo` keeps the definitions found for a name among targets.
 */
export function itemsOf(
  store: IndexStore,
  refs: readonly ResolvedRef[],
  memo: Map<string, SymbolRow | null>,
  findMember: FindMember,
  lookedIn?: Deps,
  byModule?: Map<string, Set<string>>,
  written?: ReadonlySet<string>,
  viaName?: Set<string>,
): Map<string, SymbolRow | null> {
  const out = new Map<string, SymbolRow | null>();
  for (const { ref, targets, members } of refs) {
    // The members the file reaches through a module binding (`pkg.Name`, `a.b.name`): as if imported by name.
    for (const { files, names } of members ?? []) {
      for (const f of files) lookedIn?.files.add(f);
      const key = moduleKey(files);
      let used = byModule?.get(key);
      if (byModule && !used) byModule.set(key, (used = new Set()));
      for (const name of names) {
        // The buffer's imports may be the indexed file's, whose members include those the buffer no longer writes.
        if (written && !written.has(name)) continue;
        const memoKey = `${name}\0member\0${key}`;
        let def = memo.get(memoKey);
        if (def === undefined) memo.set(memoKey, (def = findMember(files, name)));
        if (!def) continue;
        lookedIn?.files.add(def.path);
        out.set(`${name}\0${def.path}`, def);
        used?.add(`${name}\0${def.path}`);
      }
    }
    for (const t of targets) lookedIn?.files.add(t);
    let names = ref.names.map(lastSegment).filter((n) => n && n !== 'self' && n !== 'default' && n !== '*');
    // `use crate::dns::hickory::HickoryDnsResolver;`, `import a.b.C;`: the last segment names what is imported.
    if (!names.length) {
      const last = ref.binding ?? lastSegment(ref.specifier);
      if (last && /^[A-Za-z_$][\w$]*$/.test(last)) names = [last];
    }
    let named = false;
    for (const name of names) {
      const memoKey = `${name}\0${!!ref.binding}\0${targets.join('\0')}`;
      let def = memo.get(memoKey);
      if (def === undefined) memo.set(memoKey, (def = definitionOf(store, name, targets, !!ref.binding)));
      // Not found in the files imported: looked for under their folders (a definition appearing there
      // changes it). (A second definition appearing elsewhere of a name found only once is not followed.)
      if (!def || !targets.includes(def.path)) for (const t of targets) lookedIn?.folders.add(folderOf(t));
      if (!def) continue;
      lookedIn?.files.add(def.path);
      out.set(`${name}\0${def.path}`, def);
      viaName?.add(`${name}\0${def.path}`);
      named = true;
    }
    if (!named) for (const t of targets) if (!out.has(t)) out.set(t, null);
  }
  return out;
}

/**
 * The definition an imported name refers to: in the file imported, else under its folder (a barrel
 * or `mod.rs` re-exports it), else the only one. A module binding names only a definition in the module.
 */
function definitionOf(store: IndexStore, name: string, targets: readonly string[], binding: boolean): SymbolRow | null {
  const defs = store.symbols.lookup(name).filter((d) => d.kind !== 'local');
  if (!defs.length) return null;
  const top = (list: SymbolRow[]) => list.find((d) => !d.container) ?? list[0];
  const inTarget = defs.filter((d) => targets.includes(d.path) && (!binding || !d.container));
  if (inTarget.length || binding) return inTarget.length ? top(inTarget) : null;
  const folders = targets.map(folderOf);
  const below = defs.filter((d) => folders.some((f) => d.path.startsWith(f)));
  if (below.length) return top(below);
  return defs.length === 1 ? defs[0] : null;
}

/** The files an indexed file's imports resolve to, from the import graph (kept per index version); [] for a file not indexed. */
export function importTargets(src: ImportSources, path: string): string[] {
  importGraph(src);
  return states.get(src.store)?.files.get(path)?.refs.flatMap((r) => r.targets) ?? [];
}

/**
 * The members that files binding a module (its files) reach through it (`pkg.Name`), each with how
 * many files do — `path`'s own indexed uses left out (its buffer says what it uses now).
 */
export function moduleMemberUses(src: ImportSources, files: Iterable<string>, path: string): { def: SymbolRow; uses: number }[] {
  const graph = importGraph(src);
  const counts = graph.moduleMembers.get(moduleKey([...files]));
  if (!counts) return [];
  const mine = new Set(graph.itemsOf.get(path) ?? []);
  const out: { def: SymbolRow; uses: number }[] = [];
  for (const [item, n] of counts) {
    const def = graph.defOf.get(item);
    const uses = n - (mine.has(item) ? 1 : 0);
    if (def && uses > 0) out.push({ def, uses });
  }
  return out;
}

/** A module reached by qualifier, as a key: its files. */
function moduleKey(files: readonly string[]): string {
  return [...files].sort().join('\0');
}

/**
 * Finds a member reached through a module: a top-level definition of that name in the module's
 * files, else in the files they re-export it from (`click.Option` is core.py's, through
 * `from .core import Option` in click/__init__.py).
 */
export function memberFinder(src: ImportSources): FindMember {
  const refsOf = importRefsCache(src);
  return (files, name) => {
    const defs = src.store.symbols.lookup(name).filter((d) => d.kind !== 'local' && !d.container);
    if (!defs.length) return null;
    const own = defs.find((d) => files.includes(d.path));
    if (own) return own;
    const origins = memberOrigins(src, refsOf, files, name);
    return defs.find((d) => origins.has(d.path)) ?? null;
  };
}

/**
 * Whether code elsewhere names this definition: declared functions, types, methods and constants —
 * not bindings (locals, variables, properties, a constant bound to a `require`), modules (named by
 * their path) or a test runner's entry points (`test_x`, `TestX`, `testX` in test files).
 */
export function nameable(def: SymbolRow): boolean {
  if (NOT_NAMED.has(def.kind) || !/^[A-Za-z_$][\w$]*$/.test(def.name)) return false;
  if (def.kind === 'constant' && /\brequire\s*\(|\bimport\s*\(/.test(def.signature)) return false;
  return !(/^test/i.test(def.name) && isTestPath(def.path));
}

const NOT_NAMED = new Set(['local', 'variable', 'property', 'module', 'namespace']);

/**
 * A file's name without its folder, extension and test affixes, lower-case: `FooTest.java`,
 * `foo_test.go`, `test_foo.py`, `foo.test.ts` and `foo.ts` are all `foo`. Null for names too
 * short or too generic to pair.
 */
export function pairStem(path: string): string | null {
  let base = path.slice(path.lastIndexOf('/') + 1);
  base = base.replace(/(\.d)?\.[A-Za-z0-9]+$/, '');
  base = base.replace(/[._-](test|spec|tests)$/i, '').replace(/^(test|tests)_/i, '').replace(/(?<=[a-z0-9])(Tests?|IT|Spec)$/, '');
  base = base.toLowerCase();
  return base.length >= 3 && !GENERIC_STEMS.has(base) ? base : null;
}

const GENERIC_STEMS = new Set(['index', 'mod', '__init__', 'init', 'main', 'lib', 'util', 'utils', 'helper', 'helpers', 'types', 'common', 'conftest']);

const TEST_PATH = /(^|\/)(tests?|__tests__|spec|testing)(\/|$)|[._-](test|spec)\.[A-Za-z]+$|(^|\/)test_[^/]*$|[a-z0-9](Tests?|IT)\.[A-Za-z]+$/;

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

/** Appends `v` to the list `m` holds at `k` (the graph's indexes, and anticipation's own). */
export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
