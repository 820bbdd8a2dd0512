import { throwIfAborted } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Embedder } from '../models/embedder.js';
import type { IndexStore } from '../store/index-store.js';
import type { ChunkRow, SymbolRow } from '../store/rows.js';
import { splitIdentifier } from '../store/code-text.js';
import { hasGrammar, type LanguageId } from '../indexer/languages.js';
import { isTestPath } from './workspace-imports.js';
import { fuseRanked, type RankedList } from './fusion.js';
import { chunkLines, type NavigationSources } from './navigation.js';
import { queryVector } from './query-vector.js';
import type { Snippet } from '../protocol/snippet.js';

export interface SearchOptions {
  limit?: number;
  signal?: AbortSignal;
  /** Where a failing embedding model is reported (the search answers without vectors). */
  log?: Logger;
}

/** Source weights: a definition named by the query beats a text match; vectors fill in meaning. */
const WEIGHTS = { symbol: 1.5, fts: 1.0, vector: 0.8 } as const;

/**
 * What a full-text match is worth by where it stands, as a factor on its score: a question asks how
 * something is done, and the definition that does it answers better than a test that exercises it,
 * than statements around definitions, or than prose. Tuned on bench:search's tuning draw.
 */
const PRIOR = { test: 0.5, notDefinition: 0.75, prose: 0.7 } as const;
/** Full-text rows read per row kept: the priors reorder a deeper list than they return. */
const PRIOR_DEPTH = 2;

/** A chunk an answer may show: where it is and what it holds (its text when a source read it already). */
type Found = Pick<ChunkRow, 'path' | 'start_line' | 'end_line' | 'symbol' | 'kind'> & { text?: string };

/**
 * Hybrid search for `cvu search` and POST /search: full-text, vector and
 * symbol-name matches fused into one ranking of snippets. The full-text and
 * name matches come from memory; a snippet's text from the file as it is now
 * (as the cursor's context reads it), a vector match's from its row.
 */
export async function searchWorkspace(src: NavigationSources, embedder: Embedder | null, query: string, opts: SearchOptions = {}): Promise<Snippet[]> {
  const { store } = src;
  const limit = opts.limit ?? 10;
  const depth = Math.max(limit * 3, 30);
  const fts = textMatches(store, query, depth);
  const symbols = symbolMatches(store, query, depth);
  const vectors = await vectorMatches(store, embedder, query, depth, opts);
  throwIfAborted(opts.signal, 'search');
  const lists: RankedList<Found>[] = [
    { source: 'symbol', weight: WEIGHTS.symbol, items: symbols },
    { source: 'fts', weight: WEIGHTS.fts, items: fts },
    { source: 'vector', weight: WEIGHTS.vector, items: vectors },
  ];
  const out: Snippet[] = [];
  for (const { item, score, source } of fuseRanked(lists, (c) => `${c.path}:${c.start_line}`)) {
    if (out.length >= limit) break;
    // A file gone, unreadable or cut short since it was indexed has nothing to show there (the watcher re-indexes it soon).
    const text = item.text ?? chunkLines(src, item)?.join('\n');
    if (!text) continue;
    out.push({ path: item.path, startLine: item.start_line, endLine: item.end_line, text, score: Number(score.toFixed(6)), source, symbol: item.symbol });
  }
  return out;
}

/** Full-text matches of the query's words, names and docs first, reordered by PRIOR. */
function textMatches(store: IndexStore, query: string, limit: number): Found[] {
  return store.searchQuestion(query, limit * PRIOR_DEPTH)
    .map((hit) => ({ hit, score: hit.score * prior(hit, store.files.get(hit.path)?.language ?? '') }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map(({ hit }) => hit);
}

function prior(c: Found, language: string): number {
  let p = 1;
  if (isTestPath(c.path)) p *= PRIOR.test;
  if (!hasGrammar(language as LanguageId)) p *= PRIOR.prose;
  else if (c.symbol === null || c.kind === 'statements') p *= PRIOR.notDefinition;
  return p;
}

/** Definitions whose name is a query word (any case), or is made of all the query's words. */
function symbolMatches(store: IndexStore, query: string, limit: number): Found[] {
  const idents = [...new Set(query.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? [])];
  const defs: SymbolRow[] = [];
  // One word is a name to look up. In a phrase ("parse config") a plain word is not a name
  // (a field called `config` is not what was asked); identifiers written as code are.
  const looksLikeCode = (id: string) => idents.length === 1 || /[a-z0-9][A-Z]|_|\$/.test(id);
  for (const id of idents) if (looksLikeCode(id)) defs.push(...store.symbols.lookupInsensitive(id));
  const words = [...new Set(idents.flatMap(splitIdentifier))];
  if (words.length > 1) {
    for (const name of store.symbols.namesWithWords(words)) defs.push(...store.symbols.lookup(name));
  }
  // Declarations before local bindings, exported and top-level ones first: what a reader means by the name.
  const rank = (d: SymbolRow) => (d.kind === 'local' ? 2 : 0) + (d.exported ? 0 : 1) + (d.container === null ? 0 : 0.5);
  defs.sort((a, b) => rank(a) - rank(b));
  const out: Found[] = [];
  const seen = new Set<string>();
  // A file's chunks, once per file: a name defined many times in one file looks them up once.
  const spans = new Map<string, Found[]>();
  for (const def of defs) {
    if (out.length >= limit) break;
    let chunks = spans.get(def.path);
    if (!chunks) spans.set(def.path, (chunks = store.chunkSpansOf(def.path)));
    const chunk = chunks.find((c) => c.start_line <= def.start_line && def.start_line <= c.end_line)
      ?? chunks.find((c) => c.start_line >= def.start_line && c.start_line <= def.end_line);
    if (!chunk) continue;
    const key = `${chunk.path}:${chunk.start_line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(chunk);
  }
  return out;
}

async function vectorMatches(store: IndexStore, embedder: Embedder | null, query: string, limit: number, opts: SearchOptions): Promise<ChunkRow[]> {
  if (!embedder || !store.hasVectors()) return [];
  const vector = await queryVector(embedder, query, { signal: opts.signal }, opts.log);
  if (!vector) return [];
  const hits = await store.searchVector(vector, limit);
  const rows = await store.chunksByHash(hits.map((h) => h.hash));
  const byHash = new Map<string, ChunkRow[]>();
  for (const r of rows) byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), r]);
  return hits.flatMap((h) => byHash.get(h.hash) ?? []).slice(0, limit);
}
