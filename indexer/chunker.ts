/**
 * The chunker: one file in, its chunks, symbols and raw imports out.
 *
 * ```ts
 * const a = await analyzeFile('src/config.ts', text);
 * a.chunks[0];   // { startLine: 1, endLine: 14, symbol: 'parseConfig', kind: 'function', … }
 * a.symbols;     // every declaration, members included, with signatures
 * a.imports;     // [{ specifier: './schema.js', names: ['Schema'], line: 1 }]
 * ```
 *
 * Files with a grammar are cut at declarations (functions, classes, …);
 * statements between them are grouped; a declaration over the size bounds is
 * split into its members (classes, impls, namespaces) or at statement
 * boundaries (functions), each part carrying the signature it belongs to in
 * `header`; tiny neighbours are merged. Files without a grammar, or whose
 * parse fails, fall back to line windows (Markdown: sections at headings).
 *
 * Chunks never overlap (fallback windows excepted) and cover every non-blank
 * line; a chunk's text is its lines joined with `\n`, without a final newline.
 *
 * Merged chunks: when tiny neighbours merge, the merged chunk takes symbol,
 * container and header from the head of a split container if it holds one,
 * else from its largest piece that names a symbol; its kind is the kind all
 * pieces share, else that piece's kind when it makes up at least half of the
 * lines, else 'statements'.
 *
 * Doc comments: the comments right above a declaration belong to it, and a
 * declaration split for size keeps them with its first line (its signature).
 * `docs` gives each declaration's doc text (those comments, or a Python
 * docstring) by the declaration's first line, as its symbol has it: the
 * full-text index weighs them with the names.
 */
import crypto from 'node:crypto';
import type { Node, Tree } from 'web-tree-sitter';
import { createLogger, type Logger } from '../core/log.js';
import { beforeMembers, memberChildren, type Decl, type Scope } from './decl.js';
import { extractImports } from './imports.js';
import type { ImportRef } from './import-ref.js';
import { hasGrammar, languageForPath, languageForShebang, parserFor, type LanguageId } from './languages.js';
import { languageSupport } from './lang/registry.js';
import { LineIndex } from './line-index.js';
import { MAX_PARSE_NESTING, nestedPast } from './nesting.js';
import { extractLocalSymbols } from './local-symbols.js';
import { lexRefs, type Tokens } from './refs.js';
import { signatureRows } from './signature.js';
import { Declarations, extractSymbols, type SymbolDef } from './symbols.js';
import { decorationTypes, flatChildren, lastRow, text } from './syntax.js';

export type { ImportRef } from './import-ref.js';
export type { SymbolDef } from './symbols.js';

export interface Chunk {
  /** Workspace-relative, posix separators (as given). */
  path: string;
  language: LanguageId;
  /** 1-based, inclusive. */
  startLine: number;
  /** 1-based, inclusive. */
  endLine: number;
  /** Exactly the source lines startLine..endLine joined with `\n` (no final newline). */
  text: string;
  /** The declared name (`parseConfig`), never qualified; null for plain statements and windows. */
  symbol: string | null;
  /** 'function' | 'method' | 'constructor' | 'class' | 'interface' | 'type' | 'enum' | 'struct' | 'trait' | 'impl' | 'module' | 'namespace' | 'variable' | 'constant' | 'field' | 'property' | 'rule' | 'at-rule' | 'statements' | 'section' | 'window' … */
  kind: string | null;
  /** Enclosing class / impl / namespace name for members. */
  container: string | null;
  /** For a part of a split declaration: the signature line(s) of its container(s)/declaration, outermost first; else null. */
  header: string | null;
  /** Distinct identifiers used in the chunk (keywords, comments and string contents left out), in order of first use. */
  refs: string[];
  /** sha1 hex of header + text: the same text (and header) gives the same hash, whatever the path. */
  hash: string;
}

export interface FileAnalysis {
  language: LanguageId;
  chunks: Chunk[];
  symbols: SymbolDef[];
  /** Raw, unresolved; see resolveImport in imports.ts. */
  imports: ImportRef[];
  /** Doc comments by the 1-based first line of the declaration they document (a symbol's startLine), capped. */
  docs: ReadonlyMap<number, string>;
}

