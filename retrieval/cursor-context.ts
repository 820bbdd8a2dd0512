import { throwIfAborted } from '../core/errors.js';
import type { TokenCounter } from '../core/tokens.js';
import { resolveImport, type ImportContext, type ImportRef } from '../indexer/imports.js';
import type { LanguageId } from '../indexer/languages.js';
import type { Embedder } from '../models/embedder.js';
import type { IndexStore } from '../store/index-store.js';
import type { ChunkRow, SymbolRow } from '../store/rows.js';
import { namesNearCursor } from './buffer-names.js';
import type { ContextRequest, ContextResult } from './context.js';
import { fuseRanked, type RankedList } from './fusion.js';
import type { RecentEdits } from './recent-edits.js';
import type { Snippet } from './snippet.js';

/** What cursor retrieval reads; the Workspace provides it. */
export interface ContextSources {
  store: IndexStore;
  /** A loaded embedder, or null (none configured, or still loading: never wait for it here). */
  embedder: Embedder | null;
  /** A workspace file's current lines (disk), or null when it cannot be read. */
  readLines(path: string): string[] | null;
  recent: RecentEdits;
  importContext(): ImportContext;
  tokens: TokenCounter;
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
const DECLARATION_FILE = /\.d\.[mc]?ts$/;
/** Siblings are taken around this many best definitions, at this share of their score. */
const SIBLING_SOURCES = 12;
const SIBLING_FACTOR = 0.3;
/** Lines around the cursor that make the full-text and vector queries. */
const WINDOW_ABOVE = 12;
const WINDOW_BELOW = 3;

/**
 * Sources are fused by weighted reciprocal rank. Definitions of the names
 * written around the cursor are the strongest signal (the next line calls
 * them); similar code and recent edits fill in. The small k lets the top
 * hits of the weaker sources in early instead of after every definition.
 */
const WEIGHTS = { symbol: 1.0, recent: 0.3, fts: 0.12, vector: 0.15 } as const;
const FUSION_K = 8;
/** Past this share of the budget, definitions are shown by their first line only. */
const TAIL_FROM = 0.5;

interface Candidate {
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  symbol: string | null;
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
  const language = (src.store.files.get(req.path)?.language ?? 'text') as LanguageId;

  const windowText = lines.slice(Math.max(0, cursor - WINDOW_ABOVE), cursor + WINDOW_BELOW + 1).join('\n');
  const [fts, vectors] = await Promise.all([
    similarByText(src, windowText, req.path),
    similarByVector(src, windowText, req.path, req.signal),
  ]);
  throwIfAborted(req.signal, 'context');
  const definitions = definitionsNearCursor(src, req.path, lines, cursor, language);
  const recent = recentEdits(src, req.path);

  const lists: RankedList<Candidate>[] = [
    { source: 'symbol', weight: WEIGHTS.symbol, items: definitions },
    { source: 'recent', weight: WEIGHTS.recent, items: recent },
    { source: 'fts', weight: WEIGHTS.fts, items: fts },
    { source: 'vector', weight: WEIGHTS.vector, items: vectors },
  ];
  const fused = fuseRanked(lists, (c) => `${c.path}:${c.startLine}`, FUSION_K);

