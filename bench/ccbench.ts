/**
 * The v2 retrieval benchmark's engine (../shared/bench/ccbench.mjs), driven as a child process the
 * way its README runs it: `make` draws tasks from a checkout, `run bm25|naive|cvu` scores them. This
 * module caches drawn tasks and baseline scores, reads back which task each run hit (the engine's
 * MISSES=1 lines, checked against its own per-repo counts), and summarises and compares results.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type Variant = 'kept' | 'noimport';
export type Mode = 'bm25' | 'naive' | 'cvu';
export type UseKind = 'plain' | 'type' | 'member';

export interface Task {
  repo: string;
  file: string;
  line: number;
  name: string;
  use: UseKind;
  test: boolean;
  def: { file: string; start: number; end: number; kind: string };
  noimport?: { drop: number } | { replace: number; text: string };
}

export interface TaskFile {
  repo: string;
  files: number;
  definitions: number;
  tasks: Task[];
}

/** The engine, found beside the repository; a clear error when ../shared is not there. */
export function findEngine(repo: string): { path: string; hash: string } {
  const p = path.resolve(repo, '../shared/bench/ccbench.mjs');
  if (!fs.existsSync(p)) {
    throw new Error(
      `the retrieval benchmark's engine is missing: expected ${p} (the read-only ../shared folder beside this repository, ` +
        'which holds bench/ccbench.mjs and bench/corpora/*.tar.gz). bench:context cannot run without it.',
    );
  }
  return { path: p, hash: sha1(fs.readFileSync(p)).slice(0, 12) };
}

export function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

/** A content hash of a tree (paths and bytes), so that caches follow the corpus, not its location. */
export function treeFingerprint(root: string): string {
  const h = createHash('sha1');
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) h.update(path.relative(root, abs)).update('\0').update(fs.readFileSync(abs)).update('\0');
    }
  };
  walk(root);
  return h.digest('hex').slice(0, 12);
}

/** The environment of an engine run: the caller's, less the engine's own knobs, plus `set`. */
function engineEnv(set: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['SEED', 'ONLY_NOIMPORT', 'VARIANT', 'BUDGET_CHARS', 'BENCH_REPOS', 'MISSES', 'READY_S', 'CVU_URL', 'CVU_TOKEN']) delete env[k];
  return { ...env, ...set };
}

