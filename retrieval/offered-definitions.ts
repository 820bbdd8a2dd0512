/**
 * Definitions the buffer does not name, offered for the line at the cursor by what it does name:
 * the members of a binding about to be used, the type of one used below and bound nowhere above, the other half of a pair, what the comment above
 * names, what the enclosing class inherits, the names an import list lacks, the neighbours and
 * the continuation of a run of definitions, the function another file's local lives in. Each rule
 * scores on the scale of definition-scores.ts, which gathers them.
 */
import { resolveImport } from '../indexer/imports.js';
import type { LanguageId } from '../indexer/languages.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { folderOf } from '../store/symbol-table.js';
import { importListAtCursor, isKeyword, type NameUse } from './buffer-names.js';
import { moduleExports, type ModuleExport, type RefsOf } from './import-graph.js';
import { importTargets } from './workspace-imports.js';
import { declaredReturnType, definesType, RECEIVER_TYPE_KINDS } from './receiver-types.js';
import { definitionsFrom } from './language-reach.js';
import { commentAboveWords, definitionsNamedIn } from './comment-intent.js';
import { counterpartNames } from './counterparts.js';
import type { ContextSources } from './context-sources.js';
import { RUN_USES_MAX, type ScoredDefinition, WORD, callableMemberOf, enclosingSymbol, reachableFrom, importBinding, lastWord, shapeOf, sharedScores, typeDefinitions, typeFiles, typeMembers, usesWeights, wordCount } from './definition-traits.js';

/** A sibling's share of the score of the definition it sits by (siblingsOf, parallelDefinitions). */
const SIBLING_FACTOR = 0.3;
/** What the first name an import list lacks weighs (listCompletions; see LISTED_FACTOR in definition-scores.ts). */
const LIST_WEIGHT = 4;

/**
 * How many lines above the cursor a binding not used yet counts as the one the line is about to use
 * (a function's parameters included: chi's `router *chi.Mux` then `router.NotFoundHandler()`; at 30
 * lines a task was lost on the third draw, at 12 none).
 */
const PENDING_LINES = 12;
/**
 * What the members of such a binding's type share, split by how many files use each (tuning draw
 * and third draw: at 1, chi's `rctx.RoutePattern()` after `rctx := chi.RouteContext(…)` came at
 * 2,331 characters, at 3 within 2,000; nothing lost at 3 or 6, noimport unchanged).
 */
const PENDING_WEIGHT = 3;

/**
 * A variable or attribute assigned this many lines above the cursor at most, and not used since, is
 * pending whatever the rest of the buffer does with it (`self.msvs_settings = MsvsSettings(…)`, then
 * `self.msvs_settings.GetArch(…)`, in a file that uses `self.msvs_settings` everywhere).
 */
const JUST_BOUND_LINES = 2;

/** A line longer than this is read as assigning nothing (minified code; the pattern below is not linear on it). */
const BINDING_LINE_CHARS = 400;

