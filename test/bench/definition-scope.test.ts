import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionLocalData } from '../../bench/definition-scope.js';

// bench:context's "reachable" rows leave out tasks whose engine-chosen definition is a function's
// local variable; a nested function (a factory's method) and top-level bindings stay in.
describe('functionLocalData', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-defscope-'));
    fs.writeFileSync(
      path.join(root, 'a.ts'),
      [
        'export const config = load();', // 1
        'export function build(opts: object) {', // 2
        '  const path = normalize(opts);', // 3
        '  const handler = (x: number) => x;', // 4
        '  function inject() { return path; }', // 5
        '  const table = { path };', // 6
        '  return { inject, handler, table };', // 7
        '}', // 8
        'class Box {', // 9
        '  open() { let state = read(); return state; }', // 10
        '}', // 11
      ].join('\n'),
    );
    fs.writeFileSync(path.join(root, 'b.py'), 'def f():\n    x = g()\n');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('marks data declared inside a function', async () => {
    expect(await functionLocalData(root, 'a.ts', 3)).toBe(true);
    expect(await functionLocalData(root, 'a.ts', 6)).toBe(true);
  });

  it('keeps top-level bindings, functions nested in functions and function-valued locals', async () => {
    expect(await functionLocalData(root, 'a.ts', 1)).toBe(false);
    expect(await functionLocalData(root, 'a.ts', 2)).toBe(false);
    expect(await functionLocalData(root, 'a.ts', 4)).toBe(false);
    expect(await functionLocalData(root, 'a.ts', 5)).toBe(false);
    expect(await functionLocalData(root, 'a.ts', 9)).toBe(false);
  });

  it('says no for other languages and for files it cannot read', async () => {
    expect(await functionLocalData(root, 'b.py', 2)).toBe(false);
    expect(await functionLocalData(root, 'missing.ts', 1)).toBe(false);
  });
});
