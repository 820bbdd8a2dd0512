import path from 'node:path';
import { isCvuError } from '../core/errors.js';
import { embeddingModelsDir, defaultThreads } from '../core/home.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { CvuConfig } from '../config/schema.js';
import type { Embedder } from './embedder.js';
import { loadEmbedderLanes } from './embedder-lanes.js';

export type EmbedderState = { state: 'disabled' } | { state: 'loading' } | { state: 'ready'; model: string; dimensions: number } | { state: 'unavailable'; reason: string };

/**
 * Loads each embedding model once (on threads of its own, models/embedder-lanes.ts) and shares it between workspaces. A model
 * that is missing (an offline machine) is reported once, plainly, and the
 * index carries on with its full-text and symbol tiers.
 */
export class EmbedderProvider {
  private readonly loaded = new Map<string, Promise<Embedder | null>>();
  private readonly ready = new Map<string, Embedder>();
  private readonly states = new Map<string, EmbedderState>();

  constructor(private readonly home: string, private readonly log: Logger = silentLogger) {}

  private key(config: CvuConfig): string | null {
    const m = config.embedding.model;
    return m === null ? null : `${m}|${config.embedding.dtype}`;
  }

  state(config: CvuConfig): EmbedderState {
    const key = this.key(config);
    if (key === null) return { state: 'disabled' };
    return this.states.get(key) ?? { state: 'loading' };
  }

  get(config: CvuConfig, root: string): Promise<Embedder | null> {
    const key = this.key(config);
    if (key === null) return Promise.resolve(null);
    const cached = this.loaded.get(key);
    if (cached) return cached;
    const model = config.embedding.model!;
    // A relative folder in a workspace's config means a folder of that workspace.
    const resolved = model.startsWith('.') ? path.resolve(root, model) : model;
    this.states.set(key, { state: 'loading' });
    // On threads of its own: a batch runs synchronously and must not hold up requests, and
    // background batches must not hold up a query's.
    const p = loadEmbedderLanes({
      model: resolved,
      cacheDir: embeddingModelsDir(this.home),
      threads: config.threads || defaultThreads(),
      dtype: config.embedding.dtype,
      allowDownload: config.embedding.allowDownload,
      maxTokens: config.embedding.maxTokens,
      batchSize: config.embedding.batchSize,
      log: this.log,
    }).then(
      (e) => {
        this.states.set(key, { state: 'ready', model: e.model, dimensions: e.dimensions });
        this.ready.set(key, e);
        return e;
      },
      (err: unknown) => {
        const reason = (err as Error).message;
        this.states.set(key, { state: 'unavailable', reason });
        const what = isCvuError(err, 'CVU_ERR_MODEL_MISSING') ? 'no embedding model' : 'the embedding model failed to load';
        this.log.warn(`${what} (${reason}); search uses the full-text and symbol index only.`);
        return null;
      },
    );
    this.loaded.set(key, p);
    return p;
  }

  /** The embedder if it has finished loading; null otherwise (interactive paths never wait for a load). */
  loadedFor(config: CvuConfig): Embedder | null {
    const key = this.key(config);
    return key === null ? null : (this.ready.get(key) ?? null);
  }

  async dispose(): Promise<void> {
    this.ready.clear();
    for (const p of this.loaded.values()) await (await p)?.dispose();
    this.loaded.clear();
  }
}
