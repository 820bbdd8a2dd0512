import fs from 'node:fs';
import path from 'node:path';
import { CvuError, isCvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { VERSION } from '../core/version.js';
import { formatIssue, loadUserConfig, type ConfigIssue, type ConfigLayer } from '../config/load.js';
import { ParsePool } from '../indexer/parse-pool.js';
import { EmbedderProvider } from '../models/embedder-provider.js';
import { Assistant } from '../assistant/assistant.js';
import { Scheduler } from './scheduler.js';
import { URGENT_UPDATE_PATHS, Workspace, type WorkspaceStatus } from '../workspace/workspace.js';

/** Watches one workspace and reports changed workspace-relative paths (daemon/watcher.ts). */
export interface WorkspaceWatch {
  readonly mode: 'native' | 'polling';
  /** Settles once the file events seen so far have been handed to onChange. */
  settled(): Promise<void>;
  close(): Promise<void>;
}
export type WatchFactory = (
  ws: Workspace,
  handlers: {
    onChange(paths: string[]): void;
    onRootGone(): void;
    /** Settles once the paths handed to onChange so far are in the index (updated, failed or given up). */
    indexed?(): Promise<void>;
    log: Logger;
  },
) => Promise<WorkspaceWatch>;

/**
 * Files and bytes of source per store commit in the daemon's background
 * lane, whichever limit comes first: a commit of ordinary source files (a
 * few KB each) holds about 100 of them, one of tiny generated files up to
 * 512 — a commit costs about the same either way, and it is the number of
 * commits that makes a storm of small files slow (each rewrites a manifest of
 * every fragment). Not more: a save of a file in the commit in flight waits
 * for it (100–200 ms at this size on two cores; a save of another file does
 * not, store/index-store.ts).
 */
const BACKGROUND_BATCH = 512;
const BACKGROUND_BATCH_BYTES = 512 * 1024;
/**
 * Longest a search waits for a save the watcher has seen to land (savesLanded): a save's update
 * takes 20–200 ms, beside a first index too; more means something is stuck, and the search answers
 * from the index as it is.
 */
const SAVE_WAIT_MS = 500;

export interface DaemonOptions {
  home: string;
  logger?: Logger;
  /** Starts a file watcher per workspace; none in tests that drive updates by hand. */
  watch?: WatchFactory;
  /** Parse worker threads shared by all workspaces (default: one per core, at most 4). */
  parseWorkers?: number;
  /** The user's own config, when the caller loaded it already (otherwise loaded from `home` on the first registration). */
  userConfig?: ConfigLayer;
}

interface Entry {
  ws: Workspace;
  watch: WorkspaceWatch | null;
  /** Changed paths not yet handed to the indexer: a burst of events becomes one update. */
  dirty: Set<string>;
  /** The run of updates in progress (settles when it ends, failed or not); null when none runs. */
  updates: Promise<void> | null;
  /** The update of a save running now (settles when it is in the index, failed or not); null otherwise. */
  saving: Promise<void> | null;
  embedding: boolean;
  /** Chunks were written while an embedding pass ran (a save beside it): another pass follows. */
  embedAgain: boolean;
}

export interface ResolvedPath {
  ws: Workspace;
  /** Workspace-relative, posix separators. */
  rel: string;
  abs: string;
}

/**
 * The daemon's state: one Workspace per registered root, the shared model
 * and parser resources, and the scheduler that keeps interactive requests
 * ahead of indexing. The HTTP server (server.ts) is a thin layer over this.
 */
export class Daemon {
  readonly scheduler = new Scheduler();
  readonly embedders: EmbedderProvider;
  readonly parsePool: ParsePool;
  /** The generation model and the features on it (complete, explain, refactor, ask). */
  readonly assistant: Assistant;
  readonly log: Logger;
  readonly startedAt = new Date();
  private readonly entries = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<Workspace>>();
  private closed = false;
  /** The user's own config ($CVU_HOME/config.ts), loaded once: every workspace of this daemon shares its model and threads. */
  private userConfig: Promise<ConfigLayer> | null = null;
  /** Aborted on close: background indexing and embedding stop before their next batch (the current batch's writes finish). */
  private readonly stopping = new AbortController();

  constructor(private readonly opts: DaemonOptions) {
    this.log = opts.logger ?? silentLogger;
    this.embedders = new EmbedderProvider(opts.home, this.log);
    this.parsePool = new ParsePool(opts.parseWorkers, this.log);
    this.assistant = new Assistant({ home: opts.home, log: this.log });
  }

  get home(): string {
    return this.opts.home;
  }

  private get registryFile(): string {
    return path.join(this.opts.home, 'workspaces.json');
  }

  /** Re-registers the roots of the previous run (a restart resumes where it stopped). */
  async restore(): Promise<void> {
    let roots: string[] = [];
    try {
      roots = JSON.parse(fs.readFileSync(this.registryFile, 'utf8')).roots ?? [];
    } catch {
      return;
    }
    for (const root of roots) {
      try {
        await this.register(root);
      } catch (err) {
        this.log.warn(`could not restore workspace ${root}: ${(err as Error).message}`);
      }
    }
  }

  private persist(): void {
    const tmp = `${this.registryFile}.${process.pid}.tmp`;
    fs.mkdirSync(this.opts.home, { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify({ roots: [...this.entries.keys()] }, null, 2));
    fs.renameSync(tmp, this.registryFile);
  }

  /** Registers a root (idempotent) and starts indexing it in the background. */
  async register(root: string): Promise<Workspace> {
    if (this.closed) throw new CvuError('CVU_ERR_INTERNAL', 'daemon is shutting down', { status: 503 });
    let real: string;
    try {
      real = fs.realpathSync(path.resolve(root));
    } catch {
      throw new CvuError('CVU_ERR_NOT_FOUND', `workspace root ${root} does not exist`, { status: 404 });
    }
    const existing = this.entries.get(real);
    if (existing) return existing.ws;
    const pending = this.opening.get(real);
    if (pending) return pending;
    const opening = (async () => {
      const ws = await Workspace.open(real, { home: this.opts.home, logger: this.log, embedders: this.embedders, parsePool: this.parsePool, userConfig: await this.loadUserConfig() });
      // Budgets count with the model's own tokenizer while it is loaded.
      ws.tokens = this.assistant.tokenCounter();
      const entry: Entry = { ws, watch: null, dirty: new Set(), updates: null, saving: null, embedding: false, embedAgain: false };
      this.entries.set(ws.root, entry);
      this.persist();
      ws.state = 'indexing';
      void this.scheduler
        .backgroundTask(() => ws.sync(this.backgroundHooks))
        .then(() => {
          void this.scheduler.backgroundTask(async () => ws.prepareRetrieval()).catch((err) => this.log.warn(`${ws.root}: preparing retrieval failed: ${(err as Error).message}`));
          this.scheduleEmbed(entry);
        })
        .catch((err) => this.backgroundFailed(ws, 'initial index', err));
      if (this.opts.watch) {
        try {
          entry.watch = await this.opts.watch(ws, {
            onChange: (paths) => this.filesChanged(ws.root, paths),
            indexed: () => this.updatesDone(entry),
            onRootGone: () => {
              ws.state = 'error';
              ws.lastError = `workspace root ${ws.root} is gone`;
              this.log.warn(ws.lastError);
            },
            log: this.log,
          });
        } catch (err) {
          this.log.warn(`cannot watch ${ws.root}: ${(err as Error).message}`);
        }
      }
      return ws;
    })();
    this.opening.set(real, opening);
    try {
      return await opening;
    } finally {
      this.opening.delete(real);
    }
  }

  private loadUserConfig(): Promise<ConfigLayer> {
    this.userConfig ??= (this.opts.userConfig ? Promise.resolve(this.opts.userConfig) : loadUserConfig(this.opts.home)).then((layer) => {
      for (const issue of layer.issues) this.log.warn(`config: ${formatIssue(issue)}`);
      return layer;
    });
    return this.userConfig;
  }

  /** The user's config file and its issues (GET /status). */
  async userConfigStatus(): Promise<{ file: string | null; errors: ConfigIssue[] }> {
    const layer = await this.loadUserConfig();
    return { file: layer.file, errors: layer.issues };
  }

  private backgroundFailed(ws: Workspace, what: string, err: unknown): void {
    if (isCvuError(err, 'CVU_ERR_ABORTED') || this.closed) return;
    this.log.error(`${what} of ${ws.root} failed: ${(err as Error).message}`);
  }

  /** Paths changed on disk (the watcher) or saved by a client: re-indexed in the background, coalesced. */
  filesChanged(root: string, paths: string[]): void {
    const entry = this.entries.get(root);
    if (!entry || this.closed) return;
    this.assistant.filesChanged(root, paths);
    for (const p of paths) entry.dirty.add(p);
    if (entry.updates) return;
    // A save (a few paths) goes at once: the workspace runs it beside a first index or an embedding
    // pass, and it does not wait for a pause in requests (a client polling for the saved text is
    // one). A storm (a branch switch) goes in the background lane, behind requests; one that starts
    // as a save goes on outside it, its big batches still pausing for requests (backgroundHooks).
    const save = entry.dirty.size <= URGENT_UPDATE_PATHS;
    const run = async () => {
      while (entry.dirty.size) {
        const batch = [...entry.dirty];
        entry.dirty.clear();
        await entry.ws.update(batch, save && batch.length <= URGENT_UPDATE_PATHS ? { signal: this.stopping.signal } : this.backgroundHooks);
      }
    };
    const updated = save ? run() : this.scheduler.backgroundTask(run);
    entry.saving = save ? updated.catch(() => {}) : null;
    entry.updates = updated
      .then(() => this.scheduleEmbed(entry))
      .catch((err) => this.backgroundFailed(entry.ws, 'update', err))
      .finally(() => {
        entry.saving = null;
        entry.updates = null;
        if (entry.dirty.size) this.filesChanged(root, []);
      });
  }

  /** Settles once the entry's changed paths are all in the index: no update running, none waiting. */
  private async updatesDone(entry: Entry): Promise<void> {
    while (entry.updates && !this.closed) await entry.updates;
  }

  /**
   * Waits, at most `maxWaitMs` (a search: SAVE_WAIT_MS), until the saves the watcher has seen are in the index: a search
   * asked right after a save finds what was saved, rather than the index of a moment before. A
   * background pass (a first index, a branch switch) is not waited for.
   */
  async savesLanded(ws: Workspace, maxWaitMs = SAVE_WAIT_MS): Promise<void> {
    const entry = this.entries.get(ws.root);
    if (!entry || this.closed) return;
    let timer: NodeJS.Timeout | undefined;
    const landed = (async () => {
      await entry.watch?.settled();
      await entry.saving;
    })();
    await Promise.race([landed, new Promise<void>((r) => (timer = setTimeout(r, maxWaitMs)))]);
    clearTimeout(timer);
  }

  private scheduleEmbed(entry: Entry): void {
    if (this.closed) return;
    if (entry.embedding) {
      // A save ran beside the pass, which listed its chunks to embed before: one more pass after it.
      entry.embedAgain = true;
      return;
    }
    entry.embedding = true;
    entry.embedAgain = false;
    void this.scheduler
      .backgroundTask(() => entry.ws.embed({ beforeBatch: () => this.scheduler.yieldToInteractive(), signal: this.stopping.signal }))
      .catch((err) => this.backgroundFailed(entry.ws, 'embedding', err))
      .finally(() => {
        entry.embedding = false;
        if (entry.embedAgain) this.scheduleEmbed(entry);
      });
  }

  /**
   * Background indexing commits in small batches and waits between them
   * while requests are being served, so that no commit stalls a keystroke for long.
   */
  private get backgroundHooks() {
    return { batchSize: BACKGROUND_BATCH, batchBytes: BACKGROUND_BATCH_BYTES, beforeBatch: () => this.scheduler.yieldToInteractive(), signal: this.stopping.signal };
  }

  workspaces(): Workspace[] {
    return [...this.entries.values()].map((e) => e.ws);
  }

  /** The workspace registered at `root` (its real path), or a 404. */
  workspaceAt(root: string): Workspace {
    let real: string;
    try {
      real = fs.realpathSync(path.resolve(root));
    } catch {
      real = path.resolve(root);
    }
    const e = this.entries.get(real);
    if (!e) throw new CvuError('CVU_ERR_NOT_FOUND', `no workspace is registered at ${root}; POST /workspaces first`, { status: 404 });
    return e.ws;
  }

  /**
   * Resolves a request path (absolute, or relative to a registered root) to
   * its workspace. The real path must lie inside a registered root: `..`
   * and symlinks pointing out are refused. A file that does not exist yet (an
   * unsaved buffer) is resolved through its folder.
   */
  resolvePath(p: string): ResolvedPath {
    if (typeof p !== 'string' || p.length === 0 || p.includes('\0')) {
      throw new CvuError('CVU_ERR_PATH_OUTSIDE_ROOT', 'path must be a non-empty string', { status: 400 });
    }
    const candidates = path.isAbsolute(p) ? [p] : [...this.entries.keys()].map((root) => path.join(root, p));
    for (const candidate of candidates) {
      const real = realpathLoose(candidate);
      for (const entry of this.entries.values()) {
        const root = entry.ws.root;
        if (real === root || real.startsWith(root + path.sep)) {
          return { ws: entry.ws, rel: path.relative(root, real).split(path.sep).join('/'), abs: real };
        }
      }
    }
    throw new CvuError('CVU_ERR_PATH_OUTSIDE_ROOT', `${p} is outside every registered workspace root`, { status: 403 });
  }

  status(): { workspaces: WorkspaceStatus[]; version: string } {
    return { workspaces: this.workspaces().map((ws) => ws.status()), version: VERSION };
  }

  /**
   * Graceful shutdown: stop background work at its next batch, stop watching, abort interactive work,
   * let writes finish, close stores. What was not indexed yet is found by the next start's sync.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort(new CvuError('CVU_ERR_ABORTED', 'daemon shutting down', { status: 499 }));
    for (const e of this.entries.values()) await e.watch?.close().catch(() => {});
    await this.scheduler.close();
    for (const e of this.entries.values()) await e.ws.close().catch((err) => this.log.warn(`closing ${e.ws.root}: ${(err as Error).message}`));
    await this.parsePool.close();
    await this.embedders.dispose();
    await this.assistant.dispose();
  }
}

/** realpath of the longest existing ancestor, with the rest appended (for files not on disk yet). */
function realpathLoose(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail.reverse());
    } catch {
      const up = path.dirname(head);
      if (up === head) return abs;
      tail.push(path.basename(head));
      head = up;
    }
  }
}
