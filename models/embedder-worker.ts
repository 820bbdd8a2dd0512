/**
 * The embedding model on a thread of its own (see embedder-thread.ts):
 * onnxruntime-node runs a batch synchronously, so on the daemon's main thread
 * every batch of a saved file's embedding would stall every request for as
 * long as it runs. This thread loads the model, then embeds one batch per
 * message and answers with the vectors (their buffers transferred).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../core/thread-priority.js';
import type { Embedder, EmbedderOptions } from './embedder.js';
import { serializeError, type WorkerReply, type WorkerRequest } from './embedder-thread.js';

const port = parentPort;
// Started by loadEmbedderThread (which marks its workerData), not merely imported on some other thread.
const data = workerData as { embedderThread?: boolean; background?: boolean; options: EmbedderOptions } | null;
if (port && data?.embedderThread) {
  // Before onnxruntime is even imported: its threads, some started as its binding loads, inherit the priority.
  if (data.background) lowerThreadPriority();
  const { loadEmbedder } = await import('./embedder.js');
  const reply = (msg: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
  let embedder: Embedder;
  try {
    embedder = await loadEmbedder(data.options);
    reply({ ready: { model: embedder.model, dimensions: embedder.dimensions, dtype: embedder.dtype } });
    port.on('message', (req: WorkerRequest) => {
      if ('dispose' in req) {
        void embedder.dispose().finally(() => reply({ id: req.id, disposed: true }));
        return;
      }
      embedder.embed(req.texts).then(
        (vectors) => reply({ id: req.id, vectors }, vectors.map((v) => v.buffer as ArrayBuffer)),
        (err: unknown) => reply({ id: req.id, error: serializeError(err) }),
      );
    });
  } catch (err) {
    reply({ failed: serializeError(err) });
  }
}
