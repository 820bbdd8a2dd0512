/**
 * Watches a workspace root and hands the daemon batches of changed,
 * workspace-relative posix paths.
 *
 * - One chokidar watcher per root. The workspace's ignore rules filter paths
 *   before chokidar descends into them, so `node_modules`, `.git`, build
 *   output and git-ignored folders are never watched (a watch on
 *   `node_modules` alone exhausts inotify on a real project).
 * - Native events watch folders only. A folder's watch reports every change
 *   to the files in it, by name (inotify, FSEvents and ReadDirectoryChangesW
 *   all do), so files get no watch of their own: 50,000 files cost a
 *   hundred watches rather than 50,000 (which would exhaust the default
 *   inotify limit, and whose setup and teardown kept the event loop busy for
 *   seconds). Polling stats files, so there they are watched one by one.
 * - Events are debounced into deduplicated batches: a save is one call, a
 *   branch switch touching thousands of files a few.
 * - At flush time each path is looked at again: an indexable file on disk, or
 *   a path the index holds, is reported; an editor's temp file (`x.ts.tmp`,
 *   vim's `4913` probe, `x.ts~`) that has vanished by then is not, while the
 *   real file it was renamed over is.
 * - Folders: an added folder is listed, and listed again until chokidar's
 *   watch on it is up (files written into it before then reach no watch); a
 *   removed folder reports the files the index holds below it (chokidar may
 *   report only the folder).
 * - A changed `.gitignore` / `.cvuignore` is reported (the indexer re-syncs),
 *   drops the cached rules of its folder, and folders it no longer excludes
 *   start being watched.
 * - A big tree: the first index starts after READY_WAIT_MS while chokidar
 *   still sets up watches; once they are all up, files whose size or mtime
 *   differ from the index are reported (saved where no watch was yet).
 * - After a storm (a burst of events a kernel queue may have overflowed
 *   on: inotify keeps 16,384 by default, and Node drops an overflow without
 *   a word), what differs from the index is reported once it is over.
 * - When the system runs out of watchers (ENOSPC / EMFILE from fs.watch) it
 *   falls back to polling, with one warning; `CVU_WATCH_POLLING=1` forces
 *   polling from the start.
 * - The root disappearing calls `onRootGone()` once and stops the watcher.
 *   Nothing thrown by the file system or chokidar reaches the daemon.
 */
