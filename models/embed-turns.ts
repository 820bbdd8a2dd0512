import { CvuError } from '../core/errors.js';

/** A query waits for at most one batch of background embedding, never for the rest of it. */
export type EmbedPriority = 'interactive' | 'background';

export interface EmbedOptions {
  /** Checked between batches. */
  signal?: AbortSignal;
  /** Default 'interactive'. */
  priority?: EmbedPriority;
  /**
   * How long a batch may wait for the model while another batch runs (a background one can take
   * a second on a busy CPU); past it the call fails with CVU_ERR_BUSY and leaves the queue.
   * 0: do not wait at all. Default: as long as it takes.
   */
  maxWaitMs?: number;
}

/**
 * One embedding batch runs at a time; the next turn goes to a waiting query
 * before any background batch, so a query waits for the batch in progress at
 * most, and can give up waiting (`maxWaitMs`).
 */
export class EmbedTurns {
  private busy = false;
  private readonly waiting: Record<EmbedPriority, (() => void)[]> = { interactive: [], background: [] };
  private readonly drained: (() => void)[] = [];

  async take(priority: EmbedPriority, maxWaitMs?: number): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return;
    }
    const busy = () => new CvuError('CVU_ERR_BUSY', `the embedding model stayed busy for ${maxWaitMs} ms`, { status: 503 });
    if (maxWaitMs === 0) throw busy();
    await new Promise<void>((resolve, reject) => {
      const queue = this.waiting[priority];
      let timer: NodeJS.Timeout | undefined;
      const go = () => {
        clearTimeout(timer);
        resolve();
      };
      queue.push(go);
      if (maxWaitMs === undefined) return;
      timer = setTimeout(() => {
        // Still waiting: give up the place in the queue (a release must not hand the turn to no one).
        const i = queue.indexOf(go);
        if (i < 0) return;
        queue.splice(i, 1);
        reject(busy());
      }, maxWaitMs);
    });
  }

  release(): void {
    const next = this.waiting.interactive.shift() ?? this.waiting.background.shift();
    if (next) return next();
    this.busy = false;
    for (const done of this.drained.splice(0)) done();
  }

  /** Resolves when no batch runs and none waits (a disposal waits for the batch in flight). */
  idle(): Promise<void> {
    return this.busy ? new Promise<void>((resolve) => this.drained.push(resolve)) : Promise.resolve();
  }
}

/**
 * Embeds `count` inputs in batches of `batchSize`, longest first (each batch pads to a similar
 * length), each batch in its turn; `check` runs before each batch (abort, disposal). Returns the
 * vectors in input order.
 */
export async function embedInTurns(
  turns: EmbedTurns,
  sizes: number[],
  batchSize: number,
  opts: EmbedOptions,
  check: () => void,
  run: (batch: number[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const out = new Array<Float32Array>(sizes.length);
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
  for (let start = 0; start < order.length; start += batchSize) {
    await turns.take(opts.priority ?? 'interactive', opts.maxWaitMs);
    try {
      check();
      const batch = order.slice(start, start + batchSize);
      const vectors = await run(batch);
      batch.forEach((i, j) => (out[i] = vectors[j]));
    } finally {
      turns.release();
    }
  }
  return out;
}