export interface ChunkOptions {
  /** Default 80. */
  maxChunkLines?: number;
  /** Default 3000. */
  maxChunkChars?: number;
  /** Neighbours smaller than this merge while the result fits; default 6. */
  minChunkLines?: number;
  /** Fallback window size; default 40. */
  windowLines?: number;
  /** Fallback window overlap; default 5. */
  windowOverlap?: number;
  /** At most this many refs per chunk; default 256. */
  maxRefs?: number;
  /** Parses running longer than this are abandoned for line windows; default 5000 ms. */
  parseTimeoutMs?: number;
  /** Files longer than this (in characters) are not parsed, only windowed; default 4,000,000. */
  maxParseChars?: number;
  logger?: Logger;
}

type Opts = Required<Omit<ChunkOptions, 'logger'>> & { logger: Logger };

const defaultLogger = createLogger();

function resolveOptions(o: ChunkOptions = {}): Opts {
  const pos = (v: number | undefined, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : d);
  const maxChunkLines = pos(o.maxChunkLines, 80);
  const windowLines = pos(o.windowLines, 40);
  return {
    maxChunkLines,
    maxChunkChars: pos(o.maxChunkChars, 3000),
    minChunkLines: Math.min(pos(o.minChunkLines, 6), maxChunkLines),
    windowLines,
    windowOverlap: Math.max(0, Math.min(typeof o.windowOverlap === 'number' && o.windowOverlap >= 0 ? Math.floor(o.windowOverlap) : 5, windowLines - 1)),
    maxRefs: pos(o.maxRefs, 256),
    parseTimeoutMs: pos(o.parseTimeoutMs, 5000),
    maxParseChars: pos(o.maxParseChars, 4_000_000),
    logger: o.logger ?? defaultLogger,
  };
}

/** Chunks, symbols and raw imports of one file. Never throws on bad input: a file it cannot parse is windowed. */
export async function analyzeFile(path: string, text: string, language?: LanguageId, options?: ChunkOptions): Promise<FileAnalysis> {
  const opts = resolveOptions(options);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  let lang = language ?? languageForPath(path);
  if (lang === 'text' && text.startsWith('#!')) lang = languageForShebang(text.slice(0, text.indexOf('\n') >>> 0)) ?? 'text';
  const lines = new LineIndex(text);

  // A text nested thousands deep is windowed unparsed (nesting.ts: it can take the runtime down).
  const parseable = hasGrammar(lang) && text.length <= opts.maxParseChars;
  const tooDeep = parseable && nestedPast(text, MAX_PARSE_NESTING);
  if (tooDeep) opts.logger.warn(`${path} nests brackets over ${MAX_PARSE_NESTING} deep; indexed by line windows`);
  if (parseable && !tooDeep) {
    const parser = await parserFor(lang, options?.logger);
    if (parser) {
      let tree: Tree | null = null;
      try {
        const started = Date.now();
        tree = parser.parse(text, null, {
          progressCallback: (() => Date.now() - started > opts.parseTimeoutMs) as unknown as () => void,
        });
        if (!tree) {
          parser.reset();
          opts.logger.warn(`parse of ${path} timed out; falling back to line windows`);
        } else {
          return analyzeTree(path, lang, tree.rootNode, lines, opts);
        }
      } catch (err) {
        try { parser.reset(); } catch { /* the parser is reset on its next use anyway */ }
        opts.logger.warn(`chunking ${path} failed; falling back to line windows`, { error: String((err as Error)?.message ?? err) });
      } finally {
        tree?.delete();
      }
    }
  }
  const support = languageSupport(lang);
  const tokens = lexRefs(text, support.lexicon);
  const pieces = support.fallbackChunks === 'headings' ? markdownPieces(lines, opts) : windowPieces(lines, 0, lines.count - 1, opts, 'window', null, null);
  return { language: lang, chunks: toChunks(path, lang, lines, pieces, tokens, opts), symbols: [], imports: [], docs: new Map() };
}

function analyzeTree(path: string, lang: LanguageId, root: Node, lines: LineIndex, opts: Opts): FileAnalysis {
  const decls = new Declarations(lang, lines.text);
  const chunker = new TreeChunker(lines, decls, opts);
  const pieces = chunker.file(root);
  const symbols = extractSymbols(root, decls, lines, path);
  symbols.push(...extractLocalSymbols(root, lang, path, symbols));
  const imports = extractImports(root, lang, lines);
  const tokens = lexRefs(lines.text, languageSupport(lang).lexicon);
  return { language: lang, chunks: toChunks(path, lang, lines, pieces, tokens, opts), symbols, imports, docs: declarationDocs(root, decls) };
}

