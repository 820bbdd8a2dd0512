import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexStore } from '../../store/index-store.js';
import { fileChange } from '../helpers/file-change.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

// LanceDB reads its full-text builders' memory per part once per process, at the first build; this
// file runs in a fork of its own. At 1 MiB the build below writes about 80 parts, which a search
// reads together, as a large code base's build does at the store's default (FTS_BUILD_PART_MB).
process.env.LANCE_FTS_PARTITION_SIZE = '1';

/** A word of letters only, unique to n: the code-aware tokenizer keeps it whole. */
function word(n: number): string {
  let s = '';
  for (let i = n + 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(97 + ((i - 1) % 26)) + s;
  return `zq${s}`;
}

/** A file whose chunk has its own marker word and a hundred words no other chunk has. */
function fileOf(i: number) {
  const body = [`function marker() { return ${word(i)} }`, ...Array.from({ length: 100 }, (_, j) => `const ${word(100_000 + i * 100 + j)} = ${j};`)].join('\n');
  return fileChange(`src/m${i}.ts`, body, 'marker');
}

describe('the full-text index built in parts (LANCE_FTS_PARTITION_SIZE)', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('finds the first, middle and last chunks of a build too big for one part', async () => {
    const store = await IndexStore.open(dir);
    const files = 3000;
    for (let start = 0; start < files; start += 500) await store.apply(Array.from({ length: 500 }, (_, k) => fileOf(start + k)));
    await store.optimize(true);
    for (const i of [0, 1499, files - 1]) {
      const hits = await store.searchQuestion(word(i), 3);
      expect(hits[0]?.path).toBe(`src/m${i}.ts`);
    }
    expect(await store.searchQuestion(word(files + 5), 3)).toEqual([]);
    await store.close();
  });
});
