import { CvuError, throwIfAborted } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import { resolveImport, type ImportRef } from '../indexer/imports.js';
import { languageForPath, type LanguageId } from '../indexer/languages.js';
import type { Embedder } from '../models/embedder.js';
import type { ChunkHit } from '../store/chunk-terms.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { folderOf } from '../store/symbol-table.js';
import { importListAtCursor, isKeyword, NAME_LINES_ABOVE, nameWindow, namesNearCursor, type NameUse } from './buffer-names.js';
import type { ContextRequest, ContextResult, ContextTimings } from './context.js';
import { fuseRanked, type RankedList } from './fusion.js';
import { bufferImports, importedFiles, importRefsCache, memberOrigins, moduleExports, type ImportSources, type ModuleExport, type RefsOf } from './import-graph.js';
import { anticipate, importTargets, moduleMemberUses } from './anticipation.js';
import { queryVector } from './query-vector.js';
import { definesType, implementsOneOf, RECEIVER_TYPE_KINDS, receiverTypesNear } from './receiver-types.js';
import { definitionsFrom, similarCodeFilter } from './language-reach.js';
import { commentAboveWords, definitionsNamedIn } from './comment-intent.js';
import { counterpartNames } from './counterparts.js';
import type { RecentEdits } from './recent-edits.js';
import type { Snippet } from '../protocol/snippet.js';

/** What cursor retrieval reads; the Workspace provides it. */
export interface ContextSources extends ImportSources {
  /** A loaded embedder, or null (none configured, or still loading: never wait for it here). */
  embedder: Embedder | null;
  recent: RecentEdits;
  tokens: TokenCounter;
  /** Where a failing embedding model is reported. */
  log?: Logger;
}

/** Default budget when the request names none: about what a small model's prompt can spare. */
const DEFAULT_BUDGET = 1024;
/**
 * A definition snippet is the definition when it is short, else its
 * signature: what a completion needs to call or use a name, at a cost that
 * lets a budget carry many of them.
 */
const DEF_WHOLE_LINES = 3;
const DEF_SIGNATURE_LINES = 2;
const DEF_CHARS = 700;
/** A similar-code snippet (a whole chunk can be 80 lines). */
const CHUNK_LINES = 12;
/** A name with more definitions than this is too ambiguous to look up, unless the file imports it. */
const MAX_DEFS = 8;
const MEMBER_KINDS = new Set(['method', 'field', 'property', 'constructor', 'event']);
const BARE_MEMBER_FACTOR = 0.5;
/** How much an anticipated member of a class the buffer does not name weighs (a quarter and none did worse on the tuning draw). */
const UNNAMED_CLASS_MEMBER_FACTOR = 0.5;
/** How much a name's definitions shaped like its best one weigh after it (at 0.25 and 0.5, fewer other names got in at 2,000 characters). */
const PARALLEL_FACTOR = 0.1;
const DECLARATION_FILE = /\.d\.[mc]?ts$/;
/** Definitions that only a typed language's code can use, and how much less they weigh for JavaScript. */
const TYPE_ONLY_KINDS = new Set(['type', 'interface', 'namespace', 'module']);
const UNTYPED_TYPE_FACTOR = 0.25;
const SOURCE_EXTENSION = /(\.d)?\.[mc]?[jt]sx?$/;
/** Siblings are taken around this many best definitions, at this share of their score. */
const SIBLING_SOURCES = 12;
const SIBLING_FACTOR = 0.3;
/**
 * The lines whose names make a run (parallelDefinitions): up to three lines from the cursor. With the
 * next line only (distance 1.5), `r.Use(middleware.RequestID)`, `…Logger)`, `…Recoverer)` above a
 * blank line counted one of them (tuning draw, at three: kept 1 more task at 4,000 characters, one
 * gained and one lost at 2,000; noimport 3 more at 2,000, 2 at 4,000).
 */
const RUN_DISTANCE = 3;
/** A module binding at most this many lines from the cursor offers its members. */
const MODULE_MEMBERS_DISTANCE = 3;
/** A name only ever bound inside functions, in more places than this, is no definition to show. */
const LOCAL_ONLY_MAX = 1;
/** What a member weighs when every receiver it is called on has a type from outside the code base. */
const EXTERNAL_RECEIVER_FACTOR = 0.25;
/**
 * A member written on a receiver far above, when the receiver is written again nearer the cursor:
 * it weighs as if written where the receiver is, at this share, divided by the square root of how
 * many members the buffer uses on that receiver (a busy one says less about which comes next).
 */
const RECEIVER_SHARE = 0.5;
/** A name the current file defines itself: its definitions elsewhere are less likely the ones meant. */
const OWN_NAME_FACTOR = 0.6;
/** A name written on the cursor's line (`formatLine(` being typed) weighs as much as one imported by name from its file. */
const CURSOR_LINE_FACTOR = 8;
/**
 * Less again when the buffer only writes it as a receiver (`const app = build()`, then `app.inject(…)`):
 * what the line needs is that receiver's members, not another file's `app` (tuning draw: 2 more kept
 * tasks at 4,000 characters, 3 more noimport at 2,000, 1 fewer kept at 2,000).
 */
const RECEIVER_OWN_FACTOR = 0.2;
/**
 * Inside an import list: the names it lists weigh this much less (they are done), and the first of
 * the module's names it does not list yet weighs this much, more than a listed name beside the cursor
 * and less than a name the file uses but has not imported yet.
 */
const LISTED_FACTOR = 0.5;
const LIST_WEIGHT = 4;
/** How far from the cursor a name imported beyond the lines read for names counts as written (past all of them). */
const FAR_IMPORT_DISTANCE = NAME_LINES_ABOVE + 1;
/**
 * What the members of a module bound and not used yet weigh together, shared by how many files reach
 * each (a name imported by name and unused weighs up to 24). 3 and 8 did alike on the tuning draw and
 * a draw on four code bases never tuned on; 24 lost kept tasks.
 */
const UNUSED_MODULE_WEIGHT = 8;
/** How many lines an import statement may span (a long `import {…}` list) for a name written in it to count as written there. */
const IMPORT_SPAN = 30;
/** Lines around the cursor that make the full-text and vector queries. */
const WINDOW_ABOVE = 12;
const WINDOW_BELOW = 3;
/**
 * What the vector query embeds: the window's lines nearest the cursor, up to this many characters
 * (about 110 of the default model's tokens in code: the cursor's line and a few around it). The
 * whole window runs past the model's 256 input tokens at half of all positions, and the model keeps
 * the start: the lines at the cursor were the ones cut. The query's embedding is on the request's
 * path: 400 characters took 18–22 ms on an idle two-core machine, past the vector search's deadline
 * (VECTOR_DEADLINE_MS) once searched, so the vector source never answered; 240 take about 13.
 */
const VECTOR_QUERY_CHARS = 240;

/**
 * Sources are fused by weighted reciprocal rank. Definitions of the names
 * written around the cursor are the strongest signal (the next line calls
 * them); similar code and recent edits fill in. The small k lets the top
 * hits of the weaker sources in early instead of after every definition.
 */
const WEIGHTS = { symbol: 1.0, recent: 0.3, fts: 0.1, vector: 0.15 } as const;
const FUSION_K = 8;
/**
 * How long the vector query may wait for the embedding model's query thread while it embeds other
 * queries or is still loading (background embedding has a thread of its own). Longer, and the
 * context goes without.
 */
const EMBED_WAIT_MS = 30;
/**
 * The vector search is waited for this long from the request's start at most, or until the
 * definitions and the full-text search are ready if they take longer: on a loaded machine (another
 * workspace indexing, the model embedding in the background) the query's embedding takes 40–60 ms
 * at p50 and over 100 at p95, and a keystroke's context should not wait for its weakest source. A
 * vector search that misses it is left out of this answer (the timings say so). The full-text
 * search is always waited for: the anticipated definitions are found from it, and the same buffer
 * should get the same definitions whatever the machine is doing.
 */
const VECTOR_DEADLINE_MS = 25;
/**
 * Past this share of the budget, definitions are shown by their first line only: the nearest few
 * keep their body or two-line signature, the rest name themselves. At half, a 2,000-character budget
 * went on a few signatures and left out definitions the next line needed (tuning draw: 4 more kept
 * and 3 more noimport tasks found at 2,000 characters at a quarter, none lost, 4,000 unchanged).
 */
const TAIL_FROM = 0.25;
/**
 * Anticipated definitions (retrieval/anticipation.ts): how many join the definitions, and at what
 * scale of their score (each signal gives at most 1; a unique name written a line above scores
 * about 0.7, one imported by name there about 6). Shown by their first line, they cost little.
 */
const ANTICIPATION_MAX = 24;
const ANTICIPATION_SCALE = 0.5;
/**
 * What the buffer names for sure — a name written this many lines from the cursor, or imported by
 * name — outranks every anticipation: the strongest few of those names (the rest may be far away).
 */
