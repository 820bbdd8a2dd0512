import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { CvuError, isCvuError } from '../core/errors.js';
import { cvuHome, indexDir, workspaceId } from '../core/home.js';
import { silentLogger, type Logger } from '../core/log.js';
import { formatIssue, loadConfig, type ConfigIssue, type ConfigLayer } from '../config/load.js';
import type { CvuConfig } from '../config/schema.js';
import { Indexer, type BatchHooks, type SyncResult } from '../indexer/indexer.js';
import { SkipLog, type SkipReport } from '../indexer/skip-report.js';
import { embedPending, type EmbedProgress } from '../indexer/embed-pending.js';
import type { ParsePool } from '../indexer/parse-pool.js';
import { isSecretPath, type IgnoreRules } from '../indexer/ignore-rules.js';
import { languageForPath } from '../indexer/languages.js';
import { EmbedderProvider, type EmbedderState } from '../models/embedder-provider.js';
import { IndexStore } from '../store/index-store.js';
import { lockIndex } from '../store/index-lock.js';
import { searchWorkspace, type SearchOptions } from '../retrieval/search.js';
import type { Snippet } from '../protocol/snippet.js';
import type { ConfigStatus, IndexProgress, WorkspaceState, WorkspaceStatus as WireWorkspaceStatus } from '../protocol/status.js';
import type { ContextRequest, ContextResult, ContextTimings } from '../retrieval/context.js';
import { buildContext } from '../retrieval/cursor-context.js';
import type { ContextSources } from '../retrieval/context-sources.js';
import { RecentEdits } from '../retrieval/recent-edits.js';
import { importGraph } from '../retrieval/workspace-imports.js';
import {
  closestNames, closestPaths, filesUnder, findDefinitions, findReferences, outlineFile,
  type Definition, type NavigationSources, type OutlineEntry, type ReferenceFile,
} from '../retrieval/navigation.js';
import type { ImportContext } from '../indexer/imports.js';
import { estimateTokens, type TokenCounter } from '../core/tokens.js';
import { FileLines } from './file-lines.js';

export type { WorkspaceState };

/** GET /status's entry for a workspace (protocol/status.ts), with the parts a Workspace always fills in. */
export type WorkspaceStatus = WireWorkspaceStatus & {
  embedder: EmbedderState['state'];
  config: ConfigStatus;
  skipped: SkipReport;
};

export interface WorkspaceOptions {
  home?: string;
  /** The whole config, as tests give it; otherwise loaded from the user's config, the workspace's file and the environment. */
  config?: CvuConfig;
  /** The user's own config, loaded once by the daemon (otherwise loaded from `home`). */
  userConfig?: ConfigLayer;
  logger?: Logger;
  /** Shared between the workspaces of one daemon so that a model loads once. */
  embedders?: EmbedderProvider;
  /** Shared parse workers (one pool per daemon). */
  parsePool?: ParsePool;
}

/** An update of at most this many paths (a save, a few files) does not wait for a long write to finish. */
export const URGENT_UPDATE_PATHS = 64;

/** A /context slower than this is logged with where it spent its time. */
export const SLOW_CONTEXT_MS = 250;

/**
 * One indexed workspace root: its config, its store, and the operations the
 * CLI and the daemon run on it. Writes go through one queue, so a sync, a
 * save and the embedder never interleave their commits.
 */
export class Workspace {
  state: WorkspaceState = 'indexing';
  lastIndexedAt: Date | null = null;
  lastError: string | null = null;
  private chunkCount = 0;
  private readonly writes = new PQueue({ concurrency: 1 });
  /**
   * Whether a long write (a sync, an embedding pass) holds the write queue, and the urgent writes
   * running beside it: a save must not wait for a whole first index of a big tree, so it runs at
   * once. The store runs commits one at a time, and the indexer keeps a batch read before the
   * save's commit from writing its older copy over it.
   */
  private longWrite = false;
  private readonly urgent = new Set<Promise<unknown>>();
  readonly recent = new RecentEdits();
  /** Replaced by the model's own tokenizer once a model is loaded. */
  tokens: TokenCounter = estimateTokens;
  private readonly fileLines: FileLines;
  private importCtx: { version: number; ctx: ImportContext; manifests: Map<string, string> } | null = null;
  /** How far the sync running now is (GET /status), null when none runs. */
  private progress: IndexProgress | null = null;
  /** The last sync's skipped paths, kept current by updates (GET /status shows a summary). */
  private readonly skips = new SkipLog();
  /** The workspace's config file and its issues (GET /status shows them). */
  configFile: string | null = null;
  configIssues: ConfigIssue[] = [];

