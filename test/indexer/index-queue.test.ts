import { describe, expect, it } from 'vitest';
import { IndexQueue } from '../../indexer/index-queue.js';
import type { WalkedFile } from '../../indexer/walker.js';

const file = (p: string, size = 10): WalkedFile => ({ path: p, absPath: `/r/${p}`, size, mtimeMs: 1 });
const paths = (fs: WalkedFile[]) => fs.map((f) => f.path);

describe('IndexQueue', () => {
  const tree = [
    'README.md',
    'packages/a/package.json', 'packages/a/src/a1.ts', 'packages/a/src/a2.ts',
    'packages/b/go.mod', 'packages/b/cmd/main.go', 'packages/b/lib/x.go', 'packages/b/lib/y.go',
    'packages/c/package.json', 'packages/c/src/c1.ts',
    'tools/loose/one.py', 'tools/loose/two.py', 'tools/other.py',
  ].map((p) => file(p));

  it('hands out files in walk order, in batches bounded by count and bytes (a batch holds at least one file)', () => {
    const q = new IndexQueue([file('a', 5), file('b', 5), file('c', 100), file('d', 5)]);
    expect(paths(q.take(2, 1000))).toEqual(['a', 'b']);
    expect(paths(q.take(10, 50))).toEqual(['c']);
    expect(paths(q.take(10, 50))).toEqual(['d']);
    expect(q.size).toBe(0);
    expect(q.take(10, 50)).toEqual([]);
  });

  it('puts the focused file’s folder first, then the rest of its package (the nearest folder with a manifest)', () => {
    const q = new IndexQueue(tree);
    expect(paths(q.take(2, 1000))).toEqual(['README.md', 'packages/a/package.json']);
    q.focus('packages/b/lib/z.go');
    expect(paths(q.take(3, 1000))).toEqual(['packages/b/lib/x.go', 'packages/b/lib/y.go', 'packages/b/go.mod']);
    expect(paths(q.take(3, 1000))).toEqual(['packages/b/cmd/main.go', 'packages/a/src/a1.ts', 'packages/a/src/a2.ts']);
    // Without a manifest above: the folder, then the one above it.
    q.focus('tools/loose/two.py');
    expect(paths(q.take(10, 1000))).toEqual(['tools/loose/one.py', 'tools/loose/two.py', 'tools/other.py', 'packages/c/package.json', 'packages/c/src/c1.ts']);
    expect(q.size).toBe(0);
  });

  it('serves the latest focus first, never hands a file out twice, and ignores a folder focused again', () => {
    const q = new IndexQueue(tree);
    q.focus('packages/a/src/a1.ts');
    q.focus('packages/c/src/c1.ts');
    expect(paths(q.take(2, 1000))).toEqual(['packages/c/src/c1.ts', 'packages/c/package.json']);
    q.focus('packages/c/src/new.ts');
    expect(paths(q.take(2, 1000))).toEqual(['packages/a/src/a1.ts', 'packages/a/src/a2.ts']);
    const rest = paths(q.take(100, 1e9));
    expect(rest).toEqual(['packages/a/package.json', 'README.md', 'packages/b/go.mod', 'packages/b/cmd/main.go', 'packages/b/lib/x.go', 'packages/b/lib/y.go', 'tools/loose/one.py', 'tools/loose/two.py', 'tools/other.py']);
    expect(new Set([...rest]).size).toBe(rest.length);
    expect(q.size).toBe(0);
  });
});
