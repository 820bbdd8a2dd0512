import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchmarksDocPath, currentBenchmarksDoc, formatNumber, readRecordedResults, renderBenchmarksDoc } from '../../bench/benchmarks-doc.js';
import { figure, latency, overRuns, RESULT_FORMAT, type BenchResult } from '../../bench/result.js';

function result(figures: BenchResult['figures']): BenchResult {
  return {
    format: RESULT_FORMAT,
    bench: 'index',
    command: 'npm run bench:index -- --runs 2',
    commit: 'abc1234def',
    dirty: false,
    dirtyFiles: [],
    date: '2026-12-03T12:40:05.123Z',
    machine: { cpus: 2, cpuModel: 'AMD EPYC', memGiB: 24, node: 'v20.20.2', platform: 'linux-x64', loadAtStart: [1.25, 1, 1], loadAtEnd: [3.5, 2, 1] },
    options: { runs: 2 },
    runs: 2,
    figures,
  };
}

describe('docs/benchmarks.md', () => {
  // Generated from the committed result files and the hand-written history: it cannot go stale.
  it('is what `npm run bench:report` generates from bench/results and docs/benchmarks-history.md', () => {
    expect(fs.readFileSync(benchmarksDocPath, 'utf8')).toBe(currentBenchmarksDoc());
  });

  it('holds a table for every recorded benchmark, each figure with what it measures', () => {
    const doc = fs.readFileSync(benchmarksDocPath, 'utf8');
    for (const r of readRecordedResults()) {
      expect(doc).toContain(`### \`npm run bench:${r.bench}\``);
      for (const f of Object.values(r.figures)) {
        expect(f.measures.length).toBeGreaterThan(10);
        expect(Number.isFinite(f.value)).toBe(true);
        expect(doc).toContain(`| ${f.name.replace(/\|/g, '\\|')} |`);
      }
    }
  });
});

describe('renderBenchmarksDoc', () => {
  const history = '# Benchmarks: how they work, and their history\n\nOld figures stay here.\n';

  it('renders a latency with its p50/p95, its floor, the ratio at both and whether the target is met', () => {
    const doc = renderBenchmarksDoc(
      [
        result({
          save: figure({
            name: 'save → searchable', unit: 'ms', ...latency([100, 120, 140, 300]),
            measures: 'From a save until /search finds it.',
            floor: { ...latency([50, 60, 70, 100]), measures: 'a direct re-index' },
            target: { op: '<', value: 200, source: 'issue 2', on: 'p95' },
          }),
        }),
      ],
      history,
    );
    expect(doc).toContain('| save → searchable | From a save until /search finds it. | p50 140, p95 300 ms (n 4) | p50 70, p95 100 ms (n 4): a direct re-index | 2× at p50, 3× at p95 | p95 < 200 ms (issue 2): **not met** |');
    expect(doc).toContain('load 1.25 at the start, 3.5 at the end');
    expect(doc).toContain('Commit abc1234def, 2026-12-03 12:40 UTC: `npm run bench:index -- --runs 2`, 2 runs.');
  });

  it('renders a figure repeated over runs as its median with the min–max', () => {
    const doc = renderBenchmarksDoc(
      [result({ rate: figure({ name: 'files/s', unit: 'files/s', ...overRuns([90, 110, 100]), measures: 'Files indexed per second.', floor: { value: 400, measures: 'parsing alone' }, target: { op: '>=', value: 300, source: 'issue 2' } }) })],
      history,
    );
    expect(doc).toContain('| files/s | Files indexed per second. | 100 files/s (min–max 90–110 files/s over 3 runs) | 400 files/s: parsing alone | 0.250× | ≥ 300 files/s (issue 2): **not met** |');
  });

  it('includes the history verbatim after the current figures', () => {
    const doc = renderBenchmarksDoc([], history);
    expect(doc.indexOf('## Current figures')).toBeLessThan(doc.indexOf(history.trimEnd()));
    expect(doc.endsWith(`${history.trimEnd()}\n`)).toBe(true);
  });

  it('escapes table separators in what a figure measures', () => {
    const doc = renderBenchmarksDoc([result({ x: figure({ name: 'a | b', unit: 'ms', value: 1, measures: 'x | y' }) })], history);
    expect(doc).toContain('| a \\| b | x \\| y | 1 ms |');
  });
});

describe('formatNumber', () => {
  it('keeps about three significant figures and separates thousands', () => {
    expect([formatNumber(12345.6), formatNumber(123.4), formatNumber(12.34), formatNumber(1.234), formatNumber(0.1234), formatNumber(0.85), formatNumber(2)]).toEqual(['12,346', '123', '12.3', '1.23', '0.123', '0.850', '2']);
  });
});
