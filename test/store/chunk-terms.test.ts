import { describe, expect, it } from 'vitest';
import { ChunkTermIndex, type TermIndexedChunk } from '../../store/chunk-terms.js';
import { codeSearchText } from '../../store/code-text.js';

function chunk(path: string, text: string, start = 1, symbol: string | null = null): TermIndexedChunk {
  return { path, start_line: start, end_line: start + text.split('\n').length - 1, symbol, refs: `ref_${path.replace(/\W/g, '_')}`, fts: codeSearchText(text) };
}

/** BM25 as LanceDB's full-text index defines it (k1 1.2, b 0.75), for one term of one document. */
function bm25(tf: number, df: number, docs: number, length: number, average: number): number {
  const idf = Math.log(1 + (docs - df + 0.5) / (df + 0.5));
  return (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / average));
}

describe('ChunkTermIndex', () => {
  it('scores chunks by BM25 over the query terms, best first, with where each chunk is', () => {
    const index = new ChunkTermIndex();
    // Token counts: a.ts 3 (walrus walrus seal), b.ts 2 (walrus otter), c.ts 4 (seal otter otter otter).
    index.add([chunk('a.ts', 'walrus walrus seal', 4, 'walrusFn'), chunk('b.ts', 'walrus otter', 10), chunk('c.ts', 'seal otter otter otter')]);
    const average = (3 + 2 + 4) / 3;
    const hits = index.search(['walrus', 'seal'], 10);
    // One match each for b.ts and c.ts, equally rare: the shorter chunk first.
    expect(hits.map((h) => h.path)).toEqual(['a.ts', 'b.ts', 'c.ts']);
    const a = bm25(2, 2, 3, 3, average) + bm25(1, 2, 3, 3, average);
    expect(hits[0].score).toBeCloseTo(a, 10);
    expect(hits[1].score).toBeCloseTo(bm25(1, 2, 3, 2, average), 10);
    expect(hits[2].score).toBeCloseTo(bm25(1, 2, 3, 4, average), 10);
    expect(hits[0]).toMatchObject({ start_line: 4, end_line: 4, symbol: 'walrusFn', refs: 'ref_a_ts' });
    expect(hits[1].symbol).toBeNull();
    // A repeated query term counts once; unknown terms add nothing.
    expect(index.search(['walrus', 'walrus', 'seal', 'narwhal'], 10).map((h) => h.score)).toEqual(hits.map((h) => h.score));
    expect(index.search(['narwhal'], 10)).toEqual([]);
  });

  it('finds identifiers by their words, leaves excluded paths out and stops at the limit', () => {
    const index = new ChunkTermIndex();
    index.add(Array.from({ length: 6 }, (_, i) => chunk(`src/f${i}.ts`, `function parseConfig${i}() { return parseConfig(${i}); }`)));
    expect(index.search(['config'], 3)).toHaveLength(3);
    const rest = index.search(['parseconfig'], 10, new Set(['src/f0.ts', 'src/f1.ts'])).map((h) => h.path);
    expect(rest.sort()).toEqual(['src/f2.ts', 'src/f3.ts', 'src/f4.ts', 'src/f5.ts']);
  });

  it('finds the chunks referencing a name by its token, whole names only, in the order indexed, up to the limit', () => {
    const index = new ChunkTermIndex();
    const refChunk = (path: string, text: string, refs: string) => ({ ...chunk(path, text), refs });
    index.add([
      refChunk('a.ts', 'parseConfig(x)', 'parseConfig x'),
      // The token is there (`parse_config` is `parseconfig` too) but not the name: left out.
      refChunk('b.py', 'parse_config(x)', 'parse_config x'),
      refChunk('c.ts', 'const parseConfigured = 1', 'parseConfigured'),
      ...Array.from({ length: 5 }, (_, i) => refChunk(`d${i}.ts`, 'return parseConfig()', 'parseConfig')),
    ]);
    expect(index.referencing('parseConfig', 'parseconfig', 10).map((h) => h.path)).toEqual(['a.ts', 'd0.ts', 'd1.ts', 'd2.ts', 'd3.ts', 'd4.ts']);
    expect(index.referencing('parseConfig', 'parseconfig', 2).map((h) => h.path)).toEqual(['a.ts', 'd0.ts']);
    expect(index.referencing('parse_config', 'parseconfig', 10).map((h) => h.path)).toEqual(['b.py']);
    index.removePaths(['a.ts']);
    expect(index.referencing('parseConfig', 'parseconfig', 1).map((h) => h.path)).toEqual(['d0.ts']);
    expect(index.referencing('parseConfig', 'absent', 10)).toEqual([]);
  });

  it('counts the files whose chunks reference a name, the same after the count is kept and again once the chunks change', () => {
    const index = new ChunkTermIndex();
    const refChunk = (path: string, text: string, refs: string, start = 1) => ({ ...chunk(path, text, start), refs });
    index.add([
      refChunk('a.ts', 'parseConfig(x)', 'x parseConfig'),
      refChunk('a.ts', 'parseConfig(y)', 'parseConfig y', 5),
      refChunk('b.py', 'parse_config(x)', 'parse_config x'),
      refChunk('c.ts', 'const parseConfigured = parseConfig', 'parseConfigured'),
      refChunk('d.ts', 'return parseConfig()', 'parseConfig'),
    ]);
    // a.ts twice, d.ts; b.py's name is another, c.ts's refs do not list it whole.
    expect(index.filesReferencing('parseConfig', 'parseconfig', 10)).toBe(2);
    expect(index.filesReferencing('parseConfig', 'parseconfig', 10)).toBe(2);
    // The limit counts chunks, as referencing's does: a.ts's two.
    expect(index.filesReferencing('parseConfig', 'parseconfig', 2)).toBe(1);
    expect(index.filesReferencing('parse_config', 'parseconfig', 10)).toBe(1);
    index.removePaths(['a.ts']);
    expect(index.filesReferencing('parseConfig', 'parseconfig', 10)).toBe(1);
    index.add([refChunk('e.ts', 'parseConfig(z)', 'parseConfig z'), refChunk('f.ts', 'parseConfig(w)', 'w parseConfig')]);
    expect(index.filesReferencing('parseConfig', 'parseconfig', 10)).toBe(3);
  });

  it('forgets a removed file at once, and a file added again is found by its new text only', () => {
    const index = new ChunkTermIndex();
    index.add([chunk('a.ts', 'const walrus = 1'), chunk('a.ts', 'const seal = 2', 2), chunk('b.ts', 'const walrus = 3')]);
    expect(index.size).toBe(3);
    index.removePaths(['a.ts', 'missing.ts']);
    expect(index.size).toBe(1);
    expect(index.search(['walrus', 'seal'], 10).map((h) => h.path)).toEqual(['b.ts']);
    index.add([chunk('a.ts', 'const otter = 1')]);
    expect(index.search(['walrus', 'seal'], 10).map((h) => h.path)).toEqual(['b.ts']);
    expect(index.search(['otter'], 10).map((h) => h.path)).toEqual(['a.ts']);
  });

  it('reuses the slots of purged chunks without their old terms finding the new ones', () => {
    const index = new ChunkTermIndex();
    index.add(Array.from({ length: 3000 }, (_, i) => chunk(`old/${i}.ts`, `const oldName${i} = walrus${i % 7}`)));
    index.add([chunk('keep.ts', 'const keeper = walrus3')]);
    // Past the purge threshold: more removed than live.
    index.removePaths(Array.from({ length: 2900 }, (_, i) => `old/${i}.ts`));
    expect(index.size).toBe(101);
    index.add(Array.from({ length: 2900 }, (_, i) => chunk(`new/${i}.ts`, `const fresh${i} = otter`)));
    expect(index.size).toBe(3001);
    // Every new chunk sits in a removed chunk's slot: none may answer to the removed chunks' terms.
    expect(index.search(['oldname5'], 10)).toEqual([]);
    expect(index.search(['oldname2950'], 10).map((h) => h.path)).toEqual(['old/2950.ts']);
    expect(index.search(['walrus3'], 200).map((h) => h.path).filter((p) => !p.startsWith('old/'))).toEqual(['keep.ts']);
    expect(index.search(['fresh17'], 10).map((h) => h.path)).toEqual(['new/17.ts']);
    expect(index.search(['otter'], 5000)).toHaveLength(2900);
  });

  it('sums the BM25 of several fields, each times its boost, each field with its own lengths; purges every field', () => {
    const index = new ChunkTermIndex(['fts', 'fts_head']);
    const two = (path: string, text: string, head: string): TermIndexedChunk => ({ ...chunk(path, text), fts_head: head });
    // Text token counts: a 2, b 1, c 3; head token counts: a 1, b 3, c 0 (counted as 1, as LanceDB does).
    index.add([two('a.ts', 'walrus seal', 'parse'), two('b.ts', 'seal', 'walrus parse config'), two('c.ts', 'otter otter otter', '')]);
    const hits = index.searchFields([{ field: 'fts_head', terms: ['walrus'], boost: 2 }, { field: 'fts', terms: ['walrus'] }], 10);
    const text = bm25(1, 1, 3, 2, 2);
    const head = 2 * bm25(1, 1, 3, 3, 5 / 3);
    // b.ts's longer head still outweighs a.ts's text match, twice as much weighing.
    expect(hits.map((h) => h.path)).toEqual(['b.ts', 'a.ts']);
    expect(hits[0].score).toBeCloseTo(head, 10);
    expect(hits[1].score).toBeCloseTo(text, 10);
    // Both fields matching add up.
    expect(index.searchFields([{ field: 'fts_head', terms: ['parse'] }, { field: 'fts', terms: ['seal'] }], 10)[0].score).toBeCloseTo(
      bm25(1, 2, 3, 1, 5 / 3) + bm25(1, 2, 3, 2, 2), 10);
    // `search` matches the first field only; a field the index lacks is an error, not an empty answer.
    expect(index.search(['parse'], 10)).toEqual([]);
    const headOnly = new ChunkTermIndex(['fts_head']);
    headOnly.add([two('x.ts', 'x', 'x')]);
    expect(() => headOnly.searchFields([{ field: 'fts', terms: ['x'] }], 1)).toThrow(/no fts field/);
    // Past the purge threshold the head postings are rebuilt too: a reused slot does not answer to a removed chunk's head.
    index.add(Array.from({ length: 3000 }, (_, i) => two(`old/${i}.ts`, 'seal', `gone${i}`)));
    index.removePaths(Array.from({ length: 3000 }, (_, i) => `old/${i}.ts`));
    index.add(Array.from({ length: 3000 }, (_, i) => two(`new/${i}.ts`, 'seal', `kept${i}`)));
    expect(index.searchFields([{ field: 'fts_head', terms: ['gone7'] }], 10)).toEqual([]);
    expect(index.searchFields([{ field: 'fts_head', terms: ['kept7'] }], 10).map((h) => h.path)).toEqual(['new/7.ts']);
  });
});
