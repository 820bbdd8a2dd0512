import { Worker } from 'node:worker_threads';
import { CvuError, isCvuError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import { workerEntry } from '../core/worker-entry.js';
import { embedInTurns, EmbedTurns, type EmbedOptions } from './embed-turns.js';
import type { Embedder, EmbedderOptions } from './embedder.js';
import { reserveEmbeddingThread, type EmbeddingReservation } from './embedder-memory.js';

/**
 * Loads the embedding model on a worker thread (embedder-worker.ts) and
 * returns an Embedder that sends it one batch at a time. onnxruntime-node
 * runs a batch synchronously: on the daemon's main thread a saved file's
 * embedding would hold up every request for as long as each batch runs (a
 * second on a CPU busy with generation). Turns are taken here, so a query
 * still goes before the next background batch, and it can give up waiting
 * (`maxWaitMs`) because this thread stays free to notice.
 *
 * The thread's memory is counted (models/embedder-memory.ts) from before it
 * starts until it ends, so the generation model's fit check sees it.
 */
export async function loadEmbedderThread(opts: EmbedderOptions, thread: EmbedderThreadOptions = {}): Promise<Embedder> {
  const log = opts.log ?? silentLogger;
  throwIfAborted(opts.signal, 'embedder load');
  const started = Date.now();
  // What a worker can receive: no signal, no logger.
  const { signal, log: _log, ...data } = opts;
  const reservation = thread.reservation ?? reserveEmbeddingThread(opts, thread.background ? 'background' : 'all');
  let worker: Worker;
  try {
    worker = new Worker(workerEntry(import.meta.url, 'embedder-worker'), { workerData: { embedderThread: true, background: thread.background ?? false, options: data } });
  } catch (err) {
    reservation.release();
    throw err;
  }
  const embedder = new ThreadEmbedder(worker, opts.batchSize ?? 16, reservation, signal);
  const onAbort = () => void embedder.dispose();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await embedder.ready;
  } catch (err) {
    await embedder.dispose();
    // Aborted mid-load: the thread was stopped on purpose, and that is what the caller hears.
    throwIfAborted(signal, 'embedder load');
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  throwIfAborted(signal, 'embedder load');
  log.info('embedding model loaded', { model: embedder.model, dtype: embedder.dtype, dimensions: embedder.dimensions, threads: opts.threads, ms: Date.now() - started, thread: thread.background ? 'background' : 'queries' });
  return embedder;
}

export interface EmbedderThreadOptions {
  /** Background work only: the thread and its onnxruntime threads run at a lower priority (core/thread-priority.ts). */
  background?: boolean;
  /** The thread's memory, counted since before the load was asked for (embedder-lanes.ts); released when the thread ends or fails to load. */
  reservation?: EmbeddingReservation;
}

/** The messages between this thread and embedder-worker.ts. */
export type WorkerRequest = { id: number; texts: string[] } | { id: number; dispose: true };
export type WorkerReply =
  | { ready: { model: string; dimensions: number; dtype: 'q8' | 'fp32' } }
  | { failed: SerializedError }
  | { id: number; vectors: Float32Array[] }
  | { id: number; disposed: true }
  | { id: number; error: SerializedError };
export interface SerializedError {
  code: string;
  message: string;
  status?: number;
}

export function serializeError(err: unknown): SerializedError {
  if (isCvuError(err)) return { code: err.code, message: err.message, status: err.status };
  return { code: 'CVU_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export function deserializeError(e: SerializedError): CvuError {
  return new CvuError(e.code as CvuError['code'], e.message, { status: e.status });
}

interface Call {
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
}

class ThreadEmbedder implements Embedder {
  model = '';
  dimensions = 0;
  dtype: 'q8' | 'fp32' = 'q8';
  readonly ready: Promise<void>;
  private readonly turns = new EmbedTurns();
  private readonly calls = new Map<number, Call>();
  private nextId = 0;
  private disposed = false;
  private loaded = false;
  /** Why the worker stopped, once it has (every later call fails with it). */
  private dead: CvuError | null = null;

  constructor(
    private readonly worker: Worker,
    private readonly batchSize: number,
    private readonly reservation: EmbeddingReservation,
    private readonly lifetime?: AbortSignal,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: WorkerReply) => {
        if ('ready' in msg) {
          Object.assign(this, msg.ready);
          this.loaded = true;
          reservation.loaded();
          worker.unref();
          return resolve();
        }
        if ('failed' in msg) return reject(deserializeError(msg.failed));
        const call = this.calls.get(msg.id);
        this.calls.delete(msg.id);
        // An idle worker must not keep the process alive; a busy one must.
        if (this.calls.size === 0) worker.unref();
        if (!call) return;
        if ('error' in msg) call.reject(deserializeError(msg.error));
        else call.resolve(msg);
      });
      const stopped = (why: string) => {
        this.dead ??= new CvuError('CVU_ERR_MODEL_LOAD', `the embedding model's thread stopped: ${why}`);
        // A thread that ended holds no memory.
        reservation.release();
        reject(this.dead);
        for (const call of this.calls.values()) call.reject(this.dead);
        this.calls.clear();
      };
      worker.on('error', (err) => stopped(err.message));
      worker.on('exit', (code) => stopped(`exit code ${code}`));
    });
    // Nobody may be awaiting `ready` when the load fails after a disposal.
    this.ready.catch(() => {});
  }

  private call(req: { texts: string[] } | { dispose: true }): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    if (this.calls.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id } satisfies WorkerRequest);
    });
  }

  private check(signal?: AbortSignal): void {
    throwIfAborted(signal, 'embedding');
    throwIfAborted(this.lifetime, 'embedding');
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', `embedder for ${this.model} was disposed`);
    if (this.dead) throw this.dead;
  }

  async embed(texts: string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    this.check(opts.signal);
    if (texts.length === 0) return [];
    return embedInTurns(this.turns, texts.map((t) => t.length), this.batchSize, opts, () => this.check(opts.signal), async (batch) => {
      const reply = await this.call({ texts: batch.map((i) => texts[i]) });
      return (reply as { vectors: Float32Array[] }).vectors;
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // The batch in flight finishes first; then the model is released on its thread and the thread ends.
    await this.turns.idle();
    // (A load still in progress is simply cut short.)
    if (this.loaded && !this.dead) await this.call({ dispose: true }).catch(() => {});
    await this.worker.terminate();
    this.reservation.release();
  }
}
