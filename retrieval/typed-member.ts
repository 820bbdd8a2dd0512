/**
 * The member being typed at the cursor: `command.|`, `this._nulls.num|`, `new Vector(…).|`,
 * `self.|`, `Client::|`, `p->|`, `click.|`. The receiver written before the last accessor says whose
 * member the line names next, so its type's members — those starting with what is typed of the
 * name, the most used first — are what a completion chooses among (issue 14: a receiver's type
 * ranks its members first). The type is the one the buffer gives the receiver (declared,
 * constructed, returned: receiver-types.ts), the enclosing class for `this`/`self` (in Rust, the
 * type of the method's `impl`), a field's declared type along `this.a.b` (a Go or Rust struct's as
 * its body writes it, whose fields' types join the members), a method's declared return type
 * along `a.b().`; supertypes' members follow its own. A module the file binds offers its public
 * definitions the same way.
 */
import type { LanguageId } from '../indexer/languages.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import { codeWithoutStrings, isKeyword } from './buffer-names.js';
import { definitionsFrom } from './language-reach.js';
import { declaredFieldType, declaredReturnType, definesType, PASS_THROUGH_CALLS, RECEIVER_TYPE_KINDS, receiverTypesNear, returnTypeOf, withSupertypes } from './receiver-types.js';
import { MEMBER_KINDS, type ScoredDefinition, callableMemberOf, filesUsing, importBinding, typeDefinitions, typeFiles } from './definition-traits.js';
import { typeNamedLike } from './type-names.js';

/** A member access being written: its receiver's parts and what is typed of the member's name. */
export interface MemberAccess {
  /** The receiver's parts as written: `this._nulls` → this, _nulls; `new arrow.Vector(…)` → Vector. */
  segments: string[];
  /** For each part, whether it is called (`make().`, `a.b().`). */
  called: boolean[];
  /** `new X(…).`: the receiver is an X. */
  constructed: boolean;
  /** What is typed of the member's name so far (empty right after the accessor). */
  prefix: string;
}

/** Only this much of the line before the cursor is read: a receiver is a short expression. */
const RECEIVER_CHARS = 300;
/** A receiver of more parts than this (`a.b.c.d.e.f.`) is not followed. */
const SEGMENTS_MAX = 6;
const IDENT_CHAR = /[\w$]/;

/**
 * The member access the text before the cursor ends in, or null: `x.`, `x?.`, `X::`, `p->`, each
 * maybe followed by the start of a name. A receiver that is an index (`a[0].`), a literal (`"s".`)
 * or a parenthesised expression is none this reads.
 */
export function memberAccessAt(before: string): MemberAccess | null {
  const text = before.length > RECEIVER_CHARS ? before.slice(-RECEIVER_CHARS) : before;
  let i = text.length;
  while (i > 0 && IDENT_CHAR.test(text[i - 1])) i--;
  const prefix = text.slice(i);
  if (prefix && !/^[A-Za-z_$]/.test(prefix)) return null;
  const accessor = (at: number): number => {
    if (text.endsWith('::', at) || text.endsWith('->', at) || text.endsWith('?.', at)) return 2;
    // `..` and `...` are ranges and spreads, not accessors.
    return text[at - 1] === '.' && text[at - 2] !== '.' ? 1 : 0;
  };
  let step = accessor(i);
  if (!step) return null;
  i -= step;
  const segments: string[] = [];
  const called: boolean[] = [];
  let constructed = false;
  for (;;) {
    if (segments.length >= SEGMENTS_MAX) return null;
    // `x!.` (TypeScript's non-null assertion) and `x?.` read as `x.`.
    if (text[i - 1] === '!') i--;
    let call = false;
    // `new TypeAdapter<T>() {…}.`: an anonymous class's body (left empty by textBeforeCursor) after its constructor call.
    const body = /\)\s*\{\}\s*$/.exec(text.slice(Math.max(0, i - 40), i));
    if (body) i -= body[0].length - 1;
    if (text[i - 1] === ')') {
      const open = matchingOpen(text, i - 1);
      if (open < 0) return null;
      i = open;
      call = true;
      // `f<T>(…)`: a call's type arguments.
      if (text[i - 1] === '>') {
        const lt = text.lastIndexOf('<', i - 1);
        if (lt < 0) return null;
        i = lt;
      }
    }
    const end = i;
    while (i > 0 && IDENT_CHAR.test(text[i - 1])) i--;
    const name = text.slice(i, end);
    if (!/^[A-Za-z_$]/.test(name)) return null;
    segments.unshift(name);
    called.unshift(call);
    step = accessor(i);
    if (step) {
      i -= step;
      continue;
    }
    // `new X(…).` or `new pkg.X(…).y.`: an X is constructed, whatever the path to it; members follow from there.
    const made = called.indexOf(true);
    if (made >= 0 && /\bnew\s+$/.test(text.slice(0, i))) {
      constructed = true;
      segments.splice(0, made);
      called.splice(0, made);
    }
    break;
  }
  return { segments, called, constructed, prefix };
}

