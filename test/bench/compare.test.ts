/**
 * bench:context's `--compare` (bench/ccbench.ts compare): task by task when both result files hold
 * their tasks, summaries only when one is a recorded copy (bench/results/context.json keeps none).
 */
import { describe, expect, it } from 'vitest';
import { compare, type ResultsFile, type TaskRecord } from '../../bench/ccbench.js';

const task = (key: string, hit2k: boolean): TaskRecord =>
  ({ key, corpus: 'c', language: 'Go', use: 'member', name: key, def: 'd.go:1', hits: { 'cvu@2000': hit2k, 'cvu@4000': true } }) as TaskRecord;
const summary = (recall: number) => ({ overall: { all: { 'cvu@2000': { n: 2, hits: recall * 2, recall }, 'cvu@4000': { n: 2, hits: 2, recall: 1 } } } });
const results = (tasks: TaskRecord[] | undefined, recall: number): ResultsFile =>
  ({ seed: 7, commit: 'abc', date: 'today', variants: { kept: { summary: summary(recall), ...(tasks ? { tasks } : {}) } } }) as unknown as ResultsFile;

describe('compare', () => {
  it('names the tasks newly hit and newly missed when both files hold their tasks', () => {
    const out = compare(results([task('a', false), task('b', true)], 0.5), results([task('a', true), task('b', false)], 0.5), 'A', 'B');
    expect(out).toContain('cvu@2000: 1 tasks newly hit, 1 newly missed');
    expect(out).toContain('  + a a (member)');
    expect(out).toContain('  - b b (member)');
  });

  it('compares the summaries only, and says so, when one file is a recorded copy without its tasks', () => {
    const out = compare(results(undefined, 0.5), results([task('a', true), task('b', true)], 1), 'A', 'B');
    expect(out).toContain('only the summaries are compared');
    expect(out).toContain('0.500 → 1.000');
    expect(out).not.toContain('newly hit');
  });
});
