import type { LanguageId } from '../indexer/languages.js';

/**
 * The identifiers written around the cursor, nearest first. These are the
 * names whose definitions a completion most likely needs.
 */
export interface NameUse {
  name: string;
  /** Weighted line distance to the cursor (lines below count 1.5×: code reads top-down). */
  distance: number;
  /** How often the name is written in the lines looked at. */
  count: number;
  /** How many of those are uses in code, not mentions in comments (a name an import binds and only comments mention is still unused). */
  codeCount: number;
  /** The weighted distance of its nearest use in code (Infinity when only comments mention it). */
  codeDistance: number;
  /** The identifiers written right before `.name` or `::name` (`dtypes` in `dtypes.Float64`, `Type` in `Type.Int`, `Body` in `Body::wrap_stream`). */
  qualifiers: string[];
  /** How many of the uses are member accesses (`x.name`, `this.name`) rather than the bare name. */
  qualified: number;
}

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/g;
/** The identifier a member access starts from: `a.` or `a?.` at the end of the text, or a path's `Type::` (Rust, C++, PHP). */
const QUALIFIER = /([A-Za-z_$][A-Za-z0-9_$]*)(?:\??\.|::)$/;

/** Words no definition lookup should waste time on (keywords and literals of the common languages). */
const KEYWORDS = new Set(
  (
    'abstract and as assert async await bool boolean break byte case catch char class const constructor continue def defer del delete do double elif else enum except export extends false final finally float for from func function global go goto if impl implements import in instanceof int interface is lambda let long match mod module mut namespace new nil none None not null object of or package pass private protected pub public raise readonly return self Self short static string struct super switch synchronized this throw throws true True False try type typeof undefined union unsafe use var void volatile where while with yield'
  ).split(' '),
);

/** Whether a word is a keyword or literal of a common language (`self`, `None`, `undefined`), no name of a definition. */
export function isKeyword(word: string): boolean {
  return KEYWORDS.has(word);
}

/** Keywords a language writes after a dot (Java's `int.class`, `Outer.this`, `outer.new Inner()`; Rust's `.await`): no member's name. */
const DOTTED_KEYWORDS = new Set(['class', 'this', 'super', 'new', 'await']);

/** Whether the word at `index` of `text` is a name: no keyword, unless a dot comes before it (`gen.break()`, `promise.catch(…)` name members). */
export function isNameAt(text: string, index: number, word: string): boolean {
  return !KEYWORDS.has(word) || (text[index - 1] === '.' && !DOTTED_KEYWORDS.has(word));
}

/** A line with its code's string literals emptied, its comment kept (read as if no block comment were open). */
export function withoutStrings(line: string, language: LanguageId): string {
  const { code, comment } = splitComment(line, lineSyntax(language), null);
  return comment ? `${code} ${comment}` : code;
}

/**
 * A line's code, its string literals emptied and its comments left out: what a reader that counts
 * brackets takes (typed-member.ts).
 */
export function codeWithoutStrings(line: string, language: LanguageId): string {
  return splitComment(line, lineSyntax(language), null).code;
}

/**
 * How a language's lines are read: whether `#` starts a comment (and triple quotes a docstring)
 * rather than `//` and `/* … *\/`; which quotes open strings; whether a single quote holds one
 * character only (a closed `'…'` longer than that, Rust's `'a>(x: &'a`, is code); whether a
 * backquoted string is raw (Go's: a backslash in it escapes nothing).
 */
interface LineSyntax {
  hashComments: boolean;
  quotes: string;
  charQuotes: boolean;
  rawBackquotes: boolean;
}

/** Languages whose comments start with `#`. */
const HASH_COMMENT_LANGUAGES: ReadonlySet<LanguageId> = new Set(['python', 'ruby', 'bash']);
/** Languages whose single quotes hold one character (`'('`), or start a lifetime (Rust's `'a`), never a string. */
const CHAR_QUOTE_LANGUAGES: ReadonlySet<LanguageId> = new Set(['rust', 'go', 'java', 'csharp', 'c', 'cpp', 'kotlin', 'scala', 'swift']);
const syntaxes = new Map<LanguageId, LineSyntax>();

