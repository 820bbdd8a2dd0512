/**
 * Post-processing of a raw FIM completion: the text to insert at the cursor.
 *
 * ```ts
 * postprocessCompletion({ completion: 'a, b);\nfoo();', prefix: 'call(', suffix: ')\n', language: 'typescript' });
 * // 'a, b'  — one line mid-line, and the suffix already closes the call
 * ```
 *
 * Where it stops, by the cursor's situation:
 * - mid-line (text before the cursor on its line and after it): one line;
 * - after a line that opens a block (`{`, `(`, `[`, `=>`, or `:` in Python):
 *   the end of that block — its matching closing bracket, or the first line
 *   back at the opening line's indentation (included when it starts with a
 *   closing bracket, left out otherwise);
 * - else: before the first blank line or the first line indented less than
 *   the cursor's line.
 * Whatever the situation:
 * - never repeat the suffix: a completion line equal to the suffix's next
 *   non-empty line ends it, and a tail equal to the start of the suffix is dropped;
 * - keep brackets balanced: the completion ends before a closing bracket that
 *   nothing open matches, or that closes a bracket of the prefix which the
 *   suffix closes already; unclosed openers at its very end are trimmed when
 *   the suffix has closers (counting skips strings and comments);
 * - strip trailing whitespace; keep the document's line endings (CRLF in, CRLF out);
 * - '' when nothing useful remains.
 */
import { canonicalLanguage, languageSyntax, type LanguageSyntax } from './syntax.js';

export interface PostprocessInput {
  /** What the model generated, as is. */
  completion: string;
  /** The document before and after the cursor. */
  prefix: string;
  suffix: string;
  language: string;
}

/** Control tokens that leak into text when a runtime does not stop on them. */
const LEAKED_TOKENS = ['<|endoftext|>', '<|file_sep|>', '<|repo_name|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|im_end|>', '<|im_start|>', '<EOT>'];
/** How much of the prefix is scanned for open brackets. */
const PREFIX_SCAN_CHARS = 100_000;
const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** The text to insert (module comment: the rules). */
export function postprocessCompletion(input: PostprocessInput): string {
  const crlf = input.prefix.includes('\r\n') || input.suffix.includes('\r\n');
  const prefix = lf(input.prefix);
  const suffix = lf(input.suffix);
  let completion = lf(input.completion);
  for (const t of LEAKED_TOKENS) {
    const at = completion.indexOf(t);
    if (at >= 0) completion = completion.slice(0, at);
  }
  if (completion.trim() === '') return '';

  const syntax = languageSyntax(input.language);
  const python = canonicalLanguage(input.language) === 'python';
  const curLine = prefix.slice(prefix.lastIndexOf('\n') + 1);
  const suffixLines = suffix.split('\n');
  const nextSuffixLine = (suffixLines.find((l) => l.trim() !== '') ?? '').trim();

  // The brackets open at the cursor, and the lexer state there.
  let scanFrom = Math.max(0, prefix.length - PREFIX_SCAN_CHARS);
  if (scanFrom > 0) scanFrom = prefix.indexOf('\n', scanFrom) + 1;
  const lexer = new Lexer(syntax);
  const stack: string[] = [];
  lexer.scan(prefix, scanFrom, prefix.length, (ch) => {
    if (OPENERS[ch]) stack.push(ch);
    else if (stack[stack.length - 1] === CLOSERS[ch]) stack.pop();
    return true;
  });
  const atCursor = lexer.clone();
  const closedBySuffix = suffixCloserCount(suffixLines, lexer.clone());

  // The situation at the cursor.
  type Mode = { kind: 'line' } | { kind: 'block'; indent: number } | { kind: 'statement'; indent: number };
  let mode: Mode;
  if (curLine.trim() !== '' && suffixLines[0].trim() !== '') mode = { kind: 'line' };
  else {
    const opener = curLine.trim() !== '' ? curLine : lastNonBlankLine(prefix.slice(0, prefix.length - curLine.length));
    if (opener !== null && opensBlock(opener, syntax, python)) mode = { kind: 'block', indent: indentWidth(opener) };
    else mode = { kind: 'statement', indent: indentWidth(curLine) };
  }

  // Walk the completion line by line, brackets character by character.
  const lines = completion.split('\n');
  const out: string[] = [];
  const cstack = [...stack];
  let prefixDepth = cstack.length; // entries of cstack that the prefix opened
  const cursorLineBlank = curLine.trim() === '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const inCode = lexer.state.kind === 'code';
    let lastLine = false;
    if (i > 0) {
      if (mode.kind === 'line') break;
      if (inCode && mode.kind === 'statement' && (line.trim() === '' || indentWidth(line) < mode.indent)) break;
      if (inCode && mode.kind === 'block' && line.trim() !== '' && indentWidth(line) <= mode.indent) {
        if (!CLOSERS[line.trim()[0]]) break;
        lastLine = true; // the line that closes the block
      }
    }
    if (inCode && (i > 0 || cursorLineBlank) && nextSuffixLine !== '' && line.trim() === nextSuffixLine) break;

    let cutAt = -1;
    lexer.scan(line, 0, line.length, (ch, at) => {
      if (OPENERS[ch]) {
        cstack.push(ch);
        return true;
      }
      if (cstack[cstack.length - 1] !== CLOSERS[ch]) {
        cutAt = at; // a closer that nothing open matches
        return false;
      }
      if (cstack.length <= prefixDepth) {
        // It closes a bracket of the prefix: not when the suffix closes that one already.
        if (closedBySuffix > 0) {
          cutAt = at;
          return false;
        }
        prefixDepth--;
        if (mode.kind === 'block') lastLine = true;
      }
      cstack.pop();
      return true;
    });
    if (cutAt >= 0) {
      out.push(line.slice(0, cutAt));
      break;
    }
    out.push(line);
    lexer.scan('\n', 0, 1, () => true);
    if (lastLine) break;
  }

  let result = out.join('\n');
  result = dropSuffixOverlap(result, suffix);
  if (closedBySuffix > 0) result = trimTrailingOpeners(result, atCursor);
  result = result
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\s+$/, '');
  if (result.trim() === '') return '';
  return crlf ? result.replace(/\n/g, '\r\n') : result;
}

