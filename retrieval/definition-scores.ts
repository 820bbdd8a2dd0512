/**
 * The definitions the line at the cursor may need, scored: those of the names written around the
 * cursor (imported ones, those of the receivers' types and of the enclosing class's ancestors
 * first), with what the rules of offered-definitions.ts offer beside them, the members of a
 * receiver typed before the cursor (typed-member.ts) and the anticipated ones (anticipation.ts)
 * below the names written for sure; then one candidate snippet per definition.
 */
import { memberUsesIn, readsMemberUses, type ImportRef } from '../indexer/imports.js';
import { rowAtOffset } from '../indexer/line-index.js';
import type { LanguageId } from '../indexer/languages.js';
import type { ChunkHit } from '../store/chunk-terms.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { splitIdentifier } from '../store/code-text.js';
import { isKeyword, NAME_LINES_ABOVE, nameWindow, namesNearCursor, namesOnNearestCodeLines, type NameUse } from './buffer-names.js';
import { importedFiles, importRefsCache, memberOrigins, moduleExports, namesBound, type ModuleExport } from './import-graph.js';
import { anticipate } from './anticipation.js';
import { isTestPath, moduleMemberUses } from './workspace-imports.js';
import { definesType, implementsOneOf, RECEIVER_TYPE_KINDS, receiverTypesNear } from './receiver-types.js';
import { definitionsFrom } from './language-reach.js';
import { commentNamedDefinitions, counterpartDefinitions, enclosingDefinitions, importListTargets, inheritedMembers, listCompletions, parallelDefinitions, pendingReceiverMembers, siblingsOf, unboundReceiverTypes } from './offered-definitions.js';
import { type Candidate, bufferNames } from './snippets.js';
import { typeNamedLike, typesInFileName } from './type-names.js';
import { typedReceiverMembers, memberAccessAt, textBeforeCursor } from './typed-member.js';
import type { ContextSources } from './context-sources.js';
import { DECLARATION_FILE, MEMBER_KINDS, type ScoredDefinition, TYPE_ONLY_KINDS, WORD, definitionKey, reachableFrom, importBinding, isNamedType, bodiless, enclosingSymbol, sharedScores, shapeOf, stem, typeMembers } from './definition-traits.js';

/** A name with more definitions than this is too ambiguous to look up, unless the file imports it. */
const MAX_DEFS = 8;
/** How much a member weighs when the buffer writes its name only bare, never `x.name`. */
const BARE_MEMBER_FACTOR = 0.5;
/** How much an anticipated member of a class the buffer does not name weighs (a quarter and none did worse on the tuning draw). */
const UNNAMED_CLASS_MEMBER_FACTOR = 0.5;
/** How much a name's definitions shaped like its best one weigh after it (at 0.25 and 0.5, fewer other names got in at 2,000 characters). */
const PARALLEL_FACTOR = 0.1;
/** How much less a type-only definition (definition-traits.ts's TYPE_ONLY_KINDS) or a declaration file's weighs for JavaScript. */
const UNTYPED_TYPE_FACTOR = 0.25;