/** The language's LineSyntax (a language without rules of its own: `//` comments, every quote a string's, as in JavaScript). */
function lineSyntax(language: LanguageId): LineSyntax {
  let syntax = syntaxes.get(language);
  if (!syntax) {
    const charQuotes = CHAR_QUOTE_LANGUAGES.has(language);
    syntax = { hashComments: HASH_COMMENT_LANGUAGES.has(language), quotes: charQuotes && language !== 'go' ? `"'` : `"'\``, charQuotes, rawBackquotes: language === 'go' };
    syntaxes.set(language, syntax);
  }
  return syntax;
}

/** A character that may start a string literal or a comment. */
const NOT_PLAIN = /["'`#/]/;

/**
 * A line split into its code (string literals emptied) and its comments: `//` or `#` (as the
 * language's `syntax` says) to the end, `/* … *\/` blocks, Python's docstrings. `open` is the block
 * comment the line starts in (its closing token), and the result's `open` the one it leaves open.
 */
function splitComment(line: string, syntax: LineSyntax, open: string | null): { code: string; comment: string; open: string | null } {
  const { hashComments } = syntax;
  // Most lines hold no quote and no comment: all code, without a walk over their characters.
  if (!open && !NOT_PLAIN.test(line)) return { code: line, comment: '', open: null };
  let code = '';
  let comment = '';
  let i = 0;
  // Quotes found never closed on this line: the next ones of that kind are code too, without looking
  // to the end again (a line of 80,000 `\"` took 1.7 s that way).
  let unclosed = '';
  while (i < line.length) {
    if (open) {
      const end = line.indexOf(open, i);
      comment += ' ' + line.slice(i, end < 0 ? line.length : end);
      if (end < 0) return { code, comment, open };
      i = end + open.length;
      open = null;
      continue;
    }
    const c = line[i];
    if (hashComments && (c === '"' || c === "'") && line.startsWith(c.repeat(3), i)) {
      open = c.repeat(3); // a docstring (or any triple-quoted text): its words are prose
      i += 3;
    } else if (syntax.quotes.includes(c) && !unclosed.includes(c)) {
      // (Go's backquoted strings are raw: a backslash in them escapes nothing.)
      const escapes = c !== '`' || !syntax.rawBackquotes;
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += escapes && line[j] === '\\' ? 2 : 1;
      // Never closed on the line (a Rust lifetime `'a`, an apostrophe): the quote is code after all.
      if (j >= line.length) {
        code += c;
        unclosed += c;
      } else if (syntax.charQuotes && c === "'" && !isCharLiteral(line.slice(i + 1, j))) {
        code += c; // closed, but no character literal: a lifetime (`'a>(x: &'a`); what follows is code
      } else {
        code += '""';
        i = j;
      }
      i++;
    } else if ((c === '/' && line[i + 1] === '/') || (hashComments && c === '#')) return { code, comment: comment + ' ' + line.slice(i), open: null };
    else if (!hashComments && c === '/' && line[i + 1] === '*') {
      open = '*/';
      i += 2;
    } else {
      code += c;
      i++;
    }
  }
  return { code, comment, open };
}

/** What a character literal holds: one character, or one escape (`\\n`, `\\u{1F600}`). */
function isCharLiteral(inside: string): boolean {
  return inside.length === 1 ? inside !== '\\' : inside.startsWith('\\') && inside.length <= 10;
}

/**
 * The block comment or docstring open where line `row` starts (its closing token), read from the
 * top of the file: a window that starts inside one (a long Python file's docstring) would take its
 * close for an opening and read every comment after it as code, and the code as comments. Only
 * lines that can open or close one are split.
 */
function commentOpenAt(lines: readonly string[], row: number, syntax: LineSyntax): string | null {
  // A second reader of the same buffer (a request reads it for namesNearCursor, then for
  // namesOnNearestCodeLines) goes on from where the first stopped, not from the top again.
  const last = openAt.get(lines);
  const resume = last && last.syntax === syntax && last.row <= row ? last : null;
  let open = resume?.open ?? null;
  const marks = syntax.hashComments ? ['"""', "'''"] : ['/*', '*/'];
  for (let l = resume?.row ?? 0; l < row; l++) {
    const line = lines[l];
    if (open ? !line.includes(open) : !marks.some((m) => line.includes(m))) continue;
    open = splitComment(line, syntax, open).open;
  }
  openAt.set(lines, { row, open, syntax });
  return open;
}

/** Per buffer (its lines, as a request holds them), the last row commentOpenAt read to and what was open there. */
const openAt = new WeakMap<readonly string[], { row: number; open: string | null; syntax: LineSyntax }>();

/**
 * What of a comment names code: qualified names (`middleware.RequestID`, `Body::new`), calls
 * (`parse(…)`), names in backticks or doc links (`[Client]`, `{@link Client}`), and identifiers no
 * English word looks like (`parseConfig`, `max_size`). Plain words ("the server starts") are left out:
 * they would look up every definition named like an English word.
 */
function codeInComment(comment: string): string {
  const keep: string[] = [];
  for (const m of comment.matchAll(COMMENT_CODE)) keep.push(m[0]);
  return keep.join(' ; ');
}

const COMMENT_CODE = new RegExp(
  [
    String.raw`[A-Za-z_$][\w$]*(?:(?:\??\.|::)[A-Za-z_$][\w$]*)+(?:\()?`, // a.b.c, a::b, a.b(
    // (The space after @link is bounded: a lookbehind of `\s+` rescanned a run of spaces at each of its
    // positions, 2.3 s on a comment of 80,000 spaces.)
    String.raw`(?<=[\x60[]|@link\s{1,8})[A-Za-z_$][\w$]*(?=[\x60\]}])`, // a name in backticks, [Name], {@link Name}
    String.raw`[A-Za-z_$][\w$]*\(`, // call(
    String.raw`\b[a-z][a-z0-9]*[A-Z][\w$]*`, // camelCase
    String.raw`\b[A-Z][a-z0-9]+[A-Z][\w$]*`, // PascalCase of two words or more
    String.raw`\b[A-Za-z][A-Za-z0-9]*_[\w$]+`, // snake_case
  ].join('|'),
  'g',
);

/** How much farther a name mentioned in a comment counts than one written in code on the same line. */
const COMMENT_DISTANCE_FACTOR = 2;

/** The lines around the cursor whose names count: 600 above, 200 below (`to` exclusive). */
export function nameWindow(cursorLine: number, lineCount: number): { from: number; to: number } {
  return { from: Math.max(0, cursorLine - NAME_LINES_ABOVE), to: Math.min(lineCount, cursorLine + NAME_LINES_ABOVE / 3 + 1) };
}

export const NAME_LINES_ABOVE = 600;

/** How far from the cursor the lines that name something are looked for. */
const CODE_LINES_REACH = 12;

/**
 * The names written on the lines nearest the cursor that name something: `above` of them above it
 * and `below` below, past blank lines, comments, and lines of keywords and braces only (`} else {`,
 * `try {`, `return;`). Across the branches of an if/else (`o.setWrappedStream(new
 * FixedLengthOutputStream(…))`, `} else {`, `if (http10) {`, the cursor, …, `new
 * ChunkedOutputStream(…)`), the statements a run is made of are that many such lines away, however
 * many braces lie between.
 */
export function namesOnNearestCodeLines(lines: readonly string[], cursorLine: number, above: number, below: number, opts: { language?: LanguageId } = {}): Set<string> {
  const syntax = lineSyntax(opts.language ?? 'text');
  const from = Math.max(0, cursorLine - CODE_LINES_REACH);
  const to = Math.min(lines.length, cursorLine + CODE_LINES_REACH + 1);
  // Each line's code, comments left out, from `from` on.
  const code: string[] = [];
  let open = commentOpenAt(lines, from, syntax);
  for (let l = from; l < to; l++) {
    const split = splitComment(lines[l], syntax, open);
    open = split.open;
    code.push(split.code);
  }
  const out = new Set<string>();
  // From the cursor outwards, one way (`step`), until `wanted` lines have named something.
  const take = (step: 1 | -1, wanted: number) => {
    for (let l = cursorLine + step, taken = 0; taken < wanted && l >= from && l < to; l += step) {
      const names = [...code[l - from].matchAll(IDENT)].filter((m) => m[0].length > 1 && isNameAt(m.input!, m.index!, m[0])).map((m) => m[0]);
      if (names.length) taken++;
      for (const n of names) out.add(n);
    }
  };
  take(-1, above);
  take(1, below);
  return out;
}

export function namesNearCursor(lines: readonly string[], cursorLine: number, opts: { language?: LanguageId } = {}): NameUse[] {
  const syntax = lineSyntax(opts.language ?? 'text');
  const best = new Map<string, number>();
  const counts = new Map<string, number>();
  const qualifiers = new Map<string, Set<string>>();
  const qualified = new Map<string, number>();
  const codeCounts = new Map<string, number>();
  const inCode = new Map<string, number>();
  const record = (text: string, d: number, comment = false) => {
    IDENT.lastIndex = 0;
    for (let m = IDENT.exec(text); m; m = IDENT.exec(text)) {
      const name = m[0];
      if (name.length < 2 || !isNameAt(text, m.index, name)) continue;
      const cur = best.get(name);
      if (cur === undefined || d < cur) best.set(name, d);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (!comment) {
        codeCounts.set(name, (codeCounts.get(name) ?? 0) + 1);
        if (d < (inCode.get(name) ?? Infinity)) inCode.set(name, d);
      }
      if (m.index > 0 && (text[m.index - 1] === '.' || (text[m.index - 1] === ':' && text[m.index - 2] === ':'))) {
        qualified.set(name, (qualified.get(name) ?? 0) + 1);
        const q = QUALIFIER.exec(text.slice(Math.max(0, m.index - 80), m.index))?.[1];
        // `self.x` is a qualifier too: a receiver rule types it as the enclosing class or impl (and its bases)
        if (q && (!KEYWORDS.has(q) || q === 'self')) {
          let set = qualifiers.get(name);
          if (!set) qualifiers.set(name, (set = new Set()));
          set.add(q);
        }
      }
    }
  };
  const { from, to } = nameWindow(cursorLine, lines.length);
  let inComment = commentOpenAt(lines, from, syntax);
  for (let l = from; l < to; l++) {
    const { code, comment, open } = splitComment(lines[l], syntax, inComment);
    inComment = open;
    const d = l <= cursorLine ? cursorLine - l : (l - cursorLine) * 1.5;
    if (code.trim()) record(code, d);
    if (comment) record(codeInComment(comment), (d + 1) * COMMENT_DISTANCE_FACTOR, true);
  }
  return [...best]
    .map(([name, distance]) => ({
      name,
      distance,
      count: counts.get(name)!,
      codeCount: codeCounts.get(name) ?? 0,
      codeDistance: inCode.get(name) ?? Infinity,
      qualifiers: [...(qualifiers.get(name) ?? [])],
      qualified: qualified.get(name) ?? 0,
    }))
    .sort((a, b) => a.distance - b.distance);
}

/**
 * Declared or constructed types of the names in a buffer, as far as a line shows them:
 * `x: Type`, `x = new Type(`, `x = await Type.open(`, `x = Type(` (Python), `x := &Type{` and Go's
 * `x *Type` parameters. `x.send(…)` then most likely means Type's `send`. Only the type's own name
 * is kept (`pkg.Type` → `Type`).
 */
export function declaredTypes(lines: readonly string[], opts: { go?: boolean; from?: number; to?: number } = {}): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string, type: string) => {
    let set = out.get(name);
    if (!set) out.set(name, (set = new Set()));
    set.add(type);
  };
  const patterns = [ANNOTATED, ASSIGNED, ...(opts.go ? [GO_PARAMETER] : [])];
  for (const line of lines.slice(opts.from ?? 0, opts.to ?? lines.length)) {
    if (!/[:=]|\*/.test(line)) continue;
    for (const re of patterns) for (const m of line.matchAll(re)) if (!KEYWORDS.has(m[1])) add(m[1], m[2]);
  }
  return out;
}

