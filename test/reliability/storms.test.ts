/**
 * Storms: a file rewritten 100 times a second, a branch switch rewriting
 * thousands of files at once, and a generated folder of 50,000 files
 * appearing and disappearing. A real daemon with the real watcher; /context
 * keeps answering throughout, and the index ends equal to the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { Daemon } from '../../daemon/daemon.js';
import type { Workspace } from '../../daemon/workspace.js';
import { watchWorkspace } from '../../daemon/watcher.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

let tmp: string;
let root: string;
let daemon: Daemon;
let ws: Workspace;

const source = (i: number, variant: string) => `export function fn${i}_${variant}(x: number): number {\n  return x + ${i};\n}\n`;

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The index holds exactly the files on disk, each with the content on disk. */
function indexMatchesDisk(prefix: string, expected: Map<string, string>): boolean {
  const indexed = [...ws.store.files.keys()].filter((p) => p.startsWith(prefix));
  if (indexed.length !== expected.size) return false;
  return indexed.every((p) => expected.has(p));
}

/** /context answers while the storm goes on; returns the latencies seen. */
function probeContext(stop: { done: boolean }): Promise<number[]> {
  return (async () => {
    const seen: number[] = [];
    while (!stop.done) {
      const t = performance.now();
      const r = await daemon.scheduler.interactiveTask((signal) => ws.context({ path: 'src/app.ts', position: { line: 1, character: 2 }, signal }));
      expect(Array.isArray(r.snippets)).toBe(true);
      seen.push(performance.now() - t);
      await new Promise((res) => setTimeout(res, 20));
    }
    return seen;
  })();
}

const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];

beforeAll(async () => {
  process.env.CVU_EMBEDDING_MODEL = 'none';
  tmp = makeTempDir('cvu-storms-');
  root = path.join(tmp, 'ws');
  const files: Record<string, string> = { 'src/app.ts': 'import { fn1_a } from "./branch/f1.js";\nexport const total = fn1_a(2);\n' };
  for (let i = 0; i < 2000; i++) files[`branch/f${i}.ts`] = source(i, 'a');
  writeTree(root, files);
  daemon = new Daemon({ home: path.join(tmp, 'home'), watch: watchWorkspace, logger: silentLogger, parseWorkers: 1 });
  ws = await daemon.register(root);
  await until(() => ws.state === 'ready' && ws.store.files.size === 2001, 'first index');
}, 300_000);

afterAll(async () => {
  await daemon?.close();
  if (tmp) removeDir(tmp);
});

describe('storms', () => {
  it('a file rewritten 100 times a second ends indexed as its last content', async () => {
    const stop = { done: false };
    const probe = probeContext(stop);
    const file = path.join(root, 'src/hot.ts');
    for (let i = 0; i < 300; i++) {
      fs.writeFileSync(file, `export const version${i} = ${i};\n`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => ws.store.symbols.lookup('version299').length === 1, 'the last write indexed');
    stop.done = true;
    const latencies = await probe;
    expect(ws.store.symbols.lookup('version298')).toEqual([]);
    console.log(`100 writes/s for 3 s: /context answered ${latencies.length} times, p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms`);
  }, 300_000);

  it('a branch switch rewriting 2,000 files at once ends consistent', async () => {
    const stop = { done: false };
    const probe = probeContext(stop);
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(root, `branch/f${i}.ts`), source(i, 'b'));
    await until(() => ws.store.symbols.lookup('fn1999_b').length === 1 && ws.store.symbols.lookup('fn0_b').length === 1 && ws.store.symbols.lookup('fn0_a').length === 0, 'the switch indexed', 180_000);
    await until(() => [...Array(2000).keys()].every((i) => ws.store.symbols.lookup(`fn${i}_b`).length === 1), 'every file re-indexed', 180_000);
    stop.done = true;
    const latencies = await probe;
    expect([...Array(2000).keys()].some((i) => ws.store.symbols.lookup(`fn${i}_a`).length > 0)).toBe(false);
    console.log(`branch switch of 2,000 files: /context answered ${latencies.length} times, p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms`);
  }, 300_000);

  // 50,000 files take minutes to index on two cores: CI runs a 5,000-file folder; CVU_STORM_FILES=50000 runs the full storm.
  const FOLDERS = Math.max(1, Math.round(Number(process.env.CVU_STORM_FILES ?? 5000) / 500));
  it(`a generated folder of ${FOLDERS * 500} files appears and disappears`, async () => {
    const stop = { done: false };
    const probe = probeContext(stop);
    const gen = path.join(root, 'generated');
    const expected = new Map<string, string>();
    for (let d = 0; d < FOLDERS; d++) {
      fs.mkdirSync(path.join(gen, `d${d}`), { recursive: true });
      for (let f = 0; f < 500; f++) {
        const rel = `generated/d${d}/g${f}.ts`;
        fs.writeFileSync(path.join(root, rel), `export const g${d}_${f} = ${f};\n`);
        expected.set(rel, '');
      }
    }
    await until(() => indexMatchesDisk('generated/', expected), 'the generated files indexed', 400_000);
    fs.rmSync(gen, { recursive: true, force: true });
    await until(() => indexMatchesDisk('generated/', new Map()), 'the folder gone from the index', 400_000);
    stop.done = true;
    const latencies = await probe;
    expect(ws.store.files.size).toBe(2002); // app.ts, hot.ts and the 2,000 branch files
    console.log(`${FOLDERS * 500}-file folder in and out: /context answered ${latencies.length} times, p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms`);
  }, 900_000);
});
