import fs from 'node:fs';
import path from 'node:path';
import { throwIfAborted } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { CvuConfig } from '../config/schema.js';
import type { FileChange, IndexStore } from '../store/index-store.js';
import type { FileRow } from '../store/rows.js';
import { IndexQueue } from './index-queue.js';
import { ParsePool } from './parse-pool.js';
import type { PrepareOptions } from './prepare-file.js';
import { IgnoreRules, type SkippedFile } from './ignore-rules.js';
import { walkWorkspace, type WalkedFile } from './walker.js';

export interface IndexProgress {
  phase: 'scan' | 'index' | 'done';
  done: number;
  total: number;
}

export interface BatchHooks {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Awaited before each batch: the daemon waits here while interactive requests run. */
  beforeBatch?: () => Promise<void>;
  /** Files per store commit, instead of the configured batch size (the daemon commits in smaller steps). */
  batchSize?: number;
  /**
   * Bytes of source (by file size) per store commit at most, whatever
   * `batchSize` allows; a batch holds at least one file. Lets a batch of
   * small files be large (a commit costs about the same for 5 files as for
   * 500 tiny ones) while one of big files stays small.
   */
  batchBytes?: number;
  /** Told of each file about to be re-indexed, with its chunk hashes before (recent-edit tracking). */
  onChange?: (change: FileChange, previousHashes: string[]) => void;
  /** A long pass (a sync): keeps the path indexes up as it goes and leaves compaction for later, instead of compacting every COMPACT_EVERY_COMMITS commits. */
  longPass?: boolean;
  /** A save's few files: parsed before the files of a background pass waiting for a parse worker. */
  urgent?: boolean;
}

export interface SyncResult {
  files: number;
  indexed: number;
  removed: number;
  skipped: SkippedFile[];
  seconds: number;
}

/** What preparing one file for the index came to (see Indexer.prepare). */
type Outcome = { change: FileChange } | { touch: FileRow } | { skip: SkippedFile } | 'unchanged';

/** A file's preparation, started after the commit numbered `after` (see Indexer.lastCommitOf). */
interface Read {
  after: number;
  outcome: Promise<Outcome>;
}

/** How many files are read and parsed at once: enough to overlap I/O with parsing on two cores. */
const READ_CONCURRENCY = 8;
/** Paths stat'ed at once by `update`. */
const STAT_SLICE = 256;

/** What the config says about preparing one file (its size limit, how it is chunked). */
export function prepareOptionsFor(config: CvuConfig): PrepareOptions {
  const c = config.index.chunk;
  return {
    maxFileBytes: config.index.maxFileBytes,
    chunk: { maxChunkLines: c.maxLines, maxChunkChars: c.maxChars, minChunkLines: c.minLines, windowLines: c.windowLines, windowOverlap: c.windowOverlap },
  };
}

/**
 * Turns files on disk into index rows: the lexical and symbol tier.
 * `sync` reconciles the whole tree with the store (first index, and repair
 * after a crash); `update` re-indexes named paths (a save, a watcher batch).
 */
export class Indexer {
  private readonly pool: ParsePool;
  private readonly ownsPool: boolean;
  private readonly prepareOptions: PrepareOptions;
  private rootReal: Promise<string> | undefined;
  /** The files of the syncs and updates running now (`focus` reorders them). */
  private readonly queues = new Set<IndexQueue>();
  /** The last files focused, for a pass whose file list is not there yet (still walking the tree). */
  private recentFocus: string[] = [];
  /**
   * Commits numbered in order, and the number of the last one that wrote each path, while any
   * pass runs: a save's update runs beside a sync (workspace.ts), and a batch of the sync read
   * before that update's commit must not write its older copy over it.
   */
  private commitSeq = 0;
  private readonly lastCommitOf = new Map<string, number>();

  constructor(
    readonly root: string,
    private readonly store: IndexStore,
    private rules: IgnoreRules,
    private readonly config: CvuConfig,
    private readonly log: Logger = silentLogger,
    /** Shared between the workspaces of a daemon; a pool of its own otherwise. */
    pool?: ParsePool,
  ) {
    this.ownsPool = !pool;
    this.pool = pool ?? new ParsePool(config.index.parseWorkers < 0 ? undefined : config.index.parseWorkers, log);
    this.prepareOptions = prepareOptionsFor(config);
  }

