import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { ParsePool } from '../../indexer/parse-pool.js';
import { prepareFile, type PrepareOptions } from '../../indexer/prepare-file.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { niceByThread } from '../helpers/threads.js';

const opts: PrepareOptions = { maxFileBytes: 1 << 20, chunk: {} };

describe('ParsePool', () => {
  let root: string;
  beforeEach(() => {
    root = makeTempDir();
    writeTree(root, {
      'a.ts': 'export function alpha(x: number) {\n  return x + 1;\n}\n\nexport class Beta {\n  gamma() { return alpha(2); }\n}\n',
      'b.py': 'def delta():\n    return 4\n',
    });
  });
  afterEach(() => removeDir(root));

  const file = (p: string) => {
    const abs = path.join(root, p);
    const st = fs.statSync(abs);
    return { path: p, absPath: abs, size: st.size, mtimeMs: st.mtimeMs };
  };

  it.runIf(process.platform === 'linux')('parses at a lower priority than the threads that answer requests', async () => {
    const before = niceByThread().filter((n) => n === 10).length;
    const pool = new ParsePool(1);
    try {
      await pool.prepare(file('a.ts'), null, opts);
      expect(niceByThread().filter((n) => n === 10).length).toBe(before + 1);
      expect(niceByThread()).toContain(0);
    } finally {
      await pool.close();
    }
  });

  it.runIf(process.platform === 'linux')('starts its workers on start(), before the first file', async () => {
    const before = niceByThread().filter((n) => n === 10).length;
    const pool = new ParsePool(2);
    try {
      pool.start();
      // Each worker lowers its own priority as it starts: two more such threads, with no file posted.
      for (let i = 0; i < 200 && niceByThread().filter((n) => n === 10).length < before + 2; i++) await new Promise((r) => setTimeout(r, 25));
      expect(niceByThread().filter((n) => n === 10).length).toBe(before + 2);
      expect(await pool.prepare(file('a.ts'), null, opts)).toEqual(await prepareFile(file('a.ts'), null, opts));
    } finally {
      await pool.close();
    }
  });

  it('has its first worker, and only it, warm up the tree-sitter runtime when it starts idle', async () => {
    const lines: string[] = [];
    const log = { ...silentLogger, debug: (msg: string) => lines.push(msg) };
    const pool = new ParsePool(2, log);
    try {
      pool.start();
      for (let i = 0; i < 400 && !lines.length; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 300));
      expect(lines).toEqual(['the tree-sitter runtime warmed up: 20 rounds']);
      expect(await pool.prepare(file('a.ts'), null, opts)).toEqual(await prepareFile(file('a.ts'), null, opts));
    } finally {
      await pool.close();
    }
  });

  it('prepares files in a worker exactly as on the calling thread', async () => {
    const pool = new ParsePool(1);
    try {
      for (const p of ['a.ts', 'b.py']) {
        const viaWorker = await pool.prepare(file(p), null, opts);
        expect(viaWorker).toEqual(await prepareFile(file(p), null, opts));
        expect(viaWorker.kind).toBe('change');
      }
      const first = await pool.prepare(file('a.ts'), null, opts);
      const hash = first.kind === 'change' ? first.change.file.hash : '';
      expect(await pool.prepare(file('a.ts'), hash, opts)).toEqual({ kind: 'same', hash });
      expect(await pool.prepare({ ...file('a.ts'), absPath: path.join(root, 'gone.ts') }, null, opts)).toMatchObject({ kind: 'skip', reason: 'unreadable' });
    } finally {
      await pool.close();
    }
  });

  it("parses a save's file before the background files still waiting for a worker", async () => {
    const pool = new ParsePool(1);
    try {
      // Both grammars loaded first: a grammar's first load takes longer than parsing a few files.
      await Promise.all([pool.prepare(file('a.ts'), null, opts), pool.prepare(file('b.py'), null, opts)]);
      const done: string[] = [];
      const track = (label: string, p: Promise<unknown>) => p.then(() => done.push(label));
      const jobs = Array.from({ length: 10 }, (_, i) => track(`bg${i}`, pool.prepare(file('a.ts'), null, opts)));
      jobs.push(track('save', pool.prepare(file('b.py'), null, opts, true)));
      await Promise.all(jobs);
      // Three background files were posted to the worker already (it reads them side by side); the
      // save is posted as soon as one of them is done, not after the other seven.
      expect(done.indexOf('save')).toBeLessThan(6);
      expect(done.filter((d) => d !== 'save').sort()).toEqual(Array.from({ length: 10 }, (_, i) => `bg${i}`).sort());
    } finally {
      await pool.close();
    }
  });

  it('fails the jobs still waiting when it is closed', async () => {
    const pool = new ParsePool(1);
    const jobs = Array.from({ length: 6 }, () => pool.prepare(file('a.ts'), null, opts));
    await pool.close();
    const settled = await Promise.allSettled(jobs);
    expect(settled.every((s) => s.status === 'rejected' || s.value.kind === 'change')).toBe(true);
    expect(settled.some((s) => s.status === 'rejected')).toBe(true);
  });

  it('parses on the calling thread with zero workers', async () => {
    const pool = new ParsePool(0);
    expect((await pool.prepare(file('b.py'), null, opts)).kind).toBe('change');
    await pool.close();
  });

  it('redoes the jobs of a worker that dies on the calling thread', async () => {
    const pool = new ParsePool(1);
    try {
      const jobs = [pool.prepare(file('a.ts'), null, opts), pool.prepare(file('b.py'), null, opts)];
      const worker = (pool as unknown as { workers: { worker: { emit(e: string, err: Error): void } }[] }).workers[0].worker;
      worker.emit('error', new Error('simulated crash'));
      const results = await Promise.all(jobs);
      expect(results.map((r) => r.kind)).toEqual(['change', 'change']);
      expect((await pool.prepare(file('a.ts'), null, opts)).kind).toBe('change');
    } finally {
      await pool.close();
    }
  });
});
