import PQueue from 'p-queue';
import { CvuError } from '../core/errors.js';

export type Lane = 'interactive' | 'background';

export interface TaskOptions {
  /**
   * A client's newer request supersedes its older one with the same key
   * (e.g. `vscode-1:complete`): the older one's signal is aborted.
   */
  supersedeKey?: string;
  /** The caller's own signal (a closed HTTP connection). */
  signal?: AbortSignal;
  /**
   * 'retrieval' (default): /context, /search — quick, and never behind the model.
   * 'model': generation (/complete, /explain, …), which can hold its place for seconds (a long prompt
   * to read, an abort noticed only between batches).
   */
  lane?: InteractiveLane;
}

export type InteractiveLane = 'retrieval' | 'model';

/**
 * Lanes of work. Interactive requests run at once, retrieval (context,
 * search) and generation (completions, chat) each in a lane of their own so
 * that a context request never queues behind the model; background work
 * (indexing, embedding) waits while any interactive request runs, and long
 * background jobs call `yieldToInteractive()` between batches so that a
 * keystroke never queues behind a branch switch.
 */
export class Scheduler {
  /** Two interactive lanes, so that a context request never waits behind generation; both pause the background. */
  private readonly interactive: Record<InteractiveLane, PQueue> = { retrieval: new PQueue({ concurrency: 4 }), model: new PQueue({ concurrency: 2 }) };
  private readonly background = new PQueue({ concurrency: 1 });
  private readonly latest = new Map<string, AbortController>();
  private activeInteractive = 0;
  private idleWaiters: { resolve: () => void; since: number; maxWait: number }[] = [];
  private lastInteractiveEnd = 0;
  private quietTimer: NodeJS.Timeout | null = null;
  /** When background work last went on after yielding (or -Infinity): the time since is how long its current batch ran. */
  private lastResume = Number.NEGATIVE_INFINITY;

  /**
   * Background work resumes only after interactive requests have been quiet
   * this long: keystrokes come in bursts, and each request of a burst should
   * find the CPU free rather than racing a store commit.
   */
  constructor(
    private readonly quietMs = 40,
    /**
     * A background batch waits at most this long for quiet; then it runs in
     * the next gap between requests, so a client polling without pause cannot
     * starve indexing. A batch waits no longer than the previous one ran, so
     * under such a client background work gets about half the time rather
     * than one batch a second (a 50,000-file storm would otherwise take
     * a quarter of an hour at 64 files a second).
     */
    private readonly maxWaitMs = 1000,
  ) {}

  get stats() {
    return {
      retrieval: { running: this.interactive.retrieval.pending, queued: this.interactive.retrieval.size },
      model: { running: this.interactive.model.pending, queued: this.interactive.model.size },
      background: { running: this.background.pending, queued: this.background.size },
    };
  }

  /** Runs an interactive task; it receives a signal aborted when superseded, when the caller aborts, or on shutdown. */
  async interactiveTask<T>(fn: (signal: AbortSignal) => Promise<T>, opts: TaskOptions = {}): Promise<T> {
    const controller = new AbortController();
    if (opts.supersedeKey) {
      this.latest.get(opts.supersedeKey)?.abort(new CvuError('CVU_ERR_ABORTED', 'superseded by a newer request', { status: 499 }));
      this.latest.set(opts.supersedeKey, controller);
    }
    const onCallerAbort = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) controller.abort(opts.signal.reason);
    else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.activeInteractive++;
    this.background.pause();
    try {
      return await this.interactive[opts.lane ?? 'retrieval'].add(
        async () => {
          if (controller.signal.aborted) throw new CvuError('CVU_ERR_ABORTED', 'request aborted before it started', { status: 499 });
          return fn(controller.signal);
        },
        { throwOnTimeout: true },
      );
    } finally {
      opts.signal?.removeEventListener('abort', onCallerAbort);
      if (opts.supersedeKey && this.latest.get(opts.supersedeKey) === controller) this.latest.delete(opts.supersedeKey);
      if (--this.activeInteractive === 0) {
        this.lastInteractiveEnd = Date.now();
        this.background.start();
        this.releaseStarved();
        this.wakeWhenQuiet();
      }
    }
  }

  /** Queues background work; it starts only while no interactive task runs. */
  backgroundTask<T>(fn: () => Promise<T>): Promise<T> {
    return this.background.add(fn, { throwOnTimeout: true }) as Promise<T>;
  }

  private get quiet(): boolean {
    return this.activeInteractive === 0 && Date.now() - this.lastInteractiveEnd >= this.quietMs;
  }

  /** Waiters that have waited too long go now, in this gap between requests. */
  private releaseStarved(): void {
    const now = Date.now();
    const starved = this.idleWaiters.filter((w) => now - w.since >= w.maxWait);
    if (!starved.length) return;
    this.idleWaiters = this.idleWaiters.filter((w) => now - w.since < w.maxWait);
    this.resume(starved);
  }

  private resume(waiters: { resolve: () => void }[]): void {
    if (!waiters.length) return;
    this.lastResume = Date.now();
    for (const w of waiters) w.resolve();
  }

  private wakeWhenQuiet(): void {
    if (this.quietTimer || !this.idleWaiters.length) return;
    const wait = Math.max(0, this.lastInteractiveEnd + this.quietMs - Date.now());
    this.quietTimer = setTimeout(() => {
      this.quietTimer = null;
      if (this.quiet) this.resume(this.idleWaiters.splice(0));
      else if (this.activeInteractive === 0) this.wakeWhenQuiet();
    }, wait);
    this.quietTimer.unref();
  }

  /** Resolves once no interactive task is running or has just run (at once when all is quiet). */
  yieldToInteractive(): Promise<void> {
    const now = Date.now();
    if (this.quiet) {
      this.lastResume = now;
      return Promise.resolve();
    }
    // Wait no longer than the batch just finished ran (the time since the last resume), and at most maxWaitMs.
    const maxWait = Math.min(this.maxWaitMs, now - this.lastResume);
    return new Promise((resolve) => {
      this.idleWaiters.push({ resolve, since: now, maxWait });
      if (this.activeInteractive === 0) this.wakeWhenQuiet();
    });
  }

  /** Aborts every superseding-tracked task and waits for the background lane to drain. */
  async close(): Promise<void> {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
    for (const w of this.idleWaiters.splice(0)) w.resolve();
    for (const c of this.latest.values()) c.abort(new CvuError('CVU_ERR_ABORTED', 'daemon shutting down', { status: 499 }));
    this.background.clear();
    this.background.start();
    await this.background.onIdle();
  }
}
