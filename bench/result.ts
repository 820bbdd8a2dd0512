/**
 * The result file every benchmark writes, in one format that `npm run bench:report` turns into
 * docs/benchmarks.md: the commit measured (and whether the tree was dirty), the date, the machine
 * and its load at the start and end, the options, and the figures. Each figure says what it
 * measures in one sentence, its unit, its spread where it comes from repeated samples, and the floor
 * or baseline it is read against, measured in the same run (on a shared 2-core machine an absolute
 * figure says more about the neighbours than about Cvu).
 *
 * ```ts
 * const run = beginResult('index', { runs: 3 });
 * const figures = { filesPerSecond: ratePerRun(...) };
 * writeResult(run.finish(figures, { corpora }), resultOutputs(args, 'index'));
 * ```
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULT_FORMAT = 'cvu-bench-result/1';
export const benchRepo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where committed result files live; docs/benchmarks.md is generated from them. */
export const recordedResultsDir = path.join(benchRepo, 'bench/results');

/** The p-th percentile (0–100) of the values, by rank; NaN when there are none. */
export function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** How a figure's samples spread: p50 and p95 of many samples, or min and max over repeated runs. */
export interface Interval {
  kind: 'p50-p95' | 'min-max';
  low: number;
  high: number;
  /** Samples (or runs) the interval is over. */
  n: number;
}

export interface Target {
  op: '<' | '<=' | '>' | '>=';
  value: number;
  /** Where the target comes from (an issue, a design rule). */
  source: string;
  /** Which statistic it holds for, where the figure is a latency: its p50 (the value, by default) or its p95. */
  on?: 'p95';
}

/** A floor or baseline measured in the same run, in the figure's unit. */
export interface Floor {
  value: number;
  measures: string;
  interval?: Interval;
}

export interface Figure {
  /** Short name, for tables. */
  name: string;
  value: number;
  unit: string;
  /** What it measures, in one sentence. */
  measures: string;
  interval?: Interval;
  floor?: Floor;
  /** value / floor.value, when there is a floor. */
  ratio?: number;
  target?: Target;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  platform: string;
  /** os.loadavg(): 1, 5 and 15-minute load averages. */
  loadAtStart: number[];
  loadAtEnd: number[];
}

export interface BenchResult {
  format: typeof RESULT_FORMAT;
  bench: string;
  /** The command that produced it, for whoever reruns it. */
  command: string;
  commit: string;
  /** Whether tracked files differed from the commit (besides recorded results and the generated doc). */
  dirty: boolean;
  dirtyFiles: string[];
  date: string;
  machine: Machine;
  options: Record<string, unknown>;
  /** How many times the measurement was repeated (the figures' min–max intervals are over these runs). */
  runs: number;
  figures: Record<string, Figure>;
  /** What else the run found that is small enough to keep (counts, per-part timings). */
  details?: Record<string, unknown>;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const loadNow = () => os.loadavg().map((l) => round(l));

/** The commit of `cwd`'s checkout, and its uncommitted changes to tracked files that the benchmark did not write itself. */
export function gitState(cwd = benchRepo): { commit: string; dirty: boolean; dirtyFiles: string[] } {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  };
  const commit = git(['rev-parse', '--short=10', 'HEAD']).trim() || 'unknown';
  const dirtyFiles = git(['status', '--porcelain', '--untracked-files=no'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3))
    .filter((f) => !f.startsWith('bench/results/') && f !== 'docs/benchmarks.md');
  return { commit, dirty: dirtyFiles.length > 0, dirtyFiles: dirtyFiles.slice(0, 20) };
}

function machineAtStart(): Omit<Machine, 'loadAtEnd'> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? '',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAtStart: loadNow(),
  };
}

/**
 * Starts a result: the date, machine and load are taken now, the load again at finish().
 * `git` is the checkout whose code is measured (another build's, for bench:context --rev).
 */
export function beginResult(bench: string, opts: { options: Record<string, unknown>; runs?: number; git?: string }) {
  const date = new Date().toISOString();
  const machine = machineAtStart();
  const state = gitState(opts.git);
  const command = `npm run bench:${bench}${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  return {
    finish(figures: Record<string, Figure>, details?: Record<string, unknown>): BenchResult {
      return {
        format: RESULT_FORMAT,
        bench,
        command,
        ...state,
        date,
        machine: { ...machine, loadAtEnd: loadNow() },
        options: opts.options,
        runs: opts.runs ?? 1,
        figures,
        ...(details ? { details } : {}),
      };
    },
  };
}

/** Rounds to a precision that keeps three significant figures, so result files diff cleanly. */
export function tidy(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return round(x, Math.min(digits, 6));
}

/** A figure; its ratio to the floor is filled in, numbers tidied. */
export function figure(f: Omit<Figure, 'ratio'>): Figure {
  const out: Figure = { ...f, value: tidy(f.value) };
  if (f.interval) out.interval = tidyInterval(f.interval);
  if (f.floor) {
    out.floor = { ...f.floor, value: tidy(f.floor.value), ...(f.floor.interval ? { interval: tidyInterval(f.floor.interval) } : {}) };
    if (f.floor.value) out.ratio = round(f.value / f.floor.value, 3);
  }
  return out;
}

const tidyInterval = (i: Interval): Interval => ({ ...i, low: tidy(i.low), high: tidy(i.high) });

/** p50 as the value, p50–p95 as its interval: the usual shape of a latency. */
export function latency(samples: number[]): { value: number; interval: Interval } {
  return { value: pct(samples, 50), interval: { kind: 'p50-p95', low: pct(samples, 50), high: pct(samples, 95), n: samples.length } };
}

/** The median of repeated runs as the value, min–max over the runs as its interval. */
export function overRuns(values: number[]): { value: number; interval?: Interval } {
  if (values.length < 2) return { value: values[0] ?? NaN };
  return { value: pct(values, 50), interval: { kind: 'min-max', low: Math.min(...values), high: Math.max(...values), n: values.length } };
}

/** The options every benchmark takes for its result file (node:util parseArgs shape). */
export const resultFileOptions = {
  out: { type: 'string' },
  record: { type: 'boolean', default: false },
} as const;

export interface ResultOutputs {
  /** The full result (default: under $CVU_BENCH_DIR/results, outside the repository). */
  out?: string;
  /** Also write bench/results/<bench>.json, the file docs/benchmarks.md is generated from. */
  record?: boolean;
}

/**
 * Writes the result where asked and says where. A recorded copy (`--record`) goes through `slim`
 * first, for benchmarks whose full result holds per-task data too large to commit.
 */
export function writeResult(result: BenchResult, to: ResultOutputs, slim: (r: BenchResult) => BenchResult = (r) => r): string {
  const base = path.resolve(process.env.CVU_BENCH_DIR ?? path.join(os.tmpdir(), 'cvu-bench'));
  const out = to.out ? path.resolve(to.out) : path.join(base, 'results', `${result.bench}-${result.date.replace(/[:.]/g, '-')}.json`);
  const write = (file: string, r: BenchResult) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(r, null, 1) + '\n');
  };
  write(out, result);
  console.log(`result: ${out}`);
  if (to.record) {
    const recorded = path.join(recordedResultsDir, `${result.bench}.json`);
    write(recorded, slim(result));
    console.log(`recorded: ${path.relative(benchRepo, recorded)} (then: npm run bench:report)`);
  }
  return out;
}

/** The daemon's (or any process's) resident set now and its peak so far, in MB; Linux's /proc, else `ps` and no peak. */
export function processMemoryMb(pid: number): { rssMb: number; peakMb: number | null } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024, peakMb: null };
  }
}
