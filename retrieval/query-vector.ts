import { isCvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { EmbedOptions } from '../models/embed-turns.js';
import type { Embedder } from '../models/embedder.js';

/** Failures already logged at warn, by log and message: a model that stopped fails every query alike. */
const reported = new WeakMap<Logger, Set<string>>();

/**
 * The vector of a query, or null when the model cannot give one now: busy past the caller's wait
 * limit, or failing (its thread stopped, it was disposed). Retrieval then answers from its other
 * sources instead of failing the request; each kind of failure is logged at warn once, then at
 * debug. An abort still throws.
 */
export async function queryVector(embedder: Embedder, text: string, opts: EmbedOptions, log: Logger = silentLogger): Promise<Float32Array | null> {
  try {
    const [vector] = await embedder.embed([text], opts);
    return vector;
  } catch (err) {
    if (isCvuError(err, 'CVU_ERR_ABORTED')) throw err;
    if (isCvuError(err, 'CVU_ERR_BUSY')) return null;
    const message = (err as Error).message;
    const seen = reported.get(log) ?? new Set<string>();
    reported.set(log, seen);
    if (seen.has(message)) {
      log.debug('vector search skipped', { reason: message });
    } else {
      if (seen.size < 100) seen.add(message);
      log.warn(`vector search skipped: the embedding model failed (${message}); answering from the full-text and symbol index`);
    }
    return null;
  }
}
