import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../core/log.js';
import { delayTierUp } from '../core/v8-flags.js';
import { workerEntry } from '../core/worker-entry.js';
import { keepLargeGrammarsOnBaseline } from './languages.js';
import { prepareFile, type PrepareOptions, type Prepared } from './prepare-file.js';
import type { WalkedFile } from './walker.js';

interface Pending {
  resolve: (p: Prepared) => void;
  reject: (e: Error) => void;
  /** Kept so that a job of a worker that died can be redone on this thread. */
  args: [WalkedFile, string | null, PrepareOptions];
}

interface Job extends Pending {
  id: number;
}

/**
 * Jobs posted to a worker at once. A worker runs what it was posted (reading the next file while
 * it parses one), so a save's file waited behind every file a first index had posted to it (four
 * per worker: 10–60 ms); the rest wait here, where a save goes first. At two a worker idled while
 * the main thread, busy with a commit, was slow to post the next (a first index 7% slower
 * in-process); three keep it busy.
 */
const POSTED_PER_WORKER = 3;

/**
 * Worker threads that read and parse files, so that tree-sitter's synchronous
 * work never blocks the thread that answers requests, and a second core
 * parses while the first writes to the store. Falls back to the calling
 * thread when workers cannot start.
 */
export class ParsePool {
  private workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  /** Jobs not posted yet, urgent ones (a save's) first. */
  private readonly waiting: { urgent: Job[]; background: Job[] } = { urgent: [], background: [] };
  private nextId = 0;
  private broken = false;

  constructor(private readonly size: number = defaultParseWorkers(), private readonly log: Logger = silentLogger) {
    // Before any worker exists: it sets process-wide V8 flags for a moment (indexer/languages.ts).
    keepLargeGrammarsOnBaseline();
  }

  /**
   * Starts the workers, once; the first file does it anyway. The daemon calls it as it starts
   * (daemon/lifecycle.ts), an index before it walks its tree: their start (a thread, the modules,
   * the tree-sitter runtime: 100–200 ms each, cold) overlaps other work, not a first index's.
   */
  start(): void {
    if (this.workers.length || this.broken || this.size === 0) return;
    // Before the workers' isolates exist: they tier up late, and a cold pool parses faster (core/v8-flags.ts).
    delayTierUp();
    for (let i = 0; i < this.size; i++) {
      try {
        // Parsing makes short-lived garbage only: a small young generation keeps each worker's
        // footprint down (on 12,500 files, the daemon's peak 626 -> 585 MB with two workers).
        // The first warms up the tree-sitter runtime, for all of them, until its first job (parser-warmup.ts).
        const worker = new Worker(workerEntry(import.meta.url, 'parse-worker'), { resourceLimits: { maxYoungGenerationSizeMb: 8 }, workerData: { warmUp: i === 0 } });
        const slot = { worker, busy: 0 };
        worker.on('message', (msg: { id: number; result?: Prepared; error?: string } | { warmedUp: number }) => {
          if ('warmedUp' in msg) {
            this.log.debug(`the tree-sitter runtime warmed up: ${msg.warmedUp} rounds`);
            return;
          }
          // An idle worker must not keep the process alive; a busy one must.
          if (--slot.busy === 0) worker.unref();
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          this.post();
          if (!p) return;
          if (msg.error !== undefined) p.reject(new Error(msg.error));
          else p.resolve(msg.result!);
        });
        worker.on('error', (err) => this.fail(slot.worker, err));
        worker.unref();
        this.workers.push(slot);
      } catch (err) {
        this.log.warn(`parse workers unavailable, parsing on the main thread: ${(err as Error).message}`);
        this.broken = true;
        return;
      }
    }
    this.log.info(`${this.workers.length} parse workers started`);
  }

  /** A worker failed (could not start, out of memory, a wasm trap): its jobs and all later ones run on this thread. */
  private fail(worker: Worker, err: Error): void {
    this.log.warn(`parse worker failed, parsing on the main thread: ${err.message}`);
    this.broken = true;
    this.workers = this.workers.filter((w) => w.worker !== worker);
    void worker.terminate();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      prepareFile(...p.args).then(p.resolve, p.reject);
    }
    for (const p of this.waiting.urgent.splice(0).concat(this.waiting.background.splice(0))) prepareFile(...p.args).then(p.resolve, p.reject);
  }

  /** Prepares a file in a worker; `urgent` (a save) goes before the background jobs not posted yet. */
  prepare(file: WalkedFile, knownHash: string | null, opts: PrepareOptions, urgent = false): Promise<Prepared> {
    this.start();
    if (!this.workers.length) return prepareFile(file, knownHash, opts);
    return new Promise<Prepared>((resolve, reject) => {
      (urgent ? this.waiting.urgent : this.waiting.background).push({ id: this.nextId++, resolve, reject, args: [file, knownHash, opts] });
      this.post();
    });
  }

  /** Posts waiting jobs to the least busy workers, up to POSTED_PER_WORKER each. */
  private post(): void {
    for (;;) {
      const queue = this.waiting.urgent.length ? this.waiting.urgent : this.waiting.background;
      if (!queue.length || !this.workers.length) return;
      const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.busy >= POSTED_PER_WORKER) return;
      const job = queue.shift()!;
      const [file, knownHash, opts] = job.args;
      if (slot.busy++ === 0) slot.worker.ref();
      this.pending.set(job.id, job);
      slot.worker.postMessage({ id: job.id, file, knownHash, opts });
    }
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
    // Nothing will answer these any more.
    const closed = new Error('the parse pool was closed');
    for (const p of [...this.pending.values(), ...this.waiting.urgent.splice(0), ...this.waiting.background.splice(0)]) p.reject(closed);
    this.pending.clear();
  }
}

/**
 * One per core, at most 4. The workers run at a lower priority (parse-worker.ts), so the thread
 * that answers requests still gets a core at once; during a first index it mostly waits for them
 * (on two cores, one worker left the main thread idle 80% of the time and halved files/s).
 */
export function defaultParseWorkers(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, Math.min(4, cores));
}
