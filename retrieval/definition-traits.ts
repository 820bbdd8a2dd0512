/**
 * What cursor retrieval reads from a definition beyond its row, shared by the rules that score and
 * offer definitions (definition-scores.ts, offered-definitions.ts): whether it is a member code
 * elsewhere can call, declared private, a module binding rather than a definition; its signature's
 * shape; how many files use its name.
 */
import type { LanguageId } from '../indexer/languages.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { RECEIVER_TYPE_KINDS } from './receiver-types.js';
import { definitionsFrom } from './language-reach.js';
import type { ContextSources } from './context-sources.js';

/** The kinds of a class's or object's members. */
export const MEMBER_KINDS = new Set(['method', 'field', 'property', 'constructor', 'event']);

/** TypeScript's declaration files: they restate what code defines. */
export const DECLARATION_FILE = /\.d\.[mc]?ts$/;
/** Definitions that only a typed language's code can use. */
export const TYPE_ONLY_KINDS = new Set(['type', 'interface', 'namespace', 'module']);

/** A JS/TS module's extension, `.d.ts` included. */
const SOURCE_EXTENSION = /(\.d)?\.[mc]?[jt]sx?$/;

/** An identifier, as buffers are scanned for names. */
export const WORD = /[A-Za-z_$][\w$]*/g;
/** A JS/TS binding whose value loads a module (`const x = require('y')`, `… = await import('y')`). */
const MODULE_LOAD = /^(?:export\s+)?(?:const|let|var)\s+[\w$]+\s*=\s*(?:await\s+)?(?:require|import)\s*\(/;

/** A definition with how likely the line at the cursor needs it. */
export interface ScoredDefinition {
  def: SymbolRow;
  score: number;
  /** How far from the cursor the name was written (Infinity: not written, a sibling). */
  distance: number;
  /** Not named by the buffer: anticipated (retrieval/anticipation.ts). */
  anticipated?: boolean;
  /** Shown by its first line wherever it ranks (one of many a rule offers alike). */
  compact?: boolean;
  /** The best definition of a name written beside the cursor or imported by name: anticipation ranks below it. */
  sure?: boolean;
  /** Offered as a member of a module named beside the cursor, not written. */
  offered?: boolean;
}

/** A type's members in one file that code in the file at `from` can call (callableMemberOf), less those `skip` names. */
export function typeMembers(store: IndexStore, path: string, type: string, skip: { has(name: string): boolean }, from: string): SymbolRow[] {
  return store.symbols.inFile(path).filter((m) => callableMemberOf(m, type, from) && !skip.has(m.name));
}

/**
 * Whether a definition is a member of `type` that code elsewhere can call: no constructor, nothing
 * private; with `from`, nothing the language keeps from that file (reachableFrom).
 */
export function callableMemberOf(m: SymbolRow, type: string, from?: string): boolean {
  return m.container === type && MEMBER_KINDS.has(m.kind) && m.kind !== 'constructor' && (from === undefined ? !declaredPrivate(m) : reachableFrom(m, from));
}

/**
 * The files that define a type of that name in the buffer's language family: those the file imports
 * or sees in its scope (Java's package), if any, else every one. (Each file once: a class and a
 * namespace of one name in a file are one set of members.)
 */
export function typeFiles(store: IndexStore, language: LanguageId, type: string, visible: (path: string) => boolean): string[] {
  return [...new Set(typeDefinitions(store, language, type, visible).map((d) => d.path))];
}

/** The definitions of a type of that name in the buffer's language family: those the file imports or sees in its scope, if any, else every one. */
export function typeDefinitions(store: IndexStore, language: LanguageId, type: string, visible: (path: string) => boolean): SymbolRow[] {
  const all = definitionsFrom(store, type, language).filter((d) => RECEIVER_TYPE_KINDS.has(d.kind));
  const seen = all.filter((d) => visible(d.path));
  return seen.length ? seen : all;
}

/** How many times `word` is written in `text` as a whole identifier, counting up to `max`. */
export function wordCount(text: string, word: string, max: number): number {
  let n = 0;
  for (let at = text.indexOf(word); at >= 0 && n < max; at = text.indexOf(word, at + word.length)) {
    if (!isIdentifierChar(text.charCodeAt(at - 1)) && !isIdentifierChar(text.charCodeAt(at + word.length))) n++;
  }
  return n;
}

const isIdentifierChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;

/** One definition among several on a line (`export class Int8 { legacy = true; }`). */
export const definitionKey = (def: SymbolRow) => `${def.path}:${def.start_line}:${def.name}`;

/** Languages where `private` in a declaration keeps it from every other file (class- or file-private). */
const PRIVATE_KEYWORD_LANGUAGES = /\.(java|cs|[mc]?tsx?|kts?|scala|swift|php|dart)$/;

/** Whether a definition is declared `private` in a language where that keeps other files out. */
export function declaredPrivate(def: SymbolRow): boolean {
  return PRIVATE_KEYWORD_LANGUAGES.test(def.path) && /(^|\s)private\s/.test(def.signature.split(/[(=]/)[0]);
}

/** Languages whose unexported names are their package's alone, a package being a folder (Java's `src/main` and `src/test` halves one). */
const PACKAGE_PRIVATE_LANGUAGES = /\.(java|go)$/;

/** The package a Java or Go file is in, as its folder: Java's tests share their package with the main sources. */
function packageFolder(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1).replace(/(^|\/)src\/test\//, '$1src/main/');
}

/**
 * Whether code in the file at `from` can name `def` by the language's visibility: nothing
 * `private`; in Java a class or member with no access modifier (gson's `Excluder excluder;` in
 * GsonBuilder) and in Go a lower-case name are their package's alone. A member is read by its own
 * name or modifiers, not its type's: a public method of a package-private class runs through the
 * interface it implements (`entry.getKey()` runs LinkedTreeMap.Node's); a `protected` one in any
 * subclass.
 */
export function reachableFrom(def: SymbolRow, from: string): boolean {
  if (declaredPrivate(def)) return false;
  if (!PACKAGE_PRIVATE_LANGUAGES.test(def.path) || packageFolder(def.path) === packageFolder(from)) return true;
  if (def.path.endsWith('.go')) return /^\p{Lu}/u.test(def.name);
  return def.exported || (!!def.container && /(^|\s)(public|protected)\s/.test(def.signature.split(/[(=]/)[0]));
}

/** A type a variable can be named after: not a type's associated type (Rust's `type Err = …` in an impl). */
export const isNamedType = (d: SymbolRow) => RECEIVER_TYPE_KINDS.has(d.kind) && !(d.kind === 'type' && d.container);

/**
 * `const x = require('y')`, `const z = await import('y')`: the symbol table keeps such a binding as a
 * constant, but it loads a module and defines nothing: not the file's own name, nor one to show.
 */
export function importBinding(def: SymbolRow): boolean {
  return (def.kind === 'constant' || def.kind === 'variable') && MODULE_LOAD.test(def.signature);
}

/** A module's path without its extension: `a/b.js`, `a/b.ts` and `a/b.d.ts` are one module. */
export function stem(path: string): string {
  return path.replace(SOURCE_EXTENSION, '');
}

/** Files using a name, counted over at most this many chunks that reference it. */
const USES_COUNTED = 200;
/** Past this many candidates, a rule (a run's continuation, a pending receiver's members) does not count their uses: each share would be too small to show. */
export const RUN_USES_MAX = 100;

/** How many files reference `name` (from the chunks' references; a file counts once). */
export function filesUsing(store: IndexStore, name: string): number {
  return store.filesReferencing(name, USES_COUNTED);
}

/** Each definition's weight by how many files use its name, plus one: the common before the rare. */
export function usesWeights(store: IndexStore, defs: readonly SymbolRow[]): number[] {
  return defs.map((d) => 1 + filesUsing(store, d.name));
}

/**
 * A rule's score `total` shared among the definitions it offers, in proportion to `weights`, each at
 * `distance`; `offered` (not written in the buffer) unless told otherwise.
 */
export function sharedScores(defs: readonly SymbolRow[], weights: readonly number[], total: number, distance: number, offered = true): ScoredDefinition[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  return defs.map((def, i) => ({ def, score: (total * weights[i]) / sum, distance, ...(offered ? { offered } : {}) }));
}

/** Shapes by name and signature (the symbol table makes a new row object on each lookup); bounded. */
const shapeCache = new Map<string, string>();
const SHAPE_CACHE_MAX = 20_000;

/**
 * A definition's signature less its name and its parameters' names: `func Logger(next http.Handler)
 * http.Handler` and `func NoCache(h http.Handler) http.Handler` have one shape, as have
 * `function a(x: string): void` and `function b(y: string): void`.
 */
export function shapeOf(def: SymbolRow): string {
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
export function lastWord(name: string): string {
  return (/(?:[A-Z]?[a-z0-9]+|[A-Z0-9]+)$/.exec(name.replace(/_+$/, ''))?.[0] ?? name).toLowerCase();
}

/** The innermost definition of `def`'s file around it (not itself) that `accept` takes. */
export function enclosingSymbol(store: IndexStore, def: SymbolRow, accept: (d: SymbolRow) => boolean): SymbolRow | undefined {
  let best: SymbolRow | undefined;
  for (const d of store.symbols.inFile(def.path)) {
    if (d.start_line > def.start_line || d.end_line < def.end_line || (d.start_line === def.start_line && d.end_line === def.end_line)) continue;
    if (accept(d) && (!best || d.end_line - d.start_line < best.end_line - best.start_line)) best = d;
  }
  return best;
}

/** A declaration that ends at a `;`: a signature without a body (an overload, an abstract method). */
export function bodiless(src: ContextSources, def: SymbolRow): boolean {
  return /;\s*(\/\/.*)?$/.test(src.readLines(def.path)?.[def.end_line - 1] ?? '');
}
