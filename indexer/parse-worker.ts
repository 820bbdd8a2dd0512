// Worker thread of the parse pool: prepares files off the daemon's main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../core/thread-priority.js';
import { initTreeSitter } from '../core/tree-sitter.js';
import { warmUpParserRuntime } from './parser-warmup.js';
import { prepareFile, type PrepareOptions } from './prepare-file.js';
import type { WalkedFile } from './walker.js';

interface Job {
  id: number;
  file: WalkedFile;
  knownHash: string | null;
  opts: PrepareOptions;
}

// Parsing is background work: this thread runs at a lower priority (see core/thread-priority.ts).
lowerThreadPriority();
/** Set by the first job: the warm-up stops, real files warm the runtime from then on. */
let working = false;
// The tree-sitter runtime compiles while the main thread still walks the tree (a failure shows at
// the first parse); the pool's first worker then warms it up for all (parser-warmup.ts).
const runtime = initTreeSitter();
if ((workerData as { warmUp?: boolean } | null)?.warmUp) {
  runtime.then(() => warmUpParserRuntime(() => working)).then((rounds) => parentPort!.postMessage({ warmedUp: rounds }), () => {});
} else runtime.catch(() => {});

parentPort!.on('message', async (job: Job) => {
  working = true;
  try {
    parentPort!.postMessage({ id: job.id, result: await prepareFile(job.file, job.knownHash, job.opts) });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