function lf(s: string): string {
  return s.replace(/\r\n/g, '\n');
}

function lastNonBlankLine(text: string): string | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim() !== '') return lines[i];
  return null;
}

/** Columns of a line's leading whitespace (a tab counts 4). */
function indentWidth(line: string): number {
  let w = 0;
  for (const ch of line) {
    if (ch === ' ') w++;
    else if (ch === '\t') w += 4;
    else break;
  }
  return w;
}

/** Whether a line, without its trailing comment, opens a block. */
function opensBlock(line: string, syntax: LanguageSyntax, python: boolean): boolean {
  const lexer = new Lexer(syntax);
  let end = line.length;
  lexer.scan(line, 0, line.length, () => true, (at) => {
    end = Math.min(end, at);
  });
  const code = line.slice(0, end).trimEnd();
  if (/[{([]$/.test(code) || code.endsWith('=>')) return true;
  return python && code.endsWith(':');
}

/**
 * How many brackets of the prefix the suffix closes right away: closers that
 * nothing in the suffix opened, on the rest of the cursor's line, or on the
 * next non-empty line when the rest of the cursor's line is empty.
 */
function suffixCloserCount(suffixLines: string[], lexer: Lexer): number {
  let region = suffixLines[0];
  if (region.trim() === '') {
    const next = suffixLines.slice(1).find((l) => l.trim() !== '');
    region = next ?? '';
  }
  let open = 0;
  let closed = 0;
  lexer.scan(region, 0, region.length, (ch) => {
    if (OPENERS[ch]) open++;
    else if (open > 0) open--;
    else closed++;
    return true;
  });
  return closed;
}

/** Drops the longest tail of `text` that the suffix starts with (not a whitespace-only one, not inside a word). */
function dropSuffixOverlap(text: string, suffix: string): string {
  const body = text.replace(/\s+$/, '');
  for (const s of [suffix, suffix.replace(/^\s+/, '')]) {
    const max = Math.min(body.length, s.length, 500);
    for (let k = max; k > 0; k--) {
      const overlap = s.slice(0, k);
      if (overlap.trim() === '' || !body.endsWith(overlap)) continue;
      // Not a piece of a word: `count` does not overlap `t = 0`, nor `b` the suffix `bar`.
      if (/\w/.test(overlap[0]) && /\w/.test(body[body.length - k - 1] ?? '')) continue;
      if (/\w/.test(overlap[k - 1]) && /\w/.test(s[k] ?? '')) continue;
      return body.slice(0, body.length - k);
    }
  }
  return text;
}

/** Trims openers that the completion leaves unclosed at its very end. */
function trimTrailingOpeners(text: string, atCursor: Lexer): string {
  let result = text;
  for (;;) {
    const open: number[] = [];
    atCursor.clone().scan(result, 0, result.length, (ch, at) => {
      if (OPENERS[ch]) open.push(at);
      else open.pop();
      return true;
    });
    const last = result.replace(/\s+$/, '').length - 1;
    if (open.length === 0 || open[open.length - 1] !== last) return result;
    result = result.slice(0, last);
  }
}

type LexState =
  | { kind: 'code' }
  | { kind: 'string'; close: string; multiline: boolean }
  | { kind: 'block'; close: string }
  | { kind: 'line' };

/** A small lexer that finds brackets in code, skipping strings and comments; its state carries across calls. */
class Lexer {
  state: LexState = { kind: 'code' };
  private readonly multiline: string[];

  /** First characters of everything that can start a comment, a string or be a bracket, in code. */
  private readonly starts: Set<string>;

  constructor(private readonly syntax: LanguageSyntax) {
    this.multiline = [...syntax.multilineQuotes].sort((a, b) => b.length - a.length);
    this.starts = new Set([
      ...syntax.lineComments.map((m) => m[0]),
      ...syntax.blockComments.map(([open]) => open[0]),
      ...this.multiline.map((q) => q[0]),
      ...syntax.quotes,
      ...Object.keys(OPENERS),
      ...Object.keys(CLOSERS),
    ]);
  }

  clone(): Lexer {
    const l = new Lexer(this.syntax);
    l.state = { ...this.state };
    return l;
  }

  /**
   * Scans text[from, to): `onBracket(ch, index)` for each bracket in code
   * (return false to stop), `onComment(index)` where a line comment starts.
   */
  scan(text: string, from: number, to: number, onBracket: (ch: string, at: number) => boolean, onComment?: (at: number) => void): void {
    const s = this.syntax;
    let i = from;
    while (i < to) {
      const ch = text[i];
      const st = this.state;
      if (st.kind === 'line') {
        if (ch === '\n') this.state = { kind: 'code' };
        i++;
        continue;
      }
      if (st.kind === 'block') {
        if (text.startsWith(st.close, i)) {
          this.state = { kind: 'code' };
          i += st.close.length;
        } else i++;
        continue;
      }
      if (st.kind === 'string') {
        if (ch === '\\') i += 2;
        else if (text.startsWith(st.close, i)) {
          this.state = { kind: 'code' };
          i += st.close.length;
        } else {
          if (ch === '\n' && !st.multiline) this.state = { kind: 'code' };
          i++;
        }
        continue;
      }
      // Code.
      if (!this.starts.has(ch)) {
        i++;
        continue;
      }
      const line = s.lineComments.find((m) => text.startsWith(m, i));
      if (line) {
        onComment?.(i);
        this.state = { kind: 'line' };
        i += line.length;
        continue;
      }
      const block = s.blockComments.find(([open]) => text.startsWith(open, i));
      if (block) {
        this.state = { kind: 'block', close: block[1] };
        i += block[0].length;
        continue;
      }
      const multi = this.multiline.find((q) => text.startsWith(q, i));
      if (multi) {
        this.state = { kind: 'string', close: multi, multiline: true };
        i += multi.length;
        continue;
      }
      if (s.quotes.includes(ch)) {
        if (ch === "'" && s.charQuote) {
          CHAR_LITERAL.lastIndex = i;
          const m = CHAR_LITERAL.exec(text);
          i += m ? m[0].length : 1;
          continue;
        }
        this.state = { kind: 'string', close: ch, multiline: false };
        i++;
        continue;
      }
      if (!s.prose && (OPENERS[ch] || CLOSERS[ch])) {
        if (!onBracket(ch, i)) return;
      }
      i++;
    }
  }
}

/** `'a'`, `'\n'`, `'\u{1F600}'`: a `'` that opens nothing else (Rust lifetimes, C chars). */
const CHAR_LITERAL = /'(?:\\.[^'\n]{0,8}|[^\\'\n]{1,2})'/y;