function spawnCollect(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export interface DrawOptions {
  repo: string;
  engine: { path: string; hash: string };
  root: string;
  label: string;
  fingerprint: string;
  seed: number;
  variant: Variant;
  max: number;
  cacheDir: string;
}

/**
 * Tasks for one corpus, seed and variant (noimport: drawn with ONLY_NOIMPORT=1), from the cache when
 * the same corpus content, engine, seed and count were drawn before.
 */
export async function drawTasks(o: DrawOptions): Promise<{ file: string; cached: boolean; data: TaskFile }> {
  const file = path.join(o.cacheDir, `${o.label}-${o.variant}-seed${o.seed}-n${o.max}-${o.fingerprint}-${o.engine.hash}.json`);
  if (fs.existsSync(file)) return { file, cached: true, data: JSON.parse(fs.readFileSync(file, 'utf8')) };
  const env = engineEnv({ SEED: String(o.seed), ...(o.variant === 'noimport' ? { ONLY_NOIMPORT: '1' } : {}) });
  const r = await spawnCollect([o.engine.path, 'make', o.root, o.label, String(o.max)], o.repo, env);
  if (r.code !== 0) throw new Error(`drawing ${o.label} (${o.variant}, seed ${o.seed}) failed:\n${r.stderr}`);
  const data = JSON.parse(r.stdout) as TaskFile;
  writeAtomic(file, JSON.stringify(data));
  return { file, cached: false, data };
}

/** The tasks a variant scores (the engine's own filter). */
export function variantTasks(tf: TaskFile, variant: Variant): Task[] {
  return variant === 'noimport' ? tf.tasks.filter((t) => t.noimport) : tf.tasks;
}

export const taskKey = (t: Pick<Task, 'repo' | 'file' | 'line'>) => `${t.repo}:${t.file}:${t.line}`;

export interface ScoreResult {
  /** Keys (taskKey) of the tasks missed. */
  misses: string[];
  total: number;
  /** The engine's /context latency line (cvu only). */
  latency?: { p50: number; p95: number; max: number };
}

export interface ScoreOptions {
  repo: string;
  engine: { path: string; hash: string };
  mode: Mode;
  variant: Variant;
  budget: number;
  taskFiles: { file: string; data: TaskFile }[];
  corporaDir: string;
  env?: Record<string, string>;
}

/** Runs the engine once over the task files and returns the tasks it missed, checked against its counts. */
export async function score(o: ScoreOptions): Promise<ScoreResult> {
  const env = engineEnv({ ...o.env, VARIANT: o.variant, BUDGET_CHARS: String(o.budget), BENCH_REPOS: o.corporaDir, MISSES: '1' });
  const r = await spawnCollect([o.engine.path, 'run', o.mode, ...o.taskFiles.map((t) => t.file)], o.repo, env);
  if (r.code !== 0) throw new Error(`ccbench run ${o.mode} (${o.variant}, ${o.budget}) failed:\n${r.stderr || r.stdout}`);
  const misses: string[] = [];
  const counted = new Map<string, { tasks: number; hits: number }>();
  let current: string | null = null;
  let latency: ScoreResult['latency'];
  for (const line of r.stdout.split('\n')) {
    const miss = /^ {2}miss (.+):(\d+) \S+ \(\w+\) -> /.exec(line);
    if (miss) {
      if (!current) throw new Error(`ccbench output: a miss before any repo line: ${line}`);
      misses.push(taskKey({ repo: current, file: miss[1], line: Number(miss[2]) }));
      continue;
    }
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { repo?: string; tasks?: number; hits?: number; contextLatencyMs?: ScoreResult['latency'] };
    if (j.repo !== undefined) {
      current = j.repo;
      counted.set(j.repo, { tasks: j.tasks!, hits: j.hits! });
    }
    if (j.contextLatencyMs) latency = j.contextLatencyMs;
  }
  let total = 0;
  for (const { data } of o.taskFiles) {
    const c = counted.get(data.repo);
    const n = variantTasks(data, o.variant).length;
    const missed = misses.filter((m) => m.startsWith(`${data.repo}:`)).length;
    if (!c || c.tasks !== n || c.hits !== n - missed) {
      throw new Error(`ccbench output for ${data.repo} does not add up (${JSON.stringify(c)}, ${n} tasks, ${missed} misses listed)`);
    }
    total += n;
  }
  return { misses, total, ...(latency ? { latency } : {}) };
}

/** A baseline's score on one corpus, cached by everything it depends on. */
export async function cachedScore(o: ScoreOptions & { cacheDir: string; fingerprint: string }): Promise<ScoreResult & { cached: boolean }> {
  const [tf] = o.taskFiles;
  const key = sha1([o.engine.hash, o.fingerprint, o.mode, o.variant, o.budget, JSON.stringify(tf.data.tasks)].join('|')).slice(0, 16);
  const file = path.join(o.cacheDir, `${tf.data.repo}-${o.mode}-${o.variant}-${o.budget}-${key}.json`);
  if (fs.existsSync(file)) return { ...(JSON.parse(fs.readFileSync(file, 'utf8')) as ScoreResult), cached: true };
  const r = await score(o);
  writeAtomic(file, JSON.stringify(r));
  return { ...r, cached: false };
}

// ---------------------------------------------------------------- results

/** Columns of the tables and keys of a task's `hits`: retriever@budget. */
export const COLUMNS = ['bm25@2000', 'bm25@4000', 'naive@2000', 'naive@4000', 'cvu@2000', 'cvu@4000'] as const;
/** Kept member tasks asked again with the receiver typed (bench/typed-receiver.ts): Cvu only. */
export const TYPED_COLUMNS = ['typed@2000', 'typed@4000'] as const;
export const COLUMN_TITLES: Record<string, string> = { 'bm25@2000': 'BM25 2k', 'bm25@4000': 'BM25 4k', 'naive@2000': 'naive 2k', 'naive@4000': 'naive 4k', 'cvu@2000': 'Cvu 2k', 'cvu@4000': 'Cvu 4k', 'typed@2000': 'typed 2k', 'typed@4000': 'typed 4k' };

export interface TaskRecord {
  key: string;
  corpus: string;
  language: string;
  use: UseKind;
  name: string;
  def: string;
  /**
   * The engine's definition is a function's local variable (bench/definition-scope.ts): no other
   * file can use it, so the task's ground truth is not what the line needs. Absent in older results.
   */
  functionLocalData?: boolean;
  /** column -> hit */
  hits: Record<string, boolean>;
}

export interface Cell {
  n: number;
  hits: number;
  recall: number;
}
/** group ("overall", "corpus", "language", "kind") -> row name -> column -> cell */
export type Summary = Record<string, Record<string, Record<string, Cell>>>;

export function summarise(records: TaskRecord[], columns: readonly string[], order: { corpus: string[]; language: string[] }): Summary {
  const groups: [string, (r: TaskRecord) => string, string[]][] = [
    ['overall', () => 'all', ['all']],
    ['corpus', (r) => r.corpus, order.corpus],
    ['language', (r) => r.language, order.language],
    ['kind', (r) => r.use, ['plain', 'type', 'member']],
    // The same without the tasks whose definition is a function's local variable (TaskRecord.functionLocalData).
    ['reachable', (r) => (r.functionLocalData ? '' : 'all'), ['all']],
    ['reachable corpus', (r) => (r.functionLocalData ? '' : r.corpus), order.corpus],
  ];
  const out: Summary = {};
  for (const [g, by, rows] of groups) {
    out[g] = {};
    for (const row of rows) {
      const rs = records.filter((r) => by(r) === row);
      if (!rs.length) continue;
      // A code base without such tasks needs no second row.
      if (g === 'reachable corpus' && rs.length === records.filter((r) => r.corpus === row).length) continue;
      out[g][row] = {};
      for (const c of columns) {
        const scored = rs.filter((r) => c in r.hits);
        if (!scored.length) continue;
        const hits = scored.filter((r) => r.hits[c]).length;
        out[g][row][c] = { n: scored.length, hits, recall: Number((hits / scored.length).toFixed(3)) };
      }
    }
  }
  return out;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function rowLabel(group: string, row: string): string {
  if (group === 'overall') return 'overall';
  if (group === 'reachable') return 'reachable overall';
  return `${group === 'language' ? 'lang' : group} ${row}`;
}

export function table(summary: Summary, columns: readonly string[]): string {
  const lines = [pad('', 22) + lpad('n', 5) + columns.map((c) => lpad(COLUMN_TITLES[c] ?? c, 10)).join('')];
  for (const [g, rows] of Object.entries(summary)) {
    for (const [row, cells] of Object.entries(rows)) {
      const n = Math.max(0, ...Object.values(cells).map((c) => c.n));
      const label = rowLabel(g, row);
      lines.push(pad(label, 22) + lpad(String(n), 5) + columns.map((c) => lpad(cells[c] ? cells[c].recall.toFixed(3) : '–', 10)).join(''));
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- comparing two results files

export interface ResultsFile {
  seed: number;
  commit: string;
  date: string;
  /** (Read from a recorded copy, bench/results/context.json, a variant has its summary only: compare checks.) */
  variants: Partial<Record<Variant, { summary: Summary; tasks: TaskRecord[] }>>;
}

/** Cvu's figures of two results files side by side, on the tasks both scored, and the tasks that changed. */
export function compare(a: ResultsFile, b: ResultsFile, aName: string, bName: string): string {
  const out: string[] = [`A = ${aName} (${a.date}, ${a.commit}, seed ${a.seed})`, `B = ${bName} (${b.date}, ${b.commit}, seed ${b.seed})`];
  if (a.seed !== b.seed) out.push('The seeds differ: the tasks differ, so only the summaries are compared, not task by task.');
  // A recorded copy (bench/results/context.json) keeps the summaries only; the full file has the tasks.
  const withTasks = (r: ResultsFile) => Object.values(r.variants).every((x) => !x || Array.isArray(x.tasks));
  const byTask = a.seed === b.seed && withTasks(a) && withTasks(b);
  if (a.seed === b.seed && !byTask) out.push('A file without its tasks (a recorded copy keeps the summaries only: the full result file has them): only the summaries are compared.');
  for (const v of ['kept', 'noimport'] as const) {
    const va = a.variants[v];
    const vb = b.variants[v];
    if (!va || !vb) continue;
    const cols = ['cvu@2000', 'cvu@4000', ...(v === 'kept' && va.summary.overall?.all?.['typed@2000'] && vb.summary.overall?.all?.['typed@2000'] ? TYPED_COLUMNS : [])];
    out.push('', `== ${v}: Cvu recall, A → B (Δ)${byTask ? ', on the tasks both scored' : ''}`);
    let sa = va.summary;
    let sb = vb.summary;
    if (byTask) {
      const keys = new Set(va.tasks.map((t) => t.key));
      const common = new Set(vb.tasks.filter((t) => keys.has(t.key)).map((t) => t.key));
      const order = { corpus: Object.keys(vb.summary.corpus ?? {}), language: Object.keys(vb.summary.language ?? {}) };
      sa = summarise(va.tasks.filter((t) => common.has(t.key)), cols, order);
      sb = summarise(vb.tasks.filter((t) => common.has(t.key)), cols, order);
    }
    out.push(pad('', 22) + lpad('n', 5) + cols.map((c) => lpad(COLUMN_TITLES[c], 24)).join(''));
    for (const [g, rows] of Object.entries(sb)) {
      for (const [row, cells] of Object.entries(rows)) {
        const label = rowLabel(g, row);
        const n = Math.max(0, ...Object.values(cells).map((c) => c.n));
        const fig = (c: string) => {
          const x = sa[g]?.[row]?.[c];
          const y = cells[c];
          if (!x || !y) return lpad('–', 24);
          const d = y.recall - x.recall;
          return lpad(`${x.recall.toFixed(3)} → ${y.recall.toFixed(3)} (${d >= 0 ? '+' : ''}${d.toFixed(3)})`, 24);
        };
        out.push(pad(label, 22) + lpad(String(n), 5) + cols.map(fig).join(''));
      }
    }
    if (byTask) {
      const before = new Map(va.tasks.map((t) => [t.key, t]));
      for (const c of cols) {
        const won: string[] = [];
        const lost: string[] = [];
        for (const t of vb.tasks) {
          const o = before.get(t.key);
          if (!o || !(c in o.hits) || !(c in t.hits) || o.hits[c] === t.hits[c]) continue;
          (t.hits[c] ? won : lost).push(`${t.key} ${t.name} (${t.use}) -> ${t.def}`);
        }
        out.push(`${c}: ${won.length} tasks newly hit, ${lost.length} newly missed`);
        for (const w of won) out.push(`  + ${w}`);
        for (const l of lost) out.push(`  - ${l}`);
      }
    }
  }
  return out.join('\n');
}