  /** Releases the index's writer lock (set by `open`). */
  private unlock: () => void = () => {};

  private constructor(
    readonly root: string,
    readonly id: string,
    readonly config: CvuConfig,
    readonly store: IndexStore,
    private readonly indexer: Indexer,
    readonly embedders: EmbedderProvider,
    private readonly ownsEmbedders: boolean,
    readonly log: Logger,
  ) {
    this.fileLines = new FileLines(root, config.index.maxFileBytes);
  }

  static async open(root: string, opts: WorkspaceOptions = {}): Promise<Workspace> {
    let realRoot: string;
    try {
      realRoot = fs.realpathSync(root);
      if (!fs.statSync(realRoot).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new CvuError('CVU_ERR_NOT_FOUND', `workspace root ${root} is not a readable directory (${(err as Error).message})`, { status: 404 });
    }
    const log = opts.logger ?? silentLogger;
    const home = opts.home ?? cvuHome();
    const loaded = opts.config ? null : await loadConfig(realRoot, { home, ...(opts.userConfig ? { user: opts.userConfig } : {}) });
    const config = opts.config ?? loaded!.config;
    for (const issue of loaded?.issues ?? []) log.warn(`config: ${formatIssue(issue)}`);
    const dir = indexDir(home, realRoot);
    // One writer per index: a second process (the daemon, `cvu index`) gets CVU_ERR_INDEX_BUSY.
    const unlock = lockIndex(dir);
    try {
      const store = await IndexStore.open(dir, { logger: log });
      const rules = await Indexer.rulesFor(realRoot, config);
      const indexer = new Indexer(realRoot, store, rules, config, log, opts.parsePool);
      const ws = new Workspace(realRoot, workspaceId(realRoot), config, store, indexer, opts.embedders ?? new EmbedderProvider(home, log), !opts.embedders, log);
      ws.unlock = unlock;
      ws.configFile = loaded?.file ?? null;
      ws.configIssues = loaded?.issues ?? [];
      ws.chunkCount = await store.countChunks();
      if (store.files.size > 0) ws.state = 'ready';
      return ws;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  /** Makes the index match the tree on disk (first index, restart, repair after a crash). */
  sync(opts: BatchHooks = {}): Promise<SyncResult> {
    return this.write(() => this.longWriting(async () => {
      const pace = { startedAt: 0, done: 0 };
      const result = await this.indexer.sync({
        ...opts,
        onProgress: (p) => {
          if (p.phase === 'index') {
            // /status shows the chunk count growing during a long first index, not 0 until the end.
            void this.store.countChunks().then((n) => (this.chunkCount = n), () => {});
            if (!pace.startedAt) Object.assign(pace, { startedAt: performance.now(), done: p.done });
          }
          const rate = p.done > pace.done ? (p.done - pace.done) / (performance.now() - pace.startedAt) : 0;
          this.progress = p.phase === 'done' ? null : { phase: p.phase, done: p.done, total: p.total, etaSeconds: rate > 0 ? Math.round((p.total - p.done) / rate / 100) / 10 : null };
          opts.onProgress?.(p);
        },
      }).finally(() => (this.progress = null));
      this.skips.replace(result.skipped);
      this.fileLines.clear();
      await this.store.refreshIndexes(true);
      return result;
    }));
  }

  /** Re-indexes the given workspace-relative paths (saved, created, deleted, renamed). */
  update(paths: string[], opts: BatchHooks = {}) {
    // Their lines are read again from disk, whatever the index makes of them.
    this.fileLines.forget(paths);
    const urgent = paths.length <= URGENT_UPDATE_PATHS;
    return this.write(async () => {
      const result = await this.indexer.update(paths, {
        ...opts,
        urgent,
        onChange: (change, previous) => {
          // The chunks with new content are the regions just edited.
          const before = new Set(previous);
          for (const c of change.chunks) if (!before.has(c.hash)) this.recent.record(c.path, c.start_line, c.end_line);
          opts.onChange?.(change, previous);
        },
      });
      if (result.full) this.skips.replace(result.skipped);
      else this.skips.update(paths, result.skipped);
      return result;
    }, { urgent });
  }

  /** Fills in vectors for chunks that have none; null when no embedding model is available. */
  async embed(opts: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void; beforeBatch?: () => Promise<void> } = {}): Promise<number | null> {
    const embedder = await this.embedders.get(this.config, this.root);
    if (!embedder) return null;
    const n = await this.writes.add(
      () => this.longWriting(() => embedPending(this.store, embedder, { ...opts, batchSize: this.config.embedding.batchSize * 2 })),
      { throwOnTimeout: true },
    );
    if (n > 0) {
      await this.writes.add(async () => {
        await this.store.collectGarbage();
        // Each embedding batch is a commit too: a day of saves must not leave the vector table in thousands of fragments.
        await this.store.compactIfFragmented();
      });
    }
    return n;
  }

  get ignoreRules(): IgnoreRules {
    return this.indexer.ignoreRules;
  }

  /** The cross-file context a completion at a position would use (POST /context). */
  async context(req: ContextRequest): Promise<ContextResult> {
    // During a first index, the code around the cursor is what should be searchable first.
    if (this.progress) this.indexer.focus(req.path);
    const timings: ContextTimings = req.timings ?? {};
    const result = await buildContext(this.contextSources, { ...req, timings });
    // Where a slow answer spent its time, for the log (a request line says only how long it took).
    if ((timings.total ?? 0) >= SLOW_CONTEXT_MS) {
      const { late, ...parts } = timings;
      this.log.info('slow context', { path: req.path, ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [`${k}Ms`, Math.round(v)])), ...(late?.length ? { late } : {}) });
    }
    return result;
  }

