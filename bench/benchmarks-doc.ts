/**
 * docs/benchmarks.md, generated: a "Current figures" table per benchmark from the result files
 * committed under bench/results/, then docs/benchmarks-history.md (hand-written: how the
 * benchmarks work, and their figures over time) verbatim. The same inputs always give the same
 * page, so a test can check that the committed page is not stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchRepo, recordedResultsDir, RESULT_FORMAT, type BenchResult, type Figure, type Interval } from './result.js';

export const benchmarksDocPath = path.join(benchRepo, 'docs/benchmarks.md');
export const historyDocPath = path.join(benchRepo, 'docs/benchmarks-history.md');

/** The benchmarks in the page's order, and what each is about. */
const BENCHES: Record<string, string> = {
  index: 'the index engine',
  complete: 'inline completion while typing',
  remote: 'inline completion on a shared model server (llama-server)',
  soak: 'the daemon over a typing session',
  context: 'retrieval benchmark v2',
  search: 'natural-language code search against BM25',
  scale: 'a monorepo from real sources: time to ready, memory, first context, saves while indexing',
};

/** The recorded results, in the page's order; a file not in the common format is an error naming it. */
export function readRecordedResults(dir = recordedResultsDir): BenchResult[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const results = files.map((f) => {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as BenchResult;
    if (r.format !== RESULT_FORMAT || !r.bench || !r.figures) throw new Error(`${path.join(dir, f)} is not a ${RESULT_FORMAT} result file`);
    return r;
  });
  const rank = (b: string) => (b in BENCHES ? Object.keys(BENCHES).indexOf(b) : Infinity);
  return results.sort((a, b) => rank(a.bench) - rank(b.bench) || a.bench.localeCompare(b.bench));
}

/** Three significant figures at most, thousands separated, no exponent. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  // A share keeps its three decimals (0.850, not 0.85): recalls line up and read as measured to that precision.
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: abs < 1 ? digits : 0 });
}

const withUnit = (x: number, unit: string) => `${formatNumber(x)} ${unit}`;

function formatSpread(i: Interval, unit: string): string {
  return i.kind === 'p50-p95'
    ? `p50 ${formatNumber(i.low)}, p95 ${withUnit(i.high, unit)} (n ${i.n})`
    : `min–max ${formatNumber(i.low)}–${withUnit(i.high, unit)} over ${i.n} runs`;
}

function formatValue(f: Figure): string {
  if (f.interval?.kind === 'p50-p95') return formatSpread(f.interval, f.unit);
  return `${withUnit(f.value, f.unit)}${f.interval ? ` (${formatSpread(f.interval, f.unit)})` : ''}`;
}

function formatFloor(f: Figure): string {
  if (!f.floor) return '–';
  const value = f.floor.interval?.kind === 'p50-p95' ? formatSpread(f.floor.interval, f.unit) : withUnit(f.floor.value, f.unit);
  return `${value}: ${f.floor.measures}`;
}

function formatRatio(f: Figure): string {
  if (f.ratio === undefined) return '–';
  const p50 = `${formatNumber(f.ratio)}×`;
  // Latencies compare at p95 too: a wrapper that adds little at the median can still add a tail.
  if (f.interval?.kind === 'p50-p95' && f.floor?.interval?.kind === 'p50-p95' && f.floor.interval.high) {
    return `${p50} at p50, ${formatNumber(f.interval.high / f.floor.interval.high)}× at p95`;
  }
  return p50;
}

/** The target, and whether this run meets it (on p95 where the target says so). */
function formatTarget(f: Figure): string {
  const t = f.target;
  if (!t) return '–';
  const onP95 = t.on === 'p95' && f.interval?.kind === 'p50-p95';
  const x = onP95 ? f.interval!.high : f.value;
  const met = { '<': x < t.value, '<=': x <= t.value, '>': x > t.value, '>=': x >= t.value }[t.op];
  const op = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' }[t.op];
  return `${onP95 ? 'p95 ' : ''}${op} ${withUnit(t.value, f.unit)} (${t.source}): ${met ? 'met' : '**not met**'}`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function formatDate(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function benchSection(r: BenchResult): string {
  const m = r.machine;
  const load = (l: number[]) => formatNumber(l[0]);
  const out = [
    `### \`npm run bench:${r.bench}\` — ${BENCHES[r.bench] ?? r.bench}`,
    '',
    `Commit ${r.commit}${r.dirty ? ` with uncommitted changes (${r.dirtyFiles.join(', ')})` : ''}, ${formatDate(r.date)}: \`${r.command}\`` +
      `${r.runs > 1 ? `, ${r.runs} runs` : ''}. Machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, node ${m.node}, ${m.platform}; ` +
      `load ${load(m.loadAtStart)} at the start, ${load(m.loadAtEnd)} at the end (1-minute average).`,
    '',
    '| figure | what it measures | value | floor or baseline, same run | ratio | target |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of Object.values(r.figures)) {
    out.push(`| ${[f.name, f.measures, formatValue(f), formatFloor(f), formatRatio(f), formatTarget(f)].map(cell).join(' | ')} |`);
  }
  return out.join('\n');
}

/** The whole page. */
export function renderBenchmarksDoc(results: BenchResult[], history: string): string {
  const parts = [
    '<!-- Generated by `npm run bench:report` from bench/results/*.json and docs/benchmarks-history.md: edit those, not this file. -->',
    '',
    '# Benchmarks',
    '',
    'The current figures of each benchmark, from the result files committed under `bench/results/`; below them, how the',
    'benchmarks work and their figures over time ([docs/benchmarks-history.md](benchmarks-history.md), hand-written).',
    '',
    'Each figure is read against a floor or baseline measured in the same run (the ratio column): on the shared 2-core',
    "test machine an absolute figure moves with other people's load, which the run's load averages show; the ratio moves",
    'much less. A latency\'s value is its p50 and p95 over n samples; a figure repeated over runs is their median, with',
    'the min–max over the runs.',
    '',
    'To refresh a benchmark\'s figures: run it with `--record` (it writes `bench/results/<bench>.json`), then',
    '`npm run bench:report`, and commit both; a test fails while this page and the result files disagree.',
    '',
    '## Current figures',
    '',
    ...(results.length ? results.map((r) => benchSection(r) + '\n') : ['No result is recorded yet.\n']),
    '---',
    '',
    '*The rest of this page is [docs/benchmarks-history.md](benchmarks-history.md), included verbatim.*',
    '',
    history.trimEnd(),
    '',
  ];
  return parts.join('\n');
}

/** The page as bench/results and the history file make it now. */
export function currentBenchmarksDoc(): string {
  return renderBenchmarksDoc(readRecordedResults(), fs.readFileSync(historyDocPath, 'utf8'));
}