  static async rulesFor(root: string, config: CvuConfig): Promise<IgnoreRules> {
    return IgnoreRules.load(root, { maxFileBytes: config.index.maxFileBytes, extraIgnore: config.index.ignore });
  }

  /** Walks the tree and makes the store match it exactly. */
  async sync(opts: BatchHooks = {}): Promise<SyncResult> {
    const started = performance.now();
    opts.onProgress?.({ phase: 'scan', done: 0, total: 0 });
    // A first index parses every file: its workers start while the tree is walked. (A restart's
    // catch-up may parse none, and idle workers cost memory: they start at its first changed file.)
    if (!this.store.files.size) this.pool.start();
    this.rules = await Indexer.rulesFor(this.root, this.config);
    // Patterns dropped from hostile or oversized ignore files (ignore-rules.ts says which and why).
    for (const w of this.rules.warnings) this.log.warn(`${this.root}: ${w}`);
    const changed = (f: WalkedFile) => {
      const row = this.store.files.get(f.path);
      return !row || row.size !== f.size || row.mtime_ms !== f.mtimeMs;
    };
    // The parse workers start on the first changed files the walk lists, one batch's worth, instead
    // of idling until it ends (a cold walk of a few hundred files: 60-130 ms).
    const early = new Map<string, Read>();
    let earlyBytes = 0;
    const { batchSize, batchBytes } = this.batchBounds(opts);
    const onFile = (f: WalkedFile) => {
      if (early.size >= batchSize || (early.size && earlyBytes + f.size > batchBytes) || !changed(f)) return;
      earlyBytes += f.size;
      early.set(f.path, this.startRead(f, opts.urgent ?? false));
    };
    const { files, skipped } = await walkWorkspace(this.root, this.rules, { signal: opts.signal, onFile });
    const onDisk = new Map(files.map((f) => [f.path, f]));
    const removals = [...this.store.files.keys()].filter((p) => !onDisk.has(p));
    const candidates = files.filter(changed);
    const result = await this.indexFiles(candidates, removals, { ...opts, skipped, longPass: true, early });
    opts.onProgress?.({ phase: 'done', done: candidates.length, total: candidates.length });
    return { files: this.store.files.size, indexed: result.indexed, removed: result.removed, skipped, seconds: (performance.now() - started) / 1000 };
  }