  /**
   * Builds what cursor retrieval keeps between requests — the import graph its anticipation reads —
   * so that the first request after an index does not pay for it (130–200 ms on a few hundred
   * files). Later requests bring it up to date for the files that changed.
   */
  prepareRetrieval(): void {
    importGraph(this.contextSources);
  }

  /** What cursor retrieval reads, as live views of this workspace. */
  private get contextSources(): ContextSources {
    return {
      store: this.store,
      embedder: this.embedders.loadedFor(this.config),
      readLines: (p) => this.fileLines.get(p),
      recent: this.recent,
      importContext: () => this.importContext(),
      tokens: this.tokens,
      log: this.log,
    };
  }

  /**
   * The file set and package names that import resolution needs, brought up to date when the index
   * changes: the same context while no file came or went and no manifest (go.mod, a package.json)
   * changed, so that what resolvers derive from it stays cached; only changed manifests read again.
   */
  private importContext(): ImportContext {
    const prev = this.importCtx;
    if (prev && prev.version === this.store.version) return prev.ctx;
    const known = this.store.files;
    const sameFiles = !!prev && prev.ctx.files.size === known.size && [...known.keys()].every((p) => prev.ctx.files.has(p));
    const manifests = new Map<string, string>();
    for (const [p, row] of known) if (isManifest(p)) manifests.set(p, row.hash);
    const sameManifests = !!prev && prev.manifests.size === manifests.size && [...manifests].every(([p, h]) => prev.manifests.get(p) === h);
    if (prev && sameFiles && sameManifests) {
      this.importCtx = { ...prev, version: this.store.version };
      return prev.ctx;
    }
    const files = sameFiles ? prev!.ctx.files : new Set(known.keys());
    let goModule: string | null = null;
    const packages = new Map<string, string>();
    const packageMains = new Map<string, string>();
    if (prev && sameManifests) {
      goModule = prev.ctx.goModule ?? null;
      for (const [k, v] of prev.ctx.packages ?? []) packages.set(k, v);
      for (const [k, v] of prev.ctx.packageMains ?? []) packageMains.set(k, v);
    } else {
      for (const p of manifests.keys()) {
        if (p === 'go.mod') goModule = /^module\s+(\S+)/m.exec(this.fileLines.get(p)?.join('\n') ?? '')?.[1] ?? null;
        else if (p === 'package.json' || p.endsWith('/package.json')) {
          try {
            const pkg = JSON.parse(this.fileLines.get(p)?.join('\n') ?? '{}') as { name?: unknown; main?: unknown; module?: unknown };
            const folder = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
            if (typeof pkg.name === 'string' && pkg.name) packages.set(pkg.name, folder);
            const main = typeof pkg.module === 'string' ? pkg.module : typeof pkg.main === 'string' ? pkg.main : null;
            if (main) packageMains.set(folder, path.posix.join(folder, main).replace(/^\.\//, ''));
          } catch {
            // a broken package.json names no package
          }
        } else if (p === 'Cargo.toml' || p.endsWith('/Cargo.toml')) {
          // A Rust crate by its name: its tests, examples and other crates write `reqwest::Proxy`.
          const name = cargoPackageName(this.fileLines.get(p)?.join('\n') ?? '');
          if (name) packages.set(name, p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
        }
      }
    }
    const ctx = { files, goModule, packages, packageMains, rootName: path.basename(this.root), readText: (p: string) => this.fileLines.get(p)?.join('\n') ?? null, namespaces: this.namespaces };
    this.importCtx = { version: this.store.version, ctx, manifests };
    return ctx;
  }

  /** The namespaces files declare, read from the symbol table as it is when asked (ImportContext's `namespaces`). */
  private readonly namespaces = {
    declaring: (name: string): string[] => {
      const last = name.slice(name.lastIndexOf('.') + 1);
      const defs = last === name ? this.store.symbols.lookup(name) : [...this.store.symbols.lookup(name), ...this.store.symbols.lookup(last)];
      return [...new Set(defs.filter((d) => d.kind === 'namespace' && namespaceName(d) === name).map((d) => d.path))];
    },
    of: (rel: string): string[] => this.store.symbols.inFile(rel).filter((d) => d.kind === 'namespace').map(namespaceName),
  };

  /** A file's language: the index's, else the one its name says. */
  languageOf(rel: string): string {
    return this.store.files.get(rel)?.language ?? languageForPath(rel);
  }

  /**
   * A workspace file's text as it is on disk (for requests that send no
   * buffer). Secret files are refused: Cvu never shows them to a model.
   */
  readFile(rel: string): string {
    if (isSecretPath(rel)) throw new CvuError('CVU_ERR_FORBIDDEN', `${rel} is a secret file; Cvu never shows it to a model`, { status: 403 });
    try {
      return fs.readFileSync(path.join(this.root, rel), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CvuError('CVU_ERR_NOT_FOUND', `${rel} does not exist; send its text`, { status: 404 });
      throw new CvuError('CVU_ERR_FILE_UNREADABLE', `${rel} could not be read: ${(err as Error).message}`, { status: 422 });
    }
  }

  async search(query: string, opts: SearchOptions = {}): Promise<Snippet[]> {
    const embedder = this.store.hasVectors() ? await this.embedders.get(this.config, this.root) : null;
    return searchWorkspace(this.navigationSources, embedder, query, { log: this.log, ...opts });
  }

  /** The definitions of a name or `Container.member`, best first. */
  definitions(name: string): Definition[] {
    return findDefinitions(this.navigationSources, name);
  }

  /** The files that use a name, those defining it first, each with the lines naming it. */
  references(name: string, limitFiles: number): ReferenceFile[] {
    return findReferences(this.navigationSources, name, limitFiles);
  }

  /**
   * The outline of a workspace-relative file or folder ('' for the root): a file's definitions as a
   * tree, or a folder's files each with theirs; null when nothing indexed is there.
   */
  outline(rel: string): { kind: 'file'; entries: OutlineEntry[] } | { kind: 'folder'; files: { path: string; entries: OutlineEntry[] }[] } | null {
    const src = this.navigationSources;
    if (this.store.files.has(rel)) return { kind: 'file', entries: outlineFile(src, rel) };
    const files = filesUnder(src, rel);
    return files.length || rel === '' ? { kind: 'folder', files: files.map((p) => ({ path: p, entries: outlineFile(src, p) })) } : null;
  }

  /** What an unknown name or path may have meant: the closest defined names, or indexed paths. */
  closest(what: 'name' | 'path', query: string, n = 5): string[] {
    return what === 'name' ? closestNames(this.navigationSources, query, n) : closestPaths(this.navigationSources, query, n);
  }

  /** A workspace file's lines as the index reads them (null when it cannot be read). */
  readLines(rel: string): string[] | null {
    return this.fileLines.get(rel);
  }

  private get navigationSources(): NavigationSources {
    return { store: this.store, readLines: (p) => this.fileLines.get(p) };
  }

  status(): WorkspaceStatus {
    const emb = this.embedders.state(this.config);
    return {
      root: this.root,
      state: this.state,
      files: this.store.files.size,
      chunks: this.chunkCount,
      pending: emb.state === 'disabled' ? 0 : this.store.pendingHashes().length,
      embedder: emb.state,
      ...(emb.state === 'unavailable' ? { embedderDetail: emb.reason } : emb.state === 'ready' ? { embedderDetail: emb.model } : {}),
      lastIndexedAt: this.lastIndexedAt?.toISOString() ?? null,
      ...(this.lastError ? { error: this.lastError } : {}),
      config: { file: this.configFile, errors: this.configIssues },
      skipped: this.skips.report(),
      ...(this.progress ? { progress: this.progress } : {}),
    };
  }

  /** Runs a long write: urgent writes that come meanwhile run beside it (see `longWrite`). */
  private async longWriting<T>(fn: () => Promise<T>): Promise<T> {
    this.longWrite = true;
    try {
      return await fn();
    } finally {
      this.longWrite = false;
    }
  }

  /**
   * Queues a write. An urgent one (a save) runs at once beside a long write in progress, or
   * else before the other writes waiting.
   */
  private async write<T>(fn: () => Promise<T>, opts: { urgent?: boolean } = {}): Promise<T> {
    this.state = 'indexing';
    try {
      let out: T;
      if (opts.urgent && this.longWrite) {
        const run = fn();
        this.urgent.add(run);
        out = await run.finally(() => this.urgent.delete(run));
      } else out = (await this.writes.add(fn, { throwOnTimeout: true, priority: opts.urgent ? 1 : 0 })) as T;
      this.chunkCount = await this.store.countChunks();
      this.lastIndexedAt = new Date();
      this.lastError = null;
      // A save that ran between two batches of a first index leaves the workspace indexing.
      this.state = this.longWrite ? 'indexing' : 'ready';
      return out;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.state = isCvuError(err, 'CVU_ERR_ABORTED') ? (this.store.files.size ? 'ready' : 'indexing') : 'error';
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.writes.onIdle();
      await Promise.allSettled([...this.urgent]);
      await this.indexer.close();
      await this.store.close();
      if (this.ownsEmbedders) await this.embedders.dispose();
    } finally {
      this.unlock();
    }
  }
}

/**
 * The files whose text import resolution reads (go.mod, package.json names and exports, tsconfig
 * `paths`): what resolvers derive from them is cached per import context, so a change to one makes a new context.
 */
/** The `name` of a Cargo.toml's `[package]` table, or null. */
function cargoPackageName(toml: string): string | null {
  const table = /^\[package\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? '';
  return /^\s*name\s*=\s*"([^"]+)"/m.exec(table)?.[1] ?? null;
}

function isManifest(p: string): boolean {
  const base = p.slice(p.lastIndexOf('/') + 1);
  return base === 'go.mod' || base === 'package.json' || base === 'Cargo.toml' || /^(tsconfig.*|jsconfig)\.json$/.test(base);
}

/** A namespace's full name: `namespace Billing` inside `namespace Acme` is Acme.Billing. */
function namespaceName(d: { name: string; container: string | null }): string {
  return d.container ? `${d.container}.${d.name}` : d.name;
}
