/**
 * Code like the code around the cursor, from other files: full-text search of the cursor's window
 * (in memory, on the request's thread) and vector search of its nearest lines (the embedding
 * model's thread, then the store's), with the deadline and the breaker that keep a busy machine's
 * vector search from holding up an answer.
 */
import type { LanguageId } from '../indexer/languages.js';
import type { ChunkHit } from '../store/chunk-terms.js';
import type { IndexStore } from '../store/index-store.js';
import type { ContextTimings } from './context.js';
import { queryVector } from './query-vector.js';
import { similarCodeFilter } from './language-reach.js';
import { type Candidate, chunkCandidate } from './snippets.js';
import type { ContextSources } from './context-sources.js';

/** Lines around the cursor that make the full-text and vector queries. */
export const WINDOW_ABOVE = 12;
export const WINDOW_BELOW = 3;

/**
 * How long the vector query may wait for the embedding model's query thread while it embeds other
 * queries or is still loading (background embedding has a thread of its own). Longer, and the
 * context goes without.
 */
const EMBED_WAIT_MS = 30;

/**
 * The cursor's line and the window's lines nearest it, nearest first (a line above before the one
 * as far below), while they fit in `maxChars`; in document order. A cursor line longer than that
 * (minified code) gives the `maxChars` characters around the cursor's column, most of them before it.
 */
export function nearCursor(lines: string[], cursor: number, maxChars: number, column = 0): string {
  let first = cursor;
  let last = cursor;
  const line = lines[cursor] ?? '';
  let used = line.length;
  if (used > maxChars) {
    const start = Math.min(Math.max(0, column - Math.floor((maxChars * 3) / 4)), line.length - maxChars);
    return line.slice(start, start + maxChars);
  }
  for (let d = 1; d <= WINDOW_ABOVE; d++) {
    for (const row of d <= WINDOW_BELOW ? [cursor - d, cursor + d] : [cursor - d]) {
      if (row < 0 || row >= lines.length) continue;
      const cost = lines[row].length + 1;
      if (used + cost > maxChars) return lines.slice(first, last + 1).join('\n');
      used += cost;
      first = Math.min(first, row);
      last = Math.max(last, row);
    }
  }
  return lines.slice(first, last + 1).join('\n');
}

/** Chunks of other files like the cursor's window, by the in-memory full-text index (the buffer's language family and prose). */
export function similarByText(src: ContextSources, windowText: string, path: string, language: LanguageId, limit = 12): ChunkHit[] {
  return src.store.searchText(windowText, limit, { excludePaths: [path], keepPath: similarCodeFilter(src.store, language) });
}

/**
 * A search's result if it settles before the deadline; else `fallback` at the deadline (and `onLate`),
 * the search going on unheard. A search that fails before the deadline fails the request.
 */
export async function byDeadline<T>(search: Promise<T>, deadline: Promise<void>, onLate: () => void, fallback: T): Promise<T> {
  search.catch(() => {});
  const lateMark = Symbol('late');
  const first = await Promise.race([search, deadline.then(() => lateMark)]);
  if (first !== lateMark) return first as T;
  onLate();
  return fallback;
}

/**
 * Vector searches that keep missing their deadline (a machine busy indexing: the query's embedding
 * alone then takes longer) are not started for a while: each would only take a core from the rest
 * of the answer. After VECTOR_SKIP_AFTER misses in a row, one request in VECTOR_PROBE_EVERY starts
 * one without waiting for it (waited for, that request took the whole deadline: with the other
 * sources at a few milliseconds, the probes were the answers' p95); one that makes its deadline turns
 * the vector search back on.
 */
const VECTOR_SKIP_AFTER = 3;
const VECTOR_PROBE_EVERY = 8;
const vectorBreakers = new WeakMap<IndexStore, VectorBreaker>();

class VectorBreaker {
  private missed = 0;
  private skipped = 0;

  /** Whether this request starts a vector search and waits for it, starts one as a probe, or skips it. */
  next(): 'wait' | 'probe' | 'skip' {
    if (this.missed < VECTOR_SKIP_AFTER) return 'wait';
    if (++this.skipped < VECTOR_PROBE_EVERY) return 'skip';
    this.skipped = 0;
    return 'probe';
  }

  record(missed: boolean): void {
    this.missed = missed ? this.missed + 1 : 0;
  }
}

export function vectorBreaker(store: IndexStore): VectorBreaker {
  let b = vectorBreakers.get(store);
  if (!b) vectorBreakers.set(store, (b = new VectorBreaker()));
  return b;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export async function similarByVector(src: ContextSources, queryText: string, path: string, signal: AbortSignal | undefined, timings: ContextTimings): Promise<Candidate[]> {
  if (!src.embedder || !src.store.hasVectors() || !queryText.trim()) return [];
  // Busy with other queries, still loading, or failing: the other sources answer now.
  const t = performance.now();
  const vector = await queryVector(src.embedder, queryText, { signal, maxWaitMs: EMBED_WAIT_MS }, src.log);
  timings.embed = performance.now() - t;
  if (!vector) return [];
  const hits = await src.store.searchVector(vector, 12);
  const rows = await src.store.chunksByHash(hits.map((h) => h.hash));
  const byHash = new Map(rows.filter((r) => r.path !== path).map((r) => [r.hash, r]));
  return hits.flatMap((h) => (byHash.has(h.hash) ? [chunkCandidate(byHash.get(h.hash)!)] : []));
}
