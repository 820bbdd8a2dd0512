import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type CvuConfig } from '../../config/schema.js';
import type { ContextTimings } from '../../retrieval/context.js';
import { ParsePool } from '../../indexer/parse-pool.js';
import { Workspace } from '../../workspace/workspace.js';
import { longTexts, writeTinyEmbedder } from '../../fixtures/models/tiny-embedder.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { SOURCES } from '../helpers/sample-workspace.js';

describe('Workspace', () => {
  let home: string;
  let root: string;
  let modelDir: string;
  let models: string;

  beforeAll(async () => {
    models = makeTempDir('cvu-models-');
    modelDir = await writeTinyEmbedder(path.join(models, 'tiny'));
  });
  afterAll(() => removeDir(models));

  beforeEach(() => {
    home = makeTempDir('cvu-home-');
    root = makeTempDir('cvu-ws-');
    writeTree(root, SOURCES);
  });
  afterEach(() => {
    removeDir(home);
    removeDir(root);
  });

  function config(model: string | null = modelDir): CvuConfig {
    const c = defaultConfig();
    c.embedding.model = model;
    c.embedding.dtype = 'auto';
    c.embedding.allowDownload = false;
    c.threads = 1;
    return c;
  }

  it('indexes a multi-language tree and finds code by identifier, split words and symbol name', async () => {
    const ws = await Workspace.open(root, { home, config: config() });
    const r = await ws.sync();
    expect(r.files).toBe(5);
    expect([...ws.store.files.keys()].sort()).toEqual(['cmd/server/main.go', 'docs/guide.md', 'src/config/parse-config.ts', 'src/upload/retry_upload.py', 'src/util/validate.ts']);

    const byIdent = await ws.search('parseConfig');
    expect(byIdent[0]).toMatchObject({ path: 'src/config/parse-config.ts', source: 'symbol' });
    expect(byIdent[0].text).toContain('export function parseConfig');

    const byWords = await ws.search('retry failed upload');
    expect(byWords[0].path).toBe('src/upload/retry_upload.py');

    const bySymbol = await ws.search('ListenAndServe');
    expect(bySymbol[0]).toMatchObject({ path: 'cmd/server/main.go', source: 'symbol' });
    expect(bySymbol[0].startLine).toBeLessThanOrEqual(9);
    expect(bySymbol[0].endLine).toBeGreaterThanOrEqual(12);

    // Secrets and dependencies never reach the index.
    expect(await ws.search('super secret value API_TOKEN')).toEqual([]);
    expect(await ws.search('dependencyCode')).toEqual([]);
    await ws.close();
  });

  it('fills vectors behind the lexical tier and never embeds a known chunk twice', async () => {
    const ws = await Workspace.open(root, { home, config: config() });
    await ws.sync();
    const pending = ws.status().pending;
    expect(pending).toBeGreaterThan(0);
    expect(await ws.embed()).toBe(pending);
    expect(ws.status()).toMatchObject({ pending: 0, embedder: 'ready' });
    const hits = await ws.search('uploads are retried');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.some((h) => h.source === 'vector')).toBe(true);

    // A rename moves the file but not its content: nothing new to embed.
    fs.renameSync(path.join(root, 'src/util/validate.ts'), path.join(root, 'src/util/validation.ts'));
    await ws.update(['src/util/validate.ts', 'src/util/validation.ts']);
    expect(ws.status().pending).toBe(0);
    expect(await ws.embed()).toBe(0);
    await ws.close();
  });

  it('answers a context request without waiting for a long embedding batch', async () => {
    const c = config();
    c.embedding.batchSize = 64;
    const ws = await Workspace.open(root, { home, config: c });
    await ws.sync();
    await ws.embed();
    const file = 'src/config/parse-config.ts';
    const req = { path: file, text: fs.readFileSync(path.join(root, file), 'utf8'), position: { line: 10, character: 2 } };
    const before = await ws.context(req);
    // One batch of 64 long texts: about a tenth of a second on the tiny model, far more than /context waits.
    const long = longTexts(64);
    let batchDone = false;
    const batch = ws.embedders.loadedFor(c)!.embed(long, { priority: 'background' }).then(() => (batchDone = true));
    await new Promise((r) => setImmediate(r));
    const during = await ws.context(req);
    expect(batchDone).toBe(false);
    // The definitions are all there (the query's embedding has a thread of its own).
    const definitions = (r: typeof before) => r.snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(definitions(during).length).toBeGreaterThan(0);
    expect(definitions(during)).toEqual(definitions(before));
    await batch;
    await ws.close();
  });

  it('answers without a vector search that misses its deadline, and says so', async () => {
    const c = config();
    const ws = await Workspace.open(root, { home, config: c });
    await ws.sync();
    await ws.embed();
    const file = 'src/config/parse-config.ts';
    const req = { path: file, text: fs.readFileSync(path.join(root, file), 'utf8'), position: { line: 10, character: 2 } };
    // The model's query thread starts on the first query; until it is up, queries go without vectors.
    // (Up to 20 s: with the rest of the suite on both cores, a 25 ms deadline is missed for seconds.)
    let timings: ContextTimings = {};
    let before = await ws.context({ ...req, timings });
    for (let i = 0; i < 400 && timings.late?.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      timings = {};
      before = await ws.context({ ...req, timings });
    }
    expect(timings.late).toEqual([]);
    expect(timings.embed).toBeGreaterThan(0);
    // The store's vector search held up, as on a machine busy indexing another workspace.
    const search = ws.store.searchVector.bind(ws.store);
    let finished = false;
    ws.store.searchVector = async (...args) => {
      await new Promise((r) => setTimeout(r, 500));
      finished = true;
      return search(...args);
    };
    const lateTimings: ContextTimings = {};
    const during = await ws.context({ ...req, timings: lateTimings });
    expect(finished).toBe(false);
    expect(lateTimings.late).toEqual(['vector']);
    expect(during.snippets.some((s) => s.source === 'vector')).toBe(false);
    // The definitions do not wait for it, and do not change.
    const definitions = (r: typeof before) => r.snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(definitions(during).length).toBeGreaterThan(0);
    expect(definitions(during)).toEqual(definitions(before));
    // Missing again and again, the vector search is not started for a while (it would only take a core
    // from the full-text search); one request in a few still tries, and one that makes it turns it back on.
    // (Started, a search that misses says how long it was given; one not started says 0. Counting the
    // store's searches would not do: on a loaded machine the query's embedding alone misses the deadline.)
    const ask = async () => {
      const t: ContextTimings = {};
      await ws.context({ ...req, timings: t });
      return t;
    };
    const started = [await ask(), await ask()];
    expect(started.every((t) => t.late?.includes('vector') && t.vector! > 0)).toBe(true);
    const skipped: ContextTimings[] = [];
    for (let i = 0; i < 6; i++) skipped.push(await ask());
    expect(skipped.every((t) => t.late?.includes('vector') && t.vector === 0)).toBe(true);
    ws.store.searchVector = search;
    let back: ContextTimings = {};
    for (let i = 0; i < 80 && !(back.late && back.late.length === 0); i++) {
      back = await ask();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(back.late).toEqual([]);
    // The searches left behind end (or their embedding is cut short) after the workspace closed, without
    // an unhandled failure: vitest fails the run on one.
    await ws.close();
    await new Promise((r) => setTimeout(r, 600));
  });

  it('answers context and search from the other sources when the embedding model fails, and says so once', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const c = config();
    const ws = await Workspace.open(root, { home, config: c, logger });
    await ws.sync();
    await ws.embed();
    const file = 'src/config/parse-config.ts';
    const req = { path: file, text: fs.readFileSync(path.join(root, file), 'utf8'), position: { line: 10, character: 2 } };
    const before = await ws.context(req);
    // The loaded model stops answering (as when its thread has stopped): every embed call fails.
    await ws.embedders.loadedFor(c)!.dispose();
    const after = await ws.context(req);
    const definitions = (r: typeof before) => r.snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(definitions(after).length).toBeGreaterThan(0);
    expect(definitions(after)).toEqual(definitions(before));
    expect(after.snippets.some((s) => s.source === 'vector')).toBe(false);
    expect((await ws.search('parseConfig'))[0]).toMatchObject({ path: file, source: 'symbol' });
    await ws.context(req);
    expect(warnings.filter((w) => /vector search skipped/.test(w))).toHaveLength(1);
    await ws.close();
  });

  it('works without an embedding model and says so', async () => {
    const lines: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const ws = await Workspace.open(root, { home, config: config(path.join(models, 'missing-model')), logger });
    await ws.sync();
    expect(await ws.embed()).toBeNull();
    expect(await ws.embed()).toBeNull();
    expect(ws.status().embedder).toBe('unavailable');
    expect(lines.filter((l) => /no embedding model/.test(l))).toHaveLength(1);
    expect((await ws.search('validateOptions'))[0].path).toBe('src/util/validate.ts');
    await ws.close();
  });

  it('re-indexes one changed file only, and drops deleted and renamed files', async () => {
    const ws = await Workspace.open(root, { home, config: config(null) });
    await ws.sync();
    const before = new Map(ws.store.files);

    writeTree(root, { 'src/util/validate.ts': SOURCES['src/util/validate.ts'] + '\nexport function normalizePort(p: number) { return p | 0; }\n' });
    const u = await ws.update(['src/util/validate.ts']);
    expect(u.indexed).toBe(1);
    for (const [p, row] of ws.store.files) if (p !== 'src/util/validate.ts') expect(row).toEqual(before.get(p));
    expect((await ws.search('normalizePort'))[0].path).toBe('src/util/validate.ts');

    fs.rmSync(path.join(root, 'docs/guide.md'));
    fs.renameSync(path.join(root, 'cmd/server/main.go'), path.join(root, 'cmd/server/server.go'));
    await ws.update(['docs/guide.md', 'cmd/server/main.go', 'cmd/server/server.go']);
    expect(ws.store.files.has('docs/guide.md')).toBe(false);
    expect(ws.store.files.has('cmd/server/main.go')).toBe(false);
    expect((await ws.search('HttpServer'))[0].path).toBe('cmd/server/server.go');
    expect(ws.store.symbols.lookup('HttpServer').map((s) => s.path)).toEqual(['cmd/server/server.go']);

    // A full sync afterwards finds nothing to do.
    const again = await ws.sync();
    expect(again.indexed).toBe(0);
    expect(again.removed).toBe(0);
    await ws.close();
  });


  it('lands a save during a first index instead of after it, and stays indexing until the index is done', async () => {
    // 40 more files, indexed 4 to a commit: ten batches.
    writeTree(root, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`src/gen/mod${i}.ts`, `export function generated${i}(x: number) { return x + ${i}; }\n`])));
    const ws = await Workspace.open(root, { home, config: config(null) });
    const events: string[] = [];
    let batches = 0;
    let saved: Promise<unknown> | null = null;
    // A compaction waits for every commit and holds up the ones after it (seconds on a big tree): never beside a first index.
    const compactions: string[] = [];
    const compact = ws.store.compactIfFragmented.bind(ws.store);
    ws.store.compactIfFragmented = () => {
      compactions.push(ws.state);
      return compact();
    };
    const synced = ws.sync({
      batchSize: 4,
      beforeBatch: async () => {
        batches++;
        if (batches === 3) {
          writeTree(root, { 'src/util/validate.ts': SOURCES['src/util/validate.ts'] + '\nexport function quokkaPort(p: number) { return p | 0; }\n' });
          saved = ws.update(['src/util/validate.ts']).then(async () => {
            events.push(`saved after ${batches} batches, state ${ws.state}`);
            events.push(`found ${(await ws.search('quokkaPort'))[0]?.path}`);
          });
        }
        // Slow batches, so that the save has a chance to wait for all of them if it is made to.
        await new Promise((r) => setTimeout(r, 30));
      },
    });
    await synced;
    events.push(`synced after ${batches} batches`);
    await saved;
    expect(batches).toBeGreaterThanOrEqual(10);
    expect(events[0]).toMatch(/^saved after [34] batches, state indexing$/);
    expect(events).toContain('found src/util/validate.ts');
    expect(events.at(-1)).toBe(`synced after ${batches} batches`);
    expect(ws.state).toBe('ready');
    expect(ws.store.files.size).toBe(45);
    expect(compactions).toEqual([]);
    // Alone, a save may compact (when enough commits piled up).
    await ws.update(['src/util/validate.ts']);
    expect(compactions).toEqual(['indexing']);
    expect(ws.store.symbols.lookup('quokkaPort').map((s) => s.path)).toEqual(['src/util/validate.ts']);
    await ws.close();
  });
  it('starts parse workers for a first index, none for a catch-up that finds nothing changed', async () => {
    // (The pool's threads, read from its internals: a worker that starts says so only once it has loaded.)
    const workers = (ws: Workspace) => (ws as unknown as { indexer: { pool: { workers: unknown[] } } }).indexer.pool.workers.length;
    const first = await Workspace.open(root, { home, config: config(null) });
    await first.sync();
    expect(workers(first)).toBeGreaterThan(0);
    await first.close();
    const again = await Workspace.open(root, { home, config: config(null) });
    expect((await again.sync()).indexed).toBe(0);
    expect(workers(again)).toBe(0);
    // A file changed since: its catch-up parses, in a worker.
    fs.appendFileSync(path.join(root, 'src/util/validate.ts'), '\nexport const wombat = 1;\n');
    expect((await again.sync()).indexed).toBe(1);
    expect(workers(again)).toBeGreaterThan(0);
    await again.close();
  });

  it('keeps the path indexes up during a first index until less than a batch is left, then builds them once at the end', async () => {
    // 5 files of SOURCES and 6 more.
    writeTree(root, Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`src/m${i}.ts`, `export const item${i} = ${i};\n`])));
    const ws = await Workspace.open(root, { home, config: config(null) });
    const refreshes: string[] = [];
    const refresh = ws.store.refreshIndexes.bind(ws.store);
    ws.store.refreshIndexes = (final = false) => {
      refreshes.push(`${final ? 'final' : 'in pass'} at ${ws.store.files.size} files`);
      return refresh(final);
    };
    // Batches of 5, 5 and 1: after the second, one file is left.
    await ws.sync({ batchSize: 5 });
    expect(refreshes).toEqual(['in pass at 5 files', 'final at 11 files']);
    expect((await ws.search('item5'))[0]?.path).toBe('src/m5.ts');
    await ws.close();
  });

  it('never lets a batch of a first index, read before a save was committed, write its older copy over the save', async () => {
    // Walk order puts src/a/* before src/b/x.ts; two files to a batch.
    writeTree(root, {
      'src/a/a1.ts': 'export const a1 = 1;\n', 'src/a/a2.ts': 'export const a2 = 2;\n',
      'src/b/x.ts': 'export function obsoleteThing() { return 1; }\n',
    });
    const ws = await Workspace.open(root, { home, config: config(null) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const apply = ws.store.apply.bind(ws.store);
    // The commit of the batch before x.ts's is held until the save is in.
    ws.store.apply = async (changes, removals) => {
      if (changes.some((c) => c.file.path === 'src/a/a2.ts')) await gate;
      return apply(changes, removals);
    };
    let saved: Promise<unknown> | null = null;
    await ws.sync({
      batchSize: 2,
      onChange: (change) => {
        // The sync has just read x.ts (its old text); the user saves a new one and its update commits first.
        if (change.file.path !== 'src/b/x.ts' || saved) return;
        writeTree(root, { 'src/b/x.ts': 'export function freshVersion() { return 2; }\n' });
        saved = ws.update(['src/b/x.ts']).finally(release);
      },
    });
    await saved;
    expect(saved).not.toBeNull();
    expect(ws.store.symbols.inFile('src/b/x.ts').map((s) => s.name)).toEqual(['freshVersion']);
    expect((await ws.search('freshVersion'))[0]?.path).toBe('src/b/x.ts');
    expect((await ws.search('obsoleteThing')).filter((s) => s.text.includes('obsoleteThing'))).toEqual([]);
    expect(ws.store.symbols.lookup('obsoleteThing')).toEqual([]);
    await ws.close();
  });

  it('starts parsing the first files the walk lists, one batch of them, before the walk ends', async () => {
    let phase = 'none';
    const calls: string[] = [];
    // The real pool, each file handed to it noted with the phase of the sync at that moment.
    class NotedPool extends ParsePool {
      override prepare(...args: Parameters<ParsePool['prepare']>) {
        calls.push(phase);
        return super.prepare(...args);
      }
    }
    const pool = new NotedPool(1);
    const ws = await Workspace.open(root, { home, config: config(null), parsePool: pool });
    try {
      const r = await ws.sync({ batchSize: 2, onProgress: (p) => (phase = p.phase) });
      expect(r.indexed).toBe(5);
      // Two files (one batch) while the tree was still being walked, the rest once it was; each once.
      expect(calls).toEqual(['scan', 'scan', 'index', 'index', 'index']);
      expect((await ws.search('ListenAndServe'))[0]?.path).toBe('cmd/server/main.go');
    } finally {
      await ws.close();
      await pool.close();
    }
  });

  it('drops a file read during the walk when a save of it was committed before its batch', async () => {
    // x.ts is listed first (the other file lies three folders down) but sorts last: it is read
    // during the walk and written by the second batch.
    fs.rmSync(root, { recursive: true, force: true });
    writeTree(root, { 'x.ts': 'export function obsoleteThing() { return 1; }\n', 'src/deep/er/a1.ts': 'export const a1 = 1;\n' });
    const ws = await Workspace.open(root, { home, config: config(null) });
    let batch = 0;
    await ws.sync({
      batchSize: 1,
      beforeBatch: async () => {
        if (++batch !== 2) return;
        writeTree(root, { 'x.ts': 'export function freshVersion() { return 2; }\n' });
        await ws.update(['x.ts']);
      },
    });
    expect(batch).toBe(2);
    expect(ws.store.symbols.inFile('x.ts').map((s) => s.name)).toEqual(['freshVersion']);
    expect(ws.store.symbols.lookup('obsoleteThing')).toEqual([]);
    expect((await ws.search('obsoleteThing')).filter((s) => s.text.includes('obsoleteThing'))).toEqual([]);
    await ws.close();
  });

  it('indexes the package of a file asked about first during a first index, and says how far it is', async () => {
    const pkgs = ['alpha', 'beta', 'gamma', 'delta'];
    writeTree(root, Object.fromEntries(pkgs.flatMap((p) => [
      [`packages/${p}/package.json`, `{ "name": "${p}" }\n`],
      ...Array.from({ length: 6 }, (_, i) => [`packages/${p}/src/m${i}.ts`, `export function ${p}Helper${i}(x: number) { return x * ${i}; }\n`]),
    ])));
    const ws = await Workspace.open(root, { home, config: config(null) });
    const seen: { batch: number; delta: number; beta: number; progress: unknown }[] = [];
    let batch = 0;
    await ws.sync({
      batchSize: 3,
      beforeBatch: async () => {
        batch++;
        if (batch === 2) {
          // A completion asked in packages/delta: its definitions come from its other files.
          const ctx = await ws.context({ path: 'packages/delta/src/m0.ts', text: 'export const y = deltaHelper3(1);\n', position: { line: 1, character: 0 } });
          seen.push({ batch, delta: ctx.snippets.filter((s) => s.path.startsWith('packages/delta/')).length, beta: 0, progress: ws.status().progress });
        }
        const count = (p: string) => [...ws.store.files.keys()].filter((f) => f.startsWith(`packages/${p}/`)).length;
        if (batch === 6) seen.push({ batch, delta: count('delta'), beta: count('beta'), progress: ws.status().progress });
      },
    });
    // Nothing of delta was indexed when it was asked about (walk order: alpha, beta, delta, gamma)…
    expect(seen[0]).toMatchObject({ batch: 2, delta: 0, progress: { phase: 'index', total: 33 } });
    // …and a few batches later its 7 files are in, before beta's (the batch before is written by then).
    expect(seen[1]).toMatchObject({ batch: 6, delta: 7, beta: 0 });
    expect((seen[1].progress as { done: number }).done).toBeGreaterThanOrEqual(12);
    expect((seen[1].progress as { etaSeconds: number | null }).etaSeconds).toBeGreaterThanOrEqual(0);
    expect(ws.status().progress).toBeUndefined();
    const ctx = await ws.context({ path: 'packages/delta/src/m0.ts', text: 'export const y = deltaHelper3(1);\n', position: { line: 1, character: 0 } });
    expect(ctx.snippets[0]).toMatchObject({ path: 'packages/delta/src/m3.ts', source: 'symbol' });
    await ws.close();
  });

  it('catches up with changes made while it was closed', async () => {
    let ws = await Workspace.open(root, { home, config: config(null) });
    await ws.sync();
    await ws.close();
    fs.rmSync(path.join(root, 'src/upload/retry_upload.py'));
    writeTree(root, { 'src/new_module.py': 'def brand_new_function():\n    return 42\n' });
    ws = await Workspace.open(root, { home, config: config(null) });
    const r = await ws.sync();
    expect(r.indexed).toBe(1);
    expect(r.removed).toBe(1);
    expect((await ws.search('brand_new_function'))[0].path).toBe('src/new_module.py');
    expect(await ws.search('UploadRetrier')).not.toContainEqual(expect.objectContaining({ path: 'src/upload/retry_upload.py' }));
    await ws.close();
  });

  it('skips or handles bad files without crashing', async () => {
    const deep = 'function f() {\n' + '  if (x) {\n'.repeat(3000) + '  }\n'.repeat(3000) + '}\n';
    writeTree(root, {
      'bad/binary.ts': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0, 0, 0xff, 0xfe]),
      'bad/invalid-utf8.ts': Buffer.concat([Buffer.from('export const greeting = "caf'), Buffer.from([0xe9, 0xff]), Buffer.from('";\nexport function invalidUtf8Survivor() {}\n')]),
      'bad/crlf.ts': 'export function crlfFunction() {\r\n  return 1;\r\n}\r\n',
      'bad/bom.ts': '\uFEFFexport function bomFunction() {}\n',
      'bad/empty.ts': '',
      'bad/deep.ts': deep,
    });
    const big = path.join(root, 'bad/huge.ts');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 50 * 1024 * 1024);
    const ws = await Workspace.open(root, { home, config: config(null) });
    const r = await ws.sync();
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.path, s.reason]));
    expect(reasons['bad/binary.ts']).toBe('binary');
    expect(reasons['bad/huge.ts']).toBe('too-large');
    expect(reasons['.env']).toBe('secret');
    expect(ws.store.files.has('bad/empty.ts')).toBe(true);
    expect(ws.store.files.has('bad/deep.ts')).toBe(true);
    expect((await ws.search('invalidUtf8Survivor'))[0].path).toBe('bad/invalid-utf8.ts');
    const crlf = (await ws.search('crlfFunction'))[0];
    expect(crlf).toMatchObject({ path: 'bad/crlf.ts', startLine: 1, endLine: 3 });
    expect(crlf.text).not.toContain('\r');
    expect((await ws.search('bomFunction'))[0].text.startsWith('export')).toBe(true);

    // A file listed by the walk but deleted before it is read is skipped, not fatal.
    const indexer = (ws as unknown as { indexer: { prepare(f: object): Promise<object> } }).indexer;
    const gone = await indexer.prepare({ path: 'bad/vanishing.ts', absPath: path.join(root, 'bad/vanishing.ts'), size: 10, mtimeMs: 1 });
    expect(gone).toEqual({ skip: { path: 'bad/vanishing.ts', reason: 'unreadable' } });
    await ws.close();
  });
});