import fs, { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { Logger } from '../core/log.js';
import { IGNORE_FILE_NAMES } from '../indexer/ignore-rules.js';
import { walkWorkspace } from '../indexer/walker.js';
import type { WatchFactory, WorkspaceWatch } from './daemon.js';
import type { Workspace } from '../workspace/workspace.js';

/**
 * Quiet period before a batch is handed over. An editor's save is a burst of
 * a few events within milliseconds (write temp, rename over, chmod); chokidar
 * itself holds an unlink back for 100 ms to pair it with a re-add (an atomic
 * save then arrives as one `change`), so the quiet period only has to cover
 * the burst. It is part of every save's way to the index (issue 18 asks for
 * 300 ms at p95, watcher included), hence short.
 */
export const WATCH_QUIET_MS = 50;
/**
 * Longest a batch waits while events keep coming (a branch switch, a build
 * writing into a watched folder, `cp -r`): the index never lags a continuous
 * stream by more than about a second, and thousands of events still become a
 * handful of calls (the daemon coalesces batches that arrive while an update
 * runs).
 */
export const WATCH_MAX_WAIT_MS = 1000;
/**
 * Poll interval in polling mode. Polling stats every watched file once per
 * interval, and the fallback mostly happens on trees too big for inotify, so
 * it is kept coarse: a save shows up within a few seconds, and a large tree
 * is not stat'ed back to back all day (chokidar's default is 100 ms).
 */
export const WATCH_POLL_INTERVAL_MS = 2000;
/**
 * Events in one burst past which the tree is compared with the index once the burst is over: a
 * quarter of inotify's default queue (16,384 events). Node reads the queue as its event loop runs,
 * and a storm of tens of thousands of files written while the loop was busy indexing overflowed it:
 * the kernel then drops events, and Node drops its overflow notice (no watch is named), so the files
 * those events were about are never reported. (A branch switch of 2,000 files is 6,000 events: a
 * walk of the tree, a second or two at 50,000 files, costs little beside the indexing it brings.)
 */
export const WATCH_STORM_EVENTS = 4096;
/** A burst ends after this long without events. */
const STORM_GAP_MS = 2000;
/** The longest the catch-up after a storm waits for the index to take the storm in. */
const STORM_SETTLE_MAX_MS = 600_000;
/** How long the factory waits for the initial scan before handing the watcher back (it goes on in the background). */
const READY_WAIT_MS = 5000;
/** Backstop check that the root still exists, for file systems that report nothing when it goes. */
const ROOT_CHECK_MS = 5000;
/** Distinct watcher errors logged per workspace; more would only flood the log. */
const MAX_LOGGED_ERRORS = 20;

const WATCHER_LIMIT_CODES = new Set(['ENOSPC', 'EMFILE']);
/** Bound on the paths remembered as reported (a few MB at most). */
const MAX_REMEMBERED = 100_000;
/** Paths stat'ed at once when a batch is flushed. */
const STAT_SLICE = 256;
/**
 * How long an added folder is listed again while chokidar has not set up its watch on it. Bounded by
 * time, not by a count of batches: a storm's batches came faster than chokidar set up a hundred new
 * folders' watches under CI load, forty tries went by in seconds, and files written into those
 * folders before their watches were up were never seen (the index stalled short of the disk).
 */
const SETTLE_MAX_MS = 120_000;
/** Wait before listing such folders again: chokidar sets watches up at its own pace (slower on a loaded machine). */
const SETTLE_RETRY_MS = 150;

/**
 * Names editors give their temp, swap, backup and probe files: write-then-rename
 * temps (`x.ts.tmp`, `x.ts.12.tmp`), JetBrains (`x.ts___jb_tmp___`), vim swap
 * (`.x.ts.swp`, `.swo` …) and backups (`x.ts~`), vim's `4913` write probe,
 * Emacs lock and autosave files (`.#x.ts`, `#x.ts#`), Chrome's `.crswap`.
 */
const EDITOR_TEMP_NAME = /\.(tmp|temp)$|~$|^\..*\.sw[a-p]$|___jb_(tmp|old|bak)___$|^4913$|^\.#|^#.*#$|\.crswap$/i;

function isEditorTempName(name: string): boolean {
  return EDITOR_TEMP_NAME.test(name);
}

export interface WatchOptions {
  /** Poll instead of using native events (also `CVU_WATCH_POLLING=1`). */
  polling?: boolean;
  /** Poll interval in polling mode (default WATCH_POLL_INTERVAL_MS). */
  pollIntervalMs?: number;
  /** Quiet period before a batch is flushed (default WATCH_QUIET_MS). */
  quietMs?: number;
  /** Longest wait for a batch under a continuous stream of events (default WATCH_MAX_WAIT_MS). */
  maxWaitMs?: number;
  /** Events in one burst after which the tree is compared with the index (default WATCH_STORM_EVENTS). */
  stormEvents?: number;
}

type Handlers = Parameters<WatchFactory>[1];

/** A watch factory with non-default settings (tests, benchmarks). */
export function createWatchFactory(opts: WatchOptions = {}): WatchFactory {
  return async (ws, handlers) => {
    const w = new WorkspaceWatcher(ws, handlers, {
      polling: opts.polling ?? envFlag(process.env.CVU_WATCH_POLLING),
      pollIntervalMs: opts.pollIntervalMs ?? WATCH_POLL_INTERVAL_MS,
      quietMs: opts.quietMs ?? WATCH_QUIET_MS,
      maxWaitMs: opts.maxWaitMs ?? WATCH_MAX_WAIT_MS,
      stormEvents: opts.stormEvents ?? WATCH_STORM_EVENTS,
    });
    await w.start();
    return w;
  };
}

/** The daemon's watcher: `new Daemon({ home, watch: watchWorkspace })`. */
export const watchWorkspace: WatchFactory = createWatchFactory();

function envFlag(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

class WorkspaceWatcher implements WorkspaceWatch {
  private watcher: FSWatcher | null = null;
  private currentMode: 'native' | 'polling';
  private readonly root: string;
  private readonly log: Logger;
  private rootId: { dev: number; ino: number } | null = null;

  // The batch being collected.
  private files = new Set<string>();
  private addedDirs = new Set<string>();
  private removedDirs = new Set<string>();
  private ignoreFiles = new Set<string>();
  /** Added folders whose watch was not up yet when they were listed (see flush): when, and the names listed in them. */
  private settling = new Map<string, { since: number; names: Set<string> }>();

  private quietTimer: NodeJS.Timeout | null = null;
  /** Settle once the events of the batch being collected, and of the one being flushed, reached the daemon (see settled()). */
  private collected: Deferred | null = null;
  private handing: Deferred | null = null;
  private batchStartedAt = 0;
  private lastEventAt = 0;
  private rootTimer: NodeJS.Timeout | null = null;
  /** The current burst of events (see WATCH_STORM_EVENTS): how many, the last one's time, the timer that ends it. */
  private burstEvents = 0;
  private lastBurstEventAt = 0;
  private stormTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private switching: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  /** Closed by the daemon, or stopped because the root is gone. */
  private stopped = false;
  private rootGone = false;
  private readonly loggedErrors = new Set<string>();
  /** Files this watcher reported as present (see shouldReport). */
  private readonly reported = new Set<string>();
  /** Settles once the first working watcher has scanned the tree (or the watcher stopped). */
  private resolveReady: () => void = () => {};
  private readonly ready = new Promise<void>((r) => (this.resolveReady = r));
  private readonly readyOf = new WeakMap<FSWatcher, Promise<void>>();
  private signalStopped: () => void = () => {};
  private readonly stoppedSignal = new Promise<void>((r) => (this.signalStopped = r));

  constructor(
    private readonly ws: Workspace,
    private readonly handlers: Handlers,
    private readonly opts: Required<WatchOptions>,
  ) {
    this.root = ws.root;
    this.log = handlers.log;
    this.currentMode = opts.polling ? 'polling' : 'native';
  }

  get mode(): 'native' | 'polling' {
    return this.currentMode;
  }

  async start(): Promise<void> {
    const st = fs.statSync(this.root); // throws when the root is missing: the daemon logs it
    this.rootId = { dev: st.dev, ino: st.ino };
    this.watcher = this.createWatcher(this.currentMode === 'polling');
    this.rootTimer = setInterval(() => {
      this.schedule({ event: false });
    }, ROOT_CHECK_MS);
    this.rootTimer.unref();
    let timer: NodeJS.Timeout | undefined;
    let readyInTime = false;
    await Promise.race([this.ready.then(() => (readyInTime = true)), new Promise<void>((r) => (timer = setTimeout(r, READY_WAIT_MS)))]);
    clearTimeout(timer);
    // Not ready in time (a big tree): the first index starts while chokidar is still setting up
    // watches, and a file it indexes and that is then saved in a folder not watched yet sends no
    // event. Once every watch is up, what differs from the index is reported.
    // (A switch to polling catches up by itself.)
    const mode = this.currentMode;
    if (!readyInTime) void this.ready.then(() => (this.currentMode === mode ? this.catchUp('its watches were set up') : undefined));
    this.log.debug(`watching ${this.root} (${this.currentMode})`);
  }

  private createWatcher(polling: boolean): FSWatcher {
    // Native mode: chokidar watches folders; file events come from their raw events (see the header).
    const foldersOnly = !polling;
    const w = chokidarWatch(this.root, {
      ignoreInitial: true,
      ignored: (p: string, stats?: Stats) => this.isIgnored(p, stats, foldersOnly),
      // The index never follows links (the walker drops them), so neither does the watcher.
      followSymlinks: false,
      ignorePermissionErrors: true,
      usePolling: polling,
      interval: this.opts.pollIntervalMs,
      binaryInterval: this.opts.pollIntervalMs,
      persistent: true,
    });
    // CHOKIDAR_USEPOLLING can force polling behind our back; report what really runs.
    if (w.options.usePolling) this.currentMode = 'polling';
    w.on('add', (p) => this.fileEvent(p));
    w.on('change', (p) => this.fileEvent(p));
    w.on('unlink', (p) => this.fileEvent(p));
    w.on('addDir', (p) => this.dirEvent(p, true));
    w.on('unlinkDir', (p) => this.dirEvent(p, false));
    w.on('raw', (_event, evPath, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (foldersOnly && watched && w === this.watcher) {
        // A folder's watch names the entry that changed; without a name, the whole folder is looked at again.
        if (typeof evPath === 'string' && evPath) this.fileEvent(path.join(watched, evPath));
        else this.dirEvent(watched, true);
      } else if (watched === this.root || evPath === this.root) {
        this.schedule();
      }
    });
    w.on('error', (err) => this.onError(err, w));
    this.readyOf.set(
      w,
      new Promise<void>((resolve) =>
        w.once('ready', () => {
          // The native watcher's ready counts only while it is still the one in use.
          if (this.watcher === w && !this.switching) this.resolveReady();
          resolve();
        }),
      ),
    );
    return w;
  }

  // ---------------------------------------------------------------------------
  // Filtering and events

  /** chokidar's `ignored`: true keeps it from watching (and descending into) the path. */
  private isIgnored(abs: string, stats: Stats | undefined, foldersOnly: boolean): boolean {
    const rel = this.toRel(abs);
    if (rel === null) return true;
    if (rel === '') return false;
    try {
      const rules = this.ws.ignoreRules;
      if (stats) {
        if (stats.isSymbolicLink()) return true;
        if (foldersOnly && !stats.isDirectory()) return true;
        return rules.check(rel, stats.isDirectory()) !== null;
      }
      // Asked before the path was stat'ed (chokidar asks again with stats
      // before it descends): exclude only what is excluded either way.
      return rules.check(rel, true) !== null && rules.check(rel, false) !== null;
    } catch (err) {
      this.logError(`ignore check of ${rel} failed: ${(err as Error).message}`);
      return false;
    }
  }

  private fileEvent(abs: string): void {
    const rel = this.toRel(abs);
    if (!rel) return;
    if (IGNORE_FILE_NAMES.includes(posixBase(rel))) {
      // Forget the cached rules at once, so that what chokidar asks next sees the new ones.
      this.invalidateRules(posixDir(rel));
      this.ignoreFiles.add(rel);
    } else {
      this.files.add(rel);
    }
    this.schedule();
  }

  private dirEvent(abs: string, added: boolean): void {
    const rel = this.toRel(abs);
    if (rel === null) return;
    if (rel === '') {
      // The root itself: the flush checks whether it is still there.
    } else if (added) {
      this.addedDirs.add(rel);
      // Rules cached for an earlier folder of that name must not apply to this one.
      this.invalidateRules(rel);
    } else {
      this.removedDirs.add(rel);
      // A folder holding an ignore file is gone: its rules go with it.
      this.invalidateRules(rel);
    }
    this.schedule();
  }

  private invalidateRules(dirRel: string): void {
    try {
      this.ws.ignoreRules.invalidate(dirRel);
    } catch (err) {
      this.logError(`invalidating ignore rules of ${dirRel || '.'} failed: ${(err as Error).message}`);
    }
  }

  private onError(err: unknown, from: FSWatcher): void {
    if (from !== this.watcher || this.stopped) return;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code && WATCHER_LIMIT_CODES.has(code) && this.currentMode === 'native') {
      if (!this.switching) this.switching = this.switchToPolling(code).finally(() => (this.switching = null));
      return;
    }
    this.logError(`watcher error in ${this.root}: ${(err as Error)?.message ?? String(err)}`);
    // An error is often the first sign of the root going away.
    this.schedule();
  }

  private logError(msg: string): void {
    if (this.loggedErrors.size >= MAX_LOGGED_ERRORS || this.loggedErrors.has(msg)) return;
    this.loggedErrors.add(msg);
    this.log.warn(msg);
  }

  // ---------------------------------------------------------------------------
  // Polling fallback

  private async switchToPolling(code: string): Promise<void> {
    this.currentMode = 'polling';
    this.log.warn(
      `cannot watch ${this.root} with native file events (${code}: the system is out of file watchers); ` +
        `polling every ${this.opts.pollIntervalMs} ms instead. Raising fs.inotify.max_user_watches restores native watching.`,
    );
    const old = this.watcher;
    this.watcher = null;
    if (old) await closeQuietly(old);
    if (this.stopped) return;
    const w = this.createWatcher(true);
    this.watcher = w;
    await Promise.race([this.readyOf.get(w), this.stoppedSignal]);
    if (this.stopped) return;
    this.resolveReady();
    await this.catchUp('switching to polling');
  }

  /**
   * Reports what changed while no watcher covered it (between the native
   * watcher failing and the polling one being ready, or while the first
   * watcher was still setting up its watches) or what a storm's lost events
   * were about (countBurst): files whose size or mtime
   * differ from the index, and indexed files that are gone. Both strike at
   * startup on a big tree, while the first sync is still indexing it: files
   * that sync has yet to reach are left to it rather than read twice.
   */
  private async catchUp(after: string): Promise<void> {
    if (this.stopped) return;
    try {
      const firstSyncRunning = this.ws.lastIndexedAt === null;
      const { files } = await walkWorkspace(this.root, this.ws.ignoreRules);
      if (this.stopped) return;
      const onDisk = new Set<string>();
      for (const f of files) {
        onDisk.add(f.path);
        const row = this.ws.store.files.get(f.path);
        if (row ? row.size !== f.size || row.mtime_ms !== f.mtimeMs : !firstSyncRunning) this.files.add(f.path);
      }
      for (const p of this.ws.store.files.keys()) if (!onDisk.has(p)) this.files.add(p);
      this.log.debug(`${this.root}: caught up after ${after}, ${this.files.size} paths to look at`);
      this.schedule();
    } catch (err) {
      this.logError(`catching up with ${this.root} after ${after} failed: ${(err as Error).message}`);
      this.schedule();
    }
  }

  // ---------------------------------------------------------------------------
  // Batching

  /**
   * Notes an event: the batch is flushed once events have been quiet for
   * quietMs, or maxWaitMs after its first event. One timer per batch, not
   * one per event (a storm brings tens of thousands of events).
   */
  private schedule({ event = true } = {}): void {
    if (this.stopped) return;
    // A check of the root or of settling folders is no change anyone waits for.
    if (event) {
      this.collected ??= deferred();
      this.countBurst();
    }
    this.lastEventAt = Date.now();
    if (this.quietTimer) return;
    this.batchStartedAt = this.lastEventAt;
    this.armFlush(this.opts.quietMs);
  }

  /** Counts an event into the current burst; a burst big enough ends with a catch-up (native events only: polling loses none). */
  private countBurst(): void {
    const now = Date.now();
    if (now - this.lastBurstEventAt > STORM_GAP_MS) this.burstEvents = 0;
    this.lastBurstEventAt = now;
    if (++this.burstEvents < this.opts.stormEvents || this.stormTimer || this.currentMode !== 'native') return;
    const armStorm = (ms: number) => {
      this.stormTimer = setTimeout(() => {
        const quietFor = Date.now() - this.lastBurstEventAt;
        if (quietFor < STORM_GAP_MS) return armStorm(STORM_GAP_MS - quietFor);
        this.stormTimer = null;
        const events = this.burstEvents;
        this.burstEvents = 0;
        void this.afterStorm(events);
      }, ms);
      this.stormTimer.unref();
    };
    armStorm(STORM_GAP_MS);
  }

  /**
   * The catch-up after a storm, once the index has taken in what the storm's events reported (the
   * batches handed over, and the daemon's updates of them done): only what they missed differs from
   * the index then, rather than every file still queued (49,000 in the storm test). Waits
   * STORM_SETTLE_MAX_MS at most.
   */
  private async afterStorm(events: number): Promise<void> {
    const indexed = (async () => {
      await this.settled();
      await this.handlers.indexed?.();
    })();
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((r) => (timer = setTimeout(r, STORM_SETTLE_MAX_MS)).unref());
    await Promise.race([indexed, giveUp]);
    clearTimeout(timer);
    await this.catchUp(`a burst of ${events} events`);
  }

  private armFlush(ms: number): void {
    this.quietTimer = setTimeout(() => {
      const now = Date.now();
      const due = Math.min(this.lastEventAt + this.opts.quietMs, this.batchStartedAt + this.opts.maxWaitMs);
      if (now < due) return this.armFlush(due - now);
      this.quietTimer = null;
      void this.runFlush();
    }, ms);
    this.quietTimer.unref();
  }

  private async runFlush(): Promise<void> {
    // One flush at a time; events that arrive meanwhile form the next batch.
    while (this.flushing) await this.flushing;
    if (this.stopped) return;
    const handing = (this.handing = this.collected);
    this.collected = null;
    this.flushing = this.flush()
      .catch((err) => this.logError(`watcher batch for ${this.root} failed: ${(err as Error).message}`))
      .finally(() => {
        this.flushing = null;
        this.handing = null;
        handing?.resolve();
      });
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const files = this.files;
    const addedDirs = this.addedDirs;
    const removedDirs = this.removedDirs;
    const ignoreFiles = this.ignoreFiles;
    this.files = new Set();
    this.addedDirs = new Set();
    this.removedDirs = new Set();
    this.ignoreFiles = new Set();

    // One stat per batch: a root that vanished makes every event meaningless.
    if (!this.rootIsThere()) {
      this.stopForGoneRoot();
      return;
    }
    const rules = this.ws.ignoreRules;
    const known = this.ws.store.files;
    const out = new Set<string>(ignoreFiles);

    // Removed folders: whatever the index holds (or was told of) below them;
    // chokidar may report only the folder.
    if (removedDirs.size) {
      const gone = topmost(removedDirs);
      let seen = 0;
      for (const set of [known.keys(), this.reported.values()]) {
        for (const p of set) {
          // Requests get a turn now and then: the index may hold hundreds of thousands of paths.
          if (++seen % 4096 === 0) await new Promise<void>((r) => setImmediate(r));
          if (!hasAncestorIn(p, gone)) continue;
          out.add(p);
          this.reported.delete(p);
        }
      }
    }
    // Stat'ed asynchronously, a slice at a time: a storm's tens of thousands of paths must not hold up requests.
    const list = [...files];
    for (let i = 0; i < list.length; i += STAT_SLICE) {
      const slice = list.slice(i, i + STAT_SLICE);
      const kinds = await Promise.all(slice.map((rel) => entryKind(path.join(this.root, rel))));
      slice.forEach((rel, j) => {
        // A folder named by its parent's watch is chokidar's to report, unless it took the place of an indexed file.
        if (kinds[j] === 'folder' && !known.has(rel) && !this.reported.has(rel)) return;
        if (this.shouldReport(rel, kinds[j] === 'file', rules)) out.add(rel);
      });
    }
    // Added folders: listed, since files written into a folder before its watch is up reach no watch.
    // Those whose watch chokidar has not set up yet are listed again in the next batches, each time
    // for names not seen before, until the watch is up; then once more in full (what was rewritten
    // before the watch came up) and they are done. (Given up after SETTLE_MAX_MS: a folder that never
    // gets a watch is excluded or gone.)
    const now = Date.now();
    for (const dir of topmost(addedDirs)) {
      for (const [folder, names] of await listIndexable(this.root, dir, rules, out)) {
        if (!this.folderWatched(folder)) this.settling.set(folder, { since: now, names });
      }
    }
    for (const [folder, state] of [...this.settling]) {
      if (addedDirs.has(folder) || hasAncestorIn(folder, addedDirs)) continue;
      const done = this.folderWatched(folder) || now - state.since > SETTLE_MAX_MS;
      const entries = await readFolder(this.root, folder);
      if (!entries) {
        this.settling.delete(folder);
        continue;
      }
      for (const e of entries) {
        const rel = `${folder}/${e.name}`;
        if (e.isDirectory()) {
          if (state.names.has(e.name) || rules.check(rel, true) !== null) continue;
          state.names.add(e.name);
          for (const [sub, names] of await listIndexable(this.root, rel, rules, out)) {
            if (!this.folderWatched(sub)) this.settling.set(sub, { since: now, names });
          }
        } else if (e.isFile() && (done || !state.names.has(e.name)) && rules.check(rel, false) === null) {
          state.names.add(e.name);
          out.add(rel);
        }
      }
      if (done) this.settling.delete(folder);
    }
    if (this.settling.size) setTimeout(() => this.schedule({ event: false }), SETTLE_RETRY_MS).unref();
    // A changed ignore file may un-exclude folders chokidar skipped so far.
    for (const f of ignoreFiles) await this.watchUnexcluded(posixDir(f));

    if (this.stopped || !out.size) return;
    try {
      this.handlers.onChange([...out].sort());
    } catch (err) {
      this.logError(`handing changes of ${this.root} to the indexer failed: ${(err as Error).message}`);
    }
  }

  /**
   * Whether chokidar has set up its watch on a folder (in native mode; in
   * polling mode it reports the files it finds itself). chokidar registers a
   * folder's closer once the watch is up; when that cannot be told, yes.
   */
  private folderWatched(rel: string): boolean {
    const w = this.watcher;
    if (!w || this.currentMode !== 'native') return true;
    const closers = (w as unknown as { _closers?: unknown })._closers;
    return !(closers instanceof Map) || closers.has(path.join(this.root, rel));
  }

  /**
   * Whether a changed path goes to the indexer. A file on disk does when the
   * rules admit it or the index holds it (a newly ignored file must leave).
   * A path that is gone does unless it is certainly not indexed: excluded by
   * the rules, or an editor's temp name (`x.ts.tmp`, `x.ts~`, vim's `4913`)
   * that neither the index nor an earlier batch knows. The index's own view
   * is not enough on its own: while the indexer rewrites a file's rows, the
   * file is briefly missing from `store.files`, and a deletion seen in that
   * moment must not be lost.
   */
  private shouldReport(rel: string, onDisk: boolean, rules: Workspace['ignoreRules']): boolean {
    const known = this.ws.store.files.has(rel) || this.reported.has(rel);
    if (onDisk) {
      if (!known && rules.check(rel, false) !== null) return false;
      if (this.reported.size < MAX_REMEMBERED) this.reported.add(rel);
      return true;
    }
    this.reported.delete(rel);
    return known || (!isEditorTempName(posixBase(rel)) && rules.check(rel, false) === null);
  }

  /** Starts watching folders under `dirRel` that the rules no longer exclude and chokidar does not watch. */
  private async watchUnexcluded(dirRel: string): Promise<void> {
    const w = this.watcher;
    if (!w || this.stopped) return;
    const watched = new Set(Object.keys(w.getWatched()));
    const rules = this.ws.ignoreRules;
    const stack = [dirRel];
    while (stack.length) {
      const dir = stack.pop()!;
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(path.join(this.root, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (rules.check(rel, true) !== null) continue;
        const abs = path.join(this.root, rel);
        if (watched.has(abs)) stack.push(rel);
        else if (!this.stopped && this.watcher === w) w.add(abs);
      }
    }
  }

  // ---------------------------------------------------------------------------
  // The root

  private rootIsThere(): boolean {
    try {
      const st = fs.statSync(this.root);
      return st.isDirectory() && (!this.rootId || (st.dev === this.rootId.dev && st.ino === this.rootId.ino));
    } catch {
      return false;
    }
  }

  private stopForGoneRoot(): void {
    if (this.rootGone || this.stopped) return;
    this.rootGone = true;
    void this.stop();
    try {
      this.handlers.onRootGone();
    } catch (err) {
      this.log.warn(`onRootGone for ${this.root} failed: ${(err as Error).message}`);
    }
  }

  /**
   * Settles once the file events seen so far have been handed to the daemon (the quiet period, then
   * the flush): a search right after a save waits for it (Daemon.savesLanded).
   */
  async settled(): Promise<void> {
    await Promise.all([this.collected?.promise, this.handing?.promise]);
  }

  private stop(): Promise<void> {
    if (this.closing) return this.closing;
    this.stopped = true;
    // Pending events are dropped: nobody waits for them.
    this.collected?.resolve();
    this.collected = null;
    this.resolveReady();
    this.signalStopped();
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.rootTimer) clearInterval(this.rootTimer);
    if (this.stormTimer) clearTimeout(this.stormTimer);
    this.quietTimer = this.rootTimer = this.stormTimer = null;
    this.closing = (async () => {
      await this.switching?.catch(() => {});
      const w = this.watcher;
      this.watcher = null;
      if (w) await closeQuietly(w);
      await this.flushing?.catch(() => {});
    })();
    return this.closing;
  }

  /** Stops watching; resolves once chokidar has closed. Pending events are dropped (the next start syncs). */
  close(): Promise<void> {
    return this.stop();
  }

  private toRel(abs: string): string | null {
    const rel = path.relative(this.root, abs);
    if (rel === '') return '';
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return path.sep === '\\' ? rel.replace(/\\/g, '/') : rel;
  }
}

/** Closes a chokidar watcher; errors it emits afterwards (late async work) are swallowed, never thrown. */
async function closeQuietly(w: FSWatcher): Promise<void> {
  const closed = w.close();
  // close() removes every listener, and an 'error' emitted with none would throw.
  w.on('error', () => {});
  try {
    await closed;
  } catch {
    // already closed or half-closed: nothing left to release
  }
  // chokidar closes its fs.watch handles synchronously, but libuv releases
  // them in the close phase of the event loop: two turns later they are gone.
  for (let i = 0; i < 2; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Lists the indexable files under `dirRel` into `out` (never follows links;
 * vanished entries are skipped); returns each folder it listed, with the
 * names of its indexable entries.
 */
async function listIndexable(root: string, dirRel: string, rules: Workspace['ignoreRules'], out: Set<string>): Promise<Map<string, Set<string>>> {
  const listed = new Map<string, Set<string>>();
  if (rules.check(dirRel, true) !== null) return listed;
  const stack = [dirRel];
  while (stack.length) {
    const dir = stack.pop()!;
    const entries = await readFolder(root, dir);
    if (!entries) continue;
    const names = new Set<string>();
    listed.set(dir, names);
    for (const e of entries) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (rules.check(rel, true) === null) {
          stack.push(rel);
          names.add(e.name);
        }
      } else if (e.isFile() && rules.check(rel, false) === null) {
        out.add(rel);
        names.add(e.name);
      }
    }
  }
  return listed;
}

/** A folder's entries, or null when it cannot be read (gone). */
async function readFolder(root: string, dirRel: string): Promise<fs.Dirent[] | null> {
  try {
    return await fsp.readdir(path.join(root, dirRel), { withFileTypes: true });
  } catch {
    return null;
  }
}

/** The folders of a set that are not inside another one of the set. */
function topmost(dirs: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const d of dirs) if (!hasAncestorIn(d, dirs)) out.add(d);
  return out;
}

/** Whether a proper ancestor folder of `rel` is in `dirs`. */
function hasAncestorIn(rel: string, dirs: Set<string>): boolean {
  for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) {
    if (dirs.has(rel.slice(0, i))) return true;
  }
  return false;
}

/** What is at a path now, links not followed: a regular file, a folder, or anything else (or nothing). */
function entryKind(abs: string): Promise<'file' | 'folder' | 'other'> {
  return new Promise((resolve) => fs.lstat(abs, (err, st) => resolve(err ? 'other' : st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other')));
}

function posixBase(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? rel : rel.slice(i + 1);
}

function posixDir(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