/** A chain may go on over this many lines above the cursor's (`self` / `.cmd` / `.|`). */
const CHAIN_LINES = 6;
/** A line that starts with an accessor continues the expression of the lines above it. */
const CONTINUATION = /^\s*(?:\?\.|\.(?!\.)|->|::)/;

/** A block or argument list the cursor's line closes is looked for this many lines and characters above (an anonymous class's body, a callback's). */
const CLOSED_LINES = 200;
const CLOSED_CHARS = 20_000;
/** Brackets nested deeper than this inside it are no code a receiver is read from (each level costs a pass over the text). */
const CLOSED_DEPTH = 32;
const OPENERS = '([{';
const CLOSERS = ')]}';
/** A bracket pair with something inside, no bracket inside but emptied pairs. */
const INNERMOST_BRACES = /\{(?:[^{}()[\]]|\{\}|\(\)|\[\])+\}/g;
const INNERMOST_PARENS = /\((?:[^{}()[\]]|\{\}|\(\)|\[\])+\)/g;
const INNERMOST_SQUARE = /\[(?:[^{}()[\]]|\{\}|\(\)|\[\])+\]/g;

/**
 * When the cursor's line starts by closing brackets opened lines above (`}.nullSafe()` after an
 * anonymous class's body, `}).then(` after a callback's), the expression they close, joined from the
 * line that opens it, what it spans across lines left out (`new TypeAdapter<T>() {}.`,
 * `new Promise((resolve) => {}).`); else the line as it is. Brackets in string literals are not counted.
 */
function withClosedExpression(lines: readonly string[], cursor: number, text: string, language: LanguageId): string {
  if (!/^\s*[)\]}]/.test(text)) return text;
  // Each line's code, read once, from the cursor's line up (joined in order once the opener is found).
  const codes = [codeWithoutStrings(text, language)];
  let open = -bracketBalance(codes[0]);
  let chars = text.length;
  for (let row = cursor - 1; open > 0 && row >= Math.max(0, cursor - CLOSED_LINES); row--) {
    chars += (lines[row] ?? '').length;
    if (chars > CLOSED_CHARS) break;
    codes.push(codeWithoutStrings(lines[row] ?? '', language));
    open -= bracketBalance(codes[codes.length - 1]);
    if (open > 0) continue;
    // What a receiver's type is read from is its constructor's or function's name, not what it is given.
    const joined = emptiedBrackets(codes.reverse().join('\n'));
    return joined.includes('\n') ? text : joined.trim();
  }
  return text;
}

/** Brackets a text opens less those it closes (its strings and comments left out first: codeWithoutStrings). */
function bracketBalance(text: string): number {
  let d = 0;
  for (const c of text) d += OPENERS.includes(c) ? 1 : CLOSERS.includes(c) ? -1 : 0;
  return d;
}

/** Every bracket's inside emptied, innermost first, up to CLOSED_DEPTH levels: `f(a, g(b)).h()` → `f().h()`. */
function emptiedBrackets(text: string): string {
  let out = text;
  for (let before = '', depth = 0; before !== out && depth <= CLOSED_DEPTH; depth++) {
    before = out;
    out = out.replace(INNERMOST_BRACES, '{}').replace(INNERMOST_PARENS, '()').replace(INNERMOST_SQUARE, '[]');
  }
  return out;
}