const SURE_DISTANCE = 3;
const SURE_NAMES = 4;
const WORD = /[A-Za-z_$][\w$]*/g;
/** A JS/TS binding whose value loads a module (`const x = require('y')`, `… = await import('y')`). */
const MODULE_LOAD = /^(?:export\s+)?(?:const|let|var)\s+[\w$]+\s*=\s*(?:await\s+)?(?:require|import)\s*\(/;

export interface ScoredDefinition {
  def: SymbolRow;
  score: number;
  /** How far from the cursor the name was written (Infinity: not written, a sibling). */
  distance: number;
  /** Not named by the buffer: anticipated (retrieval/anticipation.ts). */
  anticipated?: boolean;
  /** The best definition of a name written beside the cursor or imported by name: anticipation ranks below it. */
  sure?: boolean;
  /** Offered as a member of a module named beside the cursor, not written. */
  offered?: boolean;
}

interface Candidate {
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  symbol: string | null;
  /** Shown by its first line only, wherever it ranks (an anticipated definition: its name and signature say enough). */
  compact?: boolean;
  /** A definition's snippet: which of its lines names it (past decorators or annotations); its one-line form ends there. */
  nameLine?: number;
  /** A definition not read yet: its snippet is read when the budget reaches it (most never are). */
  def?: SymbolRow;
  /** A similar chunk not read yet: its first lines are read when the budget reaches it. */
  unread?: boolean;
}

/**
 * The context a completion at a position needs from the rest of the
 * workspace: definitions of the names used near the cursor (imported ones and
 * those of the enclosing class's ancestors first), similar code found by
 * full-text and vector search over the cursor's window, and recently edited
 * regions — fused, without overlaps or the current file, cut to the budget.
 */
export async function buildContext(src: ContextSources, req: ContextRequest): Promise<ContextResult> {
  const budget = req.budgetTokens ?? DEFAULT_BUDGET;
  const text = req.text ?? src.readLines(req.path)?.join('\n') ?? '';
  const lines = text.split('\n');
  const cursor = Math.min(Math.max(0, req.position.line), Math.max(0, lines.length - 1));
  // A file not indexed yet (new, unsaved) has its extension's language.
  const language = (src.store.files.get(req.path)?.language ?? languageForPath(req.path)) as LanguageId;

  const started = performance.now();
  const timings = req.timings ?? {};
  const timed = async <T>(part: Exclude<keyof ContextTimings, 'late'>, run: () => T | Promise<T>) => {
    const t = performance.now();
    const v = await run();
    // A search left out at the deadline keeps the time it was given.
    if (!timings.late?.includes(part)) timings[part] = performance.now() - t;
    return v;
  };
  const windowText = lines.slice(Math.max(0, cursor - WINDOW_ABOVE), cursor + WINDOW_BELOW + 1).join('\n');
  // The vector search runs off this thread (the embedding model's, then the store's) while this
  // thread does the rest; the full-text search is in memory, here.
  // Cut at the deadline: a query still waiting for the model's thread then never runs, and the next
  // request does not queue behind an answer already given.
  const vectorCut = new AbortController();
  const vectorSignal = req.signal ? AbortSignal.any([req.signal, vectorCut.signal]) : vectorCut.signal;
  const breaker = vectorBreaker(src.store);
  const turn = breaker.next();
  const vectorSearch = turn !== 'skip'
    ? timed('vector', () => similarByVector(src, nearCursor(lines, cursor, VECTOR_QUERY_CHARS, req.position.character), req.path, vectorSignal, timings))
    : null;
  // Its failure is taken where it is awaited (the handler keeps it from going unhandled meanwhile).
  vectorSearch?.catch(() => {});
  const ftsRows = await timed('fts', () => similarByText(src, windowText, req.path, language));
  const deadline = sleep(Math.max(0, started + VECTOR_DEADLINE_MS - performance.now()));
  const ownImports = await timed('imports', () => bufferImports(src, req.path, lines, language));
  throwIfAborted(req.signal, 'context');
  const scored = await timed('definitions', () => definitionsNearCursor(src, req.path, lines, cursor, language, ownImports));
  // What the line may need that the buffer does not name yet: found from the import graph and the
  // code the full-text search found, it joins the definitions at a fraction of their scale.
  const recent = recentEdits(src, req.path);
  const anticipated = await timed('anticipation', () => anticipatedDefinitions(src, req.path, text, language, ownImports, ftsRows, recent));
  const late: string[] = (timings.late = []);
  let vectors: Candidate[] = [];
  let missed = false;
  const cutVector = () => {
    missed = true;
    vectorCut.abort(new CvuError('CVU_ERR_ABORTED', 'the vector search missed its deadline', { status: 499 }));
  };
  if (!vectorSearch || turn === 'probe') {
    late.push('vector');
    timings.vector = 0;
    // A probe is not waited for: it only says whether the searches make their deadline again.
    if (vectorSearch) byDeadline(vectorSearch, deadline, cutVector, []).then(() => breaker.record(missed), () => breaker.record(true));
  } else {
    vectors = await byDeadline(vectorSearch, deadline, () => {
      late.push('vector');
      timings.vector = performance.now() - started;
      cutVector();
    }, []);
    breaker.record(missed);
  }
  const definitions = definitionCandidates(src, withAnticipated(scored, anticipated));
  const fts = ftsRows.map(chunkCandidate);

  const lists: RankedList<Candidate>[] = [
    { source: 'symbol', weight: WEIGHTS.symbol, items: definitions },
    { source: 'recent', weight: WEIGHTS.recent, items: recent },
    { source: 'fts', weight: WEIGHTS.fts, items: fts },
    { source: 'vector', weight: WEIGHTS.vector, items: vectors },
  ];
  const fused = fuseRanked(lists, (c) => `${c.path}:${c.startLine}`, FUSION_K);

  const snippets: Snippet[] = [];
  let tokens = 0;
  for (const { item: ranked, score, source } of fused) {
    const item = ranked.def ? readDefinition(src, ranked) : ranked.unread ? readChunk(src, ranked) : ranked;
    if (!item || overlapsChosen(snippets, item)) continue;
    let body = item.text;
    const startLine = item.startLine;
    let endLine = item.endLine;
    if (source === 'symbol' && (item.compact || tokens > budget * TAIL_FROM) && endLine > item.startLine) {
      // The long tail of definitions: the line that names them (and the decorators or annotations above it) starts the signature.
      const at = item.nameLine ?? 0;
      body = body.split('\n', at + 1).join('\n');
      endLine = startLine + at;
    }
    // A member says little without its class (`public static String getProperty(…)` of which type?):
    // the line that names the class, impl or trait comes first, once. (Not in the long tail, where
    // definitions come compact: headers there took the budget of the next definitions.)
    if (source === 'symbol' && ranked.def?.container && tokens < budget * TAIL_FROM) {
      const header = containerHeader(src, ranked.def);
      if (header && header.endLine < startLine && !overlapsChosen(snippets, header)) {
        const headerCost = src.tokens.count(header.text);
        if (tokens + headerCost < budget) {
          snippets.push({ path: header.path, startLine: header.startLine, endLine: header.endLine, text: header.text, score: Number(score.toFixed(6)), source, symbol: header.symbol });
          tokens += headerCost;
        }
      }
    }
    let cost = src.tokens.count(body);
    if (tokens + cost > budget) {
      // Keep the head of a snippet that does not fit whole (its signature), if that says enough.
      const cut = fitLines(body, budget - tokens, src.tokens);
      if (cut.lines < (source === 'symbol' ? 1 : 3)) continue;
      body = cut.text;
      endLine = startLine + cut.lines - 1;
      cost = src.tokens.count(body);
    }
    snippets.push({ path: item.path, startLine, endLine, text: body, score: Number(score.toFixed(6)), source, symbol: item.symbol });
    tokens += cost;
    if (budget - tokens < 4) break;
  }
  timings.total = performance.now() - started;
  return { snippets, tokens };
}

/** Definitions (in other files) of the names used around the cursor, best first. */
function definitionsNearCursor(src: ContextSources, path: string, lines: string[], cursor: number, language: LanguageId, ownImports: ImportRef[] | null): ScoredDefinition[] {
  const { store } = src;
  const names = namesNearCursor(lines, cursor, { hashComments: language === 'python' || language === 'ruby' || language === 'bash' });
  const refsOf = importRefsCache(src, ownImports ? { path, refs: ownImports } : undefined);
  const imports = importedFiles(src, refsOf, path, language);
  const own = store.symbols.inFile(path);
  const ancestors = enclosingAncestors(own, cursor + 1);
  const importList = importListTargets(src, path, lines, cursor, language);
  // The file's symbols are those of its last indexed version; the buffer wins: a definition whose line
  // no longer names it (being rewritten at the cursor, or deleted) is not the file's any more.
  // (Its line, past any decorators: `@Override` above a method, `#[test]` above a function.)
  const ownNames = new Set(own.filter((s) => bufferNames(lines, s) && !importBinding(s)).map((s) => s.name));
  const ownStem = stem(path);
  const ownMembers = new Set(own.filter((s) => MEMBER_KINDS.has(s.kind) && s.kind !== 'constructor' && ownNames.has(s.name)).map((s) => s.name));
  const supertypes: ScoredDefinition[] = [];
  const untyped = language === 'javascript';

  // Names written only in an import: linters flag those, so such a name is most likely what comes next,
  // wherever the import sits; with several, each is one of them.
  // (Not while the cursor is in the import itself: the names it lists are done; the next one is wanted.)
  // A long file's imports can lie beyond the lines whose names count: what it imports by name is still
  // what it works with, after every name written nearer; one written nowhere else in the whole buffer
  // is unused like one whose import is near (`isValidIBAN` imported 800 lines above the cursor).
  // (Rust's module paths written in code, `crate::error::wasm`, are uses, not imports: kind 'path'.)
  const importRows = new Map<string, number[]>();
  for (const ref of refsOf(path)) {
    if (ref.kind === 'path') continue;
    for (const n of ref.binding ? [...ref.names, ref.binding] : ref.names) importRows.set(n, [...(importRows.get(n) ?? []), ref.line - 1]);
  }
  const inImportAt = (name: string, row: number) => (importRows.get(name) ?? []).some((start) => row >= start && row <= start + IMPORT_SPAN);
  const near = new Set(names.map((n) => n.name));
  const farUnused = new Set<string>();
  let wholeBuffer: Map<string, { count: number; row: number }> | undefined;
  for (const name of imports.byName.keys()) {
    if (near.has(name)) continue;
    names.push({ name, distance: FAR_IMPORT_DISTANCE, count: 1, qualifiers: [], qualified: 0 });
    const written = (wholeBuffer ??= identifierRows(lines)).get(name);
    if (written?.count === 1 && inImportAt(name, written.row)) farUnused.add(name);
  }
  const isUnusedImport = (u: NameUse) =>
    u.count === 1 && (u.distance < FAR_IMPORT_DISTANCE || farUnused.has(u.name)) && imports.byName.has(u.name) && !importList?.names.has(u.name);
  const unusedImports = names.filter(isUnusedImport).length;
  // Stricter, for what offers a whole module's or object's members: the one place the name is written
  // is its import (a long file's import beyond the lines read leaves one use in code counted once).
  const onlyInImport = (u: NameUse) => {
    if (farUnused.has(u.name)) return isUnusedImport(u);
    return isUnusedImport(u) && Number.isInteger(u.distance) && inImportAt(u.name, cursor - u.distance);
  };

  // Where each name is written nearest, and how many members the buffer uses on each receiver.
  const distanceOf = new Map(names.map((n) => [n.name, n.distance]));
  const membersOf = new Map<string, number>();
  for (const u of names) for (const q of u.qualifiers) membersOf.set(q, (membersOf.get(q) ?? 0) + 1);
  // Read once, when a name first needs them, where the names were read (not a whole long file): the
  // language's receiver rule (indexer/scope.ts), widened to supertypes; else buffer-names' declaredTypes.
  let types: Map<string, Set<string>> | undefined;
  const receiverTypes = () => {
    if (types) return types;
    const window = nameWindow(cursor, lines.length);
    types = receiverTypesNear(store, language, lines, { ...window, at: cursor });
    // A class's fields and constructor parameters are declared at its top, which a long class puts
    // above the lines read for names: the receivers typed nowhere nearer take their types from there.
    if (window.from > 0) for (const [name, ts] of receiverTypesNear(store, language, lines, { from: 0, to: window.from, at: cursor })) if (!types.has(name)) types.set(name, ts);
    return types;
  };
  // A variable named after a type (`visitor.visit(this)`, `nodeRenderer`, `header_table`) whose type the
  // buffer never writes (the line being written is what declares it): most likely that type.
  // (Written bare only: `res.version()` names a method, not a variable; and not typed in the buffer.)
  const namedAfter = new Set<string>();
  const inferType = (type: string, distance: number, count: number) => {
    if (near.has(type) || namedAfter.has(type) || ownNames.has(type)) return;
    if (!definitionsFrom(store, type, language).some((d) => d.path !== path && isNamedType(d))) return;
    namedAfter.add(type);
    names.push({ name: type, distance, count, qualifiers: [], qualified: 0 });
  };
  for (const use of [...names]) {
    const type = use.qualified === 0 ? typeNamedLike(use.name) : null;
    if (type && !receiverTypes().get(use.name)?.size) inferType(type, use.distance, use.count);
  }
  // The types the file's own name is made of (`HtmlBlockParser.java` works with an `HtmlBlock` and is a
  // `BlockParser`; `html_block_parser.py` alike), not written in the buffer: as if written a little way off.
  for (const type of typesInFileName(path)) inferType(type, FILE_NAME_DISTANCE, 1);

  let constructed: Set<string> | undefined;
  const supersMemo = new Map<string, string[]>();
  const scored: ScoredDefinition[] = [];
  for (const use of names) {
    let defs = definitionsFrom(store, use.name, language).filter((d) => d.path !== path && !importBinding(d) && (!namedAfter.has(use.name) || isNamedType(d)));
    if (!defs.length) continue;
    // A function, class or member named X says more than a flood of local bindings named X
    // (every test's `const app = build()`); a few locals stay candidates.
    const declared = defs.filter((d) => d.kind !== 'local');
    if (declared.length && defs.length - declared.length > 2) defs = declared;
    // Bound in several functions and declared nowhere (`payload`, `url`, `ok`): a generic local
    // name, not a concept of the code base; one binding of a rare name still is.
    else if (!declared.length && defs.length > LOCAL_ONLY_MAX) continue;
    const importedFrom = imports.byName.get(use.name);
    // `x.name` where x names an imported module (or class): the definition in that file is the one meant.
    // (A module's re-exports count: `pkg.Client` where pkg/__init__.py has `from .core import Client`.)
    const viaQualifier = memberOrigins(src, refsOf, use.qualifiers.flatMap((q) => [...(imports.byName.get(q) ?? [])]), use.name);
    const qualifiers = new Set(use.qualifiers);
    // The buffer's class defines a member that a type elsewhere declares without a body (`String
    // getOpeningDelimiter();` in interface Delimited, `abstract void accept(Visitor v)` in Node): that
    // type is most likely what the class implements or extends, which the line being written may name.
    // (Before the common-name cut: every subclass defines `accept` too.)
    if (ownMembers.has(use.name) && use.qualified === 0) {
      const declarers = declaringTypes(src, defs);
      const proximity = 1 / (1 + use.distance / 2);
      for (const type of declarers) supertypes.push({ def: type, score: (proximity / declarers.length) * SUPERTYPE_SHARE, distance: use.distance });
    }
    if (defs.length > MAX_DEFS) {
      // Too common a name to guess; unless the file imports it from somewhere.
      defs = defs.filter((d) => imports.files.has(d.path) || (imports.scope.has(d.path) && !(d.container && MEMBER_KINDS.has(d.kind))));
      if (!defs.length) continue;
    }
    // Inside `import {⋯} from 'm'`: a name the file uses but this list does not name yet, defined in m,
    // is what the line being written imports — however far from the cursor it is used.
    const missingImport = importList !== null && !importList.names.has(use.name) && defs.some((d) => importList.files.has(d.path));
    const unusedImport = isUnusedImport(use);
    const nameProximity = (1 + Math.log(use.count) / 4) / (missingImport ? 1 : unusedImport ? Math.min(unusedImports, 1 + use.distance / 2) : 1 + use.distance / 2);
    // Declaration files restate what code defines: with the code at hand, they come second.
    const hasCode = defs.some((d) => !DECLARATION_FILE.test(d.path));
    const places = definitionPlaces(defs, hasCode);
    // `fastify.inject(…)` written far above, `fastify.register(…)` right above: the receiver is at hand
    // again, and may well call the member it was called with up there (when the name says which).
    let proximity = nameProximity;
    for (const q of use.qualifiers) {
      const near = distanceOf.get(q);
      if (places === 1 && near !== undefined && near < use.distance) proximity = Math.max(proximity, (RECEIVER_SHARE / (1 + near / 2)) / Math.sqrt(membersOf.get(q)!));
    }
    // `mailer.send(…)` where the buffer declares `mailer: SmtpMailer` or `mailer = new SmtpMailer(…)`.
    const typed = new Set<string>();
    if (places > 1 && use.qualifiers.length) {
      for (const q of use.qualifiers) for (const t of receiverTypes().get(q) ?? []) typed.add(t);
    }
    // `w.Write(…)` where every receiver the name is called on has a type the code base does not
    // define (`w http.ResponseWriter`): the member is that type's, not a same-named one here.
    const external = use.qualified === use.count && use.qualifiers.length > 0 &&
      use.qualifiers.every((q) => {
        const ts = receiverTypes().get(q);
        return !!ts?.size && [...ts].every((t) => !definesType(store, t));
      });
    // `this.host.setChatLoading(…)` where host is an interface (`ChatFlowsHost`, declared here or only
    // declaring the member elsewhere): what runs is an implementation's (`class ChatStore implements
    // ChatFlowsHost`; in Go, a type with the interface's methods), as sure as the type's own member.
    const implemented = typed.size > 0 && !defs.some((d) => d.container && typed.has(d.container) && !declaresOnly(store, d));
    const implementsTyped = (container: string) => implemented && implementsOneOf(store, container, typed, (p) => src.readLines(p), supersMemo);
    const perName: ScoredDefinition[] = [];
    for (const def of defs) {
      // A unique name is a sure lookup; each extra definition makes any one of them less likely the one meant.
      let score = proximity / places;
      // Imported, or a top-level name of a file in the language's scope (issue 14: Go's package, Java's, C#'s namespaces).
      if (imports.files.has(def.path) || (imports.scope.has(def.path) && !(def.container && MEMBER_KINDS.has(def.kind)))) score *= 2;
      // A name the file imports by name, from the file that defines it: as sure a lookup as there is.
      if (importedFrom?.has(def.path) || (missingImport && importList.files.has(def.path))) score *= 4;
      // `Type.Int` where Type names an imported module, class or enum: tells same-named definitions apart.
      else if (places > 1 && (viaQualifier.has(def.path) || (def.container && (typed.has(def.container) || implementsTyped(def.container))))) score *= 4;
      else if (places > 1 && def.container && qualifiers.has(def.container)) score *= 2;
      // Imported but not used yet: written in the import and nowhere else, so probably about to be.
      if (unusedImport) score *= 3;
      // On the cursor's own line: the call or name being written now, as sure as a name imported by name.
      if (use.distance === 0) score *= CURSOR_LINE_FACTOR;
      // Inside an import list, the names it lists are done: the line being written names another.
      if (importList?.names.has(use.name)) score *= LISTED_FACTOR;
      if (def.container && ancestors.has(def.container)) score *= 2;
      if (def.exported) score *= 1.2;
      // The file defines the name itself: a use most likely means that one (or its counterpart: foo.ts for foo.js).
      if (ownNames.has(use.name) && stem(def.path) !== ownStem) score *= use.qualified === 0 && membersOf.has(use.name) ? RECEIVER_OWN_FACTOR : OWN_NAME_FACTOR;
      if (hasCode && DECLARATION_FILE.test(def.path)) score *= 0.5;
      if (external) score *= EXTERNAL_RECEIVER_FACTOR;
      // Declared private in another file: no code here can reach it (a class's `private Log() {}`).
      if (declaredPrivate(def)) score *= PRIVATE_FACTOR;
      // Java and C# name a constructor after its class: unless the buffer constructs one (`new Log(…)`),
      // the name means the class (`Log.logTrace(…)`, a type), which is shown anyway.
      if (def.kind === 'constructor' && !(constructed ??= constructedNames(lines, cursor)).has(use.name)) score *= UNCONSTRUCTED_FACTOR;
      if (namedAfter.has(use.name)) score *= NAMED_AFTER_FACTOR;
      // JavaScript has no use for types: a declaration file's or a type's definition says little to its lines.
      if (untyped && (DECLARATION_FILE.test(def.path) || TYPE_ONLY_KINDS.has(def.kind))) score *= UNTYPED_TYPE_FACTOR;
      // Data says less than code; a function's local elsewhere is data too, and a rare name shared with it
      // marks related code.
      if (def.kind === 'variable' || def.kind === 'field' || def.kind === 'property' || def.kind === 'local') score *= 0.7;
      // Written only bare (never `x.name`), a name seldom means another class's member.
      if (use.qualified === 0 && def.container && MEMBER_KINDS.has(def.kind)) score *= BARE_MEMBER_FACTOR;
      perName.push({ def, score, distance: use.distance, ...(importedFrom?.has(def.path) ? { sure: true } : {}) });
    }
    if (use.distance <= SURE_DISTANCE || perName.some((s) => s.sure)) {
      const best = perName.reduce((a, b) => (b.score > a.score ? b : a));
      for (const s of perName) s.sure = s === best;
    }
    scored.push(...perName);
    // An object or namespace imported by name and written nowhere else (`import { MigrationService }`,
    // then `MigrationService.runAllMigrations()` on the line being written): its members, after it.
    // (Not a class's: an unused class is as likely constructed or written as a type, and its members
    // pushed other names out of the tuning draw.)
    if (importedFrom && onlyInImport(use)) {
      const objects = defs.filter((d) => importedFrom.has(d.path) && OBJECT_KINDS.has(d.kind));
      const members = objects.flatMap((d) => typeMembers(store, d.path, d.name, near));
      for (const def of members) scored.push({ def, score: UNUSED_MODULE_WEIGHT / unusedImports / members.length, distance: use.distance, offered: true });
    }
  }
  // A module named right by the cursor (`import gyp` just written, `gyp.` about to be): the public
  // top-level definitions not written yet, sharing the weight its name would have.
  const written = new Set(names.map((n) => n.name));
  let enclosing: Set<string> | undefined;
  for (const use of names) {
    const files = imports.modules.get(use.name);
    if (!files) continue;
    // A module bound in an import and written nowhere else (`import * as TimeUtils`, Go's package, `import
    // gyp.common`): as with a name imported and unused, the line being written most likely reaches into it.
    const unused = onlyInImport(use);
    if (use.distance > MODULE_MEMBERS_DISTANCE && !unused) continue;
    const members = [...files].flatMap((f) => moduleExports(src, refsOf, f)).flatMap((e) => (written.has(e.name) ? [] : e.defs));
    if (unused && use.distance > MODULE_MEMBERS_DISTANCE) {
      // Which member is not written anywhere: those other files reach through the module most, first.
      const uses = new Map(moduleMemberUses(src, files, path).map((m) => [`${m.def.path}:${m.def.start_line}`, m.uses]));
      const weight = members.map((d) => 1 + (uses.get(`${d.path}:${d.start_line}`) ?? 0));
      const sum = weight.reduce((a, b) => a + b, 0);
      members.forEach((def, i) => scored.push({ def, score: (UNUSED_MODULE_WEIGHT / unusedImports) * (weight[i] / sum), distance: use.distance, offered: true }));
      continue;
    }
    const proximity = 1 / (1 + use.distance / 2);
    for (const def of members) scored.push({ def, score: proximity / members.length, distance: use.distance, offered: true });
    // The member the enclosing function is named after (`def test_pause():` then `click.pause()`), among
    // those the module exports and those other files reach through it: as if its name were written there.
    enclosing ??= enclosingFunctionWords(own, lines, cursor);
    if (!enclosing.size) continue;
    const named = new Map<string, SymbolRow>();
    for (const def of [...members, ...moduleMemberUses(src, files, path).map((m) => m.def)]) {
      if (!written.has(def.name) && enclosing.has(normalName(def.name))) named.set(`${def.path}:${def.start_line}`, def);
    }
    for (const def of named.values()) scored.push({ def, score: proximity / named.size, distance: use.distance, offered: true });
  }
  const visible = (p: string) => imports.files.has(p) || imports.scope.has(p);
  scored.push(...pendingReceiverMembers(store, language, lines, cursor, receiverTypes, visible));
  scored.push(...inheritedMembers(src, path, language, cursor, ancestors, written));
  scored.push(...commentNamedDefinitions(src, language, lines, cursor, imports.files, () => [...ancestors, ...[...receiverTypes().values()].flatMap((ts) => [...ts])], visible));
  scored.push(...counterpartDefinitions(store, names, scored, written));
  scored.push(...mergedByDefinition(supertypes));
  if (importList) scored.push(...listCompletions(src, refsOf, importList));
  scored.push(...enclosingDefinitions(store, scored));
  scored.sort((a, b) => b.score - a.score);
  // Siblings of the best definitions, and of those named on the lines next to the cursor: a run of
  // similar lines (`dtypes.Int8`, `dtypes.Int16`, …) goes on with the next definition of the run.
  scored.push(...siblingsOf(store, [...scored.slice(0, SIBLING_SOURCES), ...scored.slice(SIBLING_SOURCES).filter((s) => s.distance <= 1)], path));
  scored.push(...parallelDefinitions(store, scored.filter((s) => s.distance <= RUN_DISTANCE && !s.offered), written, path));
  return scored;
}

/** How many times each identifier is written in the buffer (comments and strings included), and the row it is last written on. */
function identifierRows(lines: readonly string[]): Map<string, { count: number; row: number }> {
  const out = new Map<string, { count: number; row: number }>();
  lines.forEach((line, row) => {
    for (const m of line.matchAll(WORD)) {
      const seen = out.get(m[0]);
      if (seen) {
        seen.count++;
        seen.row = row;
      } else out.set(m[0], { count: 1, row });
    }
  });
  return out;
}

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
 * A variable or parameter bound just above the cursor and used nowhere yet (`rctx :=
 * chi.RouteContext(r.Context())`, `const db = await openStore()`, `func f(router *chi.Mux)`): the line
 * being written most likely uses it, and with a type known (declared, constructed or returned:
 * receiver-types.ts, which types names only where they are bound), one of that type's members.
 * Those not written in the buffer, sharing the weight by how many files use each (the ones the
 * buffer writes are looked up by name anyway).
 */
function pendingReceiverMembers(
  store: IndexStore,
  language: LanguageId,
  lines: readonly string[],
  cursor: number,
  receiverTypes: () => Map<string, Set<string>>,
  visible: (path: string) => boolean,
): ScoredDefinition[] {
  // Whole-word counts over the buffer, for the few names that have a type: a keystroke's request
  // does not scan every identifier of a long file (1.8 ms on 4,700 lines) for them.
  let buffer: string | undefined;
  const out: ScoredDefinition[] = [];
  const seen = new Set<string>();
  for (let row = cursor - 1; row >= Math.max(0, cursor - PENDING_LINES); row--) {
    for (const m of (lines[row] ?? '').matchAll(WORD)) {
      const name = m[0];
      if (seen.has(name) || isKeyword(name)) continue;
      seen.add(name);
      const types = [...(receiverTypes().get(name) ?? [])].filter((t) => definesType(store, t));
      if (!types.length) continue;
      buffer ??= lines.join('\n');
      const onCursorLine = wordCount(lines[cursor] ?? '', name, Infinity);
      if (wordCount(buffer, name, onCursorLine + 2) - onCursorLine !== 1) continue;
      const written = (member: string) => wordCount(buffer!, member, 1) > 0;
      const members = types.flatMap((t) => typeFiles(store, language, t, visible).flatMap((p) => typeMembers(store, p, t, { has: written })));
      if (!members.length || members.length > RUN_USES_MAX) continue;
      const weights = members.map((x) => 1 + filesUsing(store, x.name));
      const total = weights.reduce((a, b) => a + b, 0);
      const proximity = 1 / (1 + (cursor - row) / 2);
      members.forEach((def, i) => out.push({ def, score: (PENDING_WEIGHT * proximity * weights[i]) / total, distance: cursor - row, offered: true }));
    }
  }
  return out;
}

/** A type's members in one file that code elsewhere can call (callableMemberOf), less those `skip` names. */
function typeMembers(store: IndexStore, path: string, type: string, skip: { has(name: string): boolean }): SymbolRow[] {
  return store.symbols.inFile(path).filter((m) => callableMemberOf(m, type) && !skip.has(m.name));
}

/** Whether a definition is a member of `type` that code elsewhere can call: no constructor, nothing private. */
function callableMemberOf(m: SymbolRow, type: string): boolean {
  return m.container === type && MEMBER_KINDS.has(m.kind) && m.kind !== 'constructor' && !declaredPrivate(m);
}

/**
 * The files that define a type of that name in the buffer's language family: those the file imports
 * or sees in its scope (Java's package), if any, else every one. (Each file once: a class and a
 * namespace of one name in a file are one set of members.)
 */
function typeFiles(store: IndexStore, language: LanguageId, type: string, visible: (path: string) => boolean): string[] {
  const all = definitionsFrom(store, type, language).filter((d) => RECEIVER_TYPE_KINDS.has(d.kind));
  const seen = all.filter((d) => visible(d.path));
  return [...new Set((seen.length ? seen : all).map((d) => d.path))];
}

/** How much the other half of a pair weighs (`endFooter` after `startFooter`); 1 did alike on the tuning sets. */
const COUNTERPART_WEIGHT = 2;

/**
 * The other half of a call written in the lines around the cursor and not written there itself
 * (counterparts.ts: `Footer.startFooter(b)` → `Footer.endFooter`, `mu.Lock()` → `Unlock`): in the file
 * and the class of the definition the written half means.
 */
function counterpartDefinitions(store: IndexStore, names: readonly NameUse[], scored: readonly ScoredDefinition[], written: ReadonlySet<string>): ScoredDefinition[] {
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

/**
 * The definitions within reach whose names are made of the words of the comment right above the
 * cursor (comment-intent.ts): those of the files the buffer imports and of the files they import
 * (`modelsStore.props.modelSupportsVision` is a field's type's, a file further), and the members of
 * the types its receivers have and its class extends; sharing COMMENT_WEIGHT, a name of more words more.
 */
function commentNamedDefinitions(
  src: ContextSources,
  language: LanguageId,
  lines: readonly string[],
  cursor: number,
  imported: ReadonlySet<string>,
  types: () => readonly string[],
  visible: (path: string) => boolean,
): ScoredDefinition[] {
  const words = commentAboveWords(lines, cursor);
  if (!words) return [];
  const { store } = src;
  const reach = new Set(imported);
  for (const f of imported) for (const g of importTargets(src, f)) reach.add(g);
  const found = new Map<string, { def: SymbolRow; n: number }>();
  const take = (path: string, keep: (d: SymbolRow) => boolean) => {
    for (const f of definitionsNamedIn(store, path, words)) if (keep(f.def)) found.set(`${path}:${f.def.start_line}`, f);
  };
  for (const p of reach) take(p, (d) => !declaredPrivate(d));
  for (const type of new Set(types())) for (const p of typeFiles(store, language, type, visible)) take(p, (m) => callableMemberOf(m, type));
  const total = [...found.values()].reduce((a, f) => a + f.n, 0);
  return [...found.values()].map(({ def, n }) => ({ def, score: (COMMENT_WEIGHT * n) / total, distance: 1, offered: true }));
}

/** How many times `word` is written in `text` as a whole identifier, counting up to `max`. */
function wordCount(text: string, word: string, max: number): number {
  let n = 0;
  for (let at = text.indexOf(word); at >= 0 && n < max; at = text.indexOf(word, at + word.length)) {
    if (!isIdentifierChar(text.charCodeAt(at - 1)) && !isIdentifierChar(text.charCodeAt(at + word.length))) n++;
  }
  return n;
}

const isIdentifierChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;

/** Definitions whose members are reached through their name, never constructed: objects and namespaces. */
const OBJECT_KINDS = new Set(['constant', 'variable', 'namespace', 'module', 'object']);

/** How much a type that declares a member the buffer's class defines weighs against a name written there. */
const SUPERTYPE_SHARE = 1;
/** Past this many definitions of a member's name, its declaring types are not looked for (each costs a file read). */
const DECLARERS_MAX_DEFS = 64;

/** The types, in other files, that declare one of these member definitions without a body (interfaces, abstract classes, traits). */
function declaringTypes(src: ContextSources, defs: readonly SymbolRow[]): SymbolRow[] {
  if (defs.length > DECLARERS_MAX_DEFS) return [];
  const out: SymbolRow[] = [];
  for (const def of defs) {
    if (!def.container || !MEMBER_KINDS.has(def.kind) || def.kind === 'constructor' || !bodiless(src, def)) continue;
    const type = enclosingSymbol(src.store, def, (d) => d.name === def.container && RECEIVER_TYPE_KINDS.has(d.kind));
    if (type && !out.includes(type)) out.push(type);
  }
  return out;
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
 * The methods the class around the cursor inherits from a class of another file (`class
 * SignInCodeRequiredState extends SignInState`) that the buffer does not name yet: what `this.` and
 * `super.` reach besides the class's own members, which the buffer shows.
 */
function inheritedMembers(src: ContextSources, path: string, language: LanguageId, cursor: number, ancestors: ReadonlySet<string>, written: ReadonlySet<string>): ScoredDefinition[] {
  const out: ScoredDefinition[] = [];
  const own = src.store.symbols.inFile(path);
  const enclosing = own.filter((s) => CLASS_KINDS.has(s.kind) && s.start_line <= cursor + 1 && cursor + 1 <= s.end_line);
  if (!enclosing.length) return out;
  // What the class overrides is its own: `this.x()` runs that one, shown as the buffer's.
  const ownNames = new Set(own.map((s) => s.name));
  const members: SymbolRow[] = [];
  for (const name of ancestors) {
    if (ownNames.has(name)) continue;
    for (const base of definitionsFrom(src.store, name, language)) {
      if (!CLASS_KINDS.has(base.kind) || base.path === path) continue;
      for (const m of src.store.symbols.inFile(base.path)) {
        if (m.container === name && (m.kind === 'method' || m.kind === 'function') && !written.has(m.name) && !ownNames.has(m.name) && !declaredPrivate(m)) members.push(m);
      }
    }
  }
  if (!members.length) return out;
  const weight = members.map((m) => (/^\s*(?:(?:public|static|readonly|abstract|override|async)\s+)*protected\b/.test(m.signature) ? PROTECTED_FACTOR : 1));
  const sum = weight.reduce((a, b) => a + b, 0);
  const distance = cursor - (enclosing[enclosing.length - 1].start_line - 1);
  members.forEach((def, i) => out.push({ def, score: (INHERITED_WEIGHT * weight[i]) / sum, distance, offered: true }));
  return out;
}

/** Whether a member's container is an interface or trait: it declares the member, others implement it. */
function declaresOnly(store: IndexStore, member: SymbolRow): boolean {
  return store.symbols.inFile(member.path).some((d) => d.name === member.container && (d.kind === 'interface' || d.kind === 'trait' || d.kind === 'protocol'));
}

/** One definition among several on a line (`export class Int8 { legacy = true; }`). */
const definitionKey = (def: SymbolRow) => `${def.path}:${def.start_line}:${def.name}`;

/** One entry per definition, its scores added up: a type several of the buffer's members point to counts each. */
function mergedByDefinition(list: readonly ScoredDefinition[]): ScoredDefinition[] {
  const out = new Map<string, ScoredDefinition>();
  for (const s of list) {
    const key = definitionKey(s.def);
    const cur = out.get(key);
    if (cur) {
      cur.score += s.score;
      cur.distance = Math.min(cur.distance, s.distance);
    } else out.set(key, { ...s });
  }
  return [...out.values()];
}

/** How much a private definition of another file weighs: only a ground truth that ignores access would want it. */
const PRIVATE_FACTOR = 0.1;
/** How much a constructor weighs when the buffer constructs nothing of its name. */
const UNCONSTRUCTED_FACTOR = 0.3;
/** Languages where `private` in a declaration keeps it from every other file (class- or file-private). */
const PRIVATE_KEYWORD_LANGUAGES = /\.(java|cs|[mc]?tsx?|kts?|scala|swift|php|dart)$/;

/** Whether a definition is declared `private` in a language where that keeps other files out. */
function declaredPrivate(def: SymbolRow): boolean {
  return PRIVATE_KEYWORD_LANGUAGES.test(def.path) && /(^|\s)private\s/.test(def.signature.split(/[(=]/)[0]);
}

/** The names the window around the cursor constructs: `new Name(`, `new pkg.Name<T>(`. */
function constructedNames(lines: readonly string[], cursor: number): Set<string> {
  const out = new Set<string>();
  const { from, to } = nameWindow(cursor, lines.length);
  for (let l = from; l < to; l++) {
    if (!lines[l].includes('new')) continue;
    for (const m of lines[l].matchAll(/\bnew\s+(?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)/g)) out.add(m[1]);
  }
  return out;
}

/** How much a type a variable is named after (not written itself) weighs against a name written there. */
const NAMED_AFTER_FACTOR = 0.5;

/** A type a variable can be named after: not a type's associated type (Rust's `type Err = …` in an impl). */
const isNamedType = (d: SymbolRow) => RECEIVER_TYPE_KINDS.has(d.kind) && !(d.kind === 'type' && d.container);

/** How far from the cursor a type the file's name is made of counts as written. */
const FILE_NAME_DISTANCE = 8;

/**
 * The type names a file's name is made of: its words' proper prefixes and suffixes, PascalCased
 * (`HtmlBlockParser.java`, `html_block_parser.py` → Html, HtmlBlock, BlockParser, Parser).
 */
export function typesInFileName(path: string): string[] {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\..*$/, '');
  const words = base.match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z][a-z0-9]*/g) ?? [];
  const out = new Set<string>();
  for (let n = 1; n < words.length; n++) {
    out.add(pascalCase(words.slice(0, n)));
    out.add(pascalCase(words.slice(words.length - n)));
  }
  return [...out];
}

const pascalCase = (words: readonly string[]) => words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');

/** `visitor` → `Visitor`, `nodeRenderer` → `NodeRenderer`, `header_table` → `HeaderTable`; null for a name that starts upper-case or is short. */
export function typeNamedLike(name: string): string | null {
  if (name.length < 3 || !/^[a-z][A-Za-z0-9_]*$/.test(name)) return null;
  return pascalCase(name.split('_').filter(Boolean));
}

/**
 * The function another file's local binding or nested function lives in: `const { stepIn, patience } =
 * waitForCb(…)` names two locals of helper.js's `waitForCb`, and the line needs `waitForCb`.
 */
function enclosingDefinitions(store: IndexStore, scored: readonly ScoredDefinition[]): ScoredDefinition[] {
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

/** The innermost definition of `def`'s file around it (not itself) that `accept` takes. */
function enclosingSymbol(store: IndexStore, def: SymbolRow, accept: (d: SymbolRow) => boolean): SymbolRow | undefined {
  let best: SymbolRow | undefined;
  for (const d of store.symbols.inFile(def.path)) {
    if (d.start_line > def.start_line || d.end_line < def.end_line || (d.start_line === def.start_line && d.end_line === def.end_line)) continue;
    if (accept(d) && (!best || d.end_line - d.start_line < best.end_line - best.start_line)) best = d;
  }
  return best;
}

/** The share of a local's score its enclosing function gets: at 1 it pushed out names written nearer (tuning draw). */
const ENCLOSING_SHARE = 0.5;

/**
 * The anticipated definitions joined to the scored ones, below the strongest few that the buffer
 * names for sure: one found both ways gains the anticipated score (and is shown as it would be);
 * the others join as compact snippets.
 */
function withAnticipated(scored: ScoredDefinition[], anticipated: ScoredDefinition[]): ScoredDefinition[] {
  const sure = scored.filter((s) => s.sure).map((s) => s.score).sort((a, b) => b - a);
  const cap = sure.length ? sure[Math.min(sure.length, SURE_NAMES) - 1] * 0.99 : Infinity;
  // By definition, not by line: `export class Int8 { legacy = true; }` is two definitions on one line,
  // and the field's anticipation is no credit to the class.
  const best = new Map<string, ScoredDefinition>();
  for (const s of scored) {
    const key = definitionKey(s.def);
    const cur = best.get(key);
    if (!cur || s.score > cur.score) best.set(key, s);
  }
  const out = [...scored];
  for (const a of anticipated) {
    const cur = best.get(definitionKey(a.def));
    if (cur) cur.score += Math.min(a.score, cap);
    else out.push({ ...a, score: Math.min(a.score, cap) });
  }
  return out;
}

/** The snippets of scored definitions, best first, each definition once. */
function definitionCandidates(src: ContextSources, scored: ScoredDefinition[]): Candidate[] {
  // One name defined alike in several files (a client's async, blocking and wasm `fn builder() ->
  // ClientBuilder`): the best says what the others would, which follow the other names near it.
  // (The best: the one imported by name, if any, for what else raised another one's score is less
  // sure; else the best-scored.)
  const bestOf = new Map<string, ScoredDefinition>();
  for (const s of scored) {
    const cur = bestOf.get(s.def.name);
    if (!cur || (!!s.sure === !!cur.sure ? s.score > cur.score : !!s.sure)) bestOf.set(s.def.name, s);
  }
  for (const s of scored) {
    const best = bestOf.get(s.def.name)!.def;
    if (best.path !== s.def.path && best.kind === s.def.kind && shapeOf(best) === shapeOf(s.def)) s.score *= PARALLEL_FACTOR;
  }
  scored.sort((a, b) => b.score - a.score);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  // Overloads (issue 14): the first of a name in one file and container stands for the others (Java's
  // eleven `fromJson`, a class's constructors), which follow every other definition. A declaration
  // without a body (TypeScript's overload signatures) yields to the one with it: the implementation
  // is what the name is defined by.
  const standsFor = new Map<string, number>();
  const overloads: Candidate[] = [];
  for (const scoredDef of scored) {
    const { anticipated } = scoredDef;
    // `module.exports.default = fastify`, `export default App`, `Client = _Client`: the line says no more
    // than the name; what the name is defined as, in the same file, is what the code needs.
    const def = aliasTarget(src, scoredDef.def) ?? scoredDef.def;
    const key = `${def.path}:${def.start_line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // Read when the budget reaches it (definitionSnippet): most never are.
    const c: Candidate = { path: def.path, startLine: def.start_line, endLine: def.end_line, text: '', symbol: def.name, def, ...(anticipated ? { compact: true } : {}) };
    // (A type and a value of one name are no overloads: TypeScript's `const Mode = {…} as const` with
    // `type Mode = …` beside it, a class's companion namespace; each says what the other does not.)
    const overload = `${def.path}\0${def.container ?? ''}\0${def.kind === 'constructor' ? '' : def.name}\0${TYPE_ONLY_KINDS.has(def.kind) ? 'type' : 'value'}`;
    const at = standsFor.get(overload);
    if (at === undefined) {
      standsFor.set(overload, out.length);
      out.push(c);
    } else if (bodiless(src, out[at].def!) && !bodiless(src, def)) {
      overloads.push(out[at]);
      out[at] = c;
    } else overloads.push(c);
    if (out.length >= 200) break;
  }
  return [...out, ...overloads].slice(0, 200);
}

/** A binding whose whole value is one name: `module.exports.x = y`, `export default y`, `X = _Y`. */
const ALIAS = /(?:=|\bexport\s+default)\s*([A-Za-z_$][\w$]*)\s*;?\s*$/;
const ALIAS_KINDS = new Set(['variable', 'constant', 'property']);

/** The top-level function, class or type of the same file that an alias definition names, if any. */
function aliasTarget(src: ContextSources, def: SymbolRow): SymbolRow | null {
  if (!ALIAS_KINDS.has(def.kind)) return null;
  const name = ALIAS.exec(def.signature)?.[1];
  if (!name || isKeyword(name)) return null;
  return src.store.symbols.inFile(def.path).find((d) => d.name === name && !d.container && !ALIAS_KINDS.has(d.kind) && d.kind !== 'local') ?? null;
}

/**
 * `const x = require('y')`, `const z = await import('y')`: the symbol table keeps such a binding as a
 * constant, but it loads a module and defines nothing: not the file's own name, nor one to show.
 */
function importBinding(def: SymbolRow): boolean {
  return (def.kind === 'constant' || def.kind === 'variable') && MODULE_LOAD.test(def.signature);
}

/** A declaration that ends at a `;`: a signature without a body (an overload, an abstract method). */
function bodiless(src: ContextSources, def: SymbolRow): boolean {
  return /;\s*(\/\/.*)?$/.test(src.readLines(def.path)?.[def.end_line - 1] ?? '');
}

/**
 * Definitions anticipated for the cursor (retrieval/anticipation.ts), the best few, scaled to rank
 * among the definitions of names written far from the cursor.
 */
function anticipatedDefinitions(src: ContextSources, path: string, text: string, language: LanguageId, ownImports: ImportRef[] | null, similar: ChunkHit[], recent: Candidate[]): ScoredDefinition[] {
  const refs = ownImports ?? importRefsCache(src)(path);
  const written = new Set(text.match(WORD) ?? []);
  // A definition in a region just edited is shown by that region, with what was edited around it.
  const edited = (d: SymbolRow) => recent.some((r) => r.path === d.path && r.startLine <= d.start_line && d.start_line <= r.endLine);
  return anticipate(src, { path, language, refs, written, similar })
    .filter((a) => !edited(a.def))
    .slice(0, ANTICIPATION_MAX)
    // A member of a class the buffer never names needs a receiver of it, which the code around has not
    // shown: less likely the line's than a function or type it can name right away.
    .map((a) => ({ def: a.def, score: a.score * ANTICIPATION_SCALE * (a.def.container && !written.has(a.def.container) ? UNNAMED_CLASS_MEMBER_FACTOR : 1), distance: Infinity, anticipated: true }));
}

/**
 * How many different things a name's definitions are: overloads of one
 * function are one, and so are a module's compiled `.js`, its `.ts` source
 * and its `.d.ts` (the same stem); declaration files count only when no code
 * defines the name.
 */
function definitionPlaces(defs: readonly SymbolRow[], hasCode: boolean): number {
  const places = new Set<string>();
  for (const d of defs) {
    if (hasCode && DECLARATION_FILE.test(d.path)) continue;
    places.add(`${stem(d.path)}\0${d.container ?? ''}`);
  }
  return Math.max(1, places.size);
}

/** A module's path without its extension: `a/b.js`, `a/b.ts` and `a/b.d.ts` are one module. */
function stem(path: string): string {
  return path.replace(SOURCE_EXTENSION, '');
}

/**
 * The definitions next to the best ones: code that uses `Float32` and
 * `Float16` is often about to use `Float64`, defined beside them; a builder's
 * `addId` call is followed by its `addIsDelta`. Same file, same container,
 * adjacent in the file, at a fraction of the score of the definition they sit by.
 */
function siblingsOf(store: IndexStore, best: ScoredDefinition[], path: string): ScoredDefinition[] {
  const out: ScoredDefinition[] = [];
  for (const { def, score } of best) {
    // A constructor's neighbours are its class's fields and methods, no run it belongs to.
    if (def.kind === 'constructor') continue;
    const peers = store.symbols.inFile(def.path).filter((s) => s.container === def.container && s.kind !== 'local' && s.path !== path && !importBinding(s));
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
 * (A module's members offered because its name is written beside the cursor are no run: they were
 * not written.) Exported for its test.
 */
export function parallelDefinitions(store: IndexStore, beside: ScoredDefinition[], written: Set<string>, path: string): ScoredDefinition[] {
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
        if (!def.container && def.exported && kinds.has(def.kind) && (endings.has(lastWord(def.name)) || shapes.has(shapeOf(def))) && !written.has(def.name)) found.push(def);
      }
    }
    // The run's best score, shared by the definitions it may go on with, by how many files use each
    // (plus one): the registry line most code bases write (`middleware.Recoverer`) before the rare.
    const best = Math.max(...run.map((s) => s.score)) * SIBLING_FACTOR;
    // (Past RUN_USES_MAX candidates each share is too small to show; counting would only cost time.)
    const weights = found.map((def) => (found.length > RUN_USES_MAX ? 1 : 1 + filesUsing(store, def.name)));
    const total = weights.reduce((a, b) => a + b, 0);
    out.push(...found.map((def, i) => ({ def, score: (best * weights[i]) / total, distance: Infinity })));
  }
  return out;
}

/** Files using a name, counted over at most this many chunks that reference it. */
const USES_COUNTED = 200;
/** A run's continuation weighs its candidates by their uses up to this many candidates. */
const RUN_USES_MAX = 100;

/** How many files reference `name` (from the chunks' references; a file counts once). */
function filesUsing(store: IndexStore, name: string): number {
  return new Set(store.chunksReferencing(name, USES_COUNTED).map((c) => c.path)).size;
}

/** Shapes by name and signature (the symbol table makes a new row object on each lookup); bounded. */
const shapeCache = new Map<string, string>();
const SHAPE_CACHE_MAX = 20_000;

/**
 * A definition's signature less its name and its parameters' names: `func Logger(next http.Handler)
 * http.Handler` and `func NoCache(h http.Handler) http.Handler` have one shape, as have
 * `function a(x: string): void` and `function b(y: string): void`.
 */
function shapeOf(def: SymbolRow): string {
  const key = `${def.name}\0${def.signature}`;
  let shape = shapeCache.get(key);
  if (shape === undefined) {
    shape = def.signature.replace(def.name, '\0').replace(/\b[A-Za-z_$][\w$]*\??:\s*/g, '').replace(/\b[a-z_$][\w$]*\s+(?=[\w$*[&])/g, '');
    if (shapeCache.size >= SHAPE_CACHE_MAX) shapeCache.clear();
    shapeCache.set(key, shape);
  }
  return shape;
}

/** The last word of an identifier, lower-cased: `contextCommand`, `context_command` → `command`. */
function lastWord(name: string): string {
  return (/(?:[A-Z]?[a-z0-9]+|[A-Z0-9]+)$/.exec(name.replace(/_+$/, ''))?.[0] ?? name).toLowerCase();
}

/** A definition candidate with its snippet read; null when its file cannot be read. */
function readDefinition(src: ContextSources, c: Candidate): Candidate | null {
  const read = definitionSnippet(src, c.def!);
  return read && (c.compact ? { ...read, compact: true } : read);
}

/** The line (past decorators) that names the class, impl, trait or object a member is defined in, in its file; null at top level. */
function containerHeader(src: ContextSources, member: SymbolRow): Candidate | null {
  const best = enclosingSymbol(src.store, member, (d) => CONTAINER_KINDS.has(d.kind));
  if (!best) return member.path.endsWith('.rs') ? implHeader(src, member) : null;
  const read = definitionSnippet(src, best);
  if (!read) return null;
  const at = read.nameLine ?? 0;
  return { ...read, endLine: read.startLine + at, text: read.text.split('\n', at + 1).join('\n') };
}

/** Rust's `impl Type {` or `impl Trait for Type {` block a method is written in (the index keeps no symbol for it). */
function implHeader(src: ContextSources, member: SymbolRow): Candidate | null {
  const lines = src.readLines(member.path);
  if (!lines) return null;
  const indent = (l: string) => l.length - l.trimStart().length;
  const own = indent(lines[member.start_line - 1] ?? '');
  for (let l = member.start_line - 1; l >= 1; l--) {
    const line = lines[l - 1];
    if (!line.trim() || indent(line) >= own) continue;
    return /^\s*(unsafe\s+)?impl\b/.test(line) ? { path: member.path, startLine: l, endLine: l, text: line.trim(), symbol: member.container } : null;
  }
  return null;
}

/** The kinds a member can be defined in. */
const CONTAINER_KINDS = new Set(['class', 'interface', 'struct', 'record', 'enum', 'trait', 'impl', 'object', 'protocol', 'module', 'namespace']);

function definitionSnippet(src: ContextSources, def: SymbolRow): Candidate | null {
  const lines = src.readLines(def.path);
  if (!lines || def.start_line > lines.length) return null;
  const last = Math.min(def.end_line, lines.length);
  const start = def.start_line;
  const named = start + nameLineIndex(lines, start, last, def.name);
  let end = last;
  if (last - start + 1 > DEF_WHOLE_LINES) {
    // The signature: its decorators or annotations, the line that names it, up to the line that opens the body.
    end = named;
    const max = Math.min(last, named + DEF_SIGNATURE_LINES - 1);
    while (end < max && !/[{:]\s*(\/\/.*|#.*)?$|=>\s*$/.test(lines[end - 1])) end++;
  }
  const kept: string[] = [];
  let size = 0;
  for (let l = start; l <= end; l++) {
    const line = lines[l - 1];
    if (kept.length && size + line.length + 1 > DEF_CHARS) break;
    kept.push(line);
    size += line.length + 1;
  }
  return { path: def.path, startLine: start, endLine: start + kept.length - 1, text: dedent(kept), symbol: def.name, nameLine: Math.min(named - start, kept.length - 1) };
}

const DECORATION = /^\s*(@|#\[)/;
const MAX_DECORATION_LINES = 12;

/**
 * Which of a definition's lines (`first`..`last`, 1-based, of the file's `lines`) names it, counted
 * from its first: past the decorators or annotations before it (`@memoize`,
 * `@SuppressWarnings("unchecked")`, `#[cfg(…)]`), since a definition's first line alone said
 * `@CanIgnoreReturnValue` and not which method it was. 0 when no line near the top names it.
 */
export function nameLineIndex(lines: readonly string[], first: number, last: number, name: string): number {
  for (let l = first; l <= Math.min(last, first + MAX_DECORATION_LINES - 1, lines.length); l++) {
    const line = lines[l - 1];
    if (!DECORATION.test(line) && writesWord(line, name)) return l - first;
  }
  return 0;
}

/** Whether the buffer still names a definition of its file where the index has it: its first line past decorators. */
function bufferNames(lines: readonly string[], def: SymbolRow): boolean {
  for (let l = def.start_line; l <= Math.min(def.end_line, def.start_line + MAX_DECORATION_LINES - 1); l++) {
    const line = lines[l - 1];
    if (line === undefined) return false;
    if (line.includes(def.name)) return true;
    if (!DECORATION.test(line)) return false;
  }
  return false;
}

/** Whether `text` writes `word` with no identifier character on either side. */
function writesWord(text: string, word: string): boolean {
  const isIdent = (c: string | undefined) => c !== undefined && /[\w$]/.test(c);
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (!isIdent(text[at - 1]) && !isIdent(text[at + word.length])) return true;
  }
  return false;
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
function importListTargets(src: ContextSources, path: string, lines: string[], cursor: number, language: LanguageId): ImportListTargets | null {
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
function listCompletions(src: ContextSources, refsOf: RefsOf, list: ImportListTargets): ScoredDefinition[] {
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

/** A name lower-cased without its underscores: `_LazyFile`, `lazy_file` and `LazyFile` are one. */
function normalName(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/**
 * The words of the names of the functions around the cursor, and each run of adjacent words joined
 * (`test_lazy_file_iter` → `lazy`, `lazyfile`, `lazyfileiter`, …), normalized as normalName does; the
 * test prefixes left out.
 */
function enclosingFunctionWords(own: readonly SymbolRow[], lines: string[], cursor: number): Set<string> {
  const out = new Set<string>();
  for (const s of own) {
    if (s.start_line > cursor + 1 || s.end_line < cursor + 1 || !/function|method/.test(s.kind)) continue;
    // The buffer wins: a definition whose line no longer names it is not around the cursor any more.
    if (!lines[s.start_line - 1]?.includes(s.name)) continue;
    const words = s.name.split(/_+|(?<=[a-z0-9])(?=[A-Z])/).map((w) => w.toLowerCase()).filter((w) => w && w !== 'test');
    for (let i = 0; i < words.length; i++) {
      let joined = '';
      for (let j = i; j < Math.min(words.length, i + 3); j++) {
        joined += words[j];
        if (joined.length >= 3) out.add(joined);
      }
    }
  }
  return out;
}

/** Names in the signatures of the classes around the cursor (`extends Base`, `implements Api`, `impl Trait for`). */
function enclosingAncestors(symbols: readonly SymbolRow[], line: number): Set<string> {
  const out = new Set<string>();
  for (const s of symbols) {
    if (s.start_line > line || s.end_line < line) continue;
    if (!/class|interface|struct|impl|trait|module/.test(s.kind)) continue;
    for (const m of s.signature.matchAll(/[A-Za-z_$][A-Za-z0-9_$]*/g)) if (m[0] !== s.name) out.add(m[0]);
  }
  return out;
}

/**
 * The cursor's line and the window's lines nearest it, nearest first (a line above before the one
 * as far below), while they fit in `maxChars`; in document order. A cursor line longer than that
 * (minified code) gives the `maxChars` characters around the cursor's column, most of them before it.
 */
export function nearCursor(lines: string[], cursor: number, maxChars: number, column = 0): string {
  let first = cursor;
  let last = cursor;
  const line = lines[cursor] ?? '';
  let used = line.length;
  if (used > maxChars) {
    const start = Math.min(Math.max(0, column - Math.floor((maxChars * 3) / 4)), line.length - maxChars);
    return line.slice(start, start + maxChars);
  }
  for (let d = 1; d <= WINDOW_ABOVE; d++) {
    for (const row of d <= WINDOW_BELOW ? [cursor - d, cursor + d] : [cursor - d]) {
      if (row < 0 || row >= lines.length) continue;
      const cost = lines[row].length + 1;
      if (used + cost > maxChars) return lines.slice(first, last + 1).join('\n');
      used += cost;
      first = Math.min(first, row);
      last = Math.max(last, row);
    }
  }
  return lines.slice(first, last + 1).join('\n');
}

function similarByText(src: ContextSources, windowText: string, path: string, language: LanguageId): ChunkHit[] {
  return src.store.searchText(windowText, 12, { excludePaths: [path], keepPath: similarCodeFilter(src.store, language) });
}

/**
 * A search's result if it settles before the deadline; else `fallback` at the deadline (and `onLate`),
 * the search going on unheard. A search that fails before the deadline fails the request.
 */
async function byDeadline<T>(search: Promise<T>, deadline: Promise<void>, onLate: () => void, fallback: T): Promise<T> {
  search.catch(() => {});
  const lateMark = Symbol('late');
  const first = await Promise.race([search, deadline.then(() => lateMark)]);
  if (first !== lateMark) return first as T;
  onLate();
  return fallback;
}

/**
 * Vector searches that keep missing their deadline (a machine busy indexing: the query's embedding
 * alone then takes longer) are not started for a while: each would only take a core from the rest
 * of the answer. After VECTOR_SKIP_AFTER misses in a row, one request in VECTOR_PROBE_EVERY starts
 * one without waiting for it (waited for, that request took the whole deadline: with the other
 * sources at a few milliseconds, the probes were the answers' p95); one that makes its deadline turns
 * the vector search back on.
 */
const VECTOR_SKIP_AFTER = 3;
const VECTOR_PROBE_EVERY = 8;
const vectorBreakers = new WeakMap<IndexStore, VectorBreaker>();

class VectorBreaker {
  private missed = 0;
  private skipped = 0;

  /** Whether this request starts a vector search and waits for it, starts one as a probe, or skips it. */
  next(): 'wait' | 'probe' | 'skip' {
    if (this.missed < VECTOR_SKIP_AFTER) return 'wait';
    if (++this.skipped < VECTOR_PROBE_EVERY) return 'skip';
    this.skipped = 0;
    return 'probe';
  }

  record(missed: boolean): void {
    this.missed = missed ? this.missed + 1 : 0;
  }
}

function vectorBreaker(store: IndexStore): VectorBreaker {
  let b = vectorBreakers.get(store);
  if (!b) vectorBreakers.set(store, (b = new VectorBreaker()));
  return b;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function similarByVector(src: ContextSources, queryText: string, path: string, signal: AbortSignal | undefined, timings: ContextTimings): Promise<Candidate[]> {
  if (!src.embedder || !src.store.hasVectors() || !queryText.trim()) return [];
  // Busy with other queries, still loading, or failing: the other sources answer now.
  const t = performance.now();
  const vector = await queryVector(src.embedder, queryText, { signal, maxWaitMs: EMBED_WAIT_MS }, src.log);
  timings.embed = performance.now() - t;
  if (!vector) return [];
  const hits = await src.store.searchVector(vector, 12);
  const rows = await src.store.chunksByHash(hits.map((h) => h.hash));
  const byHash = new Map(rows.filter((r) => r.path !== path).map((r) => [r.hash, r]));
  return hits.flatMap((h) => (byHash.has(h.hash) ? [chunkCandidate(byHash.get(h.hash)!)] : []));
}

function chunkCandidate(chunk: Pick<ChunkHit, 'path' | 'start_line' | 'end_line' | 'symbol'>): Candidate {
  return { path: chunk.path, startLine: chunk.start_line, endLine: Math.min(chunk.end_line, chunk.start_line + CHUNK_LINES - 1), text: '', symbol: chunk.symbol, unread: true };
}

/** A similar chunk's first lines as the file has them now (null when it has shrunk past them). */
function readChunk(src: ContextSources, c: Candidate): Candidate | null {
  const lines = src.readLines(c.path);
  if (!lines || c.startLine > lines.length) return null;
  const kept = lines.slice(c.startLine - 1, Math.min(c.endLine, lines.length));
  return { path: c.path, startLine: c.startLine, endLine: c.startLine + kept.length - 1, text: dedent(kept), symbol: c.symbol };
}

function recentEdits(src: ContextSources, path: string): Candidate[] {
  const out: Candidate[] = [];
  for (const r of src.recent.list()) {
    if (r.path === path) continue;
    const lines = src.readLines(r.path);
    if (!lines) continue;
    const end = Math.min(r.endLine, r.startLine + CHUNK_LINES - 1, lines.length);
    if (r.startLine > end) continue;
    out.push({ path: r.path, startLine: r.startLine, endLine: end, text: dedent(lines.slice(r.startLine - 1, end)), symbol: null });
  }
  return out;
}

function overlapsChosen(chosen: Snippet[], c: Candidate): boolean {
  for (const s of chosen) {
    if (s.path !== c.path) continue;
    // Any shared line: the prompt would show it twice (a member inside a class already shown whole).
    if (Math.min(s.endLine, c.endLine) >= Math.max(s.startLine, c.startLine)) return true;
  }
  return false;
}

/** The lines without the indentation they share: a member's signature costs no more than a function's. */
function dedent(lines: string[]): string {
  let common = Infinity;
  for (const l of lines) if (l.trim()) common = Math.min(common, /^[ \t]*/.exec(l)![0].length);
  return (common > 0 && common < Infinity ? lines.map((l) => l.slice(common)) : lines).join('\n');
}

function fitLines(text: string, tokens: number, counter: TokenCounter): { text: string; lines: number } {
  const kept: string[] = [];
  for (const l of text.split('\n')) {
    if (counter.count([...kept, l].join('\n')) > tokens) break;
    kept.push(l);
  }
  return { text: kept.join('\n'), lines: kept.length };
}
