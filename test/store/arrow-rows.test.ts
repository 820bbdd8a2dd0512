import * as lancedb from '@lancedb/lancedb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plainRows, rowsToArrow, type ColumnBatch } from '../../store/arrow-rows.js';
import { chunkSchema, embeddingSchema, fileSchema, symbolSchema } from '../../store/rows.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

const text = (i: number) => ['plain ascii', '', 'naïve café — “quotes”', '漢字とかな', 'emoji 🦀🐍 and a lone surrogate \ud800 end', 'x'.repeat(5000)][i % 6];

function chunkRow(i: number): Record<string, unknown> {
  return {
    id: `src/f${i}.ts:1-2`, path: `src/f${i}.ts`, language: 'typescript', start_line: i + 1, end_line: i + 2, text: text(i),
    symbol: i % 3 === 0 ? null : `fn${i}`, kind: i % 2 ? 'function' : undefined, container: null, header: i % 4 ? null : 'class A {',
    refs: 'a b', hash: `h${i}`, fts: text(i + 1), fts_head: `f${i}`,
  };
}

describe('rowsToArrow', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it("writes rows that LanceDB stores and reads back as they were: strings in any script, empty, long, nulls, numbers, booleans", async () => {
    const db = await lancedb.connect(dir);
    const chunks = await db.createEmptyTable('chunks', chunkSchema);
    const rows = Array.from({ length: 300 }, (_, i) => chunkRow(i));
    await chunks.add(rowsToArrow(rows, chunkSchema));
    const back = (await chunks.query().toArray()).map((r) => ({ ...r })).sort((a, b) => a.start_line - b.start_line);
    expect(back).toHaveLength(300);
    for (const [i, r] of back.entries()) {
      const want = chunkRow(i);
      // A lone surrogate is not UTF-8: it is stored as U+FFFD, as any UTF-8 encoder writes it.
      for (const k of Object.keys(want)) expect(r[k], `${k} of row ${i}`).toEqual(typeof want[k] === 'string' ? Buffer.from(want[k], 'utf8').toString('utf8') : want[k] ?? null);
    }

    const symbols = await db.createEmptyTable('symbols', symbolSchema);
    await symbols.add(rowsToArrow([
      { name: 'a', kind: 'function', path: 'a.ts', start_line: 1, end_line: 3, container: null, signature: 'function a()', exported: true },
      { name: 'b', kind: 'method', path: 'a.ts', start_line: 5, end_line: 6, container: 'B', signature: 'b()', exported: false, fts_head: 'b' },
    ], symbolSchema));
    const syms = (await symbols.query().toArray()).map((r) => ({ ...r })).sort((a, b) => a.start_line - b.start_line);
    expect(syms.map((s) => [s.name, s.exported, s.container, s.fts_head])).toEqual([['a', true, null, null], ['b', false, 'B', 'b']]);

    const files = await db.createEmptyTable('files', fileSchema);
    await files.add(rowsToArrow([{ path: 'a.ts', hash: 'h', size: 12.5, mtime_ms: 1_733_000_000_123.25, language: 'typescript', imports: '[]', chunk_hashes: '' }], fileSchema));
    expect((await files.query().toArray()).map((r) => [r.size, r.mtime_ms, r.chunk_hashes])).toEqual([[12.5, 1_733_000_000_123.25, '']]);
    db.close();
  });

  it('refuses a row without a value for a column that cannot be null, and a value of the wrong type', () => {
    const row = chunkRow(1);
    expect(() => rowsToArrow([{ ...row, path: undefined }], chunkSchema)).toThrow(/column path: row 0/);
    expect(() => rowsToArrow([row, { ...row, start_line: '3' }], chunkSchema)).toThrow(/column start_line: row 1 is not a number/);
    expect(() => rowsToArrow([{ ...row, text: 42 }], chunkSchema)).toThrow(/column text: row 0 is not a string/);
  });

  it('builds the index tables but not a vector column (LanceDB converts those)', () => {
    expect(() => rowsToArrow([{ hash: 'h', vector: [0, 1, 2, 3, 4, 5, 6, 7] }], embeddingSchema(8))).toThrow(/does not build/);
  });

  it('reads LanceDB batches back as plain rows of the named columns, as its own row proxies read them', async () => {
    const db = await lancedb.connect(dir);
    const chunks = await db.createEmptyTable('chunks', chunkSchema);
    // More rows than one batch, so that several come back.
    await chunks.add(rowsToArrow(Array.from({ length: 3000 }, (_, i) => chunkRow(i)), chunkSchema));
    const symbols = await db.createEmptyTable('symbols', symbolSchema);
    await symbols.add(rowsToArrow(Array.from({ length: 50 }, (_, i) => ({
      name: `s${i}`, kind: 'function', path: `a${i % 3}.ts`, start_line: i, end_line: i + 1, container: i % 2 ? 'C' : null, signature: `s${i}()`, exported: i % 3 === 0, ...(i % 4 ? { fts_head: `s ${i}` } : {}),
    })), symbolSchema));
    for (const [table, columns] of [[chunks, ['path', 'start_line', 'end_line', 'symbol', 'kind', 'refs', 'fts', 'fts_head']], [symbols, ['name', 'container', 'start_line', 'exported', 'fts_head']]] as const) {
      let batches = 0;
      let rows = 0;
      for await (const batch of table.query().select([...columns]) as AsyncIterable<ColumnBatch & { toArray(): Record<string, unknown>[] }>) {
        batches++;
        const proxies = batch.toArray();
        const plain = plainRows<Record<string, unknown>>(batch, columns);
        expect(plain).toHaveLength(proxies.length);
        for (const [i, row] of plain.entries()) {
          expect(Object.keys(row)).toEqual([...columns]);
          for (const c of columns) expect(row[c], `${c} of row ${rows + i}`).toEqual(proxies[i][c] ?? null);
        }
        rows += plain.length;
      }
      expect(rows).toBe(table === chunks ? 3000 : 50);
      if (table === chunks) expect(batches).toBeGreaterThan(1);
    }
    db.close();
  });
});