/**
 * The text before the cursor as one expression: the cursor's line up to `column`, and when that
 * line starts with an accessor (a chain written one call a line: `let pos = self` / `.cmd` / `.|`),
 * the lines above it that the chain goes on from, joined — up to one that ends a statement or opens
 * a block; when it starts by closing what a line above opened, that expression (withClosedExpression).
 */
export function textBeforeCursor(lines: readonly string[], cursor: number, column: number, language: LanguageId): string {
  let text = withClosedExpression(lines, cursor, (lines[cursor] ?? '').slice(0, column), language);
  for (let row = cursor - 1, n = 0; n < CHAIN_LINES && row >= 0 && CONTINUATION.test(text); row--, n++) {
    const above = codeWithoutStrings(lines[row] ?? '', language).trim();
    if (!above || /[;{}]$/.test(above)) break;
    text = above + text.trimStart();
  }
  return text;
}

/** The `(` that opens the `)` at `close`, or -1 (string literals are not told apart: a receiver's arguments seldom hold parentheses in quotes). */
function matchingOpen(text: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

/** What the members of a typed receiver weigh at most: as much as a name written on the cursor's line (definition-scores.ts's CURSOR_LINE_FACTOR). */
const TYPED_MEMBER_WEIGHT = 8;
/** A supertype's member weighs this share of the type's own: an override or the type's own API comes first. */
const SUPERTYPE_SHARE = 0.5;
/** Past this many members (a generated API), the rest are not read. */
const MEMBERS_MAX = 400;
/** A member shown whole when the typed prefix leaves at most this many; more come by their first line. */
const WHOLE_MAX = 3;
/** Python's `__init__`, `__repr__`: called through syntax, seldom by name. */
const DUNDER = /^__\w+__$/;
/** Receivers that mean the enclosing class's own instance or class. */
const SELF = new Set(['this', 'self', 'Self', 'cls']);

export interface TypedMemberInput {
  store: IndexStore;
  language: LanguageId;
  path: string;
  /** The file's own definitions (its last indexed version). */
  own: readonly SymbolRow[];
  /** 1-based line of the cursor. */
  line: number;
  /** The buffer's lines: a receiver's type is read from its nearest binding above the cursor. */
  lines: readonly string[];
  access: MemberAccess;
  /** The buffer's receivers and their types (receiver-types.ts). */
  receiverTypes: () => Map<string, Set<string>>;
  /** Files the buffer imports or sees in its scope: a type defined in several places is looked up there first. */
  visible: (path: string) => boolean;
  /** The public definitions of a module the file binds under this name (`click`, `gyp.common`, a Go package), or null. */
  moduleMembers: (binding: string) => readonly SymbolRow[] | null;
  /** A file's lines as the index has them (a Go or Rust struct's fields are read from its body), or null. */
  readLines?: (path: string) => readonly string[] | null;
  /** How many times the buffer around the cursor writes each name as a member (`x.name`; buffer-names.ts's NameUse.qualified). */
  accessed?: ReadonlyMap<string, number>;
}

/**
 * A member the buffer accesses twice or more weighs as many times more, up to this: a call the file
 * repeats (logrus's `entry.HasCaller()` in three `case` lines). Once says nothing: an else-if chain's
 * `DataType.isInt(…)`, `DataType.isDate(…)` each call one and are about to call another.
 */
const ACCESSED_FACTOR_MAX = 4;
const accessedFactor = (n: number) => (n >= 2 ? Math.min(ACCESSED_FACTOR_MAX, n) : 1);

/**
 * The members of the receiver the cursor is typing after — a module's public definitions when the
 * receiver is a module the file binds, else its type's members and its supertypes' — those the
 * typed prefix starts (any case), scored from half to all of TYPED_MEMBER_WEIGHT by how many files
 * use each. What the other signals say of a member is added to it where all signals meet
 * (anticipation's score joins the best entry of a definition, continuation raises every entry).
 * Empty when the receiver's type is not known or not defined in the code base.
 */
export function typedReceiverMembers(input: TypedMemberInput): ScoredDefinition[] {
  const { store, language, path, access } = input;
  const prefix = access.prefix.toLowerCase();
  const wanted = (name: string) => name.toLowerCase().startsWith(prefix) && (!DUNDER.test(name) || prefix.startsWith('_'));
  // `click.`, `gyp.common.`, Go's `middleware.`: a module the file binds; its public definitions.
  const moduleDefs = access.constructed || access.called.some(Boolean) ? null : input.moduleMembers(access.segments.join('.'));
  if (moduleDefs) {
    const byName = new Map<string, SymbolRow>();
    for (const def of moduleDefs) if (def.path !== path && wanted(def.name) && !byName.has(def.name)) byName.set(def.name, def);
    return scoredMembers(store, [...byName.values()].slice(0, MEMBERS_MAX).map((def) => ({ def, share: 1 })), input.accessed);
  }
  const types = receiverType(input);
  if (!types.length) return [];
  const own = new Set(types);
  const byName = new Map<string, { def: SymbolRow; share: number }>();
  for (const type of withSupertypes(store, types)) {
    const share = own.has(type) ? 1 : SUPERTYPE_SHARE;
    for (const file of memberFiles(store, language, type, input.visible)) {
      if (file === path) continue;
      for (const def of store.symbols.inFile(file)) {
        // The type's own before a supertype's of the same name: the override is what runs.
        if (callableMemberOf(def, type, path) && wanted(def.name) && !byName.has(def.name)) byName.set(def.name, { def, share });
      }
    }
    if (byName.size >= MEMBERS_MAX) break;
  }
  const members = scoredMembers(store, [...byName.values()].slice(0, MEMBERS_MAX), input.accessed);
  // A Go or Rust struct's fields are no symbols: the types of those the prefix starts (`entry.` →
  // its `Level Level`, `Data Fields`) are what such a member is, at the least used member's weight.
  if (input.readLines) {
    const seen = new Set<string>();
    for (const f of structFields(store, input.readLines, types)) {
      if (!wanted(f.name) || seen.has(f.type)) continue;
      seen.add(f.type);
      for (const def of typeDefinitions(store, language, f.type, input.visible)) members.push({ def, score: TYPED_MEMBER_WEIGHT / 2, distance: 0, offered: true, compact: true });
    }
  }
  return members;
}

/**
 * The members a typed receiver offers, scored from half to all of TYPED_MEMBER_WEIGHT by how many
 * files use each (and their share), and how often the buffer accesses it (`accessed`,
 * ACCESSED_FACTOR_MAX).
 */
function scoredMembers(store: IndexStore, members: readonly { def: SymbolRow; share: number }[], accessed?: ReadonlyMap<string, number>): ScoredDefinition[] {
  if (!members.length) return [];
  // How many files use each name, damped: `length` or `type` are used everywhere, and not as this
  // type's. A large API too (cobra's Command, 150 methods): declared in file order, its `Flags()` came
  // past 4,000 characters behind setters no file calls (a lookup each, within MEMBERS_MAX).
  const weights = members.map((m) => m.share * Math.sqrt(1 + filesUsing(store, m.def.name)) * accessedFactor(accessed?.get(m.def.name) ?? 0));
  const top = Math.max(...weights);
  const compact = members.length > WHOLE_MAX;
  // Every one of them is a candidate for the name being typed: the least used still ranks at half the most used.
  return members.map((m, i) => ({ def: m.def, score: TYPED_MEMBER_WEIGHT * (1 + weights[i] / top) / 2, distance: 0, offered: true, ...(compact ? { compact } : {}) }));
}

/**
 * The receiver's types: the last part's, followed from the first through fields and calls (or from
 * the type or function a path through modules names: `reqwest::blocking::Body::`).
 */
function receiverType(input: TypedMemberInput, depth = 0): string[] {
  const { store, language, access } = input;
  const { segments, called } = access;
  const first = segments[0];
  let types: string[];
  let start = 0;
  if (access.constructed) types = definesType(store, first) ? [first] : [];
  else if (SELF.has(first)) types = enclosingTypes(input.own, input.line);
  else if (first === 'super') {
    const enclosing = enclosingTypes(input.own, input.line);
    types = withSupertypes(store, enclosing).filter((t) => !enclosing.includes(t));
  } else if (called[0]) {
    const t = returnTypeOf(store, language, first, '');
    types = t ? [t] : [];
  } else types = variableTypes(input, first, depth);
  if (!types.length && !access.constructed) {
    start = modulePathPart(store, access);
    if (start > 0) {
      // `blocking::get(…).`: what the module's function returns; `blocking::Body::`: the type itself
      // (where several types have the name, the file's imports and scope choose, as for any type).
      const qualifier = MODULE_PATH_ROOTS.has(segments[start - 1]) ? '' : segments[start - 1];
      const returned = called[start] ? returnTypeOf(store, language, segments[start], qualifier) : null;
      types = called[start] ? (returned ? [returned] : []) : [segments[start]];
    }
  }
  for (let k = start + 1; k < segments.length && types.length; k++) {
    const widened = withSupertypes(store, types);
    const found = partType(store, widened, segments[k], called[k]);
    types = found.length || called[k] || !input.readLines ? found : structFieldType(store, input.readLines, widened, segments[k]);
  }
  return types;
}

/** Path parts that name no module of their own: Rust's `crate::`, `self::`, `super::`. */
const MODULE_PATH_ROOTS = new Set(['crate', 'self', 'super']);

/**
 * `reqwest::blocking::Body::`, `crate::error::Kind::`, `click.types.Choice.`, `blocking::get(…).`: a
 * receiver that is a path through modules (lower-case parts, none called) to a type the code base
 * defines or to a function called: that part's index, else 0. Only what the first part could not
 * be read as comes here.
 */
function modulePathPart(store: IndexStore, access: MemberAccess): number {
  const { segments, called } = access;
  for (let k = 1; k < segments.length; k++) {
    if (called[k - 1] || !/^[a-z_]/.test(segments[k - 1])) return 0;
    if (called[k] || (/^[A-Z]/.test(segments[k]) && definesType(store, segments[k]))) return k;
  }
  return 0;
}

/** A receiver's binding is looked for this many lines above the cursor. */
const BINDING_LINES = 150;
/** A binding's statement is read over this many lines (a builder's chain, a call a line). */
const BINDING_STATEMENT_LINES = 24;
/** …and this many characters: a value longer than that (minified code) is not read. */
const BINDING_STATEMENT_CHARS = 4_000;
/** Bindings are followed through the bindings of their receivers (`let c = Client::new();` above `let r = c.get(…)`) this deep. */
const BINDING_DEPTH = 2;
/** A line longer than this is read as binding nothing. */
const BINDING_LINE_CHARS = 400;
/** A line that starts a function: a binding above it is another function's. */
const FUNCTION_START = /^\s*(?:(?:pub(?:\([^)]*\))?|export|async|static|public|private|protected)\s+)*(?:fn|func|def|function)\b/;

