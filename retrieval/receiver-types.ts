/**
 * The types of the receivers around the cursor (`gson` in `gson.toJson(…)`), as the language's
 * receiver rule reads them (indexer/scope.ts), widened to their supertypes: a method a class
 * inherits is one its instances answer. Languages without a rule read as buffer-names.ts's
 * declaredTypes does.
 */
import type { LanguageId } from '../indexer/languages.js';
import { receiverTypes } from '../indexer/scope.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { declaredTypes } from './buffer-names.js';
import { definitionsFrom, inModuleNamed } from './language-reach.js';

/** Supertypes are followed this many levels up, at most this many per type. */
const SUPER_DEPTH = 2;
const SUPER_MAX = 6;
const TYPE_KINDS = /^(class|interface|struct|record|enum)$/;

/** Kinds that declare a type a receiver can have (type aliases, traits and unions too, unlike TYPE_KINDS's supertype reading). */
export const RECEIVER_TYPE_KINDS = new Set(['class', 'interface', 'struct', 'record', 'enum', 'type', 'trait', 'union', 'typedef', 'protocol']);

/** Whether the code base declares a type of this name (`ResponseWriter` of `net/http` it does not). */
export function definesType(store: IndexStore, name: string): boolean {
  return store.symbols.lookup(name).some((d) => RECEIVER_TYPE_KINDS.has(d.kind));
}

/** Name → its types and their supertypes, read on rows `from`..`to` (exclusive) for the cursor's row `at`. */
export function receiverTypesNear(store: IndexStore, language: LanguageId, lines: readonly string[], window: { from: number; to: number; at?: number }): Map<string, Set<string>> {
  const ruled = receiverTypes(language, { lines, ...window });
  if (!ruled) return withReturnTypes(store, language, lines, window, withDestructured(store, lines, window, declaredTypes(lines, { go: language === 'go', from: window.from, to: window.to })));
  withReturnTypes(store, language, lines, window, ruled);
  const supers = new Map<string, string[]>();
  for (const types of ruled.values()) {
    for (const t of [...types]) for (const s of supertypes(store, t, supers, SUPER_DEPTH)) types.add(s);
  }
  return ruled;
}