/** Whether a line assigns `name` (`name = `, `name := `, `self.name = `, `let name: T = `), not compares it. */
function bindsName(line: string, name: string): boolean {
  if (line.length > BINDING_LINE_CHARS) return false;
  const at = line.search(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}\\s*(?::\\s*[^=:]+)?(?::=|=(?![=>]))`));
  return at >= 0 && !/\b(?:if|while|return|elif|assert)\b|[(,]\s*$/.test(line.slice(0, at));
}

/**
 * A variable or parameter bound just above the cursor and used nowhere yet (`rctx :=
 * chi.RouteContext(r.Context())`, `const db = await openStore()`, `func f(router *chi.Mux)`): the line
 * being written most likely uses it, and with a type known (declared, constructed or returned:
 * receiver-types.ts, which types names only where they are bound), one of that type's members.
 * Those not written in the buffer, sharing the weight by how many files use each (the ones the
 * buffer writes are looked up by name anyway). With a receiver typed at the cursor (`only`), that
 * receiver's alone.
 */
export function pendingReceiverMembers(
  store: IndexStore,
  language: LanguageId,
  path: string,
  lines: readonly string[],
  cursor: number,
  receiverTypes: () => Map<string, Set<string>>,
  visible: (path: string) => boolean,
  only?: string,
): ScoredDefinition[] {
  // Whole-word counts over the buffer, for the few names that have a type: a keystroke's request
  // does not scan every identifier of a long file (1.8 ms on 4,700 lines) for them.
  let buffer: string | undefined;
  const out: ScoredDefinition[] = [];
  const seen = new Set<string>();
  for (let row = cursor - 1; row >= Math.max(0, cursor - PENDING_LINES); row--) {
    for (const m of (lines[row] ?? '').matchAll(WORD)) {
      const name = m[0];
      if (seen.has(name) || isKeyword(name) || (only !== undefined && name !== only)) continue;
      seen.add(name);
      const types = [...(receiverTypes().get(name) ?? [])].filter((t) => definesType(store, t));
      if (!types.length) continue;
      buffer ??= lines.join('\n');
      const onCursorLine = wordCount(lines[cursor] ?? '', name, Infinity);
      const justBound = cursor - row <= JUST_BOUND_LINES && bindsName(lines[row] ?? '', name);
      if (!justBound && wordCount(buffer, name, onCursorLine + 2) - onCursorLine !== 1) continue;
      const written = (member: string) => wordCount(buffer!, member, 1) > 0;
      const members = types.flatMap((t) => typeFiles(store, language, t, visible).flatMap((p) => typeMembers(store, p, t, { has: written }, path)));
      if (!members.length || members.length > RUN_USES_MAX) continue;
      const proximity = 1 / (1 + (cursor - row) / 2);
      out.push(...sharedScores(members, usesWeights(store, members), PENDING_WEIGHT * proximity, cursor - row));
    }
  }
  return out;
}

/** How many lines below the cursor a receiver bound nowhere above counts as bound by the line being written. */
const UNBOUND_LINES = 12;
/** Members that more types than this define alike say nothing of which type the receiver is. */
const UNBOUND_TYPES_MAX = 2;
/** What such a receiver's type weighs: as a name written where the receiver is first used. */
const UNBOUND_WEIGHT = 1;
/** `x.name` or `x->name`, x not itself reached through another receiver. */
const RECEIVER_ACCESS = /(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?:\?\.|\.|->)\s*([A-Za-z_$][\w$]*)/g;

/**
 * A receiver used just below the cursor and bound nowhere above it (`e.setPrincipal(…)` under the
 * line being written, where `ExchangeImpl e = ExchangeImpl.get(t);` was or will be): the line
 * most likely binds it, naming its type — the type that defines the members used on it (all of
 * them where they tell types apart; two types at most). Its definition, in the first block of lines
 * below (it ends where the indentation drops).
 */
export function unboundReceiverTypes(store: IndexStore, language: LanguageId, path: string, lines: readonly string[], cursor: number, visible: (path: string) => boolean): ScoredDefinition[] {
  const receivers = new Map<string, { members: Set<string>; row: number }>();
  const seen = new Set<string>();
  let above: string | undefined;
  // The cursor's block: from the cursor line's indentation when it has one, else the next line's.
  const cursorLine = lines[cursor] ?? '';
  let blockIndent = cursorLine.length ? cursorLine.length - cursorLine.trimStart().length : -1;
  for (let row = cursor + 1; row < Math.min(lines.length, cursor + 1 + UNBOUND_LINES); row++) {
    const line = lines[row];
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    if (blockIndent < 0) blockIndent = indent;
    else if (indent < blockIndent) break;
    const accesses = new Map<number, string>();
    for (const m of line.matchAll(RECEIVER_ACCESS)) accesses.set(m.index!, m[2]);
    for (const m of line.matchAll(WORD)) {
      const name = m[0];
      const member = accesses.get(m.index!);
      const known = receivers.get(name);
      if (known) {
        if (member) known.members.add(member);
        continue;
      }
      if (seen.has(name)) continue;
      seen.add(name);
      // Used first as a receiver, and written nowhere above (a parameter, a field, a local are).
      if (!member || isKeyword(name)) continue;
      above ??= lines.slice(0, cursor).join('\n');
      if (wordCount(above, name, 1) > 0) continue;
      // A type's or a module's own name (`Foo.create()`) is looked up by name.
      if (definitionsFrom(store, name, language).some((d) => RECEIVER_TYPE_KINDS.has(d.kind) || d.kind === 'module' || d.kind === 'namespace')) continue;
      receivers.set(name, { members: new Set([member]), row });
    }
  }
  const out: ScoredDefinition[] = [];
  for (const { members, row } of receivers.values()) {
    // The types defining the most of the members used on it.
    const count = new Map<string, number>();
    for (const member of members) {
      const owners = new Set(definitionsFrom(store, member, language).filter((d) => d.container && callableMemberOf(d, d.container, path)).map((d) => d.container!));
      for (const o of owners) count.set(o, (count.get(o) ?? 0) + 1);
    }
    const most = Math.max(0, ...count.values());
    const types = [...count].filter(([, n]) => n === most).map(([t]) => t);
    if (!most || types.length > UNBOUND_TYPES_MAX) continue;
    const typeDefs = types.flatMap((t) => typeDefinitions(store, language, t, visible));
    const defs = [...typeDefs, ...makersOf(store, typeDefs)];
    const proximity = 1 / (1 + (row - cursor) / 2);
    for (const def of defs) out.push({ def, score: (UNBOUND_WEIGHT * proximity) / defs.length, distance: row - cursor });
  }
  return out;
}

/**
 * The functions that make a type, beside it in its file: the top-level functions and the type's own
 * members called on the type, not on an instance, whose signatures say they return it (Go's `func
 * NewWrapResponseWriter(…) WrapResponseWriter`, Rust's `fn new() -> Self`, a static factory; not a
 * builder's `fn timeout(self, …) -> Self`): the line binding a receiver of that type as often calls
 * one of them as it names the type.
 */
function makersOf(store: IndexStore, types: readonly SymbolRow[]): SymbolRow[] {
  const out: SymbolRow[] = [];
  for (const type of types) {
    for (const def of store.symbols.inFile(type.path)) {
      if ((def.kind !== 'function' && def.kind !== 'method') || (def.container && (def.container !== type.name || !calledOnType(def)))) continue;
      const returned = declaredReturnType(def.signature, def.name, def.path);
      if (returned === type.name || (returned === 'Self' && def.container === type.name)) out.push(def);
    }
  }
  return out;
}

/** A member called on its type rather than an instance: declared `static`, or a Rust function taking no `self`. (Go's methods all have a receiver.) */
function calledOnType(member: SymbolRow): boolean {
  if (/(^|\s)static\s/.test(member.signature)) return true;
  return /\.rs$/.test(member.path) && !/\(\s*(?:&\s*(?:'\w+\s+)?)?(?:mut\s+)?self\b/.test(member.signature);
}

/** How much the other half of a pair weighs (`endFooter` after `startFooter`); 1 did alike on the tuning sets. */
const COUNTERPART_WEIGHT = 2;

/**
 * The other half of a call written in the lines around the cursor and not written there itself
 * (counterparts.ts: `Footer.startFooter(b)` → `Footer.endFooter`, `mu.Lock()` → `Unlock`): in the file
 * and the class of the definition the written half means.
 */
export function counterpartDefinitions(store: IndexStore, names: readonly NameUse[], scored: readonly ScoredDefinition[], written: ReadonlySet<string>): ScoredDefinition[] {
  const halvesOf = new Map<NameUse, string[]>();
  for (const use of names) {
    if (use.distance > PENDING_LINES) continue;
    const others = counterpartNames(use.name).filter((n) => !written.has(n));
    if (others.length) halvesOf.set(use, others);
  }
  if (!halvesOf.size) return [];
  // The definition each written half means: its best scored one (one pass, however many halves).
  const meant = new Map<string, ScoredDefinition>();
  const wanted = new Set([...halvesOf.keys()].map((u) => u.name));
  for (const s of scored) {
    if (!wanted.has(s.def.name)) continue;
    const best = meant.get(s.def.name);
    if (!best || s.score > best.score) meant.set(s.def.name, s);
  }
  const out: ScoredDefinition[] = [];
  for (const [use, others] of halvesOf) {
    const def = meant.get(use.name)?.def;
    if (!def) continue;
    const halves = store.symbols.inFile(def.path).filter((d) => others.includes(d.name) && (d.container ?? null) === (def.container ?? null));
    for (const half of halves) out.push({ def: half, score: (COUNTERPART_WEIGHT / (1 + use.distance / 2)) / halves.length, distance: use.distance, offered: true });
  }
  return out;
}

/**
 * How much the definitions named by the comment right above the cursor weigh together. (Tuning draw,
 * unseen A, third draw: 2 and 4 alike; see docs/benchmarks-history.md.)
 */
const COMMENT_WEIGHT = 2;

/** The most files of the buffer's language scope (Go's or Java's package) a comment's names are looked for in: a keystroke reads each. */
const COMMENT_SCOPE_MAX = 100;

/**
 * The definitions within reach whose names are made of the words of the comment right above the
 * cursor (comment-intent.ts): those of the files the buffer imports and of the files they import
 * (`modelsStore.props.modelSupportsVision` is a field's type's, a file further), of the files its
 * language lets it use unimported (`scope`: Go's and Java's package, C#'s namespace, pytest's
 * conftest.py; not past COMMENT_SCOPE_MAX of them), and the members of the types its receivers have
 * and its class extends; sharing COMMENT_WEIGHT, a name of more words more.
 */
export function commentNamedDefinitions(
  src: ContextSources,
  language: LanguageId,
  path: string,
  lines: readonly string[],
  cursor: number,
  imported: ReadonlySet<string>,
  scope: ReadonlySet<string>,
  types: () => readonly string[],
  visible: (path: string) => boolean,
): ScoredDefinition[] {
  const words = commentAboveWords(lines, cursor);
  if (!words) return [];
  const { store } = src;
  const reach = new Set(imported);
  for (const f of imported) for (const g of importTargets(src, f)) reach.add(g);
  if (scope.size <= COMMENT_SCOPE_MAX) for (const f of scope) reach.add(f);
  const found = new Map<string, { def: SymbolRow; n: number }>();
  const take = (file: string, keep: (d: SymbolRow) => boolean) => {
    for (const f of definitionsNamedIn(store, file, words)) if (keep(f.def)) found.set(`${file}:${f.def.start_line}`, f);
  };
  for (const p of reach) take(p, (d) => reachableFrom(d, path));
  for (const type of new Set(types())) for (const p of typeFiles(store, language, type, visible)) take(p, (m) => callableMemberOf(m, type, path));
  const total = [...found.values()].reduce((a, f) => a + f.n, 0);
  return [...found.values()].map(({ def, n }) => ({ def, score: (COMMENT_WEIGHT * n) / total, distance: 1, offered: true }));
}

/**
 * What the members a class inherits from another file, and no line near the cursor names, weigh
 * together (about what a name imported by name weighs 20 lines away; 1, 2 and 4 did alike on the
 * tuning draw and a draw on code bases never tuned on).
 */
const INHERITED_WEIGHT = 2;
/** A class's members written `protected` are there for its subclasses to call: they weigh this much more. */
const PROTECTED_FACTOR = 2;
const CLASS_KINDS = new Set(['class', 'struct', 'record']);
/**
 * How many classes up the chain inherited methods are looked for (email's `MIMEMultipart` calls
 * `set_boundary` of `Message`, two up; tuning draws: Python's standard library kept +1, the rest unchanged).
 */
const ANCESTOR_DEPTH = 3;

/**
 * The methods the class around the cursor inherits from classes of other files (`class
 * SignInCodeRequiredState extends SignInState`, and what SignInState extends, up to ANCESTOR_DEPTH)
 * that the buffer does not name yet: what `this.` and `super.` reach besides the class's own
 * members, which the buffer shows.
 */
export function inheritedMembers(src: ContextSources, path: string, language: LanguageId, cursor: number, ancestors: ReadonlySet<string>, written: ReadonlySet<string>): ScoredDefinition[] {
  const own = src.store.symbols.inFile(path);
  // (Not on the class's own first line: a header being written needs its supertype, not what it inherits.)
  const enclosing = own.filter((s) => CLASS_KINDS.has(s.kind) && s.start_line < cursor + 1 && cursor + 1 <= s.end_line);
  if (!enclosing.length) return [];
  // What the class overrides is its own: `this.x()` runs that one, shown as the buffer's.
  const ownClasses = new Set(own.filter((s) => CLASS_KINDS.has(s.kind)).map((s) => s.name));
  const members: SymbolRow[] = [];
  // Up the chain (`MIMEMultipart(MIMEBase)`, `MIMEBase(message.Message)`): a nearer class's member
  // hides a farther one's of that name.
  const hidden = new Set(own.map((s) => s.name));
  const visited = new Set<string>();
  // (The words of the signatures: `class`, `extends` and the like are no supertypes.)
  let level = [...ancestors];
  for (let depth = 0; depth < ANCESTOR_DEPTH && level.length; depth++) {
    const next: string[] = [];
    const found: SymbolRow[] = [];
    for (const name of level) {
      if (visited.has(name) || isKeyword(name)) continue;
      visited.add(name);
      // A class of the buffer's own file is that one, whatever other files name so.
      const local = ownClasses.has(name);
      for (const base of definitionsFrom(src.store, name, language)) {
        if (!CLASS_KINDS.has(base.kind) || (local && base.path !== path)) continue;
        // A base in the buffer's own file: its methods are in the buffer; what it extends may not be.
        if (base.path !== path) {
          for (const m of src.store.symbols.inFile(base.path)) {
            if (m.container === name && (m.kind === 'method' || m.kind === 'function') && !written.has(m.name) && !hidden.has(m.name) && reachableFrom(m, path)) found.push(m);
          }
        }
        for (const w of base.signature.matchAll(WORD)) if (w[0] !== name) next.push(w[0]);
      }
    }
    for (const m of found) hidden.add(m.name);
    members.push(...found);
    level = next;
  }
  if (!members.length) return [];
  const weight = members.map((m) => (/^\s*(?:(?:public|static|readonly|abstract|override|async)\s+)*protected\b/.test(m.signature) ? PROTECTED_FACTOR : 1));
  return sharedScores(members, weight, INHERITED_WEIGHT, cursor - (enclosing[enclosing.length - 1].start_line - 1));
}

/**
 * The function another file's local binding or nested function lives in: `const { stepIn, patience } =
 * waitForCb(…)` names two locals of helper.js's `waitForCb`, and the line needs `waitForCb`.
 */
export function enclosingDefinitions(store: IndexStore, scored: readonly ScoredDefinition[]): ScoredDefinition[] {
  const out: ScoredDefinition[] = [];
  for (const s of scored) {
    const { def } = s;
    if (!def.container || (def.kind !== 'local' && def.kind !== 'function')) continue;
    // (A function's, not a method's: a method's locals are its own business, reached through its class.)
    const outer = enclosingSymbol(store, def, (d) => d.name === def.container && d.kind === 'function');
    if (outer) out.push({ def: outer, score: s.score * ENCLOSING_SHARE, distance: s.distance });
  }
  return out;
}

/** The share of a local's score its enclosing function gets: at 1 it pushed out names written nearer (tuning draw). */
const ENCLOSING_SHARE = 0.5;

/**
 * The definitions next to the best ones: code that uses `Float32` and
 * `Float16` is often about to use `Float64`, defined beside them; a builder's
 * `addId` call is followed by its `addIsDelta`. Same file, same container,
 * adjacent in the file, at a fraction of the score of the definition they sit by.
 */
export function siblingsOf(store: IndexStore, best: ScoredDefinition[], path: string): ScoredDefinition[] {
  const out: ScoredDefinition[] = [];
  for (const { def, score } of best) {
    // A constructor's neighbours are its class's fields and methods, no run it belongs to.
    if (def.kind === 'constructor') continue;
    // (Not another file's or package's private members: no code here can reach them.)
    const peers = store.symbols.inFile(def.path).filter((s) => s.container === def.container && s.kind !== 'local' && s.path !== path && !importBinding(s) && reachableFrom(s, path));
    const i = peers.findIndex((s) => s.start_line === def.start_line && s.name === def.name);
    for (const j of [i - 1, i + 1]) {
      if (i >= 0 && j >= 0 && j < peers.length) out.push({ def: peers[j], score: score * SIBLING_FACTOR, distance: Infinity });
    }
  }
  return out;
}

/**
 * A run of lines that each name a definition from another file of one folder — a registry of
 * commands, routes or handlers (`context: contextCommand`, `explain: explainCommand`) — goes on
 * with another file of that folder: its top-level definition of the same kind whose name ends
 * the same way or whose signature has the same shape (a chain of `r.Use(middleware.Logger)`), not
 * written yet, at a sibling's share of the score, divided among them by how many files use each.
 * Exported, or in the buffer's own scope (`inScope`: Java's package-private `class ClassLinker`
 * beside `new StaticClassLinker()` in its package). (A module's members offered because its name is written beside the cursor are no run: they were
 * not written.) Exported for its test.
 */
export function parallelDefinitions(store: IndexStore, beside: ScoredDefinition[], written: Set<string>, path: string, inScope: (path: string) => boolean = () => false): ScoredDefinition[] {
  const byDir = new Map<string, ScoredDefinition[]>();
  for (const s of beside) {
    if (s.def.container || s.def.kind === 'local' || s.def.path === path) continue;
    const dir = folderOf(s.def.path);
    byDir.set(dir, [...(byDir.get(dir) ?? []), s]);
  }
  const out: ScoredDefinition[] = [];
  for (const [dir, run] of byDir) {
    const runFiles = new Set(run.map((s) => s.def.path));
    if (runFiles.size < 2) continue;
    const kinds = new Set(run.map((s) => s.def.kind));
    const endings = new Set(run.map((s) => lastWord(s.def.name)));
    const shapes = new Set(run.map((s) => shapeOf(s.def)));
    const found: SymbolRow[] = [];
    for (const file of store.symbols.filesIn(dir)) {
      if (runFiles.has(file) || file === path) continue;
      for (const def of store.symbols.inFile(file)) {
        if (!def.container && (def.exported || inScope(file)) && kinds.has(def.kind) && (endings.has(lastWord(def.name)) || shapes.has(shapeOf(def))) && !written.has(def.name)) found.push(def);
      }
    }
    // The run's best score, shared by the definitions it may go on with, by how many files use each
    // (plus one): the registry line most code bases write (`middleware.Recoverer`) before the rare.
    const best = Math.max(...run.map((s) => s.score)) * SIBLING_FACTOR;
    // (Past RUN_USES_MAX candidates each share is too small to show; counting would only cost time.)
    out.push(...sharedScores(found, found.length > RUN_USES_MAX ? found.map(() => 1) : usesWeights(store, found), best, Infinity, false));
  }
  return out;
}

interface ImportListTargets {
  /** The files the list imports from (or re-exports from). */
  files: Set<string>;
  /** The names it lists already. */
  names: Set<string>;
  /** The names listed on the lines right above and below the cursor. */
  beside: Set<string>;
}

/** The files an import list around the cursor imports from, and the names it already lists. */
export function importListTargets(src: ContextSources, path: string, lines: string[], cursor: number, language: LanguageId): ImportListTargets | null {
  const python = language === 'python';
  if (!python && !/^(typescript|tsx|javascript)$/.test(language)) return null;
  const list = importListAtCursor(lines, cursor, python);
  if (!list) return null;
  const files = new Set(resolveImport({ specifier: list.specifier, names: [], line: list.startLine + 1, kind: python ? 'from' : 'import' }, path, language, src.importContext()));
  return files.size ? { files, names: list.names, beside: list.beside } : null;
}

/**
 * Inside `import {⋯} from 'm'` or `export {⋯} from 'm'`, the line being written names more of what m
 * exports. The candidates are m's exports the list does not name yet, nearest first to where m
 * exports the names listed beside the cursor (lists tend to follow the module's order), the first
 * at LIST_WEIGHT, the next ones less and less.
 */
export function listCompletions(src: ContextSources, refsOf: RefsOf, list: ImportListTargets): ScoredDefinition[] {
  const exports = [...list.files].flatMap((f) => moduleExports(src, refsOf, f));
  const anchors = exports.filter((e) => list.beside.has(e.name));
  // Mean line distance to the anchors: between two listed names comes before beyond them.
  const gap = (e: ModuleExport) => {
    const d = anchors.filter((a) => a.file === e.file).map((a) => Math.abs(a.line - e.line));
    return d.length ? d.reduce((x, y) => x + y, 0) / d.length : Infinity;
  };
  const open = exports.filter((e) => !list.names.has(e.name) && e.defs.length).map((e) => ({ e, gap: gap(e) }));
  open.sort((a, b) => a.gap - b.gap || a.e.line - b.e.line);
  return open.flatMap(({ e }, rank) => e.defs.map((def) => ({ def, score: LIST_WEIGHT / (1 + rank / 2), distance: 0 })));
}
