/**
 * Lists the files of a workspace that the index may hold.
 *
 * - Excluded folders (ignored, built-in, secret) are never entered.
 * - Only files that pass the rules are `stat`ed; those over the size bound
 *   are skipped by size, without being read.
 * - Symbolic links are not followed. A link whose target lies outside the
 *   workspace is reported as `symlink-outside`; a dangling link is dropped
 *   quietly. A link to a file or folder inside the workspace is dropped
 *   quietly as well: the target is listed under its real path already, or is
 *   excluded there on purpose, and following the link would only list it
 *   twice or slip an excluded file in under another name. As nothing is
 *   followed, link loops cannot arise.
 * - Folders and files that cannot be read are reported as `unreadable`;
 *   entries that vanish while the walk runs are dropped quietly. Nothing
 *   thrown by the file system escapes, except for the root itself.
 * - FIFOs, sockets and devices are never listed (reading one could block).
 * - Names with control characters or bytes that are not UTF-8 are reported
 *   as `bad-name`, folders deeper than MAX_FOLDER_DEPTH (and paths longer
 *   than the system takes) as `too-deep` (see ignore-rules.ts).
 * - The walk gives the event loop back every few milliseconds, however long
 *   one folder's listing is or however slow its ignore rules are to check.
 * - Output is sorted by path (code-unit order), whatever order the file
 *   system and the concurrent walk produced.
 */
import fs, { promises as fsp, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { CvuError, throwIfAborted } from '../core/errors.js';
import type { IgnoreRules, SkipReason, SkippedFile } from './ignore-rules.js';

export type { SkipReason, SkippedFile } from './ignore-rules.js';

export interface WalkedFile {
  /** Workspace-relative posix path. */
  path: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  files: WalkedFile[];
  skipped: SkippedFile[];
}

export interface WalkOptions {
  signal?: AbortSignal;
  /** Called as each skip is found (in walk order, not sorted). */
  onSkip?: (s: SkippedFile) => void;
  /** Called as each file is listed (in walk order, not sorted), before the walk ends. */
  onFile?: (f: WalkedFile) => void;
  /** File-system calls in flight at once. Default 32. */
  concurrency?: number;
}

const QUIET_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);
/** Longest stretch of synchronous work (listing entries, checking rules) before the walk yields to other work. */
const SLICE_MS = 10;

