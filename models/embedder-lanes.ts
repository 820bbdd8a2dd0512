import { CvuError } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import type { EmbedOptions } from './embed-turns.js';
import type { Embedder, EmbedderOptions } from './embedder.js';
import { reserveEmbeddingThread, type EmbeddingReservation } from './embedder-memory.js';
import { loadEmbedderThread } from './embedder-thread.js';

/**
 * The embedding model on two threads: background work (a first index's
 * vectors, a saved file's) on one that runs at a lower scheduling priority,
 * queries (`/context`, `/search`) on the other at normal priority.
 *
 * With one thread, a query waited for the background batch in flight (a
 * tenth of a second to a second on two cores) or gave up and went without
 * vectors, and the batch's onnxruntime threads took both cores from the
 * thread that answers requests. The cost is a second copy of the model,
 * which the generation model's memory check counts (embedder-memory.ts).
 *
 * The background thread loads first; the query thread on the first query, so
 * `cvu index` never starts it. A query that cannot wait (`maxWaitMs`) while it
 * loads is told CVU_ERR_BUSY, like a query that finds the model busy.
 */
export async function loadEmbedderLanes(opts: EmbedderOptions): Promise<Embedder> {
  // The query thread starts on the first query, but the generation model's fit check counts it from now.
  const queries = reserveEmbeddingThread(opts, 'queries');
  let background: Embedder;
  try {
    background = await loadEmbedderThread(opts, { background: true });
  } catch (err) {
    queries.release();
    throw err;
  }
  return new LaneEmbedder(background, opts, queries);
}

class LaneEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly dtype: 'q8' | 'fp32';
  private queries: Promise<Embedder> | null = null;
  private disposed = false;
  /** Ends a query thread still loading when this is disposed. */
  private readonly closing = new AbortController();

  constructor(
    private readonly background: Embedder,
    private readonly opts: EmbedderOptions,
    /** The query thread's memory, counted before it starts. */
    private readonly queryMemory: EmbeddingReservation,
  ) {
    this.model = background.model;
    this.dimensions = background.dimensions;
    this.dtype = background.dtype;
  }

  async embed(texts: string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', `embedder for ${this.model} was disposed`);
    if (opts.priority === 'background') return this.background.embed(texts, opts);
    const started = performance.now();
    const queries = await this.queryThread(opts.maxWaitMs);
    const waited = performance.now() - started;
    return queries.embed(texts, opts.maxWaitMs === undefined ? opts : { ...opts, maxWaitMs: Math.max(0, opts.maxWaitMs - waited) });
  }

  /** The query thread, loading it on first use; a failed load leaves queries to the background thread. */
  private queryThread(maxWaitMs?: number): Promise<Embedder> {
    if (!this.queries) {
      const log = this.opts.log ?? silentLogger;
      const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, this.closing.signal]) : this.closing.signal;
      this.queries = loadEmbedderThread({ ...this.opts, threads: queryThreads(this.opts.threads), signal }, { reservation: this.queryMemory }).catch((err: unknown) => {
        if (!this.disposed) log.warn(`the embedding model's query thread failed to load (${(err as Error).message}); queries share the background thread`);
        return this.background;
      });
    }
    if (maxWaitMs === undefined) return this.queries;
    // A loaded thread wins the race at once (a settled promise before any timer).
    let timer: NodeJS.Timeout | undefined;
    const busy = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CvuError('CVU_ERR_BUSY', `the embedding model's query thread is still loading`, { status: 503 })), maxWaitMs);
    });
    return Promise.race([this.queries, busy]).finally(() => clearTimeout(timer));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.closing.abort();
    const queries = await this.queries;
    if (queries && queries !== this.background) await queries.dispose();
    this.queryMemory.release();
    await this.background.dispose();
  }
}

/**
 * onnxruntime threads for queries: half the background thread's. A query is one short text; with
 * every core it also takes them from the rest of the request (the full-text search, the definitions)
 * and from the next one when it runs late. On two cores that made the full-text search twice as slow
 * while a query was embedded (bench:context's latency part: 22 ms at p50 beside it, 12 without).
 */
export function queryThreads(threads: number): number {
  return Math.max(1, Math.floor(threads / 2));
}
