import fs from 'node:fs';
import os from 'node:os';

/**
 * How much lower than the daemon's other threads background work runs (a nice value, 0–19):
 * parsing for the index and embedding its chunks. The thread that answers requests, the
 * store's threads and the query's embedding get a core first.
 */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the scheduling priority of the calling thread only: on Linux its
 * thread id (from /proc/thread-self) names it to setpriority. Threads it
 * starts afterwards (onnxruntime's pool) inherit the value. A lowered value
 * cannot be raised again without privileges, so only a thread that does
 * background work for its whole life calls this. Elsewhere, or when not
 * allowed, the thread keeps its priority.
 */
export function lowerThreadPriority(nice: number = BACKGROUND_NICE): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, nice);
  } catch {
    // Not Linux, or not allowed: normal priority.
  }
}