/** Siblings (offered-definitions.ts's siblingsOf) are taken around this many best definitions. */
const SIBLING_SOURCES = 12;
/**
 * The lines whose names make a run (parallelDefinitions): up to three lines from the cursor, or the
 * three lines each side that name something (buffer-names.ts's namesOnNearestCodeLines). With the
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

/** Definitions (in other files) of the names used around the cursor, best first. */
export function definitionsNearCursor(src: ContextSources, path: string, lines: string[], cursor: number, language: LanguageId, ownImports: ImportRef[] | null, column?: number): ScoredDefinition[] {
  const { store } = src;
  const names = namesNearCursor(lines, cursor, { language });
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
    for (const [n] of namesBound(ref)) importRows.set(n, [...(importRows.get(n) ?? []), ref.line - 1]);
    if (ref.binding) importRows.set(ref.binding, [...(importRows.get(ref.binding) ?? []), ref.line - 1]);
  }
  const inImportAt = (name: string, row: number) => (importRows.get(name) ?? []).some((start) => row >= start && row <= start + IMPORT_SPAN);
  const near = new Set(names.map((n) => n.name));
  const farUnused = new Set<string>();
  let wholeBuffer: Map<string, { count: number; row: number }> | undefined;
  for (const name of imports.byName.keys()) {
    if (near.has(name)) continue;
    names.push({ name, distance: FAR_IMPORT_DISTANCE, count: 1, codeCount: 1, codeDistance: FAR_IMPORT_DISTANCE, qualifiers: [], qualified: 0 });
    const written = (wholeBuffer ??= identifierRows(lines)).get(name);
    if (written?.count === 1 && inImportAt(name, written.row)) farUnused.add(name);
  }
  // What the buffer reaches through its imports beyond the lines read for names (`gyp.common.RelativePath`
  // written 1,600 lines above the cursor in a 4,000-line file) is what the file works with as well.
  const listed = new Set(names.map((n) => n.name));
  names.push(...farMemberUses(refsOf(path), language, lines, cursor, nameWindow(cursor, lines.length)).filter((u) => !listed.has(u.name)));
  // (Comments use no name: one an import binds and only a comment mentions is unused all the same.)
  const isUnusedImport = (u: NameUse) =>
    u.codeCount === 1 && (u.codeDistance < FAR_IMPORT_DISTANCE || farUnused.has(u.name)) && imports.byName.has(u.name) && !importList?.names.has(u.name);
  const unusedImports = names.filter(isUnusedImport).length;
  // Stricter, for what offers a whole module's or object's members: the one place the name is written
  // is its import (a long file's import beyond the lines read leaves one use in code counted once).
  const onlyInImport = (u: NameUse) => {
    if (farUnused.has(u.name)) return isUnusedImport(u);
    return isUnusedImport(u) && Number.isInteger(u.codeDistance) && inImportAt(u.name, cursor - u.codeDistance);
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
    // Names the file imports under another name (`import { Message as _Message }`): a type written so
    // (`message: _Message`) is the one it stands for too, and the name itself (`_Message.decode(…)`) is that class.
    for (const [local, originals] of imports.renamed) {
      for (const ts of types.values()) if (ts.has(local)) for (const original of originals) ts.add(original);
      const classes = [...originals].filter((t) => definesType(store, t));
      if (classes.length && !types.has(local)) types.set(local, new Set(classes));
    }
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
    names.push({ name: type, distance, count, codeCount: count, codeDistance: distance, qualifiers: [], qualified: 0 });
  };
  for (const use of [...names]) {
    const type = use.qualified === 0 ? typeNamedLike(use.name) : null;
    if (type && !receiverTypes().get(use.name)?.size) inferType(type, use.distance, use.count);
  }
  // The types the file's own name is made of (`HtmlBlockParser.java` works with an `HtmlBlock` and is a
  // `BlockParser`; `html_block_parser.py` alike), not written in the buffer: as if written a little way off.
  for (const type of typesInFileName(path)) inferType(type, FILE_NAME_DISTANCE, 1);

  // `x.` typed before the cursor: the members of x's type are what the line names next (typed-member.ts).
  const access = column === undefined ? null : memberAccessAt(textBeforeCursor(lines, cursor, column, language));
  const chainParts = new Set(access?.segments.slice(1) ?? []);
  const supersMemo = new Map<string, string[]>();
  const scored: ScoredDefinition[] = [];
  for (const use of names) {
    const importedFrom = imports.byName.get(use.name);
    let defs = definitionsFrom(store, use.name, language);
    // Bound under another name (`import { Block as _Block }`, a barrel's `export { parse as parseConfig }`):
    // the top-level definitions of the name it stands for, in the files it comes from.
    for (const name of imports.renamed.get(use.name) ?? []) defs = [...defs, ...definitionsFrom(store, name, language).filter((d) => !d.container && importedFrom?.has(d.path))];
    defs = defs.filter((d) => d.path !== path && !importBinding(d) && (!namedAfter.has(use.name) || isNamedType(d)));
    if (!defs.length) continue;
    // A function, class or member named X says more than a flood of local bindings named X
    // (every test's `const app = build()`); a few locals stay candidates.
    const declared = defs.filter((d) => d.kind !== 'local');
    if (declared.length && defs.length - declared.length > 2) defs = declared;
    // Bound in several functions and declared nowhere (`payload`, `url`, `ok`): a generic local
    // name, not a concept of the code base; one binding of a rare name still is.
    else if (!declared.length && defs.length > LOCAL_ONLY_MAX) continue;
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
      // `TaskTracker.Track(…)`: a member of a class of that name, twice as sure where the file sees that class
      // (its package's or namespace's: C#'s TaskTracker in a namespace the buffer is in, not another's).
      else if (places > 1 && def.container && qualifiers.has(def.container)) score *= imports.scope.has(def.path) ? 4 : 2;
      // Imported but not used yet: written in the import and nowhere else, so probably about to be.
      if (unusedImport) score *= 3;
      // On the cursor's own line: the call or name being written now, as sure as a name imported by name.
      // With a member access typed at the cursor (`… && entry.`), that member is what is being written:
      // of the line's names, only the receiver's inner parts, as members (`io` in `self.io.` is a field,
      // not the module `io`).
      if (use.distance === 0 && (access ? chainParts.has(use.name) && !!def.container : true)) score *= CURSOR_LINE_FACTOR;
      // Inside an import list, the names it lists are done: the line being written names another.
      if (importList?.names.has(use.name)) score *= LISTED_FACTOR;
      if (def.container && ancestors.has(def.container)) score *= 2;
      if (def.exported) score *= 1.2;
      // The file defines the name itself: a use most likely means that one (or its counterpart: foo.ts for foo.js).
      if (ownNames.has(use.name) && stem(def.path) !== ownStem) score *= use.qualified === 0 && membersOf.has(use.name) ? RECEIVER_OWN_FACTOR : OWN_NAME_FACTOR;
      if (hasCode && DECLARATION_FILE.test(def.path)) score *= 0.5;
      if (external) score *= EXTERNAL_RECEIVER_FACTOR;
      // Private to another file or package: no code here can reach it (a class's `private Log() {}`,
      // Go's `newRouteContext` from another package). (A function's local elsewhere keeps its own weight, below.)
      if (def.kind !== 'local' && !reachableFrom(def, path)) score *= PRIVATE_FACTOR;
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
      const members = objects.flatMap((d) => typeMembers(store, d.path, d.name, near, path));
      for (const def of members) scored.push({ def, score: UNUSED_MODULE_WEIGHT / unusedImports / members.length, distance: use.distance, offered: true });
    }
  }
  // A module named right by the cursor (`import gyp` just written, `gyp.` about to be): the public
  // top-level definitions not written yet, sharing the weight its name would have.
  const written = new Set(names.map((n) => n.name));
  // What a module binding exports, read once (the rule below and a typed receiver's may both ask).
  const exportsMemo = new Map<string, ModuleExport[] | null>();
  const exportsOf = (binding: string): ModuleExport[] | null => {
    if (!exportsMemo.has(binding)) {
      const files = imports.modules.get(binding);
      exportsMemo.set(binding, files ? [...files].flatMap((f) => moduleExports(src, refsOf, f)) : null);
    }
    return exportsMemo.get(binding)!;
  };
  let enclosing: Set<string> | undefined;
  for (const use of names) {
    const files = imports.modules.get(use.name);
    if (!files) continue;
    // A module bound in an import and written nowhere else (`import * as TimeUtils`, Go's package, `import
    // gyp.common`): as with a name imported and unused, the line being written most likely reaches into it.
    const unused = onlyInImport(use);
    if (use.distance > MODULE_MEMBERS_DISTANCE && !unused) continue;
    const members = exportsOf(use.name)!.flatMap((e) => (written.has(e.name) ? [] : e.defs));
    if (unused && use.distance > MODULE_MEMBERS_DISTANCE) {
      // Which member is not written anywhere: those other files reach through the module most, first.
      const uses = new Map(moduleMemberUses(src, files, path).map((m) => [`${m.def.path}:${m.def.start_line}`, m.uses]));
      const weight = members.map((d) => 1 + (uses.get(`${d.path}:${d.start_line}`) ?? 0));
      scored.push(...sharedScores(members, weight, UNUSED_MODULE_WEIGHT / unusedImports, use.distance));
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
  // (With a receiver typed at the cursor, only that receiver's: the line has picked it.)
  const typedReceiver = access?.segments.at(-1);
  scored.push(...pendingReceiverMembers(store, language, path, lines, cursor, receiverTypes, visible, typedReceiver));
  scored.push(...unboundReceiverTypes(store, language, path, lines, cursor, visible));
  const moduleMembers = (binding: string) => exportsOf(binding)?.flatMap((e) => e.defs) ?? null;
  if (access) scored.push(...typedReceiverMembers({ store, language, path, own, line: cursor + 1, lines, access, receiverTypes, visible, moduleMembers, readLines: (p) => src.readLines(p), accessed: new Map(names.map((u) => [u.name, u.qualified])) }));
  scored.push(...inheritedMembers(src, path, language, cursor, ancestors, written));
  scored.push(...commentNamedDefinitions(src, language, path, lines, cursor, imports.files, imports.scope, () => [...ancestors, ...[...receiverTypes().values()].flatMap((ts) => [...ts])], visible));
  scored.push(...counterpartDefinitions(store, names, scored, written));
  scored.push(...mergedByDefinition(supertypes));
  if (importList) scored.push(...listCompletions(src, refsOf, importList));
  scored.push(...enclosingDefinitions(store, scored));
  scored.sort((a, b) => b.score - a.score);
  // Siblings of the best definitions, and of those named on the lines next to the cursor: a run of
  // similar lines (`dtypes.Int8`, `dtypes.Int16`, …) goes on with the next definition of the run.
  scored.push(...siblingsOf(store, [...scored.slice(0, SIBLING_SOURCES), ...scored.slice(SIBLING_SOURCES).filter((s) => s.distance <= 1)], path));
  // A run's lines: those up to RUN_DISTANCE from the cursor, and as many lines naming something each
  // side (across the branches of an if/else, braces and `else` lie between them; tuning draws: noimport +3
  // tasks at 2,000 and at 4,000 characters, kept −1 and +1).
  const runNames = namesOnNearestCodeLines(lines, cursor, RUN_DISTANCE, RUN_DISTANCE, { language });
  scored.push(...parallelDefinitions(store, scored.filter((s) => !s.offered && (s.distance <= RUN_DISTANCE || runNames.has(s.def.name))), written, path, (p) => imports.scope.has(p)));
  return withTestDefinitionsDown(path, withBlockHeaderNames(scored, lines, cursor, own), imports.files);
}

/**
 * How much an offered definition named after what the cursor's block header writes weighs more
 * (withBlockHeaderNames). Tuning draws: kept +1 at 4,000 characters (arrow's
 * `_changeLengthAndBackfillNullBitmap`), typed +1; with inherited members up the chain, email's
 * `set_boundary` within 2,000 characters.
 */
const HEADER_FACTOR = 4;
/** How far above the cursor the line opening its block is looked for. */
const HEADER_REACH = 30;

/**
 * The line that opens the cursor's block (`if boundary:`, `for (const item of items) {`; not a
 * declaration's) names what the block acts on: an offered definition whose name is made of such a
 * name and more (`set_boundary`, `addItem`) rises.
 */
function withBlockHeaderNames(scored: ScoredDefinition[], lines: readonly string[], cursor: number, own: readonly SymbolRow[]): ScoredDefinition[] {
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const indent = indentOf(lines[cursor] ?? '');
  let header: string | undefined;
  for (let row = cursor - 1; row >= Math.max(0, cursor - HEADER_REACH); row--) {
    const line = lines[row];
    if (line.trim() && indentOf(line) < indent) {
      // A declaration's line names the declaration and its types, not what its body acts on
      // (`class AsyncMessageReader implements …` raised every *Message* definition).
      if (!own.some((s) => s.start_line === row + 1)) header = line;
      break;
    }
  }
  if (!header) return scored;
  // Names of four letters or more: `i`, `ok`, `err` make half the names of a code base.
  const names = new Set<string>();
  for (const m of header.matchAll(WORD)) if (m[0].length >= 4 && !isKeyword(m[0])) names.add(splitIdentifier(m[0]).join(' '));
  if (!names.size) return scored;
  const named = [...names];
  for (const s of scored) {
    if (!s.offered) continue;
    const words = splitIdentifier(s.def.name).join(' ');
    if (named.some((n) => n !== words && ` ${words} `.includes(` ${n} `))) s.score *= HEADER_FACTOR;
  }
  return scored;
}

/** How much a test file's definition weighs for a buffer that is no test. */
const TEST_DEFINITION_FACTOR = 0.25;

/**
 * Code outside the tests does not reach what a test file defines (gson's test class `JsonAdapter`, a
 * test double of a class) unless it imports it (a benchmark's fixture from test/): for a buffer that is no
 * test, the definitions its names find in tests it does not import weigh less. (Not what anticipation
 * adds: a name not written yet has no import to tell; on the tuning draws that lost three tasks.)
 */
function withTestDefinitionsDown(path: string, scored: ScoredDefinition[], imported: ReadonlySet<string>): ScoredDefinition[] {
  if (isTestPath(path)) return scored;
  for (const s of scored) if (isTestPath(s.def.path) && !imported.has(s.def.path)) s.score *= TEST_DEFINITION_FACTOR;
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
 * The members the buffer writes after a qualifier its imports bind (`gyp.common.X`, `middleware.X`,
 * `error::X`) on the lines outside `window`, each as a name written FAR_MEMBER_FACTOR times as far
 * as its use nearest the cursor (lines below count half again, as namesNearCursor measures), through
 * the qualifier's last segment (as namesNearCursor records one), as often as it is written.
 */
function farMemberUses(refs: readonly ImportRef[], language: LanguageId, lines: readonly string[], cursor: number, window: { from: number; to: number }): NameUse[] {
  // Nothing to read (no import, or a language without the rule): the lines outside the window are not joined.
  if (!refs.length || !readsMemberUses(language)) return [];
  const byName = new Map<string, NameUse>();
  // The rows nearest the cursor first, one text: a member's first use there is its nearest.
  const read = (rows: number[], distanceOf: (row: number) => number) => {
    if (!rows.length) return;
    const starts: number[] = [];
    let text = '';
    for (const r of rows) {
      starts.push(text.length);
      text += lines[r] + '\n';
    }
    for (const [qualifier, members] of memberUsesIn(refs, text, language)) {
      const q = qualifier.split(/\.|::/).pop()!;
      for (const [name, { count, first }] of members) {
        if (name.length < 2 || isKeyword(name)) continue;
        const distance = distanceOf(rows[rowAtOffset(starts, first)]);
        const use = byName.get(name);
        if (!use) {
          byName.set(name, { name, distance, count, codeCount: count, codeDistance: distance, qualifiers: [q], qualified: count });
          continue;
        }
        use.count += count;
        use.codeCount += count;
        use.qualified += count;
        use.distance = use.codeDistance = Math.min(use.distance, distance);
        if (!use.qualifiers.includes(q)) use.qualifiers.push(q);
      }
    }
  };
  read(Array.from({ length: window.from }, (_, i) => window.from - 1 - i), (row) => (cursor - row) * FAR_MEMBER_FACTOR);
  read(Array.from({ length: Math.max(0, lines.length - window.to) }, (_, i) => window.to + i), (row) => (row - cursor) * 1.5 * FAR_MEMBER_FACTOR);
  return [...byName.values()];
}

/**
 * How much farther than where it is written a member beyond the lines read for names counts. At 1,
 * on the tuning sets (the tuning draw, seeds 1234 / 9090 / 777 of five code bases and of arrow and
 * fastify, six Go and Rust code bases): kept +5 at 4,000 characters and ±0 at 2,000 (3 lost, the
 * candidates of a long file's many far members before a nearer name's); at 2, the same +5, and +1
 * at 2,000 (2 lost).
 */
const FAR_MEMBER_FACTOR = 2;

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

/** Whether a member's container is an interface or trait: it declares the member, others implement it. */
function declaresOnly(store: IndexStore, member: SymbolRow): boolean {
  return store.symbols.inFile(member.path).some((d) => d.name === member.container && (d.kind === 'interface' || d.kind === 'trait' || d.kind === 'protocol'));
}

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

/** How much a type a variable is named after (not written itself) weighs against a name written there. */
const NAMED_AFTER_FACTOR = 0.5;

/** How far from the cursor a type the file's name is made of counts as written. */
const FILE_NAME_DISTANCE = 8;

/**
 * The anticipated definitions joined to the scored ones, below the strongest few that the buffer
 * names for sure: one found both ways gains the anticipated score (and is shown as it would be);
 * the others join as compact snippets.
 */
export function withAnticipated(scored: ScoredDefinition[], anticipated: ScoredDefinition[]): ScoredDefinition[] {
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

/**
 * How much a definition rises, at most, when its name followed lines like the cursor's neighbours
 * (continuation.ts). On the tuning draw 0.5, 0.75 and 1 each found 3 more kept tasks at 2,000
 * characters, none lost; at 1 an enclosing function's name (`test_pause…`) lost to a name that
 * once followed a line like the one above the cursor.
 */
const CONTINUATION_FACTOR = 0.5;

/** Each scored definition whose name followed lines like the cursor's neighbours, raised by that name's weight. */
export function withContinuation(scored: ScoredDefinition[], names: ReadonlyMap<string, number>): ScoredDefinition[] {
  if (!names.size) return scored;
  for (const s of scored) {
    const w = names.get(s.def.name);
    if (w) s.score *= 1 + CONTINUATION_FACTOR * w;
  }
  return scored;
}

/** The snippets of scored definitions, best first, each definition once. */
export function definitionCandidates(src: ContextSources, scored: ScoredDefinition[]): Candidate[] {
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
    const { anticipated, compact } = scoredDef;
    // `module.exports.default = fastify`, `export default App`, `Client = _Client`: the line says no more
    // than the name; what the name is defined as, in the same file, is what the code needs.
    const def = aliasTarget(src, scoredDef.def) ?? scoredDef.def;
    const key = `${def.path}:${def.start_line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // Read when the budget reaches it (definitionSnippet): most never are.
    const c: Candidate = { path: def.path, startLine: def.start_line, endLine: def.end_line, text: '', symbol: def.name, def, ...(anticipated || compact ? { compact: true } : {}) };
    // (A type and a value of one name are no overloads: TypeScript's `const Mode = {…} as const` with
    // `type Mode = …` beside it, a class's companion namespace; each says what the other does not.)
    // A class's constructors are overloads of the class itself (Java's and C#'s bear its name and came
    // in pairs with it: tuning draws +1 to +4 tasks each, nothing lost), unless the cursor's own line
    // calls one: then its parameters are what the line needs.
    const overload = scoredDef.distance > 0 ? overloadKey(asClass(def)) : overloadKey(def);
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

/** A binding whose whole value is one name: `module.exports.x = y`, `export default y`, `X = _Y`; an export under another name, `export { Y_ as X }`. */
const ALIAS = /(?:=|\bexport\s+default)\s*([A-Za-z_$][\w$]*)\s*;?\s*$|^export \{ ([A-Za-z_$][\w$]*) as /;
const ALIAS_KINDS = new Set(['variable', 'constant', 'property', 'alias']);

/** The top-level function, class or type of the same file that an alias definition names, if any. */
function aliasTarget(src: ContextSources, def: SymbolRow): SymbolRow | null {
  if (!ALIAS_KINDS.has(def.kind)) return null;
  const m = ALIAS.exec(def.signature);
  const name = m?.[1] ?? m?.[2];
  if (!name || isKeyword(name)) return null;
  return src.store.symbols.inFile(def.path).find((d) => d.name === name && !d.container && !ALIAS_KINDS.has(d.kind) && d.kind !== 'local') ?? null;
}

/**
 * Definitions anticipated for the cursor (retrieval/anticipation.ts), the best few, scaled to rank
 * among the definitions of names written far from the cursor.
 */
export function anticipatedDefinitions(src: ContextSources, path: string, text: string, language: LanguageId, ownImports: ImportRef[] | null, similar: ChunkHit[], recent: Candidate[], continuation?: ReadonlyMap<string, number>): ScoredDefinition[] {
  const refs = ownImports ?? importRefsCache(src)(path);
  const written = new Set(text.match(WORD) ?? []);
  // A definition in a region just edited is shown by that region, with what was edited around it.
  const edited = (d: SymbolRow) => recent.some((r) => r.path === d.path && r.startLine <= d.start_line && d.start_line <= r.endLine);
  return anticipate(src, { path, language, refs, written, similar, continuation })
    .filter((a) => !edited(a.def))
    .slice(0, ANTICIPATION_MAX)
    // A member of a class the buffer never names needs a receiver of it, which the code around has not
    // shown: less likely the line's than a function or type it can name right away.
    .map((a) => ({ def: a.def, score: a.score * ANTICIPATION_SCALE * (a.def.container && !written.has(a.def.container) ? UNNAMED_CLASS_MEMBER_FACTOR : 1), distance: Infinity, anticipated: true }));
}

/** What one definition stands for with its overloads: a file, a container, a name, a type or a value. */
function overloadKey(d: Pick<SymbolRow, 'path' | 'container' | 'name' | 'kind'>): string {
  return `${d.path}\0${d.container ?? ''}\0${d.name}\0${TYPE_ONLY_KINDS.has(d.kind) ? 'type' : 'value'}`;
}

/** A constructor as the class it makes (named as its container; a top-level class: the row does not say where a nested one sits); any other definition as itself. */
function asClass(d: SymbolRow): Pick<SymbolRow, 'path' | 'container' | 'name' | 'kind'> {
  return d.kind === 'constructor' && d.container ? { path: d.path, container: null, name: d.container, kind: 'class' } : d;
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
    // A class's constructors (Java's and C#'s bear its name) are the class, not another place it may be.
    if (d.kind === 'constructor' && defs.some((c) => overloadKey(c) === overloadKey(asClass(d)))) continue;
    places.add(`${stem(d.path)}\0${d.container ?? ''}`);
  }
  return Math.max(1, places.size);
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
