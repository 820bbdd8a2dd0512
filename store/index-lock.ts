/**
 * One writer per index, across processes: a running daemon and `cvu index`
 * (or two `cvu index` runs) must never write the same LanceDB tables at once.
 * A lock file beside the index names the holder's pid; a holder that is gone
 * (kill -9) leaves a stale lock, which the next opener breaks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CvuError } from '../core/errors.js';
import { isAlive } from '../core/process.js';

export class IndexBusyError extends CvuError {
  constructor(readonly pid: number, dir: string) {
    super('CVU_ERR_INDEX_BUSY', `the index at ${dir} is in use by process ${pid}`, { status: 409 });
  }
}

/** Lock files this process holds, with how many opens share each (a workspace opened twice in one process). */
const held = new Map<string, number>();

function holderOf(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the writer lock of the index in `dir`; returns its release (idempotent). Throws IndexBusyError. */
export function lockIndex(dir: string): () => void {
  const file = `${dir}.lock`;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const n = (held.get(file) ?? 1) - 1;
    if (n > 0) return void held.set(file, n);
    held.delete(file);
    if (holderOf(file) === process.pid) fs.rmSync(file, { force: true });
  };
  const shared = held.get(file);
  if (shared) {
    held.set(file, shared + 1);
    return release;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      held.set(file, 1);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new CvuError('CVU_ERR_INDEX', `cannot lock the index at ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const holder = holderOf(file);
    if (holder !== null && holder !== process.pid && isAlive(holder)) throw new IndexBusyError(holder, dir);
    if (holder === null && attempt === 0) {
      // Being written by its creator this instant (or garbage): look once more before breaking it.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    // Stale (its holder is gone): move it aside atomically. If what moved is not the stale lock judged
    // (another opener broke that one and took the lock meanwhile), put it back: link() fails when one exists.
    const aside = `${file}.${process.pid}.stale`;
    try {
      fs.renameSync(file, aside);
      const moved = holderOf(aside);
      if (moved !== null && moved !== holder && isAlive(moved)) {
        try {
          fs.linkSync(aside, file);
        } catch {
          // a third opener holds it now
        }
      }
      fs.rmSync(aside, { force: true });
    } catch {
      // broken by another opener first
    }
  }
  const holder = holderOf(file);
  throw holder !== null ? new IndexBusyError(holder, dir) : new CvuError('CVU_ERR_INDEX', `cannot lock the index at ${dir}`, { status: 409 });
}