  /**
   * Re-indexes the given workspace-relative paths: changed ones are read
   * again, vanished or newly ignored ones leave the index. A changed ignore
   * file makes it a full `sync` (`full: true`; `skipped` is then the whole
   * tree's, not only the given paths').
   */
  async update(paths: string[], opts: BatchHooks = {}): Promise<{ indexed: number; removed: number; skipped: SkippedFile[]; full: boolean }> {
    // An ignore file changed: every file is checked again, a whole pass, not a save's few files.
    if (paths.some((p) => /(^|\/)\.(git|cvu)ignore$/.test(p))) return { ...(await this.sync({ ...opts, urgent: false })), full: true };
    const present: WalkedFile[] = [];
    const removals: string[] = [];
    const skipped: SkippedFile[] = [];
    const unique = [...new Set(paths.map(toPosix))];
    const realDirs = new Map<string, Promise<boolean>>();
    // Stat'ed asynchronously, a slice at a time: 50,000 synchronous stats would hold up every request for half a second.
    for (let i = 0; i < unique.length; i += STAT_SLICE) {
      throwIfAborted(opts.signal, 'indexing');
      const slice = unique.slice(i, i + STAT_SLICE);
      const [stats, real] = await Promise.all([
        Promise.all(slice.map((rel) => lstatOrNull(path.join(this.root, rel)))),
        Promise.all(slice.map((rel) => this.reachedWithoutLinks(rel, realDirs))),
      ]);
      let sliceStart = performance.now();
      for (let j = 0; j < slice.length; j++) {
        // Checks cost up to a few ms each with thousands of ignore patterns: requests get a turn.
        if (performance.now() - sliceStart > 10) {
          await new Promise<void>((r) => setImmediate(r));
          sliceStart = performance.now();
        }
        const rel = slice[j];
        const st = stats[j];
        // A path through a linked folder is not the file the walk would list (`lstat` follows the
        // folders on the way): it may lie outside the root, and is never read.
        const reason = real[j] ? this.rules.check(rel, false) : null;
        if (!st || !st.isFile() || !real[j] || reason) {
          if (reason) skipped.push({ path: rel, reason });
          if (this.store.files.has(rel)) removals.push(rel);
          continue;
        }
        present.push({ path: rel, absPath: path.join(this.root, rel), size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    return { ...(await this.indexFiles(present, removals, { ...opts, skipped })), full: false };
  }

  /** Whether the folder of `rel` is reached from the root through real folders only (no link on the way). */
  private reachedWithoutLinks(rel: string, cache: Map<string, Promise<boolean>>): Promise<boolean> {
    const i = rel.lastIndexOf('/');
    if (i < 0) return Promise.resolve(true);
    const dir = rel.slice(0, i);
    let known = cache.get(dir);
    if (!known) {
      const rootReal = (this.rootReal ??= fs.promises.realpath(this.root).catch(() => path.resolve(this.root)));
      known = Promise.all([rootReal, fs.promises.realpath(path.join(this.root, dir))]).then(
        ([root, real]) => real === path.join(root, dir),
        () => false,
      );
      cache.set(dir, known);
    }
    return known;
  }

  private async indexFiles(
    files: WalkedFile[],
    removals: string[],
    opts: BatchHooks & { skipped: SkippedFile[]; early?: Map<string, Read> },
  ): Promise<{ indexed: number; removed: number; skipped: SkippedFile[] }> {
    const { batchSize, batchBytes } = this.batchBounds(opts);
    let indexed = 0;
    let done = 0;
    const pendingRemovals = [...removals];
    const queue = new IndexQueue(files);
    for (const rel of [...this.recentFocus].reverse()) queue.focus(rel);
    this.queues.add(queue);
    // The store commits one batch (native LanceDB threads) while the next is read and parsed here.
    let writing: Promise<void> = Promise.resolve();
    opts.onProgress?.({ phase: 'index', done: 0, total: files.length });
    try {
      while (queue.size || pendingRemovals.length) {
        throwIfAborted(opts.signal, 'indexing');
        await opts.beforeBatch?.();
        const batch = queue.take(batchSize, batchBytes);
        // A commit numbered above the one before a file's read started wrote a newer state of it
        // (its read may have started early, during the walk); removals were decided before this batch.
        const batchStart = this.commitSeq;
        const readAfter = new Map<string, number>();
        const changes: FileChange[] = [];
        const touched: FileRow[] = [];
        await forEachLimit(batch, READ_CONCURRENCY, async (f) => {
          const read = opts.early?.get(f.path) ?? this.startRead(f, opts.urgent ?? false);
          opts.early?.delete(f.path);
          readAfter.set(f.path, read.after);
          const out = await read.outcome;
          done++;
          if (out === 'unchanged') return;
          if ('skip' in out) {
            opts.skipped.push(out.skip);
            if (this.store.files.has(f.path)) pendingRemovals.push(f.path);
          } else if ('touch' in out) touched.push(out.touch);
          else {
            opts.onChange?.(out.change, this.store.files.get(f.path)?.chunk_hashes.split(' ') ?? []);
            changes.push(out.change);
          }
        });
        const removeNow = pendingRemovals.splice(0);
        // Less than this batch is left after it: the end of the pass builds the indexes soon anyway
        // (Workspace.sync), and a small repository built them twice.
        const endsSoon = queue.size < batch.length;
        await writing;
        const progress = { phase: 'index' as const, done, total: files.length };
        writing = (async () => {
          const fresh = (p: string) => (this.lastCommitOf.get(p) ?? -1) <= (readAfter.get(p) ?? batchStart);
          const kept = changes.filter((c) => fresh(c.file.path));
          const gone = removeNow.filter(fresh);
          const moved = touched.filter((t) => fresh(t.path));
          const seq = ++this.commitSeq;
          for (const p of [...kept.map((c) => c.file.path), ...gone, ...moved.map((t) => t.path)]) this.lastCommitOf.set(p, seq);
          await this.store.apply(kept, gone);
          await this.store.touchFiles(moved);
          indexed += kept.length;
          opts.onProgress?.(progress);
          // A sync keeps the path indexes up with its commits (a save's delete beside it reads the
          // unindexed rows) and leaves compaction for later (store/index-store.ts says why); a save
          // beside it compacts nothing either: a compaction waits for every commit in flight and holds
          // up every commit after it, seconds on a big tree. (This pass's own queue may be gone by now:
          // the loop ends before its last commit does.)
          if (opts.longPass && !endsSoon) await this.store.refreshIndexes();
          else if (!opts.longPass && ![...this.queues].some((q) => q !== queue)) await this.store.compactIfFragmented();
        })();
        // Awaited before the next batch or in `finally`; this only keeps a failure from counting as unhandled meanwhile.
        writing.catch(() => {});
      }
    } finally {
      this.queues.delete(queue);
      if (!this.queues.size) this.recentFocus = [];
      try {
        await writing;
      } finally {
        // Kept while another pass runs: its batches read before these commits check them.
        if (!this.queues.size) this.lastCommitOf.clear();
      }
    }
    return { indexed, removed: removals.length, skipped: opts.skipped };
  }

  /** Files and source bytes per store commit: the pass's own, else the configured batch size (no byte bound). */
  private batchBounds(opts: BatchHooks): { batchSize: number; batchBytes: number } {
    return { batchSize: opts.batchSize ?? this.config.index.batchSize, batchBytes: opts.batchBytes ?? Number.POSITIVE_INFINITY };
  }

  /** Starts reading and chunking a file (prepare), noting the last commit numbered before it. */
  private startRead(f: WalkedFile, urgent: boolean): Read {
    const read: Read = { after: this.commitSeq, outcome: this.prepare(f, urgent) };
    // Awaited by its batch; one started early whose pass was aborted must not count as unhandled.
    read.outcome.catch(() => {});
    return read;
  }

  /**
   * Reads and chunks one file (in a parse worker). An unchanged hash only
   * refreshes the file's row, or nothing when its stat did not move either
   * (a watcher reporting a file twice).
   */
  private async prepare(f: WalkedFile, urgent: boolean): Promise<Outcome> {
    const old = this.store.files.get(f.path) ?? null;
    const out = await this.pool.prepare(f, old?.hash ?? null, this.prepareOptions, urgent);
    if (out.kind === 'skip') {
      if (out.reason !== 'unreadable' || fs.existsSync(f.absPath)) this.log.info(`skipped ${f.path}: ${out.message}`);
      return { skip: { path: f.path, reason: out.reason } };
    }
    if (out.kind === 'same') return old!.size === f.size && old!.mtime_ms === f.mtimeMs ? 'unchanged' : { touch: { ...old!, size: f.size, mtime_ms: f.mtimeMs } };
    for (const w of out.warnings) this.log.warn(`${f.path}: ${w}`);
    return { change: out.change };
  }

  /**
   * Someone is working on `rel` (workspace-relative): the files of its folder and package that are
   * still to be indexed go next.
   */
  focus(rel: string): void {
    this.recentFocus = [rel, ...this.recentFocus.filter((p) => p !== rel)].slice(0, 4);
    for (const q of this.queues) q.focus(rel);
  }

  /** The ignore rules in force (the watcher filters events with them). */
  get ignoreRules(): IgnoreRules {
    return this.rules;
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/').replace(/^\.\//, '');
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

function lstatOrNull(abs: string): Promise<fs.Stats | null> {
  return new Promise((resolve) => fs.lstat(abs, (err, st) => resolve(err ? null : st)));
}
