/**
 * Storms: a file rewritten 100 times a second, a branch switch rewriting
 * thousands of files at once, and a generated folder of 50,000 files
 * appearing and disappearing. A real daemon with the real watcher; /context
 * keeps answering throughout (its latencies are printed, nothing asserts
 * them), and the index ends equal to the disk — in memory and in the
 * LanceDB tables. The branch switch and the generated folder are written and
 * removed by another process, as git or a build would: a storm written from
 * this process would hold up the daemon's event loop itself.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { Daemon } from '../../daemon/daemon.js';
import type { Workspace } from '../../workspace/workspace.js';
import { watchWorkspace } from '../../daemon/watcher.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { until } from '../helpers/wait.js';

let tmp: string;
let root: string;
let daemon: Daemon;
let ws: Workspace;

const BRANCH_FILES = 2000;
/** 50,000 in CI; CVU_STORM_FILES=5000 for a quick run. */
const GENERATED_FILES = Number(process.env.CVU_STORM_FILES ?? 50_000);
const PER_FOLDER = 500;
const FOLDERS = Math.max(1, Math.round(GENERATED_FILES / PER_FOLDER));

const source = (i: number, variant: string) => `export function fn${i}_${variant}(x: number): number {\n  return x + ${i};\n}\n`;
const generated = (d: number, f: number) => `export const g${d}_${f} = ${f};\n`;


/** Runs a script in another Node process (the storm's writer: git, a build, `rm -rf`). */
function inAnotherProcess(script: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(process.execPath, ['-e', script, ...args], (err) => (err ? reject(err) : resolve())));
}

/** The index's files under a prefix are exactly the expected ones (the in-memory mirror; see tablesMatch for the tables). */
function indexMatches(prefix: string, expected: Map<string, string>): boolean {
  let n = 0;
  for (const p of ws.store.files.keys()) {
    if (!p.startsWith(prefix)) continue;
    if (!expected.has(p)) return false;
    n++;
  }
  return n === expected.size;
}

/** No indexing is running or queued: an update in flight has committed every table (a file leaves `files` before its rows do). */
function settled(): boolean {
  const bg = daemon.scheduler.stats.background;
  return ws.state === 'ready' && bg.running === 0 && bg.queued === 0;
}