  const snippets: Snippet[] = [];
  let tokens = 0;
  for (const { item, score, source } of fused) {
    if (overlapsChosen(snippets, item)) continue;
    let body = item.text;
    let endLine = item.endLine;
    if (source === 'symbol' && tokens > budget * TAIL_FROM && endLine > item.startLine) {
      // The long tail of definitions: their first line names them and starts the signature.
      body = body.split('\n', 1)[0];
      endLine = item.startLine;
    }
    let cost = src.tokens.count(body);
    if (tokens + cost > budget) {
      // Keep the head of a snippet that does not fit whole (its signature), if that says enough.
      const cut = fitLines(body, budget - tokens, src.tokens);
      if (cut.lines < (source === 'symbol' ? 1 : 3)) continue;
      body = cut.text;
      endLine = item.startLine + cut.lines - 1;
      cost = src.tokens.count(body);
    }
    snippets.push({ path: item.path, startLine: item.startLine, endLine, text: body, score: Number(score.toFixed(6)), source, symbol: item.symbol });
    tokens += cost;
    if (budget - tokens < 4) break;
  }
  return { snippets, tokens };
}

/** Definitions (in other files) of the names used around the cursor, best first. */
function definitionsNearCursor(src: ContextSources, path: string, lines: string[], cursor: number, language: LanguageId): Candidate[] {
  const { store } = src;
  const names = namesNearCursor(lines, cursor, { hashComments: language === 'python' || language === 'ruby' || language === 'bash' });
  const imports = importedFiles(src, path, language);
  const ancestors = enclosingAncestors(store.symbols.inFile(path), cursor + 1);

  const scored: { def: SymbolRow; score: number }[] = [];
  for (const use of names) {
    let defs = store.symbols.lookup(use.name).filter((d) => d.path !== path);
    if (!defs.length) continue;
    // A function, class or member named X says more than a flood of local bindings named X
    // (every test's `const app = build()`); a few locals stay candidates.
    const declared = defs.filter((d) => d.kind !== 'local');
    if (declared.length && defs.length - declared.length > 2) defs = declared;
    const importedFrom = imports.byName.get(use.name);
    if (defs.length > MAX_DEFS) {
      // Too common a name to guess; unless the file imports it from somewhere.
      defs = defs.filter((d) => imports.files.has(d.path));
      if (!defs.length) continue;
    }
    const proximity = (1 + Math.log(use.count) / 4) / (1 + use.distance / 2);
    // Declaration files restate what code defines: with the code at hand, they come second.
    const hasCode = defs.some((d) => !DECLARATION_FILE.test(d.path));
    const perName: { def: SymbolRow; score: number }[] = [];
    for (const def of defs) {
      // A unique name is a sure lookup; each extra definition makes any one of them less likely the one meant.
      let score = proximity / defs.length;
      if (imports.files.has(def.path)) score *= 2;
      // A name the file imports by name, from the file that defines it: as sure a lookup as there is.
      if (importedFrom?.has(def.path)) score *= 4;
      // Imported but not used yet: written in the import and nowhere else, so probably about to be.
      if (importedFrom && use.count === 1) score *= 3;
      if (def.container && ancestors.has(def.container)) score *= 2;
      if (def.exported) score *= 1.2;
      if (hasCode && DECLARATION_FILE.test(def.path)) score *= 0.5;
      if (def.kind === 'variable' || def.kind === 'field' || def.kind === 'property') score *= 0.7;
      else if (def.kind === 'local') score *= 0.5;
      perName.push({ def, score });
    }
    scored.push(...perName);
  }
  scored.sort((a, b) => b.score - a.score);
  scored.push(...siblingsOf(store, scored.slice(0, SIBLING_SOURCES), path));
  scored.sort((a, b) => b.score - a.score);

  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const { def } of scored) {
    const key = `${def.path}:${def.start_line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const c = definitionSnippet(src, def);
    if (c) out.push(c);
    if (out.length >= 200) break;
  }
  return out;
}

/**
 * The definitions next to the best ones: code that uses `Float32` and
 * `Float16` is often about to use `Float64`, defined beside them; a builder's
 * `addId` call is followed by its `addIsDelta`. Same file, same container,
 * adjacent in the file, at a fraction of the score of the definition they sit by.
 */
function siblingsOf(store: IndexStore, best: { def: SymbolRow; score: number }[], path: string): { def: SymbolRow; score: number }[] {
  const out: { def: SymbolRow; score: number }[] = [];
  for (const { def, score } of best) {
    const peers = store.symbols.inFile(def.path).filter((s) => s.container === def.container && s.kind !== 'local' && s.path !== path);
    const i = peers.findIndex((s) => s.start_line === def.start_line && s.name === def.name);
    for (const j of [i - 1, i + 1]) {
      if (i >= 0 && j >= 0 && j < peers.length) out.push({ def: peers[j], score: score * SIBLING_FACTOR });
    }
  }
  return out;
}

function definitionSnippet(src: ContextSources, def: SymbolRow): Candidate | null {
  const lines = src.readLines(def.path);
  if (!lines || def.start_line > lines.length) return null;
  const last = Math.min(def.end_line, lines.length);
  let end = last;
  if (last - def.start_line + 1 > DEF_WHOLE_LINES) {
    // The signature: up to the line that opens the body.
    end = def.start_line;
    const max = Math.min(last, def.start_line + DEF_SIGNATURE_LINES - 1);
    while (end < max && !/[{:]\s*(\/\/.*|#.*)?$|=>\s*$/.test(lines[end - 1])) end++;
  }
  const kept: string[] = [];
  let size = 0;
  for (let l = def.start_line; l <= end; l++) {
    const line = lines[l - 1];
    if (kept.length && size + line.length + 1 > DEF_CHARS) break;
    kept.push(line);
    size += line.length + 1;
  }
  return { path: def.path, startLine: def.start_line, endLine: def.start_line + kept.length - 1, text: kept.join('\n'), symbol: def.name };
}

/** Files the current file imports, and for each imported name the files it may come from. */
function importedFiles(src: ContextSources, path: string, language: LanguageId): { files: Set<string>; byName: Map<string, Set<string>> } {
  const files = new Set<string>();
  const byName = new Map<string, Set<string>>();
  const row = src.store.files.get(path);
  if (!row) return { files, byName };
  let refs: ImportRef[] = [];
  try {
    refs = JSON.parse(row.imports) as ImportRef[];
  } catch {
    return { files, byName };
  }
  const ctx = src.importContext();
  for (const ref of refs) {
    for (const target of resolveImport(ref, path, language, ctx)) {
      files.add(target);
      for (const n of ref.names) {
        let set = byName.get(n);
        if (!set) byName.set(n, (set = new Set()));
        set.add(target);
      }
    }
  }
  return { files, byName };
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

async function similarByText(src: ContextSources, windowText: string, path: string): Promise<Candidate[]> {
  const rows = await src.store.searchText(windowText, 12, { excludePaths: [path] });
  return rows.map(chunkCandidate);
}

async function similarByVector(src: ContextSources, windowText: string, path: string, signal?: AbortSignal): Promise<Candidate[]> {
  if (!src.embedder || !src.store.hasVectors() || !windowText.trim()) return [];
  const [vector] = await src.embedder.embed([windowText], signal);
  const hits = await src.store.searchVector(vector, 12);
  const rows = await src.store.chunksByHash(hits.map((h) => h.hash));
  const byHash = new Map(rows.filter((r) => r.path !== path).map((r) => [r.hash, r]));
  return hits.flatMap((h) => (byHash.has(h.hash) ? [chunkCandidate(byHash.get(h.hash)!)] : []));
}

function chunkCandidate(row: ChunkRow): Candidate {
  const lines = row.text.split('\n');
  const kept = lines.slice(0, CHUNK_LINES);
  return { path: row.path, startLine: row.start_line, endLine: row.start_line + kept.length - 1, text: kept.join('\n'), symbol: row.symbol };
}

function recentEdits(src: ContextSources, path: string): Candidate[] {
  const out: Candidate[] = [];
  for (const r of src.recent.list()) {
    if (r.path === path) continue;
    const lines = src.readLines(r.path);
    if (!lines) continue;
    const end = Math.min(r.endLine, r.startLine + CHUNK_LINES - 1, lines.length);
    if (r.startLine > end) continue;
    out.push({ path: r.path, startLine: r.startLine, endLine: end, text: lines.slice(r.startLine - 1, end).join('\n'), symbol: null });
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

function fitLines(text: string, tokens: number, counter: TokenCounter): { text: string; lines: number } {
  const kept: string[] = [];
  for (const l of text.split('\n')) {
    if (counter.count([...kept, l].join('\n')) > tokens) break;
    kept.push(l);
  }
  return { text: kept.join('\n'), lines: kept.length };
}
