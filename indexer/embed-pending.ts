import { throwIfAborted } from '../core/errors.js';
import type { Embedder } from '../models/embedder.js';
import type { IndexStore } from '../store/index-store.js';
import type { ChunkRow } from '../store/rows.js';

export interface EmbedProgress {
  done: number;
  total: number;
}

/** What the embedder reads for a chunk: where it lives, its container's signature, then the code. */
export function embeddingText(chunk: Pick<ChunkRow, 'path' | 'header' | 'text'>): string {
  const head = chunk.header ? `${chunk.path}\n${chunk.header}\n` : `${chunk.path}\n`;
  // The embedder truncates by tokens; cutting long text here first saves tokenizing it.
  return head + chunk.text.slice(0, 4000);
}

/**
 * The vector tier: embeds every chunk whose content hash has no vector yet.
 * Idempotent and resumable — a kill loses at most the batch in flight.
 */
export async function embedPending(
  store: IndexStore,
  embedder: Embedder,
  opts: { batchSize?: number; signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void; beforeBatch?: () => Promise<void> } = {},
): Promise<number> {
  await store.useEmbedding(embedder.model, embedder.dimensions);
  const pending = store.pendingHashes();
  const batchSize = opts.batchSize ?? 32;
  let done = 0;
  for (let i = 0; i < pending.length; i += batchSize) {
    throwIfAborted(opts.signal, 'embedding');
    await opts.beforeBatch?.();
    const hashes = pending.slice(i, i + batchSize);
    const rows = await store.chunksByHash(hashes);
    const byHash = new Map(rows.map((r) => [r.hash, r]));
    // A hash may have left the index since `pending` was taken.
    const live = hashes.filter((h) => byHash.has(h));
    if (live.length) {
      const vectors = await embedder.embed(live.map((h) => embeddingText(byHash.get(h)!)), { signal: opts.signal, priority: 'background' });
      await store.addEmbeddings(live.map((hash, k) => ({ hash, vector: vectors[k] })));
    }
    done += hashes.length;
    opts.onProgress?.({ done, total: pending.length });
  }
  return done;
}