/**
 * The types of `name` as its nearest binding above the cursor gives them — what the value it is
 * assigned is (`let res = reqwest::blocking::get(&url).unwrap();`, `x := NewServer()`), followed
 * along the calls chained on it by their declared return types (`Client::builder().timeout(t).build()`
 * is what `build` returns), else what the language's rule reads on that statement — so a name each
 * test binds anew (`res`) is the type its own test gives it; a parameter or a declaration with its
 * type (`void draw(Widget w) {`, `w: Widget`) as the rule reads that line. Null when no binding is
 * found in the function, or a parameter's type is none the code base defines: the buffer's
 * receiver map answers then.
 */
function bindingTypes(input: TypedMemberInput, name: string, depth: number): string[] | null {
  if (depth > BINDING_DEPTH) return null;
  const { lines, store, language } = input;
  const escaped = name.replace(/\$/g, '\\$');
  // (What stands before the name, captured: a declaration's keyword or type, or the names before it.)
  const bind = new RegExp(`^(\\s*(?:(?:let|const|var|val|auto|final)\\s+(?:mut\\s+)?|[\\w$.<>\\[\\], ?]+\\s+)?)${escaped}(?:\\s*,\\s*[A-Za-z_]\\w*)*\\s*(?::\\s*[^=;]{1,80}?)?\\s*(?::=|=(?![=>]))`);
  const annotated = new RegExp(`(?<![\\w$.])${escaped}\\s*:\\s*[&*A-Za-z_]`);
  const cursor = input.line - 1;
  for (let row = cursor - 1; row >= Math.max(0, cursor - BINDING_LINES); row--) {
    const line = lines[row] ?? '';
    // (A minified line is read as binding nothing: the patterns below are not run on it.)
    if (!line.includes(name) || line.length > BINDING_LINE_CHARS) {
      if (FUNCTION_START.test(line)) return null;
      continue;
    }
    // What the language's rule reads on this line alone (`Widget w`, `w: Widget`, `w *Widget`).
    const declaredHere = () => [...(receiverTypesNear(store, language, [line], { from: 0, to: 1 }).get(name) ?? [])].filter((t) => definesType(store, t));
    const m = bind.exec(line);
    // A parameter (a closure's too: Go's `func(w http.ResponseWriter, r *http.Request)` inside a
    // function that bound `r` above) or a declaration with its type is the binding in scope: its
    // declared type, else what the receiver map says.
    if (bindsParameter(line, name) || (!m && annotated.test(line))) {
      const declared = declaredHere();
      return declared.length ? declared : null;
    }
    if (!m) {
      if (FUNCTION_START.test(line)) return null;
      continue;
    }
    // `logger, hook := NewNullLogger()`: a call's one type is its first value's.
    if (/,\s*$/.test(m[1])) return null;
    const statement = bindingStatement(lines, row, m[0].length, language);
    const valueAccess = statement === null ? null : memberAccessAt(`${passedThrough(statement)}.`);
    if (valueAccess && !valueAccess.prefix) {
      const types = receiverType({ ...input, access: valueAccess, line: row + 1 }, depth + 1);
      if (types.length) return types;
    }
    // (`Foo x = …`, `x: Foo = …`: the statement's own declaration.)
    return declaredHere();
  }
  return null;
}