/** The chunks table holds, under a prefix, exactly the expected files, each with its content on disk. */
async function tablesMatch(prefix: string, expected: Map<string, string>): Promise<void> {
  const byPath = new Map<string, { start_line: number; text: string }[]>();
  for (const c of await ws.store.allChunks(['path', 'start_line', 'text'])) {
    if (!c.path.startsWith(prefix)) continue;
    const list = byPath.get(c.path) ?? [];
    list.push(c);
    byPath.set(c.path, list);
  }
  expect(byPath.size).toBe(expected.size);
  // The files here are one chunk each: the chunk is the file.
  for (const [p, content] of expected) {
    const chunks = (byPath.get(p) ?? []).sort((a, b) => a.start_line - b.start_line);
    expect(chunks.map((c) => c.text).join('\n'), p).toBe(content.trimEnd());
  }
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
const figures = (v: number[]) => `/context answered ${v.length} times, p50 ${pct(v, 50).toFixed(1)} ms, p95 ${pct(v, 95).toFixed(1)} ms, max ${Math.max(...v).toFixed(1)} ms`;
const secondsSince = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

// Every path chokidar asks fs.watch to watch (chokidar imports `watch` from 'fs'; syncBuiltinESMExports carries the spy over).
const realFsWatch = fs.watch;
const watched: string[] = [];

beforeAll(async () => {
  fs.watch = ((p: fs.PathLike, ...rest: unknown[]) => {
    watched.push(String(p));
    return (realFsWatch as (...a: unknown[]) => fs.FSWatcher)(p, ...rest);
  }) as typeof fs.watch;
  module.syncBuiltinESMExports();
  process.env.CVU_EMBEDDING_MODEL = 'none';
  tmp = makeTempDir('cvu-storms-');
  root = path.join(tmp, 'ws');
  const files: Record<string, string> = { 'src/app.ts': 'import { fn1_a } from "./branch/f1.js";\nexport const total = fn1_a(2);\n' };
  for (let i = 0; i < BRANCH_FILES; i++) files[`branch/f${i}.ts`] = source(i, 'a');
  writeTree(root, files);
  daemon = new Daemon({ home: path.join(tmp, 'home'), watch: watchWorkspace, logger: silentLogger, parseWorkers: 1 });
  ws = await daemon.register(root);
  await until(() => ws.state === 'ready' && ws.store.files.size === BRANCH_FILES + 1, 'first index', 300_000);
}, 300_000);

afterAll(async () => {
  fs.watch = realFsWatch;
  module.syncBuiltinESMExports();
  await daemon?.close();
  if (tmp) removeDir(tmp);
}, 120_000);

describe('storms', () => {
  it('a file rewritten 100 times a second ends indexed as its last content', async () => {
    const stop = { done: false };
    const probe = probeContext(stop);
    const file = path.join(root, 'src/hot.ts');
    for (let i = 0; i < 300; i++) {
      fs.writeFileSync(file, `export const version${i} = ${i};\n`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => ws.store.symbols.lookup('version299').length === 1 && settled(), 'the last write indexed', 300_000);
    stop.done = true;
    const latencies = await probe;
    expect(ws.store.symbols.lookup('version298')).toEqual([]);
    expect((await ws.store.allChunks(['path', 'text'])).filter((c) => c.path === 'src/hot.ts').map((c) => c.text)).toEqual(['export const version299 = 299;']);
    console.log(`100 writes/s for 3 s: ${figures(latencies)}`);
  }, 300_000);

  it(`a branch switch rewriting ${BRANCH_FILES.toLocaleString('en')} files at once ends consistent`, async () => {
    const stop = { done: false };
    const probe = probeContext(stop);
    const started = performance.now();
    await inAnotherProcess(
      `const fs = require('fs'), path = require('path');
       for (let i = 0; i < ${BRANCH_FILES}; i++) fs.writeFileSync(path.join(process.argv[1], 'branch/f' + i + '.ts'), (${source.toString()})(i, 'b'));`,
      root,
    );
    const all = [...Array(BRANCH_FILES).keys()];
    await until(() => all.every((i) => ws.store.symbols.lookup(`fn${i}_b`).length === 1) && settled(), 'every file re-indexed', 300_000);
    const seconds = secondsSince(started);
    stop.done = true;
    const latencies = await probe;
    expect(all.some((i) => ws.store.symbols.lookup(`fn${i}_a`).length > 0)).toBe(false);
    await tablesMatch('branch/', new Map(all.map((i) => [`branch/f${i}.ts`, source(i, 'b')])));
    console.log(`branch switch of ${BRANCH_FILES} files: indexed ${seconds} s after it began; ${figures(latencies)}`);
  }, 600_000);

  it(`a generated folder of ${(FOLDERS * PER_FOLDER).toLocaleString('en')} files appears and disappears`, async () => {
    const stop = { done: false };
    const probe = probeContext(stop);
    const gen = path.join(root, 'generated');
    const expected = new Map<string, string>();
    for (let d = 0; d < FOLDERS; d++) for (let f = 0; f < PER_FOLDER; f++) expected.set(`generated/d${d}/g${f}.ts`, generated(d, f));

    const watchesBefore = watched.length;
    const t0 = performance.now();
    await inAnotherProcess(
      `const fs = require('fs'), path = require('path');
       const gen = process.argv[1];
       for (let d = 0; d < ${FOLDERS}; d++) {
         fs.mkdirSync(path.join(gen, 'd' + d), { recursive: true });
         for (let f = 0; f < ${PER_FOLDER}; f++) fs.writeFileSync(path.join(gen, 'd' + d, 'g' + f + '.ts'), (${generated.toString()})(d, f));
       }`,
      gen,
    );
    const written = secondsSince(t0);
    await until(() => indexMatches('generated/', expected) && settled(), 'the generated files indexed', 900_000);
    const indexed = secondsSince(t0);
    await tablesMatch('generated/', expected);
    expect(ws.store.symbols.lookup(`g${FOLDERS - 1}_${PER_FOLDER - 1}`)).toHaveLength(1);
    // One watch per folder, none per file: 50,000 file watches would exhaust a default inotify limit.
    const watches = watched.slice(watchesBefore).filter((p) => p.startsWith(gen));
    expect(watches.filter((p) => p.endsWith('.ts'))).toEqual([]);
    expect(new Set(watches).size).toBeLessThanOrEqual(FOLDERS + 1);

    const t1 = performance.now();
    await inAnotherProcess(`require('fs').rmSync(process.argv[1], { recursive: true, force: true })`, gen);
    const removed = secondsSince(t1);
    await until(() => indexMatches('generated/', new Map()) && settled(), 'the folder gone from the index', 900_000);
    const gone = secondsSince(t1);
    stop.done = true;
    const latencies = await probe;
    await tablesMatch('generated/', new Map());
    expect(ws.store.symbols.lookup('g0_0')).toEqual([]);
    expect(ws.store.files.size).toBe(BRANCH_FILES + 2); // app.ts, hot.ts and the branch files
    console.log(
      `${FOLDERS * PER_FOLDER}-file folder (${new Set(watches).size} folder watches): written in ${written} s, all indexed ${indexed} s after the first write; ` +
        `removed in ${removed} s, gone from the index ${gone} s after the removal began; ${figures(latencies)}`,
    );
  }, 1_800_000);
});
