import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCvuError } from '../../core/errors.js';
import { IndexBusyError, lockIndex } from '../../store/index-lock.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

/** A child process that takes the lock of `dir`, says so, and holds it until killed. */
function holder(dir: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const lock = path.resolve('store/index-lock.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(lock)}).then((m) => { m.lockIndex(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () =>
      resolve({
        pid: child.pid!,
        kill: () => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', () => done()), child.kill('SIGKILL')))),
      }),
    );
    child.once('error', reject);
  });
}

describe('index writer lock', () => {
  let tmp: string;
  let dir: string;
  beforeEach(() => {
    tmp = makeTempDir('cvu-lock-');
    dir = path.join(tmp, 'indexes', 'ws');
  });
  afterEach(() => removeDir(tmp));

  it('is shared within a process and gone when the last holder releases it', () => {
    const a = lockIndex(dir);
    const b = lockIndex(dir);
    expect(fs.readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.pid));
    a();
    a(); // idempotent
    expect(fs.existsSync(`${dir}.lock`)).toBe(true);
    b();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
  });

  it('refuses a second process while the first lives, and is taken over once it is killed', async () => {
    const other = await holder(dir);
    try {
      let err: unknown;
      try {
        lockIndex(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IndexBusyError);
      expect(isCvuError(err, 'CVU_ERR_INDEX_BUSY')).toBe(true);
      expect((err as IndexBusyError).pid).toBe(other.pid);
    } finally {
      await other.kill();
    }
    // kill -9 left its lock file behind: stale, broken by the next opener.
    expect(fs.readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(other.pid));
    const release = lockIndex(dir);
    expect(fs.readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('breaks a lock file that names no process', () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(`${dir}.lock`, 'garbage');
    const release = lockIndex(dir);
    expect(fs.readFileSync(`${dir}.lock`, 'utf8').trim()).toBe(String(process.pid));
    release();
  });
});