/** `const {gen, data: d} = cxt` (cxt typed): the bindings of one line's object destructuring and the name destructured. */
const DESTRUCTURED = /\b(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*(?:this\.)?([A-Za-z_$][\w$]*)\s*;?\s*$/;
/** `function f({gen, data}: KeywordCxt)`: a destructured parameter and its type. */
const DESTRUCTURED_PARAMETER = /\{([^{}]*)\}\s*:\s*(?:[A-Za-z_$][\w$]*\.)?([A-Z][\w$]*)/g;
/** A field's type as its declaration writes it after the name: `gen: CodeGen`, `readonly x?: T`, Go's `mux *Mux`. */
const TYPE_AFTER_NAME = /^\s*\??\s*:\s*(?:readonly\s+)?(?:[A-Za-z_$][\w$]*\s*\.\s*)*([A-Z][\w$]*)|^\s+\*?(?:[a-z_]\w*\.)?([A-Z]\w*)\s*(?:`|$)/;
/** A field assigned a constructed value: `self.buf = Buffer(…)`, `this.x = new X(…)`. */
const ASSIGNED_NEW = /=\s*(?:new\s+)?(?:[A-Za-z_$][\w$]*\s*\.\s*)*([A-Z][\w$]*)\s*(?:<[^<>()]*>)?\s*\(/;

/**
 * The type a field's declaration gives it: after its name (`readonly gen: CodeGen`, `logger?:
 * Logger`, Go's `mux *Mux`), before it (Java's `private final Excluder excluder`), or the value it
 * is assigned (`self.buf = Buffer()`).
 */
export function declaredFieldType(def: SymbolRow): string | null {
  const sig = def.signature;
  const at = sig.indexOf(def.name);
  if (at < 0) return null;
  const after = TYPE_AFTER_NAME.exec(sig.slice(at + def.name.length));
  if (after) return after[1] ?? after[2];
  const assigned = ASSIGNED_NEW.exec(sig.slice(at + def.name.length));
  if (assigned) return assigned[1];
  return /([A-Z][\w$]*)\s*(?:<[^;=]*>)?(?:\[\])*\s+$/.exec(sig.slice(0, at))?.[1] ?? null;
}

/**
 * JavaScript and TypeScript destructure typed objects (`const {gen, schema} = it` with `it:
 * SchemaCxt`): each binding has the type the code base declares for that field (`readonly gen:
 * CodeGen` in interface SchemaCxt), so `gen.return(…)` means CodeGen's.
 */
function withDestructured(store: IndexStore, lines: readonly string[], window: { from: number; to: number }, types: Map<string, Set<string>>): Map<string, Set<string>> {
  for (let row = window.from; row < window.to; row++) {
    const line = lines[row];
    if (!line || !line.includes('{')) continue;
    const local = DESTRUCTURED.exec(line);
    if (local) for (const t of types.get(local[2]) ?? []) addFieldTypes(store, local[1], t, types);
    for (const m of line.matchAll(DESTRUCTURED_PARAMETER)) addFieldTypes(store, m[1], m[2], types);
  }
  return types;
}

function addFieldTypes(store: IndexStore, bindings: string, type: string, types: Map<string, Set<string>>): void {
  for (const part of bindings.split(',')) {
    const m = /^\s*([A-Za-z_$][\w$]*)\s*(?::\s*([A-Za-z_$][\w$]*))?/.exec(part);
    if (!m || part.includes('...')) continue;
    const [, field, alias] = m;
    const declared = store.symbols.lookup(field).find((d) => d.container === type && (d.kind === 'field' || d.kind === 'property'));
    const fieldType = declared && declaredFieldType(declared);
    if (!fieldType) continue;
    const name = alias ?? field;
    let set = types.get(name);
    if (!set) types.set(name, (set = new Set()));
    set.add(fieldType);
  }
}

/**
 * A receiver assigned the result of a call (`const db = getDatabaseService()`, `rctx :=
 * chi.RouteContext(ctx)`, `let meta = f.dictionary()`, `x = make_parser()`), typed nowhere else:
 * the type the callee's signature says it returns (`): Promise<Db>`, `func RouteContext(…) *Context`,
 * `-> Parser`, `public Meta dictionary(`), when the callee's definitions in the code base agree on
 * one (a qualifier naming a type picks its own: `Foo::new()` is Foo's) and the code base defines it.
 */
function withReturnTypes(store: IndexStore, language: LanguageId, lines: readonly string[], window: { from: number; to: number; at?: number }, types: Map<string, Set<string>>): Map<string, Set<string>> {
  const memo = new Map<string, string | null>();
  const from = Math.max(0, window.from);
  const to = Math.min(lines.length, window.to);
  // Nearest the cursor first, above it before below: a name bound again (`let res = …` in every
  // test) is what its binding in scope there made it.
  const at = Math.min(Math.max(window.at ?? from, from), to);
  const rows = function* () {
    for (let row = at - 1; row >= from; row--) yield row;
    for (let row = at; row < to; row++) yield row;
  };
  for (const row of rows()) {
    const line = lines[row];
    if (!line || line.length > 400 || !line.includes('=') || !line.includes('(')) continue;
    for (const m of line.matchAll(ASSIGNED_CALL)) {
      const [, name, callee] = m;
      if (types.has(name) || NOT_RECEIVERS.has(name)) continue;
      // `let ma = self.entry(id).or_insert(…)`: a chain's value is its last call's, not the first's.
      if (chainedAfter(line, m.index! + m[0].length - 1, lines[row + 1])) continue;
      const parts = callee.split(/\s*(?:\.|::)\s*/);
      const fn = parts[parts.length - 1];
      const qualifier = parts.length > 1 ? parts[parts.length - 2] : '';
      // `self.get_mut(…)`: the enclosing type's own method (the Rust and Python rules type `self`).
      const owners = qualifier === 'self' ? types.get('self') : undefined;
      const key = `${qualifier}\0${fn}`;
      if (!memo.has(key)) memo.set(key, returnTypeOf(store, language, fn, qualifier, owners));
      const type = memo.get(key);
      if (type) types.set(name, new Set([type]));
    }
  }
  return types;
}

/** Calls that hand back what they are called on or hold (Rust's `unwrap()`, `clone()`): a chain's type goes through them. */
export const PASS_THROUGH_CALLS = new Set(['unwrap', 'expect', 'unwrap_or_default', 'unwrap_or_else', 'clone', 'to_owned', 'as_ref', 'as_mut', 'borrow', 'borrow_mut', 'lock']);

/**
 * Whether the call whose `(` is at `open` goes on into another call or member (`.or_insert(…)`,
 * `.field`), on its line or, when nothing follows it there, on the next (a call a line) — past
 * those that hand back what they are called on (PASS_THROUGH_CALLS), `?` and `.await`. A call its
 * line does not close: no.
 */
function chainedAfter(line: string, open: number, next: string | undefined): boolean {
  let depth = 0;
  let i = open;
  for (; i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) break;
  }
  if (i >= line.length) return false;
  let rest = line.slice(i + 1);
  if (!rest.trim()) rest = next ?? '';
  for (let guard = 0; guard < 8; guard++) {
    const suffix = /^\s*(?:\?|\.await\b)/.exec(rest);
    const call = suffix ? null : PASS_THROUGH_CALL.exec(rest);
    const skip = suffix ?? (call && PASS_THROUGH_CALLS.has(call[1]) ? call : null);
    if (!skip) break;
    rest = rest.slice(skip[0].length);
  }
  return /^\s*(?:\.|::|->)\s*[A-Za-z_$]/.test(rest);
}

/** `.unwrap()`, `.expect(MSG)`: a call with plain arguments, its name. */
const PASS_THROUGH_CALL = /^\s*\.\s*(\w+)\s*\([^()]*\)/;

/** `name = callee(`, `name := pkg.F(`, `const name: T = await this.m<X>(`, `let mut name = Foo::new(`, `a, err := F(`. */
const ASSIGNED_CALL = /(?:^|[^\w$.])([A-Za-z_$][\w$]*)(?:\s*,\s*[A-Za-z_]\w*)?\s*(?::\s*[^=;]{1,60})?(?::=|=(?![=>]))\s*(?:await\s+|try\s+|&)?((?:[A-Za-z_$][\w$]*\s*(?:\.|::)\s*)*[A-Za-z_$][\w$]*)\s*(?:<[^<>()]*>)?\s*\(/g;
const NOT_RECEIVERS = new Set(['this', 'self', 'mut', 'const', 'let', 'var', 'return', 'if', 'while', 'err']);
/** Callees with more definitions than this name too common a function to say which is meant. */
const RETURN_DEFS_MAX = 8;

/** The one type the code base's definitions of `fn` (a qualifier's own, when it names a type) say they return; null when none or several. */
export function returnTypeOf(store: IndexStore, language: LanguageId, fn: string, qualifier: string, owners?: ReadonlySet<string>): string | null {
  // (The buffer's language family's: a C++ `open()` says nothing of what a TypeScript `open()` returns.)
  let defs = definitionsFrom(store, fn, language).filter((d) => d.kind === 'function' || d.kind === 'method');
  // `Foo::new()` is Foo's, `self.get(…)` the enclosing type's (`owners`); `blocking::get(…)`,
  // `pkg.F(…)`, `module.func(…)` a top-level function of that module's files.
  const own = owners
    ? defs.filter((d) => d.container && owners.has(d.container))
    : /^[A-Z]/.test(qualifier)
      ? defs.filter((d) => d.container === qualifier)
      : qualifier
        ? defs.filter((d) => !d.container && inModuleNamed(d.path, qualifier))
        : [];
  if (own.length) defs = own;
  // A function's overloads (arrow's twenty `makeData` signatures in one file) are one definition here,
  // and its implementation, which often declares no type, does not disagree with its signatures.
  const place = (d: { path: string; container: string | null }) => `${d.path}\0${d.container ?? ''}`;
  if (!defs.length || new Set(defs.map(place)).size > RETURN_DEFS_MAX) return null;
  const found = new Set<string>();
  const typedAt = new Set<string>();
  for (const d of defs) {
    const t = declaredReturnType(d.signature, d.name, d.path);
    if (!t) continue;
    found.add(t === 'Self' && d.container ? d.container : t);
    typedAt.add(place(d));
  }
  if (defs.some((d) => !typedAt.has(place(d)))) found.add('');
  const [type] = found;
  return found.size === 1 && type && type !== 'Self' && definesType(store, type) ? type : null;
}

/**
 * The named type a signature says its function returns, by the file's language: `): Promise<T>` or
 * `): T | null` (TypeScript, Kotlin), `-> T` (Python, Rust; `Option<T>`, `Result<T, E>`), Go's results
 * after the parameters (`*T`, `(T, error)`), the type before the name (Java, C#). Null when it writes none.
 */
export function declaredReturnType(signature: string, name: string, path: string): string | null {
  // (`crate::Result<T>`, `io::Result<T>`, `typing.Optional[T]`: a wrapper reached by its path too.)
  const wrapped = (t: string) => t.replace(/^\s*(?:[A-Za-z_$][\w$]*\s*(?:\.|::)\s*)*(?:Promise|Option|Result|Optional|Awaitable|Task|ValueTask|Box|Rc|Arc)\s*[<\[]\s*/, '');
  const firstType = (text: string) => /^\s*(?:&\s*(?:'\w+\s+)?(?:mut\s+)?|\*|\[\])*\s*(?:[A-Za-z_$][\w$]*\s*(?:\.|::)\s*)*([A-Za-z_$][\w$]*)/.exec(wrapped(text.replace(/^\s*\(/, '')))?.[1] ?? null;
  if (/\.go$/.test(path)) {
    const open = signature.indexOf(`${name}(`);
    if (open < 0) return null;
    let depth = 0;
    for (let i = open + name.length; i < signature.length; i++) {
      if (signature[i] === '(') depth++;
      else if (signature[i] === ')' && --depth === 0) {
        const t = firstType(signature.slice(i + 1).replace(/\{.*$/, ''));
        return t && /^[A-Za-z_]/.test(t) && t !== 'error' ? t : null;
      }
    }
    return null;
  }
  if (/\.(java|cs)$/.test(path)) {
    const before = new RegExp(`([A-Z][\\w$]*\\s*(?:<[^()]*>)?)(?:\\[\\])*\\s+${name.replace(/\$/g, '\\$')}\\s*[<(]`).exec(signature)?.[1];
    return before ? firstType(before) : null;
  }
  // (Up to Python's `:` or a body's `{`; Rust's paths go on through `::`.)
  const arrow = /->\s*((?:::|[^:{])+)/.exec(signature);
  if (arrow) return firstType(arrow[1].replace(/^['"]/, ''));
  const colon = /\)\s*:\s*([^{=]+?)\s*(?:\{|=>|$)/.exec(signature);
  return colon ? firstType(colon[1]) : null;
}

/** The types and what they extend or implement (as receivers are widened: two levels up), the types first. */
export function withSupertypes(store: IndexStore, types: readonly string[]): string[] {
  const memo = new Map<string, string[]>();
  const out = new Set(types);
  for (const t of types) for (const s of supertypes(store, t, memo, SUPER_DEPTH)) out.add(s);
  return [...out];
}

/** The types `type` extends or implements, as its declarations' signatures write them (`class A extends B implements C`, `class A : B, IC`). */
function supertypes(store: IndexStore, type: string, memo: Map<string, string[]>, depth: number): string[] {
  const hit = memo.get(type);
  if (hit) return hit;
  memo.set(type, []);
  const out = new Set<string>();
  for (const def of store.symbols.lookup(type).slice(0, 4)) {
    if (!TYPE_KINDS.test(def.kind)) continue;
    // Generic parameters and arguments out first: `class A<T extends X>` does not extend X.
    const sig = def.signature.split(/\bwhere\b|\{/)[0].replace(/<[^<>]*(?:<[^<>]*>[^<>]*)*>/g, '');
    // (Python writes its bases in parentheses: `class CustomCommand(click.Command):`.)
    const head = /^\s*class\s+[\w$]+\s*\(([^)]*)\)\s*:/.exec(sig) ?? /\b(?:extends|implements)\b(.*)|:(.*)/.exec(sig);
    const list = head?.[1] ?? head?.[2] ?? '';
    for (const m of list.matchAll(/(?:[A-Za-z_$][\w$]*\.)*([A-Z][\w$]*)/g)) if (m[1] !== type && out.size < SUPER_MAX) out.add(m[1]);
  }
  if (depth > 1) for (const s of [...out]) for (const ss of supertypes(store, s, memo, depth - 1)) if (out.size < SUPER_MAX * 2) out.add(ss);
  const list = [...out];
  memo.set(type, list);
  return list;
}

/**
 * Whether the type `sub` implements or extends one of `types`: as its declaration writes it (`class
 * ChatStore implements ChatFlowsHost`, `class A : IB`), or, for Go, whose structural interfaces no
 * declaration names, by having a method of each name the interface's body declares
 * (`readLines(path)` reads that body: its lines as the index has them).
 */
export function implementsOneOf(
  store: IndexStore,
  sub: string,
  types: ReadonlySet<string>,
  readLines: (path: string) => readonly string[] | null,
  memo: Map<string, string[]> = new Map(),
): boolean {
  if (supertypes(store, sub, memo, SUPER_DEPTH).some((s) => types.has(s))) return true;
  for (const type of types) {
    for (const def of store.symbols.lookup(type)) {
      if (def.kind !== 'interface' || !def.path.endsWith('.go')) continue;
      const methods = goInterfaceMethods(readLines(def.path)?.slice(def.start_line - 1, def.end_line) ?? []);
      if (methods.length && methods.every((m) => store.symbols.lookup(m).some((d) => d.container === sub))) return true;
    }
  }
  return false;
}

/** The methods a Go interface's own lines declare (`Status() int`), not those of interfaces it embeds. */
function goInterfaceMethods(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\s*([A-Za-z_]\w*)\s*\(/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}
