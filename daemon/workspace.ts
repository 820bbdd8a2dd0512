import fs from 'node:fs';
import PQueue from 'p-queue';
import { CvuError, isCvuError } from '../core/errors.js';
import { cvuHome, indexDir, workspaceId } from '../core/home.js';
import { silentLogger, type Logger } from '../core/log.js';
import { loadConfig } from '../config/load.js';
import type { CvuConfig } from '../config/schema.js';
import { Indexer, type BatchHooks, type SyncResult } from '../indexer/indexer.js';
import { embedPending, type EmbedProgress } from '../indexer/embed-pending.js';
import type { ParsePool } from '../indexer/parse-pool.js';
import type { IgnoreRules } from '../indexer/ignore-rules.js';
import { EmbedderProvider, type EmbedderState } from '../models/embedder-provider.js';
import { IndexStore } from '../store/index-store.js';
import { searchWorkspace, type SearchOptions } from '../retrieval/search.js';
import type { Snippet } from '../retrieval/snippet.js';
import type { ContextRequest, ContextResult } from '../retrieval/context.js';

export type WorkspaceState = 'indexing' | 'ready' | 'error';

export interface WorkspaceStatus {
  root: string;
  state: WorkspaceState;
  files: number;
  chunks: number;
  /** Chunks waiting for a vector. */
  pending: number;
  embedder: EmbedderState['state'];
  embedderDetail?: string;
  lastIndexedAt: string | null;
  error?: string;
}

export interface WorkspaceOptions {
  home?: string;
  config?: CvuConfig;
  logger?: Logger;
  /** Shared between the workspaces of one daemon so that a model loads once. */
  embedders?: EmbedderProvider;
  /** Shared parse workers (one pool per daemon). */
  parsePool?: ParsePool;
}

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

  private constructor(
    readonly root: string,
    readonly id: string,
    readonly config: CvuConfig,
    readonly store: IndexStore,
    private readonly indexer: Indexer,
    readonly embedders: EmbedderProvider,
    private readonly ownsEmbedders: boolean,
    readonly log: Logger,
  ) {}

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
    const config = opts.config ?? (await loadConfig(realRoot)).config;
    const store = await IndexStore.open(indexDir(home, realRoot), { logger: log });
    const rules = await Indexer.rulesFor(realRoot, config);
    const indexer = new Indexer(realRoot, store, rules, config, log, opts.parsePool);
    const ws = new Workspace(realRoot, workspaceId(realRoot), config, store, indexer, opts.embedders ?? new EmbedderProvider(home, log), !opts.embedders, log);
    ws.chunkCount = await store.countChunks();
    if (store.files.size > 0) ws.state = 'ready';
    return ws;
  }

  /** Makes the index match the tree on disk (first index, restart, repair after a crash). */
  sync(opts: BatchHooks = {}): Promise<SyncResult> {
    return this.write(async () => {
      const result = await this.indexer.sync(opts);
      await this.store.optimize();
      return result;
    });
  }

  /** Re-indexes the given workspace-relative paths (saved, created, deleted, renamed). */
  update(paths: string[], opts: BatchHooks = {}) {
    return this.write(() => this.indexer.update(paths, opts));
  }

  /** Fills in vectors for chunks that have none; null when no embedding model is available. */
  async embed(opts: { signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void; beforeBatch?: () => Promise<void> } = {}): Promise<number | null> {
    const embedder = await this.embedders.get(this.config, this.root);
    if (!embedder) return null;
    const n = await this.writes.add(() => embedPending(this.store, embedder, { ...opts, batchSize: this.config.embedding.batchSize * 2 }), { throwOnTimeout: true });
    if (n > 0) await this.writes.add(() => this.store.collectGarbage());
    return n;
  }

  get ignoreRules(): IgnoreRules {
    return this.indexer.ignoreRules;
  }

  /** The cross-file context a completion at a position would use (POST /context). */
  async context(req: ContextRequest): Promise<ContextResult> {
    const { buildContext } = await import('../retrieval/cursor-context.js');
    return buildContext(this, req);
  }

  async search(query: string, opts: SearchOptions = {}): Promise<Snippet[]> {
    const embedder = this.store.hasVectors() ? await this.embedders.get(this.config, this.root) : null;
    return searchWorkspace(this.store, embedder, query, opts);
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
    };
  }

  private async write<T>(fn: () => Promise<T>): Promise<T> {
    this.state = 'indexing';
    try {
      const out = (await this.writes.add(fn, { throwOnTimeout: true })) as T;
      this.chunkCount = await this.store.countChunks();
      this.lastIndexedAt = new Date();
      this.lastError = null;
      this.state = 'ready';
      return out;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.state = isCvuError(err, 'CVU_ERR_ABORTED') ? (this.store.files.size ? 'ready' : 'indexing') : 'error';
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.writes.onIdle();
    await this.indexer.close();
    await this.store.close();
    if (this.ownsEmbedders) await this.embedders.dispose();
  }
}