const TYPE = String.raw`(?:[A-Za-z_$][\w$]*\.)?([A-Z][\w$]*)`;
const ANNOTATED = new RegExp(String.raw`([A-Za-z_$][\w$]*)\??\s*:\s*(?:readonly\s+)?${TYPE}`, 'g');
const ASSIGNED = new RegExp(String.raw`([A-Za-z_$][\w$]*)\s*:?=\s*(?:await\s+)?(?:new\s+)?&?${TYPE}\s*[.({]`, 'g');
const GO_PARAMETER = new RegExp(String.raw`\b([a-z]\w*)\s+\*?${TYPE}\b`, 'g');

/** An import list the cursor is inside of: `import {⋯} from 'spec'`, `from spec import (⋯)`. */
export interface ImportListAtCursor {
  specifier: string;
  /** 0-based first and last line of the statement. */
  startLine: number;
  endLine: number;
  /** The identifiers written in the statement. */
  names: Set<string>;
  /** Those of them written on the lines right above and below the cursor. */
  beside: Set<string>;
}

/** How far from the cursor an open import list is looked for. */
const IMPORT_LIST_LINES = 200;

/**
 * The multi-line import statement around the cursor, if any: completing a
 * line there means naming more of what that module defines.
 */
export function importListAtCursor(lines: readonly string[], cursorLine: number, python: boolean): ImportListAtCursor | null {
  const opener = python ? /^\s*from\s+([\w.]+)\s+import\s*\([^)]*$/ : /^\s*(?:import|export)\s+(?:type\s+)?\{[^}]*$/;
  const closer = python ? /\)/ : /^\s*\}\s*from\s*(['"])([^'"]+)\1/;
  let start = -1;
  for (let l = cursorLine - 1; l >= Math.max(0, cursorLine - IMPORT_LIST_LINES); l--) {
    if (opener.test(lines[l])) {
      start = l;
      break;
    }
    if (/[;{}()]|^\s*(import|export|from|def|class|function|const|let|var)\b/.test(lines[l])) return null;
  }
  if (start < 0) return null;
  let end = -1;
  for (let l = cursorLine + 1; l < Math.min(lines.length, cursorLine + IMPORT_LIST_LINES); l++) {
    if (closer.test(lines[l])) {
      end = l;
      break;
    }
    if (/[;{}()]|^\s*(import|export|from|def|class|function|const|let|var)\b/.test(lines[l])) return null;
  }
  if (end < 0) return null;
  const specifier = python ? opener.exec(lines[start])![1] : closer.exec(lines[end])![2];
  const names = new Set<string>();
  const beside = new Set<string>();
  for (let l = start; l <= end; l++) {
    for (const m of lines[l].matchAll(IDENT)) {
      names.add(m[0]);
      if (Math.abs(l - cursorLine) === 1) beside.add(m[0]);
    }
  }
  return { specifier, startLine: start, endLine: end, names, beside };
}