/**
 * The doc of every declaration extractSymbols lists (the same walk): the comments right above it
 * (decorators and attributes may stand between; a blank line may not), else its docstring: a body
 * whose first statement is a lone string (Python's docstrings; a JavaScript directive such as
 * 'use strict' reads the same, and costs no more than its two words in the names-and-docs field).
 */
function declarationDocs(root: Node, decls: Declarations): Map<number, string> {
  const out = new Map<number, string>();
  const src = decls.src;
  const walk = (children: Node[], scope: Scope, depth: number) => {
    for (const n of children) {
      for (const d of decls.of(n, scope)) {
        const r = d.part ?? d.outer;
        let doc = commentsAbove(d.outer).map((c) => text(src, c).trimEnd()).join('\n');
        if (!doc) {
          const first = (d.members ?? d.body)?.namedChild(0);
          if (first?.type === 'expression_statement' && first.namedChild(0)?.type === 'string') doc = text(src, first);
        }
        if (doc && d.symbol) out.set(r.startPosition.row + 1, doc.slice(0, MAX_DOC_CHARS));
        if (d.members && depth < MAX_NESTING) walk(memberChildren(d), d.memberScope, depth + 1);
      }
    }
  };
  walk(flatChildren(root), 'top', 0);
  return out;
}

/** The comment siblings right above a node, in order; decorators and attributes between them and it are passed over. */
function commentsAbove(n: Node): Node[] {
  const out: Node[] = [];
  let row = n.startPosition.row;
  for (let s = n.previousSibling; s && decorationTypes.has(s.type) && lastRow(s) >= row - 1; s = s.previousSibling) {
    if (COMMENT_TYPES.has(s.type)) out.unshift(s);
    else if (out.length) break; // a decorator above the comments: they document something else
    row = s.startPosition.row;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pieces: row ranges with their metadata, before they become chunks

interface Meta {
  symbol: string | null;
  kind: string | null;
  container: string | null;
  header: string | null;
}

interface Piece extends Meta {
  start: number; // 0-based rows, inclusive
  end: number;
  /** Whole items at one level may merge with tiny neighbours; parts of a split may not. */
  mergeable: boolean;
  /** The signature part of a split container: wins the metadata of a merge. */
  head?: boolean;
}

interface Item {
  start: number;
  end: number;
  nodes: Node[];
  decl: Decl | null;
  head?: Meta;
}

interface Level {
  container: string | null;
  header: string | null;
  depth: number;
}

const MAX_NESTING = 24; // containers inside containers
/** A doc longer than this is cut: its summary comes first, and the full-text field stays small. */
const MAX_DOC_CHARS = 1000;
const COMMENT_TYPES: ReadonlySet<string> = new Set([...decorationTypes].filter((t) => t.includes('comment')));
const MAX_PACK_DEPTH = 64; // syntax levels descended while splitting one declaration

class TreeChunker {
  constructor(private readonly lines: LineIndex, private readonly decls: Declarations, private readonly o: Opts) {}

  file(root: Node): Piece[] {
    const items = this.items(flatChildren(root), 'top');
    const pieces = this.level(items, { container: null, header: null, depth: 0 });
    return fillGaps(pieces, this.lines, this.o);
  }

  private fits(a: number, b: number): boolean {
    return b - a + 1 <= this.o.maxChunkLines && this.lines.chars(a, b) <= this.o.maxChunkChars;
  }

  /** Groups the nodes of one level into items: declarations with their leading comments, and statements. */
  private items(children: Node[], scope: Scope, head?: Item): Item[] {
    const items: Item[] = head ? [head] : [];
    let pending: Item | null = null; // comments/decorators waiting for the declaration below them
    const flush = () => {
      if (!pending) return;
      const last = items[items.length - 1];
      if (last && pending.start <= last.end) {
        last.end = Math.max(last.end, pending.end);
        last.nodes.push(...pending.nodes);
      } else items.push(pending);
      pending = null;
    };
    const count = this.lines.count;
    for (const n of children) {
      const s = n.startPosition.row;
      if (s >= count) continue; // zero-width nodes past the last line
      const e = Math.min(lastRow(n), count - 1);
      const isDecoration = n.isNamed && decorationTypes.has(n.type);
      const decl = n.isNamed && !isDecoration ? this.decls.of(n, scope)[0] ?? null : null;
      // members of a class-like body are all chunk-worthy: a field is named, not 'statements'
      const chunkDecl = decl && (decl.chunk || scope === 'class') ? decl : null;
      if (pending) {
        const p: Item = pending;
        if (isDecoration && s <= p.end + 1) {
          p.end = Math.max(p.end, e);
          p.nodes.push(n);
          continue;
        }
        if (chunkDecl && s <= p.end + 1) {
          pending = null;
          const last = items[items.length - 1];
          if (last && p.start <= last.end) {
            // the comment shares a row with what precedes: the declaration cannot have it alone
            last.end = Math.max(last.end, e);
            last.nodes.push(...p.nodes, n);
          } else items.push({ start: p.start, end: e, nodes: [...p.nodes, n], decl: chunkDecl });
          continue;
        }
        flush();
      }
      const last = items[items.length - 1];
      if (last && s <= last.end) {
        last.end = Math.max(last.end, e);
        last.nodes.push(n);
        continue;
      }
      if (!n.isNamed && last) {
        // a stray token on its own row ('}', 'end', ';') closes what precedes it
        last.end = Math.max(last.end, e);
        last.nodes.push(n);
        continue;
      }
      if (isDecoration) {
        pending = { start: s, end: e, nodes: [n], decl: null };
        continue;
      }
      items.push({ start: s, end: e, nodes: [n], decl: chunkDecl });
    }
    flush();
    return items;
  }

  /** Pieces of one level: declarations, grouped statements, split oversize items, merged tiny neighbours. */
  private level(items: Item[], lv: Level): Piece[] {
    const pieces: Piece[] = [];
    let stmt: Item | null = null;
    const flushStmt = () => {
      if (!stmt) return;
      const meta: Meta = { symbol: null, kind: 'statements', container: lv.container, header: lv.header };
      if (this.fits(stmt.start, stmt.end)) pieces.push({ ...meta, start: stmt.start, end: stmt.end, mergeable: true });
      else for (const [a, b] of this.pack(stmt.nodes, stmt.start, stmt.end)) pieces.push({ ...meta, start: a, end: b, mergeable: false });
      stmt = null;
    };
    for (const it of items) {
      if (it.head) {
        flushStmt();
        if (this.fits(it.start, it.end)) pieces.push({ ...it.head, start: it.start, end: it.end, mergeable: true, head: true });
        else for (const [a, b] of this.pack(it.nodes, it.start, it.end)) pieces.push({ ...it.head, start: a, end: b, mergeable: false, head: true });
        continue;
      }
      if (!it.decl) {
        const cur: Item | null = stmt;
        if (cur && this.fits(cur.start, it.end)) {
          cur.end = it.end;
          cur.nodes.push(...it.nodes);
        } else {
          flushStmt();
          stmt = { start: it.start, end: it.end, nodes: [...it.nodes], decl: null };
        }
        continue;
      }
      flushStmt();
      pieces.push(...this.declaration(it, it.decl, lv));
    }
    flushStmt();
    return mergeTiny(pieces, this.lines, this.o);
  }

  private declaration(it: Item, d: Decl, lv: Level): Piece[] {
    const container = d.container ?? lv.container;
    if (this.fits(it.start, it.end)) {
      return [{ symbol: d.name, kind: d.kind, container, header: lv.header, start: it.start, end: it.end, mergeable: true }];
    }
    const [sr, er] = signatureRows(d, this.lines);
    const sig = this.lines.slice(sr, er).replace(/\s+$/, '');
    const childHeader = lv.header ? `${lv.header}\n${sig}` : sig;
    if (d.members && lv.depth < MAX_NESTING) {
      const kids = memberChildren(d);
      if (kids.length) {
        const headEnd = Math.min(it.end, Math.max(it.start, this.headEnd(d)));
        const head: Item = { start: it.start, end: headEnd, nodes: [], decl: null, head: { symbol: d.name, kind: d.kind, container, header: lv.header } };
        const sub = this.items(kids, d.memberScope, head);
        const last = sub[sub.length - 1];
        if (last.end < it.end) last.end = it.end; // the closing brace / `end`
        const pieces = this.level(sub, { container: d.name, header: childHeader, depth: lv.depth + 1 });
        for (const p of pieces) p.mergeable = false;
        return pieces;
      }
    }
    // After a doc comment, the declaration's own children (and its body's) are packed in its place,
    // so that the first part holds the comment, the signature and the body's first statements: a cut
    // between the comment and the declaration would leave the comment a chunk of its own.
    const nodes = it.nodes.length > 1 ? it.nodes.flatMap((n) => (n.equals(d.outer) ? unwrap(n, d.body) : [n])) : it.nodes;
    return this.pack(nodes, it.start, it.end).map(([a, b], i) => ({
      symbol: d.name, kind: d.kind, container, header: i === 0 ? lv.header : childHeader, start: a, end: b, mergeable: false,
    }));
  }

  /** Last row of a container's own signature (before its members). */
  private headEnd(d: Decl): number {
    const last = beforeMembers(d);
    return last ? lastRow(last) : d.members!.startPosition.row;
  }

  /**
   * Splits rows from..to into ranges within the bounds, cutting between
   * syntax nodes: whole nodes while they fit, the children of a node that
   * does not, single lines when a leaf is too big (a single line longer
   * than the bounds is a range of its own).
   */
  private pack(nodes: Node[], from: number, to: number): Array<[number, number]> {
    const parts: Array<[number, number]> = [];
    let ps = from;
    let pe = from - 1;
    const addRow = (r: number) => {
      if (r <= pe) return;
      if (this.fits(ps, r)) {
        pe = r;
        return;
      }
      if (pe >= ps) {
        parts.push([ps, pe]);
        ps = pe + 1;
      }
      pe = r;
    };
    const rowsTo = (r: number) => {
      for (let x = pe + 1; x <= r; x++) addRow(x);
    };
    const visit = (n: Node, depth: number) => {
      const s = n.startPosition.row;
      const e = Math.min(lastRow(n), to);
      if (e <= pe) return;
      if (s > pe + 1) rowsTo(Math.min(s - 1, to));
      if (this.fits(ps, e)) {
        pe = e;
        return;
      }
      if (pe >= ps && this.fits(pe + 1, e)) {
        parts.push([ps, pe]);
        ps = pe + 1;
        pe = e;
        return;
      }
      if (depth < MAX_PACK_DEPTH && e > s && n.childCount > 0) {
        for (const c of n.children) if (c) visit(c, depth + 1);
      }
      rowsTo(e);
    };
    for (const n of nodes) visit(n, 0);
    rowsTo(to);
    if (pe >= ps) parts.push([ps, pe]);
    return parts;
  }
}

/**
 * The nodes a declaration is packed as after its doc comment: the syntax down to its body
 * unwrapped (`export`, the declaration, the body's braces), the body's statements one by one.
 */
function unwrap(n: Node, body: Node | null): Node[] {
  const kids = n.children.filter((c): c is Node => c !== null);
  if (!kids.length) return [n];
  if (!body || n.equals(body)) return kids;
  const holdsBody = (c: Node) => c.startIndex <= body.startIndex && body.endIndex <= c.endIndex;
  return kids.flatMap((c) => (holdsBody(c) ? unwrap(c, body) : [c]));
}

function span(p: { start: number; end: number }): number {
  return p.end - p.start + 1;
}

/** Merges runs of tiny pieces (fewer than minChunkLines rows) with their neighbours while the result fits. */
function mergeTiny(pieces: Piece[], lines: LineIndex, o: Opts): Piece[] {
  const out: Piece[] = [];
  let group: Piece[] = [];
  const fits = (a: number, b: number) => b - a + 1 <= o.maxChunkLines && lines.chars(a, b) <= o.maxChunkChars;
  const flush = () => {
    if (group.length) out.push(group.length === 1 ? group[0] : mergedPiece(group));
    group = [];
  };
  for (const p of pieces) {
    if (group.length) {
      const g0 = group[0];
      const gl = group[group.length - 1];
      const ok = p.mergeable && group.every((g) => g.mergeable) && (gl.end - g0.start + 1 < o.minChunkLines || span(p) < o.minChunkLines) && fits(g0.start, p.end);
      if (ok) {
        group.push(p);
        continue;
      }
      flush();
    }
    group = [p];
  }
  flush();
  return out;
}

function mergedPiece(group: Piece[]): Piece {
  const start = group[0].start;
  const end = group[group.length - 1].end;
  const named = group.filter((g) => g.symbol !== null);
  let primary: Piece | undefined = group.find((g) => g.head);
  if (!primary && named.length) primary = named.reduce((a, b) => (span(b) > span(a) ? b : a));
  const base = primary ?? group[0];
  let kind: string | null;
  if (group.every((g) => g.kind === group[0].kind)) kind = group[0].kind;
  else if (primary && (primary.head || span(primary) * 2 >= end - start + 1)) kind = primary.kind;
  else kind = 'statements';
  return { symbol: primary ? primary.symbol : null, kind, container: base.container, header: base.header, start, end, mergeable: true };
}

/** Non-blank rows no piece covers (text outside every node) become pieces of their own. */
function fillGaps(pieces: Piece[], lines: LineIndex, o: Opts): Piece[] {
  const sorted = pieces.filter((p) => p.end >= p.start).sort((a, b) => a.start - b.start);
  const out: Piece[] = [];
  let next = 0;
  const gap = (a: number, b: number) => {
    let s = a;
    while (s <= b && lines.blank[s]) s++;
    if (s > b) return;
    out.push(...windowPieces(lines, s, b, { ...o, windowOverlap: 0, windowLines: o.maxChunkLines }, 'statements', null, null).map((p) => ({ ...p, mergeable: false })));
  };
  for (const p of sorted) {
    if (p.start > next) gap(next, p.start - 1);
    const start = Math.max(p.start, next);
    if (p.end >= start) out.push(start === p.start ? p : { ...p, start });
    next = Math.max(next, p.end + 1);
  }
  if (next <= lines.count - 1) gap(next, lines.count - 1);
  return out;
}

// ---------------------------------------------------------------------------
// Files without a tree: line windows, Markdown sections

function windowPieces(lines: LineIndex, from: number, to: number, o: Opts, kind: string, symbol: string | null, header: string | null): Piece[] {
  const out: Piece[] = [];
  let s = from;
  while (s <= to) {
    while (s <= to && lines.blank[s]) s++;
    if (s > to) break;
    let e = s;
    while (e + 1 <= to && e + 1 - s + 1 <= o.windowLines && lines.chars(s, e + 1) <= o.maxChunkChars) e++;
    out.push({ symbol, kind, container: null, header: out.length && header ? header : null, start: s, end: e, mergeable: false });
    if (e >= to) break;
    const overlap = Math.min(o.windowOverlap, Math.floor((e - s + 1) / 2));
    s = Math.max(s + 1, e + 1 - overlap);
  }
  return out;
}

function markdownPieces(lines: LineIndex, o: Opts): Piece[] {
  const heads: Array<{ row: number; title: string }> = [];
  let fence: string | null = null;
  for (let r = 0; r < lines.count; r++) {
    const line = lines.slice(r, r);
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (!fence) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      continue;
    }
    if (fence) continue;
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) heads.push({ row: r, title: h[1] || line.trim() });
  }
  const sections: Array<{ start: number; end: number; title: string | null; line: string | null }> = [];
  if (!heads.length || heads[0].row > 0) sections.push({ start: 0, end: (heads[0]?.row ?? lines.count) - 1, title: null, line: null });
  heads.forEach((h, i) => sections.push({ start: h.row, end: (heads[i + 1]?.row ?? lines.count) - 1, title: h.title, line: lines.slice(h.row, h.row) }));
  const pieces: Piece[] = [];
  for (const sec of sections) {
    if (sec.end < sec.start) continue;
    let e = sec.end;
    while (e >= sec.start && lines.blank[e]) e--;
    if (e < sec.start) continue;
    if (e - sec.start + 1 <= o.maxChunkLines && lines.chars(sec.start, e) <= o.maxChunkChars) {
      pieces.push({ symbol: sec.title, kind: 'section', container: null, header: null, start: sec.start, end: sec.end, mergeable: true });
    } else {
      pieces.push(...windowPieces(lines, sec.start, sec.end, o, 'section', sec.title, sec.line));
    }
  }
  return mergeTiny(pieces, lines, o);
}

// ---------------------------------------------------------------------------
// Chunks

function toChunks(path: string, language: LanguageId, lines: LineIndex, pieces: Piece[], tokens: Tokens, o: Opts): Chunk[] {
  const out: Chunk[] = [];
  for (const p of pieces) {
    let s = p.start;
    let e = Math.min(p.end, lines.count - 1);
    while (s <= e && lines.blank[s]) s++;
    while (e >= s && lines.blank[e]) e--;
    if (s > e) continue;
    const text = lines.slice(s, e);
    out.push({
      path, language,
      startLine: s + 1,
      endLine: e + 1,
      text,
      symbol: p.symbol,
      kind: p.kind,
      container: p.container,
      header: p.header,
      refs: tokens.between(lines.starts[s], lines.end(e), o.maxRefs),
      hash: crypto.createHash('sha1').update(p.header ?? '').update('\u0000').update(text).digest('hex'),
    });
  }
  return out;
}
