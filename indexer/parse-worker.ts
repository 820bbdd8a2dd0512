// Worker thread of the parse pool: prepares files off the daemon's main thread.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { prepareFile, type PrepareOptions } from './prepare-file.js';
import type { WalkedFile } from './walker.js';

interface Job {
  id: number;
  file: WalkedFile;
  knownHash: string | null;
  opts: PrepareOptions;
}

/** How much lower than the daemon's other threads a parse thread runs (a nice value, 0–19). */
const PARSE_NICE = 10;

lowerThreadPriority();

parentPort!.on('message', async (job: Job) => {
  try {
    parentPort!.postMessage({ id: job.id, result: await prepareFile(job.file, job.knownHash, job.opts) });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});

/**
 * Parsing is background work: on Linux this thread alone gets a lower
 * scheduling priority (its thread id, from /proc/thread-self, names it to
 * setpriority), so the thread that answers requests and the store's threads
 * get a core first while a large workspace is being indexed. Elsewhere it
 * runs at normal priority.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, PARSE_NICE);
  } catch {
    // Not Linux, or not allowed: normal priority.
  }
}
