import { describe, expect, it } from 'vitest';
import { bufferUsing, findDefinitionPair, isPackageSource, packageFolderName, planMonorepo, spread } from '../../bench/monorepo.js';

describe('planMonorepo (bench:scale)', () => {
  const packages = [
    { name: 'b', dir: '/src/b', files: ['x.go', 'y.go'] },
    { name: 'a', dir: '/src/a', files: ['index.ts', 'lib/util.ts', 'package.json'] },
    { name: 'empty', dir: '/src/empty', files: [] },
  ];

  it('lays the originals out in name order, then copies in the same order, cut at n files', () => {
    const plan = planMonorepo(packages, 8);
    expect(plan.files.map((f) => f.to)).toEqual([
      'packages/a/index.ts', 'packages/a/lib/util.ts', 'packages/a/package.json', 'packages/b/x.go', 'packages/b/y.go',
      'packages/a-copy1/index.ts', 'packages/a-copy1/lib/util.ts', 'packages/a-copy1/package.json',
    ]);
    expect(plan.files[5].from).toBe('/src/a/index.ts');
    expect(plan.packages).toEqual([
      { name: 'a', copyOf: null, files: 3 },
      { name: 'b', copyOf: null, files: 2 },
      { name: 'a-copy1', copyOf: 'a', files: 3 },
    ]);
  });

  it('cuts the last package short, and fewer files than the originals hold is a prefix of them', () => {
    expect(planMonorepo(packages, 7).packages.at(-1)).toEqual({ name: 'a-copy1', copyOf: 'a', files: 2 });
    expect(planMonorepo(packages, 2).files.map((f) => f.to)).toEqual(['packages/a/index.ts', 'packages/a/lib/util.ts']);
  });

  it('refuses no files at all, and two packages of one name', () => {
    expect(() => planMonorepo([packages[2]], 5)).toThrow(/no package/);
    expect(() => planMonorepo([packages[0], { ...packages[1], name: 'b' }], 5)).toThrow(/same name/);
  });
});

describe('what bench:scale takes from an installed package', () => {
  it('takes sources under 200 KB and root manifests, not declarations, minified files or bundles', () => {
    expect(isPackageSource('lib/index.js', 1000)).toBe(true);
    expect(isPackageSource('src/a.tsx', 1000)).toBe(true);
    expect(isPackageSource('package.json', 500)).toBe(true);
    expect(isPackageSource('go.mod', 50)).toBe(true);
    expect(isPackageSource('sub/package.json', 500)).toBe(false);
    expect(isPackageSource('README.md', 500)).toBe(false);
    expect(isPackageSource('index.d.ts', 500)).toBe(false);
    expect(isPackageSource('lib/x.min.js', 500)).toBe(false);
    expect(isPackageSource('lib/x.bundle.js', 500)).toBe(false);
    expect(isPackageSource('lib/big.js', 300 * 1024)).toBe(false);
  });

  it('names a scoped or nested package by its path', () => {
    expect(packageFolderName('@scope/a')).toBe('scope__a');
    expect(packageFolderName('@scope/a/node_modules/b')).toBe('scope__a__b');
    expect(packageFolderName('chi')).toBe('chi');
  });

  it('spreads n items evenly over a list, in its order', () => {
    expect(spread([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([0, 3, 6]);
    expect(spread([1, 2], 5)).toEqual([1, 2]);
  });
});

describe('findDefinitionPair (bench:scale /context probe)', () => {
  it('finds a name defined in one module and a deeper module that does not use it', () => {
    const files = [
      { rel: 'src/util.ts', text: 'export function formatThing(x: number) {\n  return String(x);\n}\nexport const shared = 1;\n' },
      { rel: 'src/deep/inner/view.ts', text: "import { shared } from '../../util.js';\nexport const view = shared;\n" },
      { rel: 'src/other.ts', text: 'export function shared() {}\n' },
    ];
    // `shared` is defined twice; `formatThing` once, and view.ts (the deepest) does not name it.
    expect(findDefinitionPair(files)).toEqual({ target: 'src/deep/inner/view.ts', definer: 'src/util.ts', name: 'formatThing', language: 'typescript' });
  });

  it('pairs Go files of one folder only, and leaves test files out', () => {
    const files = [
      { rel: 'mux.go', text: 'package chi\n\nfunc NewRouter() *Mux {\n\treturn nil\n}\n' },
      { rel: 'sub/tree.go', text: 'package sub\n\ntype nodeTyp uint8\n' },
      { rel: 'context.go', text: 'package chi\n\ntype Context struct{}\n' },
      { rel: 'mux_test.go', text: 'package chi\n\nfunc TestRouter() {}\n' },
    ];
    // sub/tree.go's nodeTyp has no other file in its folder; of the rest, the first name in code-unit order.
    expect(findDefinitionPair(files)).toEqual({ target: 'mux.go', definer: 'context.go', name: 'Context', language: 'go' });
  });

  it('returns null when no name qualifies', () => {
    expect(findDefinitionPair([{ rel: 'a.ts', text: 'export const x = 1;\n' }])).toBeNull();
  });

  it('writes the buffer: the import, the file, the name with the cursor after it', () => {
    const pair = { target: 'src/deep/view.ts', definer: 'src/util.ts', name: 'formatThing', language: 'typescript' as const };
    const b = bufferUsing(pair, 'export const view = 1;\n');
    expect(b.text).toBe("import { formatThing } from '../util.js';\nexport const view = 1;\n\nexport function cvuScaleProbe() {\n  return formatThing");
    expect(b.position).toEqual({ line: 4, character: '  return formatThing'.length });
    const go = bufferUsing({ target: 'a.go', definer: 'b.go', name: 'NewRouter', language: 'go' }, 'package chi\n');
    expect(go.text.endsWith('\t_ = NewRouter')).toBe(true);
  });
});