/**
 * Parameter lists on a line: `func(…)`, `function f(…)`, `fn f(…)`, `def f(…)`, a Rust closure's
 * `|…|`, an arrow function's `(…) =>`, `lambda …:`, and a list that opens a block, as a Java or
 * C# method's does (`void draw(Widget w) throws E {`; an `if (…) {` reads the same, which only
 * leaves its names to the receiver map).
 */
const PARAMETER_LISTS = /\b(?:func|function|fn|def)\b\s*[\w$]*\s*(?:<[^<>()]*>)?\s*\(([^()]*)\)|\|([^|]*)\|\s*(?:move\b|[{\w(])|\(([^()]*)\)\s*(?::\s*[^=()]+)?=>|\blambda\b([^:]*):|\(([^()]*)\)\s*(?:throws\s+[\w.,\s]+)?\{\s*$/g;

/** Whether a parameter list on the line (PARAMETER_LISTS), or an arrow function's lone parameter (`r =>`), names `name`. */
function bindsParameter(line: string, name: string): boolean {
  const word = new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`);
  for (const m of line.matchAll(PARAMETER_LISTS)) if (word.test(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '')) return true;
  return new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\s*=>`).test(line);
}

/**
 * The value a binding on `row` assigns, from `from` on, joined over the lines its brackets or its
 * chain of calls go on, every bracket emptied (`Command::new().version().arg()`), `;` and `,` after
 * it left out; null when it does not end within BINDING_STATEMENT_LINES and BINDING_STATEMENT_CHARS.
 */
function bindingStatement(lines: readonly string[], row: number, from: number, language: LanguageId): string | null {
  const code = (line: string) => codeWithoutStrings(line, language).trim();
  let text = code((lines[row] ?? '').slice(from));
  let depth = bracketBalance(text);
  for (let next = row + 1; next < Math.min(lines.length, row + BINDING_STATEMENT_LINES); next++) {
    const after = code(lines[next] ?? '');
    if (depth <= 0 && !CONTINUATION.test(after)) break;
    text += after;
    if (text.length > BINDING_STATEMENT_CHARS) return null;
    depth += bracketBalance(after);
  }
  if (depth !== 0 || text.length > BINDING_STATEMENT_CHARS) return null;
  return emptiedBrackets(text).replace(/[;,]\s*$/, '');
}

/** An expression without the calls at its end that hand back what they are called on (PASS_THROUGH_CALLS), nor `?` or `.await`. */
function passedThrough(expr: string): string {
  let text = expr.trimEnd();
  for (let guard = 0; guard < 8; guard++) {
    if (text.endsWith('?')) text = text.slice(0, -1).trimEnd();
    else if (/\.await$/.test(text)) text = text.slice(0, -'.await'.length);
    else if (text.endsWith(')')) {
      const open = matchingOpen(text, text.length - 1);
      const call = open > 0 ? /\.\s*([A-Za-z_]\w*)\s*$/.exec(text.slice(0, open)) : null;
      if (!call || !PASS_THROUGH_CALLS.has(call[1])) break;
      text = text.slice(0, open - call[0].length).trimEnd();
    } else break;
  }
  return text;
}

/**
 * A name's types: as the buffer types it; else a type of that name itself (`Config.` reaches its
 * statics); else the type it is named after (`visitor` → Visitor). Where no type is declared, as in
 * JavaScript, a constructor function with methods on its prototype (`reply` → `function Reply`,
 * `Reply.prototype.send = …`) or an object built with methods under the name itself counts as one.
 */
function variableTypes(input: TypedMemberInput, name: string, depth = 0): string[] {
  const { store, language } = input;
  if (isKeyword(name)) return [];
  const bound = bindingTypes(input, name, depth);
  if (bound) return bound;
  const typed = [...(input.receiverTypes().get(name) ?? [])].filter((t) => definesType(store, t));
  if (typed.length) return typed;
  if (/^[A-Z]/.test(name) && definesType(store, name)) return [name];
  const named = typeNamedLike(name);
  if (named && definesType(store, named)) return [named];
  for (const candidate of named ? [named, name] : [name]) if (hasMembers(store, language, candidate)) return [candidate];
  return [];
}

/** Past this many definitions of a name, its files are not searched for members under it. */
const OWNER_DEFS_MAX = 8;

/** Whether a definition of `owner` (a function, an object) has callable members under its name in its file. */
function hasMembers(store: IndexStore, language: LanguageId, owner: string): boolean {
  return ownerFiles(store, language, owner).some((f) => store.symbols.inFile(f).some((m) => callableMemberOf(m, owner)));
}

/** The files of a type's members: those that define it as a type, else those that define the name at all (a constructor function, an object). */
function memberFiles(store: IndexStore, language: LanguageId, type: string, visible: (path: string) => boolean): string[] {
  const files = typeFiles(store, language, type, visible);
  return files.length ? files : ownerFiles(store, language, type);
}

/**
 * The files of a name's definitions that may own members: not a function's local, nor another
 * definition's member (a `Reply:` property of a test's type parameters), nor a binding of what a
 * module exports (`const Reply = require('./reply')`); none past OWNER_DEFS_MAX of them.
 */
function ownerFiles(store: IndexStore, language: LanguageId, name: string): string[] {
  const defs = definitionsFrom(store, name, language).filter((d) => d.kind !== 'local' && !d.container && !importBinding(d));
  return defs.length > OWNER_DEFS_MAX ? [] : [...new Set(defs.map((d) => d.path))];
}

/**
 * The classes, structs, impls or traits around the cursor in the file, innermost first; else the
 * type of the method around it (a Rust `impl` block is no symbol: its methods name their type).
 */
function enclosingTypes(own: readonly SymbolRow[], line: number): string[] {
  const around = own
    .filter((s) => s.start_line <= line && line <= s.end_line)
    .sort((a, b) => a.end_line - a.start_line - (b.end_line - b.start_line));
  const types = around.filter((s) => RECEIVER_TYPE_KINDS.has(s.kind) || s.kind === 'impl').map((s) => s.name);
  if (types.length) return types;
  const method = around.find((s) => s.container && MEMBER_KINDS.has(s.kind));
  return method ? [method.container!] : [];
}

/** The type of `types`' member `name`: a field's declared or constructed type, a method's declared return type; else a nested type of that name. */
function partType(store: IndexStore, types: readonly string[], name: string, called: boolean): string[] {
  const inTypes = new Set(types);
  const found = new Set<string>();
  for (const def of store.symbols.lookup(name)) {
    if (!def.container || !inTypes.has(def.container) || !MEMBER_KINDS.has(def.kind)) continue;
    const declared = called ? declaredReturnType(def.signature, def.name, def.path) : declaredFieldType(def);
    const t = declared === 'Self' ? def.container : declared;
    if (t && definesType(store, t)) found.add(t);
  }
  if (found.size) return [...found];
  return /^[A-Z]/.test(name) && definesType(store, name) ? [name] : [];
}

/** Past this many lines a struct's body is not read for a field. */
const STRUCT_LINES_MAX = 200;
/** Wrappers whose members are their content's (Rust's smart pointers and cells, `Option`): the type inside is the receiver's. */
const WRAPPERS = new Set(['Box', 'Arc', 'Rc', 'Option', 'RefCell', 'Cell', 'Mutex', 'RwLock', 'Pin']);

/**
 * Go's and Rust's struct fields are no symbols (their names would compete with the functions of
 * those names for every bare use): a struct's fields are read from its body — `io: Buffered<I, B>`,
 * `pub(crate) inner: Arc<ClientRef>`, `mux *Mux`, `Name, Alias string` — each with the type it names
 * when the code base defines it (a wrapper's content taken for the wrapper).
 */
function structFields(store: IndexStore, readLines: (path: string) => readonly string[] | null, types: readonly string[]): { name: string; type: string }[] {
  const out: { name: string; type: string }[] = [];
  for (const type of types) {
    for (const def of store.symbols.lookup(type)) {
      if (def.kind !== 'struct' || !/\.(go|rs)$/.test(def.path)) continue;
      const lines = readLines(def.path);
      if (!lines) continue;
      const isGo = def.path.endsWith('.go');
      for (let row = def.start_line; row < Math.min(def.end_line, def.start_line + STRUCT_LINES_MAX, lines.length); row++) {
        const m = (isGo ? GO_FIELD : RUST_FIELD).exec(lines[row]);
        const t = m && (isGo ? m[2].replace(/^\*/, '').split('.').pop()! : rustContent(m[2]));
        if (!m || !t || !definesType(store, t)) continue;
        for (const name of m[1].split(',')) out.push({ name: name.trim(), type: t });
      }
    }
  }
  return out;
}

/** A Rust field line: `pub(crate) name: Type,`. */
const RUST_FIELD = /^\s*(?:pub(?:\([^)]*\))?\s+)?([A-Za-z_]\w*)\s*:\s*(.+?)\s*,?\s*(?:\/\/.*)?$/;
/** A Go field line: `name, other *pkg.Type` (an embedded field, a type alone, names none). */
const GO_FIELD = /^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+(\*?(?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*)/;

/** Along `self.io.` or `s.mux.`: the types of the receiver types' fields of that name. */
function structFieldType(store: IndexStore, readLines: (path: string) => readonly string[] | null, types: readonly string[], name: string): string[] {
  return [...new Set(structFields(store, readLines, types).filter((f) => f.name === name).map((f) => f.type))];
}

/** The type a Rust field's type names: `Buffered<I, B>` → Buffered, `Arc<Mutex<Inner>>` → Inner, `&'a mut Conn` → Conn. */
function rustContent(written: string): string | null {
  let t = written.replace(/^&\s*(?:'\w+\s+)?(?:mut\s+)?/, '').trim();
  for (let depth = 0; depth < 4; depth++) {
    const m = /^(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)\s*(?:<(.*)>)?$/.exec(t);
    if (!m) return null;
    if (!WRAPPERS.has(m[1]) || !m[2]) return m[1];
    t = m[2].split(',')[0].trim();
  }
  return null;
}
