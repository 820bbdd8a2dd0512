/**
 * Candidates for the context and the text each shows: a definition's signature (its decorators,
 * the line that names it, up to its body) or the whole of a short one, the header of the class a
 * member is in, a similar chunk's first lines, a region just edited; each read from the file as it
 * is now, dedented, cut to what the budget has left.
 */
import type { TokenCounter } from '../core/tokens.js';
import type { ChunkHit } from '../store/chunk-terms.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';
import type { Snippet } from '../protocol/snippet.js';
import type { ContextSources } from './context-sources.js';
import { enclosingSymbol } from './definition-traits.js';

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

export interface Candidate {
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

/** A definition candidate with its snippet read; null when its file cannot be read. */
export function readDefinition(src: ContextSources, c: Candidate): Candidate | null {
  const read = definitionSnippet(src, c.def!);
  return read && (c.compact ? { ...read, compact: true } : read);
}

/** The line (past decorators) that names the class, impl, trait or object a member is defined in, in its file; null at top level. */
export function containerHeader(src: ContextSources, member: SymbolRow): Candidate | null {
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
export function bufferNames(lines: readonly string[], def: SymbolRow): boolean {
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

export function chunkCandidate(chunk: Pick<ChunkHit, 'path' | 'start_line' | 'end_line' | 'symbol'>): Candidate {
  return { path: chunk.path, startLine: chunk.start_line, endLine: Math.min(chunk.end_line, chunk.start_line + CHUNK_LINES - 1), text: '', symbol: chunk.symbol, unread: true };
}

/** A similar chunk's first lines as the file has them now (null when it has shrunk past them). */
export function readChunk(src: ContextSources, c: Candidate): Candidate | null {
  const lines = src.readLines(c.path);
  if (!lines || c.startLine > lines.length) return null;
  const kept = lines.slice(c.startLine - 1, Math.min(c.endLine, lines.length));
  return { path: c.path, startLine: c.startLine, endLine: c.startLine + kept.length - 1, text: dedent(kept), symbol: c.symbol };
}

export function recentEdits(src: ContextSources, path: string): Candidate[] {
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

export function overlapsChosen(chosen: Snippet[], c: Candidate): boolean {
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

export function fitLines(text: string, tokens: number, counter: TokenCounter): { text: string; lines: number } {
  const kept: string[] = [];
  for (const l of text.split('\n')) {
    if (counter.count([...kept, l].join('\n')) > tokens) break;
    kept.push(l);
  }
  return { text: kept.join('\n'), lines: kept.length };
}
