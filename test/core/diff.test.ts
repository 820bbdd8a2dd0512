import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyUnifiedDiff, unifiedDiff } from '../../core/diff.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

/** Applies a diff with GNU patch on a copy: the standard tool must agree with ours. */
function patchTool(before: string, diff: string): string {
  const dir = makeTempDir('cvu-diff-');
  try {
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src/a.ts'), before);
    const r = spawnSync('patch', ['-p1', '--batch', '--silent'], { cwd: dir, input: diff, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`patch failed: ${r.stdout}${r.stderr}`);
    return fs.readFileSync(path.join(dir, 'src/a.ts'), 'utf8');
  } finally {
    removeDir(dir);
  }
}

const lines = (n: number, f = (i: number) => `line ${i}`) => Array.from({ length: n }, (_, i) => f(i + 1)).join('\n') + '\n';
const hasPatch = spawnSync('patch', ['--version']).status === 0;

describe('unifiedDiff', () => {
  it('writes diff -u hunks with 3 lines of context, removals before additions', () => {
    const before = lines(10);
    const after = before.replace('line 5\n', 'line five\nline 5b\n');
    const diff = unifiedDiff(before, after, { path: 'src/a.ts' });
    expect(diff).toBe(['--- a/src/a.ts', '+++ b/src/a.ts', '@@ -2,7 +2,8 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+line five', '+line 5b', ' line 6', ' line 7', ' line 8', ''].join('\n'));
    expect(applyUnifiedDiff(before, diff)).toBe(after);
    expect(unifiedDiff(before, before, { path: 'src/a.ts' })).toBe('');
  });

  it('round-trips edits at the edges, far apart (two hunks), CRLF and a missing final newline', () => {
    const cases: [string, string][] = [
      [lines(30), lines(30).replace('line 1\n', 'first\n').replace('line 30\n', 'last\n')],
      [lines(5), 'new top\n' + lines(5)],
      [lines(5), ''],
      ['', 'created\n'],
      [lines(4).replace(/\n$/, ''), lines(4).replace(/\n$/, '').replace('line 4', 'line four')],
      [lines(4), lines(4).replace(/\n$/, '')],
      [lines(6).replace(/\n/g, '\r\n'), lines(6).replace(/\n/g, '\r\n').replace('line 3\r\n', 'line three\r\nline 3b\r\n')],
      [lines(12), lines(12).replace('line 6\nline 7\n', '')],
    ];
    for (const [before, after] of cases) {
      const diff = unifiedDiff(before, after, { path: 'src/a.ts' });
      expect(applyUnifiedDiff(before, diff), diff).toBe(after);
      if (hasPatch && before !== '') expect(patchTool(before, diff), diff).toBe(after);
    }
    const far = unifiedDiff(cases[0][0], cases[0][1], { path: 'src/a.ts' });
    expect(far.match(/^@@/gm)).toHaveLength(2);
    expect(unifiedDiff(cases[4][0], cases[4][1], { path: 'src/a.ts' })).toContain('\\ No newline at end of file');
  });

  it('refuses a diff whose lines no longer match the file (409)', () => {
    const before = lines(8);
    const diff = unifiedDiff(before, before.replace('line 4\n', 'line IV\n'), { path: 'src/a.ts' });
    expect(() => applyUnifiedDiff(before.replace('line 3\n', 'changed\n'), diff)).toThrow(expect.objectContaining({ code: 'CVU_ERR_BAD_REQUEST', status: 409 }));
  });

  it('keeps CRLF line by line, and a CRLF diff refuses an LF file (no line-ending conversion)', () => {
    const before = lines(8).replace(/\n/g, '\r\n');
    const after = before.replace('line 4\r\n', 'line four\r\n');
    const diff = unifiedDiff(before, after, { path: 'src/a.ts' });
    expect(diff).toContain('-line 4\r\n+line four\r\n');
    expect(applyUnifiedDiff(before, diff)).toBe(after);
    // Mixed endings: only the changed line's own ending is in the diff.
    const mixed = 'a\r\nb\nc\r\n';
    expect(applyUnifiedDiff(mixed, unifiedDiff(mixed, 'a\r\nB\nc\r\n', { path: 'm' }))).toBe('a\r\nB\nc\r\n');
    expect(() => applyUnifiedDiff(before.replace(/\r\n/g, '\n'), diff)).toThrow(expect.objectContaining({ status: 409 }));
  });

  it('keeps a missing final newline, adds or removes it, and refuses a file whose last line differs in it', () => {
    const noEol = 'a\nb\nc';
    for (const after of ['a\nb\nC', 'a\nb\nc\n', 'a\nB\nc', 'a\nb\nc\nd']) {
      const diff = unifiedDiff(noEol, after, { path: 'src/a.ts' });
      expect(applyUnifiedDiff(noEol, diff), diff).toBe(after);
      if (hasPatch) expect(patchTool(noEol, diff), diff).toBe(after);
    }
    expect(unifiedDiff(noEol, 'a\nb\nc\n', { path: 'x' })).toBe('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+c\n');
    // The diff was made for a file ending in "c" without a newline; this one has it.
    expect(() => applyUnifiedDiff('a\nb\nc\n', unifiedDiff(noEol, 'a\nB\nc', { path: 'x' }))).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => applyUnifiedDiff(noEol, unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', { path: 'x' }))).toThrow(expect.objectContaining({ status: 409 }));
  });

  it('refuses a hunk that would still match a few lines away (no offset search, no fuzz)', () => {
    const before = lines(20);
    const diff = unifiedDiff(before, before.replace('line 10\n', 'line ten\n'), { path: 'src/a.ts' });
    // Two lines added above: GNU patch and jsdiff would apply it at an offset.
    const moved = 'new 1\nnew 2\n' + before;
    expect(() => applyUnifiedDiff(moved, diff)).toThrow(expect.objectContaining({ code: 'CVU_ERR_BAD_REQUEST', status: 409 }));
    expect(() => applyUnifiedDiff(moved, diff)).toThrow(/line 7 is "line 5", the diff expects "line 7"/);
    // A context line changed, the removed line intact: fuzz would take it.
    expect(() => applyUnifiedDiff(before.replace('line 12\n', 'line twelve\n'), diff)).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => applyUnifiedDiff(before, 'not a diff\n@@ -1,1 +1,1 @@\n-line 1\n+x\n+y\n')).toThrow(expect.objectContaining({ status: 409 }));
  });

  it('diffs a large file edited at both ends into two small hunks', () => {
    const before = lines(30_000);
    const after = before.replace('line 2\n', 'second\n').replace('line 29999\n', 'almost last\n');
    const diff = unifiedDiff(before, after, { path: 'src/a.ts' });
    expect(diff.split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,5 +1,5 @@', '@@ -29996,5 +29996,5 @@']);
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-line 2', '+second', '-line 29999', '+almost last']);
    expect(applyUnifiedDiff(before, diff)).toBe(after);
  });

  it('replaces the changed middle in one hunk when the rewrite is too large to diff line by line', () => {
    const head = lines(5, (i) => `head ${i}`);
    const tail = 'tail 1\ntail 2';
    const before = head + lines(1500, (i) => `old ${i}`) + tail;
    const after = head + lines(1200, (i) => `new ${i}`) + tail;
    const diff = unifiedDiff(before, after, { path: 'src/a.ts' });
    expect(diff.match(/^@@.*/gm)).toEqual(['@@ -3,1505 +3,1205 @@']);
    expect(diff).toMatch(/^ head 3\n head 4\n head 5\n-old 1\n/m);
    expect(diff).toMatch(/\n-old 1500\n\+new 1\n/);
    expect(diff.endsWith('+new 1200\n tail 1\n tail 2\n\\ No newline at end of file\n')).toBe(true);
    expect(applyUnifiedDiff(before, diff)).toBe(after);
    if (hasPatch) expect(patchTool(before, diff)).toBe(after);
  });
});
