// A worker starts from its bundle only while the bundle is as new as the module it was made from.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workerEntry } from '../../core/worker-entry.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

describe('workerEntry', () => {
  let dir: string;
  let base: string;
  beforeEach(() => {
    dir = makeTempDir();
    base = pathToFileURL(path.join(dir, 'pool.js')).href;
    fs.writeFileSync(path.join(dir, 'job.js'), '');
  });
  afterEach(() => removeDir(dir));

  const touch = (name: string, secondsAgo: number) => {
    const t = Date.now() / 1000 - secondsAgo;
    fs.utimesSync(path.join(dir, name), t, t);
  };

  it('starts from the compiled module when no bundle was built', () => {
    expect(workerEntry(base, 'job').href).toBe(pathToFileURL(path.join(dir, 'job.js')).href);
  });

  it('starts from the bundle when it was built after the module', () => {
    fs.writeFileSync(path.join(dir, 'job.bundle.js'), '');
    touch('job.js', 60);
    touch('job.bundle.js', 0);
    expect(workerEntry(base, 'job').href).toBe(pathToFileURL(path.join(dir, 'job.bundle.js')).href);
  });

  it('passes over a bundle older than the module (a build that compiled without bundling)', () => {
    fs.writeFileSync(path.join(dir, 'job.bundle.js'), '');
    touch('job.bundle.js', 60);
    touch('job.js', 0);
    expect(workerEntry(base, 'job').href).toBe(pathToFileURL(path.join(dir, 'job.js')).href);
  });
});