export async function walkWorkspace(root: string, rules: IgnoreRules, opts: WalkOptions = {}): Promise<WalkResult> {
  const rootAbs = path.resolve(root);
  let rootReal: string;
  try {
    rootReal = await fsp.realpath(rootAbs);
    if (!(await fsp.stat(rootReal)).isDirectory()) throw new Error('not a folder');
  } catch (err) {
    throw new CvuError('CVU_ERR_NOT_FOUND', `workspace root is not a readable folder: ${rootAbs}`, { status: 404, cause: err });
  }

  const { signal, onSkip, onFile } = opts;
  const limit = createLimiter(Math.max(1, opts.concurrency ?? 32));
  const maxFileBytes = rules.maxFileBytes;
  const files: WalkedFile[] = [];
  const skipped: SkippedFile[] = [];

  const skip = (rel: string, reason: SkipReason) => {
    const s: SkippedFile = { path: rel, reason };
    skipped.push(s);
    onSkip?.(s);
  };
  const checkAbort = () => {
    throwIfAborted(signal, 'workspace walk');
  };
  // A folder of 50,000 entries, or ignore files with thousands of patterns,
  // must not hold up the daemon's requests for seconds.
  let sliceStart = performance.now();
  const yieldNow = async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };
  /** Too long a path for the system (ENAMETOOLONG: a chain of folders thousands deep) is a skip, not an unreadable folder. */
  const failed = (rel: string, err: unknown) => {
    const code = errorCode(err);
    if (code === 'ENAMETOOLONG') skip(rel, 'too-deep');
    else if (!QUIET_CODES.has(code)) skip(rel, 'unreadable');
  };

  async function walkDir(dirRel: string, dirAbs: string): Promise<void> {
    checkAbort();
    let entries: Dirent[];
    try {
      entries = await limit(() => readdir(dirAbs));
    } catch (err) {
      failed(dirRel || '.', err);
      return;
    }
    checkAbort();
    await rules.preload(dirRel, entries.map((e) => e.name));
    const pending: Promise<void>[] = [];
    // The loop may yield (below) before `Promise.all` takes these: a walk
    // aborted meanwhile must not leave a rejection unhandled for that moment.
    const track = (p: Promise<void>) => {
      p.catch(() => {});
      pending.push(p);
    };
    for (const entry of entries) {
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldNow();
        if (signal?.aborted) break; // Promise.all below reports it
      }
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      const abs = path.join(dirAbs, entry.name);
      if (entry.isDirectory()) {
        const reason = rules.check(rel, true);
        if (reason) skip(rel, reason);
        else track(walkDir(rel, abs));
      } else if (entry.isFile()) {
        const reason = rules.check(rel, false);
        if (reason) skip(rel, reason);
        else track(addFile(rel, abs));
      } else if (entry.isSymbolicLink()) {
        track(visitLink(rel, abs));
      }
      // FIFOs, sockets, devices: never listed.
    }
    await Promise.all(pending);
    checkAbort();
  }

  async function addFile(rel: string, abs: string): Promise<void> {
    checkAbort();
    let st: Stats;
    try {
      st = await limit(() => lstat(abs));
    } catch (err) {
      failed(rel, err);
      return;
    }
    if (!st.isFile()) return; // replaced by something else since the listing
    if (st.size > maxFileBytes) skip(rel, 'too-large');
    else {
      const f: WalkedFile = { path: rel, absPath: abs, size: st.size, mtimeMs: st.mtimeMs };
      files.push(f);
      onFile?.(f);
    }
  }

  async function visitLink(rel: string, abs: string): Promise<void> {
    checkAbort();
    let real: string;
    let isDir: boolean;
    try {
      real = await limit(() => fsp.realpath(abs));
      isDir = (await limit(() => fsp.stat(real))).isDirectory();
    } catch (err) {
      // Dangling, or a loop of links: nothing to index.
      failed(rel, err);
      return;
    }
    const reason = rules.check(rel, isDir);
    if (reason) skip(rel, reason);
    else if (!isInside(rootReal, real)) skip(rel, 'symlink-outside');
    // Inside the workspace: the target is walked (or excluded) under its own path.
  }

  await walkDir('', rootAbs);
  files.sort((a, b) => compare(a.path, b.path));
  skipped.sort((a, b) => compare(a.path, b.path));
  return { files, skipped };
}

// The callback API, wrapped: on Node 20 it costs a third of what fs/promises
// does per call, which is most of a walk's time. (Looked up at call time, so
// tests can stand in for them.)
function readdir(dir: string): Promise<Dirent[]> {
  return new Promise((resolve, reject) => fs.readdir(dir, { withFileTypes: true }, (err, entries) => (err ? reject(err) : resolve(entries))));
}

function lstat(file: string): Promise<Stats> {
  return new Promise((resolve, reject) => fs.lstat(file, (err, st) => (err ? reject(err) : resolve(st))));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isInside(rootReal: string, target: string): boolean {
  if (target === rootReal) return true;
  const base = rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep;
  return target.startsWith(base);
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

/** Runs at most `max` of the given async calls at once; the rest wait in order. */
function createLimiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  let waiting: Array<() => void> = [];
  let head = 0; // a moving head, not shift(): the queue can hold thousands
  const release = () => {
    if (head < waiting.length) {
      const next = waiting[head++];
      if (head > 1024 && head * 2 > waiting.length) {
        waiting = waiting.slice(head);
        head = 0;
      }
      next(); // the slot is handed over, not re-counted
    } else active--;
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
