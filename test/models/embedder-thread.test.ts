/**
 * The embedding model on its own thread (models/embedder-thread.ts) with the
 * generated tiny ONNX embedder: the same vectors as on the calling thread,
 * that thread free while a batch runs, queries before background batches,
 * wait limits, errors from the model's thread, aborts and disposal; and the
 * two threads the daemon runs (models/embedder-lanes.ts): queries on one,
 * background work on the other at a lower priority.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCvuError } from '../../core/errors.js';
import { loadEmbedder, type Embedder, type EmbedderOptions } from '../../models/embedder.js';
import { loadEmbedderLanes, queryThreads } from '../../models/embedder-lanes.js';
import { loadEmbedderThread } from '../../models/embedder-thread.js';
import { niceByThread } from '../helpers/threads.js';
import { longTexts, writeTinyEmbedder } from '../../fixtures/models/tiny-embedder.js';

const TEXTS = ['function parseConfig(path) { return JSON.parse(read(path)); }', 'class UserStore { load(id) {} }', 'retry failed uploads with a timeout', 'x'];
const LONG = longTexts(64);

let tmp: string;
let modelDir: string;
const opened: Embedder[] = [];

function options(model: string, extra: Partial<EmbedderOptions> = {}): EmbedderOptions {
  return { model, cacheDir: path.join(tmp, 'cache'), threads: 1, allowDownload: false, ...extra };
}

async function onThread(extra: Partial<EmbedderOptions> = {}): Promise<Embedder> {
  const e = await loadEmbedderThread(options(modelDir, extra));
  opened.push(e);
  return e;
}

async function onLanes(extra: Partial<EmbedderOptions> = {}): Promise<Embedder> {
  const e = await loadEmbedderLanes(options(modelDir, extra));
  opened.push(e);
  return e;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isCvuError(err), String(err)).toBe(true);
  return (err as { code: string }).code;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cvu-embedder-thread-'));
  modelDir = await writeTinyEmbedder(path.join(tmp, 'tiny'));
});

afterAll(async () => {
  for (const e of opened) await e.dispose();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('embedding model on its own thread', () => {
  it('gives the vectors the model gives on the calling thread', async () => {
    const here = await loadEmbedder(options(modelDir));
    const there = await onThread({ batchSize: 3 });
    expect({ model: there.model, dimensions: there.dimensions, dtype: there.dtype }).toEqual({ model: here.model, dimensions: here.dimensions, dtype: here.dtype });
    const a = await here.embed(TEXTS);
    const b = await there.embed(TEXTS);
    expect(b).toHaveLength(TEXTS.length);
    for (let i = 0; i < TEXTS.length; i++) expect(Array.from(b[i])).toEqual(Array.from(a[i]));
    expect(await there.embed([])).toEqual([]);
    await here.dispose();
  });

  it('leaves the calling thread free while a batch runs', async () => {
    const e = await onThread({ batchSize: 64 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    await e.embed(LONG, { priority: 'background' });
    const ms = performance.now() - started;
    clearInterval(timer);
    // On the calling thread the batch would hold it for its whole run: no tick at all.
    console.log(`a batch of 64 long texts: ${ms.toFixed(0)} ms, ${ticks} timer ticks meanwhile`);
    expect(ticks).toBeGreaterThan(2);
  });

  it('runs a query before the next background batch, and a query with a wait limit gives up its place', async () => {
    const e = await onThread({ batchSize: 1 });
    const [alone] = await e.embed([TEXTS[1]]);
    let backgroundDone = false;
    const background = e.embed(LONG.slice(0, 24), { priority: 'background' }).then((v) => ((backgroundDone = true), v));
    await new Promise((r) => setImmediate(r));
    const [query] = await e.embed([TEXTS[1]]);
    expect(backgroundDone).toBe(false);
    expect(Array.from(query)).toEqual(Array.from(alone));
    expect(await background).toHaveLength(24);

    const big = await onThread({ batchSize: 64 });
    const batch = big.embed(LONG, { priority: 'background' });
    await new Promise((r) => setImmediate(r));
    expect(await codeOf(big.embed([TEXTS[1]], { maxWaitMs: 0 }))).toBe('CVU_ERR_BUSY');
    expect(await codeOf(big.embed([TEXTS[1]], { maxWaitMs: 10 }))).toBe('CVU_ERR_BUSY');
    // Both left the queue: the next query gets the turn after the batch, whose result is whole.
    expect(Array.from((await big.embed([TEXTS[1]]))[0])).toEqual(Array.from(alone));
    expect(await batch).toHaveLength(64);
  });

  it("reports the model thread's load errors with their codes", async () => {
    const missing = path.join(tmp, 'no-such-model');
    const err = await loadEmbedderThread(options(missing)).catch((e: unknown) => e);
    expect(isCvuError(err, 'CVU_ERR_MODEL_MISSING'), String(err)).toBe(true);
    expect((err as Error).message).toContain(missing);
    expect(await codeOf(loadEmbedderThread(options(modelDir, { threads: 0 })))).toBe('CVU_ERR_USAGE');
  });

  it('stops at an aborted signal, and fails calls after disposal', async () => {
    const loadAc = new AbortController();
    loadAc.abort();
    expect(await codeOf(loadEmbedderThread(options(modelDir, { signal: loadAc.signal })))).toBe('CVU_ERR_ABORTED');
    // Aborted while the model loads on its thread.
    const midLoad = new AbortController();
    const loading = loadEmbedderThread(options(modelDir, { signal: midLoad.signal }));
    setImmediate(() => midLoad.abort());
    expect(await codeOf(loading)).toBe('CVU_ERR_ABORTED');
    const e = await loadEmbedderThread(options(modelDir, { batchSize: 1 }));
    const ac = new AbortController();
    const call = e.embed(LONG.slice(0, 8), { signal: ac.signal });
    ac.abort();
    expect(await codeOf(call)).toBe('CVU_ERR_ABORTED');
    const late = expect(e.embed(LONG.slice(0, 8), { priority: 'background' })).rejects.toThrow(/disposed/);
    await e.dispose();
    await e.dispose();
    await late;
    await expect(e.embed(['x'])).rejects.toThrow(/disposed/);
  });
});

describe('query and background threads', () => {
  it('answers a query while a background batch runs, with the vectors the background thread gives', async () => {
    const e = await onLanes({ batchSize: 64 });
    const [alone] = await e.embed([LONG[0]]);
    const batch = e.embed(LONG, { priority: 'background' });
    await new Promise((r) => setImmediate(r));
    // On one thread this query would be told CVU_ERR_BUSY (see the test above).
    const [query] = await e.embed([LONG[0]], { maxWaitMs: 0 });
    expect(Array.from(query)).toEqual(Array.from(alone));
    // The index's vectors (background thread) and the queries' come from the same model.
    expect(Array.from((await batch)[0])).toEqual(Array.from(alone));
  });

  it('drops a query whose signal aborts while it waits for its turn (a context that stopped waiting for it)', async () => {
    const e = await onLanes({ batchSize: 64 });
    await e.embed([TEXTS[0]]); // the query thread is up
    // A long query holds the query thread; a second one waits for its turn, and is given up.
    const long = e.embed(LONG);
    await new Promise((r) => setImmediate(r));
    const cut = new AbortController();
    const dropped = e.embed([TEXTS[0]], { signal: cut.signal });
    cut.abort();
    await expect(dropped).rejects.toMatchObject({ code: 'CVU_ERR_ABORTED' });
    expect((await long).length).toBe(LONG.length);
    expect((await e.embed([TEXTS[0]]))[0].length).toBe(e.dimensions);
  });

  it('gives queries half the threads of background work, one at least', () => {
    expect([1, 2, 3, 4, 8].map(queryThreads)).toEqual([1, 1, 1, 2, 4]);
  });

  it.runIf(process.platform === 'linux')('runs background work at a lower priority than queries', async () => {
    const lowered = () => niceByThread().filter((n) => n === 10).length;
    const before = { lowered: lowered() };
    const e = await onLanes();
    await e.embed(TEXTS, { priority: 'background' });
    const afterBackground = { lowered: lowered(), threads: niceByThread().length };
    expect(afterBackground.lowered).toBeGreaterThan(before.lowered);
    // The query thread starts with the first query, at normal priority. (Run from source, each
    // worker also has tsx's loader thread, at normal priority: only the lowered ones are counted.)
    await e.embed(TEXTS);
    expect(lowered()).toBe(afterBackground.lowered);
    expect(niceByThread().length).toBeGreaterThan(afterBackground.threads);
  });

  it('tells a query that cannot wait while the query thread loads that the model is busy, and disposes cleanly mid-load', async () => {
    const e = await onLanes();
    expect(await codeOf(e.embed([TEXTS[0]], { maxWaitMs: 0 }))).toBe('CVU_ERR_BUSY');
    expect(await e.embed([TEXTS[0]])).toHaveLength(1);
    expect(await e.embed([TEXTS[0]], { maxWaitMs: 0 })).toHaveLength(1);

    const early = await loadEmbedderLanes(options(modelDir));
    const loading = early.embed([TEXTS[0]]).catch((err: unknown) => err);
    await early.dispose();
    await loading;
    await expect(early.embed(['x'])).rejects.toThrow(/disposed/);
    await expect(early.embed(['x'], { priority: 'background' })).rejects.toThrow(/disposed/);
  });
});
