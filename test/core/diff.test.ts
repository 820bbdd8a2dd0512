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
});
