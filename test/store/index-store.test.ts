import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexStore } from '../../store/index-store.js';
import { fileChange as change } from '../helpers/file-change.js';
import { SCHEMA_VERSION } from '../../store/rows.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

describe('IndexStore (real LanceDB)', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('stores files, chunks and symbols and finds them by split identifier words', async () => {
    const store = await IndexStore.open(dir);
    await store.apply([change('src/a.ts', 'function parseConfig() {}', 'parseConfig'), change('src/b.ts', 'function loadUser() {}', 'loadUser')]);
    await store.optimize();
    expect(store.files.size).toBe(2);
    expect(await store.countChunks()).toBe(2);
    expect((await store.searchText('parse config', 5)).map((r) => r.path)).toEqual(['src/a.ts']);
    expect((await store.searchText('parseConfig', 5)).map((r) => r.path)).toEqual(['src/a.ts']);
    expect(store.symbols.lookupInsensitive('loaduser').map((s) => s.path)).toEqual(['src/b.ts']);
    await store.close();
  });

  it('leaves excluded paths out of full-text results and still returns up to the limit', async () => {
    const store = await IndexStore.open(dir);
    await store.apply(Array.from({ length: 6 }, (_, i) => change(`src/f${i}.ts`, `function parseConfig${i}() { return parseConfig(${i}); }`, `parseConfig${i}`)));
    await store.optimize();
    const all = (await store.searchText('parseConfig', 3)).map((r) => r.path);
    expect(all).toHaveLength(3);
    const rest = (await store.searchText('parseConfig', 3, { excludePaths: [all[0], all[1]] })).map((r) => r.path);
    expect(rest).toHaveLength(3);
    expect(rest).not.toContain(all[0]);
    expect(rest).not.toContain(all[1]);
    await store.close();
  });

  it('replaces a file without duplicating its rows, and removes files', async () => {
    const store = await IndexStore.open(dir);
    await store.apply([change('a.ts', 'function one() {}', 'one')]);
    await store.apply([change('a.ts', 'function two() { return 2 }', 'two')]);
    expect(await store.countChunks()).toBe(1);
    expect(store.symbols.lookup('one')).toEqual([]);
    expect(store.symbols.lookup('two')).toHaveLength(1);
    await store.apply([], ['a.ts']);
    expect(await store.countChunks()).toBe(0);
    expect(store.files.size).toBe(0);
    expect(store.symbols.size).toBe(0);
    await store.close();
  });

  it("lists a folder's files that define something, and forgets removed ones", async () => {
    const store = await IndexStore.open(dir);
    await store.apply([change('src/cmd/run.ts', 'function run() {}', 'run'), change('src/cmd/stop.ts', 'function stop() {}', 'stop'), change('src/cmd/sub/x.ts', 'function x() {}', 'x'), change('top.ts', 'function top() {}', 'top')]);
    expect([...store.symbols.filesIn('src/cmd/')].sort()).toEqual(['src/cmd/run.ts', 'src/cmd/stop.ts']);
    expect([...store.symbols.filesIn('')]).toEqual(['top.ts']);
    await store.apply([], ['src/cmd/run.ts', 'src/cmd/sub/x.ts']);
    expect([...store.symbols.filesIn('src/cmd/')]).toEqual(['src/cmd/stop.ts']);
    expect([...store.symbols.filesIn('src/cmd/sub/')]).toEqual([]);
    await store.close();
  });

  it('persists across reopen and drops orphans a crash left behind', async () => {
    let store = await IndexStore.open(dir);
    await store.apply([change('keep.ts', 'function keep() {}', 'keep'), change('half.ts', 'function half() {}', 'half')]);
    // Simulate a kill between "file row removed" and "file row written": the file's row is gone.
    await (store as unknown as { filesTable: { delete(f: string): Promise<void> } }).filesTable.delete(`path = 'half.ts'`);
    await store.close();
    store = await IndexStore.open(dir);
    expect([...store.files.keys()]).toEqual(['keep.ts']);
    expect(await store.countChunks()).toBe(1);
    expect(store.symbols.lookup('half')).toEqual([]);
    expect(store.symbols.lookup('keep')).toHaveLength(1);
    // The in-memory full-text index is loaded from the table, without the orphan.
    expect(store.searchText('function keep half', 5).map((r) => r.path)).toEqual(['keep.ts']);
    await store.close();
  });

  it('rebuilds an index written by another schema version instead of crashing', async () => {
    let store = await IndexStore.open(dir);
    await store.apply([change('a.ts', 'x')]);
    await store.close();
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ schemaVersion: SCHEMA_VERSION - 1, embedding: null }));
    store = await IndexStore.open(dir);
    expect(store.files.size).toBe(0);
    expect(await store.countChunks()).toBe(0);
    await store.close();
    // Garbage meta is treated the same way.
    fs.writeFileSync(path.join(dir, 'meta.json'), '{not json');
    store = await IndexStore.open(dir);
    expect(store.files.size).toBe(0);
    await store.close();
  });

  it('rebuilds an index whose table a kill left half-created, and drops only a torn vector table', async () => {
    let store = await IndexStore.open(dir);
    await store.apply([change('a.ts', 'alpha')]);
    await store.useEmbedding('m', 2);
    await store.addEmbeddings([{ hash: 'h-a.ts-5', vector: new Float32Array([1, 0]) }]);
    await store.close();
    // A torn vector table: derived data, dropped alone.
    fs.rmSync(path.join(dir, 'embeddings.lance', '_versions'), { recursive: true, force: true });
    store = await IndexStore.open(dir);
    expect(store.files.size).toBe(1);
    expect(store.hasVectors()).toBe(false);
    expect(store.pendingHashes()).toEqual(['h-a.ts-5']);
    await store.close();
    // A torn core table (killed while creating it): the whole index starts over.
    fs.rmSync(path.join(dir, 'symbols.lance', '_versions'), { recursive: true, force: true });
    store = await IndexStore.open(dir);
    expect(store.files.size).toBe(0);
    await store.apply([change('b.ts', 'beta')]);
    expect(await store.countChunks()).toBe(1);
    await store.close();
  });

  it('keeps vectors by content hash, tracks pending ones and drops them when the model changes', async () => {
    let store = await IndexStore.open(dir);
    await store.apply([change('a.ts', 'alpha'), change('b.ts', 'beta beta')]);
    expect(store.pendingHashes().sort()).toEqual(['h-a.ts-5', 'h-b.ts-9']);
    await store.useEmbedding('m1', 3);
    await store.addEmbeddings([{ hash: 'h-a.ts-5', vector: new Float32Array([1, 0, 0]) }]);
    expect(store.pendingHashes()).toEqual(['h-b.ts-9']);
    await store.addEmbeddings([{ hash: 'h-b.ts-9', vector: new Float32Array([0, 1, 0]) }]);
    const hits = await store.searchVector(new Float32Array([0.1, 0.9, 0]), 2);
    expect(hits[0].hash).toBe('h-b.ts-9');
    expect(hits[0].distance).toBeLessThan(hits[1].distance);
    await store.close();
    store = await IndexStore.open(dir);
    expect(store.pendingHashes()).toEqual([]);
    await store.useEmbedding('m2', 4);
    expect(store.pendingHashes()).toHaveLength(2);
    expect(store.hasVectors()).toBe(false);
    await store.close();
  });

  it("searches vectors without writing to stderr (a line there per query would grow the daemon's stdio log)", () => {
    // LanceDB's own logger writes to the process's stderr, past process.stderr: a child process shows it.
    const script = `
      const { IndexStore } = await import(${JSON.stringify(path.resolve('store/index-store.ts'))});
      const store = await IndexStore.open(${JSON.stringify(dir)});
      await store.useEmbedding('m', 2);
      await store.addEmbeddings([{ hash: 'h', vector: new Float32Array([1, 0]) }]);
      const hits = await store.searchVector(new Float32Array([1, 0]), 1);
      console.log(JSON.stringify(hits));
      await store.close();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0].hash).toBe('h');
    expect(r.stderr).toBe('');
  });

  it('escapes quotes in paths', async () => {
    const store = await IndexStore.open(dir);
    await store.apply([change("it's.ts", 'quoted')]);
    await store.apply([change("it's.ts", 'quoted again')]);
    expect(await store.countChunks()).toBe(1);
    expect((await store.allChunks(['path', 'text'])).map((c) => [c.path, c.text])).toEqual([["it's.ts", 'quoted again']]);
    await store.close();
  });
  it('builds the path indexes as a long pass of commits doubles, and searches every committed row at once, a save included', async () => {
    const store = await IndexStore.open(dir);
    const indexed = async () => Object.fromEntries((await (store as unknown as { chunksTable: { listIndices(): Promise<{ name: string; numIndexedRows: number | null }[]> } }).chunksTable.listIndices()).map((i) => [i.name, i.numIndexedRows]));
    // 16 commits of 500 files: the first index of an 8,000-file tree.
    for (let b = 0; b < 16; b++) {
      await store.apply(Array.from({ length: 500 }, (_, i) => change(`pkg${b}/f${i}.ts`, `function walrus${b}x${i}() { return tundra; }`, `walrus${b}x${i}`)));
      await store.refreshIndexes();
      if (b === 13) {
        // Built past 2,000 new rows (at 2,500), then again once as many more came (5,000); 2,000 since then.
        expect(await indexed()).toEqual({ path_idx: 5000 });
        expect((await store.searchText('walrus12x5', 5)).map((r) => r.path)).toEqual(['pkg12/f5.ts']);
      }
      if (b === 14) {
        // Rows the path index does not hold yet are found all the same (the term indexes are in memory)…
        expect(store.searchQuestion('walrus14x5', 5).map((r) => [r.path, r.start_line, r.symbol, r.kind])).toEqual([['pkg14/f5.ts', 1, 'walrus14x5', 'function']]);
        expect((await store.searchText('walrus14x5', 5)).map((r) => r.path)).toEqual(['pkg14/f5.ts']);
        expect(store.searchQuestion('walrus3x4', 5).map((r) => r.path)).toEqual(['pkg3/f4.ts']);
        // …and a file saved now (a small commit), at once; its old version in the index is no answer.
        await store.apply([change('pkg0/f7.ts', 'function narwhalSaved() { return tundra; }', 'narwhalSaved')]);
        expect((await store.searchText('narwhalSaved', 5)).map((r) => r.path)).toEqual(['pkg0/f7.ts']);
        expect(store.searchQuestion('narwhal saved', 5).map((r) => r.path)).toEqual(['pkg0/f7.ts']);
        expect(store.searchQuestion('walrus0x7', 5)).toEqual([]);
        expect(await store.searchText('walrus0x7', 5)).toEqual([]);
      }
    }
    await store.refreshIndexes(true);
    expect(await indexed()).toEqual({ path_idx: 8000 });
    expect(store.searchQuestion('walrus15x99', 5).map((r) => r.path)).toEqual(['pkg15/f99.ts']);
    expect(store.searchQuestion('narwhal saved', 5).map((r) => r.path)).toEqual(['pkg0/f7.ts']);
    await store.close();
    // Opened again, the term indexes are rebuilt from the tables.
    const again = await IndexStore.open(dir);
    expect(again.searchQuestion('walrus9x250', 5).map((r) => r.path)).toEqual(['pkg9/f250.ts']);
    expect(again.searchQuestion('narwhal saved', 5).map((r) => r.path)).toEqual(['pkg0/f7.ts']);
    await again.close();
  });

  it('lets a save commit while a first index rebuilds the path indexes, and finds it at once', async () => {
    const store = await IndexStore.open(dir);
    const chunks = (store as unknown as { chunksTable: { createIndex: (...a: unknown[]) => Promise<void> } }).chunksTable;
    const createIndex = chunks.createIndex.bind(chunks);
    const order: string[] = [];
    let saving: Promise<void> | null = null;
    chunks.createIndex = async (...a: unknown[]) => {
      // The first build of the pass: a save arrives while it runs.
      if (!saving) saving = store.apply([change('pkg0/f3.ts', 'function narwhalDuringBuild() {}', 'narwhalDuringBuild')]).then(() => void order.push('saved'));
      await new Promise((r) => setTimeout(r, 300));
      await createIndex(...a);
      order.push('built');
    };
    for (let b = 0; b < 5; b++) {
      await store.apply(Array.from({ length: 500 }, (_, i) => change(`pkg${b}/f${i}.ts`, `function walrus${b}x${i}() {}`, `walrus${b}x${i}`)));
      await store.refreshIndexes();
    }
    await saving;
    // The save did not wait for the build…
    expect(order.slice(0, 2)).toEqual(['saved', 'built']);
    // …and is found, its old version not.
    expect(store.searchQuestion('narwhal during build', 5).map((r) => r.path)).toEqual(['pkg0/f3.ts']);
    expect(store.searchQuestion('walrus0x3', 5)).toEqual([]);
    expect(store.searchText('narwhalDuringBuild', 5).map((r) => r.path)).toEqual(['pkg0/f3.ts']);
    await store.close();
  });

  it('drops the LanceDB full-text indexes an older store built, and searches it from memory', async () => {
    const store = await IndexStore.open(dir);
    await store.apply([change('src/a.ts', 'function parseConfig() {}', 'parseConfig'), change('src/b.ts', 'function loadUser() {}', 'loadUser')]);
    const tables = store as unknown as Record<'chunksTable' | 'symbolsTable', { createIndex(c: string, o: object): Promise<void>; listIndices(): Promise<{ name: string }[]> }>;
    const lancedb = await import('@lancedb/lancedb');
    await tables.chunksTable.createIndex('fts', { name: 'fts_idx', config: lancedb.Index.fts() });
    await tables.symbolsTable.createIndex('fts_head', { name: 'fts_head_idx', config: lancedb.Index.fts() });
    await store.close();
    const again = await IndexStore.open(dir);
    const reopened = again as unknown as typeof tables;
    expect((await reopened.chunksTable.listIndices()).map((i) => i.name)).toEqual([]);
    expect((await reopened.symbolsTable.listIndices()).map((i) => i.name)).toEqual([]);
    expect(again.searchQuestion('load the user', 5).map((r) => r.path)).toEqual(['src/b.ts']);
    await again.close();
  });

  it("commits a save beside a background commit of other files, and after one that writes the same file", async () => {
    const store = await IndexStore.open(dir);
    const chunks = (store as unknown as { chunksTable: { add: (rows: { numRows?: number; length?: number }) => Promise<unknown> } }).chunksTable;
    const add = chunks.add.bind(chunks);
    const order: string[] = [];
    const saving: Promise<void>[] = [];
    chunks.add = async (rows) => {
      // The background commit's chunks take 300 ms to land; two saves arrive meanwhile.
      if ((rows.numRows ?? rows.length ?? 0) > 1 && !saving.length) {
        saving.push(
          store.apply([change('other/saved.ts', 'function narwhalBeside() {}', 'narwhalBeside')]).then(() => void order.push('other file saved')),
          store.apply([change('pkg/f3.ts', 'function narwhalAfter() {}', 'narwhalAfter')]).then(() => void order.push('same file saved')),
        );
        await new Promise((r) => setTimeout(r, 300));
      }
      return add(rows);
    };
    const background = store.apply(Array.from({ length: 50 }, (_, i) => change(`pkg/f${i}.ts`, `function walrus${i}() {}`, `walrus${i}`))).then(() => void order.push('background'));
    await background;
    await Promise.all(saving);
    expect(saving).toHaveLength(2);
    expect(order).toEqual(['other file saved', 'background', 'same file saved']);
    // The save of a file the background commit also wrote came last, and its version is the one kept.
    expect(store.symbols.lookup('walrus3')).toEqual([]);
    expect(store.symbols.lookup('narwhalAfter').map((d) => d.path)).toEqual(['pkg/f3.ts']);
    expect(store.searchText('walrus3', 5)).toEqual([]);
    expect(await store.countChunks()).toBe(51);
    await store.close();
  });
});
