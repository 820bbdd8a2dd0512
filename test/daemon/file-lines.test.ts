import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileLines } from '../../workspace/file-lines.js';

describe('FileLines (the lines retrieval shows)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-lines-'));
    fs.writeFileSync(path.join(root, 'a.ts'), 'one\ntwo\n');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads a file once and serves its lines from memory while it is unchanged', () => {
    const lines = new FileLines(root, 1024);
    const first = lines.get('a.ts');
    expect(first).toEqual(['one', 'two', '']);
    expect(lines.get('a.ts')).toBe(first);
  });

  it('reads a changed file again once told, or once its entry is a second old', async () => {
    const lines = new FileLines(root, 1024);
    expect(lines.get('a.ts')).toEqual(['one', 'two', '']);
    fs.writeFileSync(path.join(root, 'a.ts'), 'three lines\nnow\nhere\n');
    // Within the second, without being told, the entry stands (no stat on every read).
    expect(lines.get('a.ts')).toEqual(['one', 'two', '']);
    lines.forget(['a.ts']);
    expect(lines.get('a.ts')).toEqual(['three lines', 'now', 'here', '']);
    fs.writeFileSync(path.join(root, 'a.ts'), 'four\n');
    await new Promise((r) => setTimeout(r, 1100));
    expect(lines.get('a.ts')).toEqual(['four', '']);
    fs.rmSync(path.join(root, 'a.ts'));
    lines.clear();
    expect(lines.get('a.ts')).toBeNull();
  });

  it('refuses secrets, folders and files over the size limit', () => {
    fs.writeFileSync(path.join(root, '.env'), 'TOKEN=1\n');
    fs.mkdirSync(path.join(root, 'dir'));
    fs.writeFileSync(path.join(root, 'big.ts'), 'x'.repeat(2048));
    const lines = new FileLines(root, 1024);
    expect(lines.get('.env')).toBeNull();
    expect(lines.get('dir')).toBeNull();
    expect(lines.get('big.ts')).toBeNull();
  });
});
