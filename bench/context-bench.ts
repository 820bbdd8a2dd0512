/**
 * npm run bench:context [-- options] — the v2 retrieval benchmark (../shared/bench/ccbench.mjs, a
 * CrossCodeEval-style task: a line uses a name defined once in another file; with the line blanked,
 * is that definition inside the first N characters of the context?) on eight code bases in six
 * languages, in both variants (`kept`: the buffer as written; `noimport`: the name's import removed
 * too), at 2,000 and 4,000 characters, with the BM25 windows baseline and the naive name lookup
 * beside a real Cvu daemon's /context, broken down per code base, language and use kind. Then
 * /context latency on a ~1,000-file workspace with the MiniLM-L6 shape twin while another
 * workspace is indexed and embedded.
 *
 * Options (environment variables in brackets):
 *   --seed N            draw tasks with this seed [SEED]; default 424242, the tuning draw
 *   --heldout           draw the held-out tasks, seed 7 [HELDOUT=1]: report on these, never tune on them
 *   --corpora a,b       only these code bases [BENCH_CORPORA] (chi gson reqwest click fastify arrow gyp cvu)
 *   --corpus NAME=DIR   measure the code base in DIR too (your own checkout; repeatable); alone, without
 *                       --corpora, only the named folders are measured
 *   --variant V         only `kept` or `noimport`
 *   --tasks N           tasks drawn per code base and variant (default 60)
 *   --latency / --no-latency   the latency part; by default it runs only in a full run
 *   --misses            print Cvu's misses at 4,000 characters, then its hits at 4,000 missed at 2,000 (and so for the typed member tasks)
 *   --out FILE          where the JSON results go (default: under the bench folder, printed)
 *   --record            also write bench/results/context.json (summaries only), for `npm run bench:report`
 *   --keep              keep this run's folder (corpora, daemon homes) for a look afterwards
 *   --build DIR         run the daemon of another build: DIR/dist/clients/cli/cli.js (e.g. a clean clone of a commit,
 *                       built, beside this working tree, which others may be editing); default this repository's dist/
 *   --rev REV           the same for a commit: a shared clone of it under $CVU_BENCH_DIR/builds, built once (tsc) with this
 *                       checkout's node_modules; e.g. `--rev 1d96a10 --no-latency` redraws the baseline's results to --compare with
 *   --compare A.json B.json    compare two results files (Cvu per row, and the tasks that changed); runs nothing
 *
 * Everything lives outside the repository, in $CVU_BENCH_DIR (default $TMPDIR/cvu-context-bench):
 * `cache/` keeps drawn tasks (keyed by code base content, engine, seed, variant and count) and the
 * baselines' scores, so a re-run only measures Cvu; `results/` the JSON files; `run-*` one run's
 * corpora and daemon homes, removed at the end. The four shared corpora are extracted from
 * ../shared/bench/corpora; the others are copied from code the project installs anyway; this
 * repository's is its tracked sources at a fixed commit (CVU_CORPUS_REV). Nothing is committed.
 *
 * The recall daemon has no embedding model (random twin vectors would only add noise to recall) and
 * indexes nothing but the task workspaces, all of them ready before the first request.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MINILM_L6_SHAPE, writeBertTwin } from '../fixtures/models/bert-twin.js';
import {
  cachedScore,
  COLUMNS,
  TYPED_COLUMNS,
  compare,
  drawTasks,
  findEngine,
  score,
  summarise,
  table,
  taskKey,
  treeFingerprint,
  variantTasks,
  type Mode,
  type ResultsFile,
  type Summary,
  type TaskFile,
  type TaskRecord,
  type Variant,
} from './ccbench.js';
import { copyTree, HELDOUT_SEED, languageOf, nodeGypPython, parseBenchOptions, phaseTimer, seedNote, SHARED_CORPORA, type BenchOptions, type Corpus } from './bench-cli.js';
import { functionLocalData } from './definition-scope.js';
import { hitWithin, scoreTypedReceivers } from './typed-receiver.js';
import { beginResult, figure, pct, RESULT_FORMAT, writeResult, type BenchResult, type Figure } from './result.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let buildRoot = repo;
const cliOf = (root: string) => path.join(root, 'dist/clients/cli/cli.js');
const BUDGETS = [2000, 4000] as const;

/**
 * This repository's tasks come from its sources at one fixed commit. Drawn from the working tree,
 * every code change drew new tasks, and this repository's recall moved by ±0.1 from the draw
 * alone, so two runs could not tell a retrieval change from a new draw. Move it forward on purpose,
 * and say so beside the figures (docs/benchmarks.md).
 */
const CVU_CORPUS_REV = '5599debccb8e3a7195d20c00fda3ace6442c9495';

// ---------------------------------------------------------------- options

interface Options extends BenchOptions {
  variants: Variant[];
  tasks: number;
  latency: boolean;
  misses: boolean;
  build: string | null;
  rev: string | null;
  compare: [string, string] | null;
}

function parseOptions(argv: string[]): Options {
  let latency: boolean | null = null;
  let variantGiven = false;
  const o: Omit<Options, keyof BenchOptions> = { variants: ['kept', 'noimport'], tasks: 60, latency: true, misses: false, build: null, rev: null, compare: null };
  const shared = parseBenchOptions(argv, {
    doc: import.meta.url,
    corpora: CORPORA,
    option: ({ name, value, next }) => {
      if (name === '--variant') {
        const v = value();
        if (v !== 'kept' && v !== 'noimport') throw new Error(`--variant: kept or noimport, not ${v}`);
        o.variants = [v];
        variantGiven = true;
      } else if (name === '--tasks') o.tasks = Number(value());
      else if (name === '--latency') latency = true;
      else if (name === '--no-latency') latency = false;
      else if (name === '--misses') o.misses = true;
      else if (name === '--build') o.build = path.resolve(value());
      else if (name === '--rev') o.rev = value();
      else if (name === '--compare') {
        o.compare = [next()!, next()!];
        if (!o.compare[0] || !o.compare[1]) throw new Error('--compare needs two results files');
      } else return false;
      return true;
    },
  });
  if (o.build && o.rev) throw new Error('--build and --rev both name the build: use one');
  if (!Number.isInteger(o.tasks) || o.tasks < 1) throw new Error('--tasks must be a positive integer');
  // The latency part takes minutes: by default only a full run measures it.
  o.latency = latency ?? (!shared.corpora && !variantGiven);
  return { ...shared, ...o };
}

// ---------------------------------------------------------------- code bases

/** This repository's tracked sources at `rev` (not cvu.config.ts, which would configure the benchmark's workspace). */
function exportSources(rev: string, dest: string): boolean {
  let files: string[];
  try {
    files = execFileSync('git', ['ls-tree', '-r', '--name-only', rev], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n');
  } catch {
    throw new Error(`commit ${rev} (this repository's benchmark corpus) is not in this clone: fetch the history (git fetch --unshallow)`);
  }
  files = files.filter((f) => /\.(ts|js|mjs)$/.test(f) && f !== 'cvu.config.ts');
  const tar = execFileSync('git', ['archive', '--format=tar', rev, '--', ...files], { cwd: repo, maxBuffer: 1 << 28 });
  fs.mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-x', '-C', dest], { input: tar });
  return true;
}

const fromModules = (rel: string) => (dest: string) => {
  const src = path.join(repo, 'node_modules', rel);
  if (!fs.existsSync(src)) throw new Error(`${src} is missing: run npm install`);
  copyTree(src, dest);
  return true;
};

const CORPORA: Corpus[] = [
  ...SHARED_CORPORA,
  { label: 'fastify', language: 'JavaScript', source: 'node_modules/fastify (the whole package)', materialise: fromModules('fastify') },
  { label: 'arrow', language: 'TypeScript', source: 'node_modules/apache-arrow/src', materialise: fromModules('apache-arrow/src') },
  {
    label: 'gyp',
    language: 'Python',
    source: "npm's node-gyp/gyp",
    materialise: (dest) => {
      const gyp = nodeGypPython();
      if (!gyp) return false;
      copyTree(gyp, dest);
      return true;
    },
  },
  { label: 'cvu', language: 'TypeScript', source: `this repository's tracked .ts/.js/.mjs at ${CVU_CORPUS_REV.slice(0, 7)}`, materialise: (dest) => exportSources(CVU_CORPUS_REV, dest) },
];
const LANGUAGE_ORDER = ['Go', 'Java', 'Rust', 'Python', 'JavaScript', 'TypeScript', 'C#'];


// ---------------------------------------------------------------- daemons

/** A daemon of its own (home), with an embedding model or 'none'. */
interface DaemonSetup {
  home: string;
  embeddingModel: string;
}

const running = new Set<DaemonSetup>();

function cvu(args: string[], d: DaemonSetup): string {
  return execFileSync(process.execPath, [cliOf(buildRoot), ...args], { cwd: buildRoot, encoding: 'utf8', env: { ...process.env, CVU_HOME: d.home, CVU_EMBEDDING_MODEL: d.embeddingModel } });
}

type Api = <T>(route: string, body?: unknown) => Promise<T>;

/** Starts the daemon, hands `use` its API and URL/token, and stops it whatever happens. */
async function withDaemon<T>(d: DaemonSetup, use: (api: Api, env: Record<string, string>) => Promise<T>): Promise<T> {
  cvu(['daemon', 'start'], d);
  running.add(d);
  try {
    const { port, token } = JSON.parse(fs.readFileSync(path.join(d.home, 'daemon.json'), 'utf8'));
    const env = { CVU_URL: `http://127.0.0.1:${port}`, CVU_TOKEN: token };
    const api: Api = async (route, body) => {
      const res = await fetch(`${env.CVU_URL}${route}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      if (!res.ok) throw new Error(`${route} ${res.status}: ${await res.text()}`);
      return (await res.json()) as never;
    };
    return await use(api, env);
  } finally {
    running.delete(d);
    cvu(['daemon', 'stop'], d);
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const d of running) {
      try {
        cvu(['daemon', 'stop'], d);
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

interface WorkspaceStatus {
  root: string;
  state: string;
  files: number;
  chunks: number;
  /** Chunks not embedded yet. */
  pending: number;
  error?: string;
}

async function workspace(api: Api, root: string): Promise<WorkspaceStatus | undefined> {
  return (await api<{ workspaces: WorkspaceStatus[] }>('/status')).workspaces.find((w) => w.root === fs.realpathSync(root));
}

/** Polls the workspace's status until `done` holds. */
async function until(api: Api, root: string, done: (w: WorkspaceStatus) => boolean): Promise<WorkspaceStatus> {
  for (;;) {
    const w = await workspace(api, root);
    if (w?.state === 'error') throw new Error(`the daemon could not index ${root}: ${w.error ?? ''}`);
    if (w && done(w)) return w;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------- helpers

async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

const { timings, phase } = phaseTimer('context');

function git(args: string[], cwd = repo): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/**
 * A build of commit `rev`: a clone that borrows this repository's objects (git clone --shared; nothing
 * in this checkout changes), checked out at `rev`, with this checkout's node_modules, compiled once.
 */
function buildOfRev(rev: string, buildsDir: string): string {
  const sha = git(['rev-parse', '--verify', `${rev}^{commit}`]).trim();
  if (!sha) throw new Error(`--rev ${rev}: no such commit in this clone`);
  const dir = path.join(buildsDir, sha);
  if (fs.existsSync(path.join(dir, '.built'))) return dir;
  process.stderr.write(`[bench:context] building ${sha.slice(0, 10)} in ${dir}…\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(buildsDir, { recursive: true });
  execFileSync('git', ['clone', '-q', '--shared', '--no-checkout', repo, dir], { stdio: 'inherit' });
  execFileSync('git', ['checkout', '-q', sha], { cwd: dir, stdio: 'inherit' });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  fs.writeFileSync(path.join(dir, '.built'), `${sha}\n`);
  return dir;
}

const MEASURES = [
  'recall@N = the share of tasks whose definition line (one definition, in another file than the cursor\'s) lies in a snippet',
  "  the retriever returns before N characters are used (ccbench.mjs's hit(): snippets in order, until N characters; a snippet",
  '  that crosses N still counts). 2k/4k = N of 2,000/4,000 characters; Cvu is asked for budgetTokens = N/4.',
  'kept = the buffer as written, the line blanked (imports stay); noimport = tasks drawn with ONLY_NOIMPORT=1, the line is the',
  "  first use of a name imported by name and that import is removed too. n = tasks scored in that row.",
  'BM25 = 20-line windows scored against the 20 lines above the cursor; naive = the definitions of every name written in the',
  '  buffer, nearest line first; Cvu = POST /context of a real daemon (this build, no embedding model) over the workspace.',
  'kinds: plain = an unqualified name, type = a type position, member = x.name.',
  "reachable = the same without the tasks whose definition is a function's local variable (the engine takes `const x = f()`",
  "  inside any function as a definition, so `r.x` elsewhere can be scored against it): no other file can use it (bench/definition-scope.ts).",
  'typed = Cvu on the kept member tasks asked again the way an editor asks while the user types: the line written up to the',
  "  member's name, its receiver and accessor typed (`x.`), the cursor after them (bench/typed-receiver.ts).",
].join('\n');

// ---------------------------------------------------------------- the result file

/** Requests, p50, p95 and max of request times, ms (as the engine reports its own). */
function latencySummary(ms: number[]): { requests: number; p50: number; p95: number; max: number } {
  const q = (p: number) => Number(pct(ms, p).toFixed(1));
  return { requests: ms.length, p50: q(50), p95: q(95), max: q(100) };
}

/** The columns of a variant's tables: kept has the typed-receiver columns too. */
const columnsOf = (variant: Variant): readonly string[] => (variant === 'kept' ? [...COLUMNS, ...TYPED_COLUMNS] : COLUMNS);

/**
 * The headline figures: Cvu's recall over all code bases per variant and budget, against the
 * stronger baseline there (the naive name lookup on kept tasks; BM25 on noimport, where the lookup
 * finds nothing by construction); and /context latency under load against the recall runs' own.
 */
function contextFigures(variants: ResultsFile['variants'], cvuLatency: Record<string, unknown>, latency: LatencyResult | null): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  for (const [variant, v] of Object.entries(variants)) {
    const all = (v!.summary as Summary).overall?.all ?? {};
    for (const budget of BUDGETS) {
      const cvu = all[`cvu@${budget}`];
      const baseline = variant === 'kept' ? 'naive' : 'bm25';
      const base = all[`${baseline}@${budget}`];
      if (!cvu) continue;
      figures[`recall.${variant}@${budget}`] = figure({
        name: `recall, ${variant}, ${budget / 1000}k characters`, unit: 'recall', value: cvu.recall,
        measures: `The share of ${cvu.n} ${variant} tasks (all code bases) whose definition lies in the first ${budget.toLocaleString('en-US')} characters of a Cvu daemon's /context snippets.`,
        ...(base ? { floor: { value: base.recall, measures: baseline === 'naive' ? 'the naive name lookup on the same tasks' : 'BM25 over 20-line windows on the same tasks' } } : {}),
        ...(variant === 'kept' ? { target: { op: '>=', value: budget === 2000 ? 0.9 : 0.93, source: 'issue 14' } as const } : {}),
      });
    }
  }
  // The kept member tasks with their receiver typed, against the same tasks with the line blank.
  const kept = variants.kept?.tasks;
  for (const budget of BUDGETS) {
    const typed = kept?.filter((t) => `typed@${budget}` in t.hits) ?? [];
    if (!typed.length) continue;
    const share = (col: string) => Number((typed.filter((t) => t.hits[col]).length / typed.length).toFixed(3));
    figures[`recall.typed@${budget}`] = figure({
      name: `recall, member typed after its receiver, ${budget / 1000}k characters`, unit: 'recall', value: share(`typed@${budget}`),
      measures: `The share of ${typed.length} kept member tasks (x.name; all code bases) whose definition lies in the first ${budget.toLocaleString('en-US')} characters of /context when the line is written up to the name (the receiver and its accessor typed, the cursor after them).`,
      floor: { value: share(`cvu@${budget}`), measures: 'Cvu on the same tasks with the line blank (the kept figure)' },
    });
  }
  const recallRuns = cvuLatency['kept@4000'] as { requests: number; p50: number; p95: number } | undefined;
  if (latency) {
    figures['latency.underLoad'] = figure({
      name: '/context, another workspace indexing', unit: 'ms', value: latency.p50,
      interval: { kind: 'p50-p95', low: latency.p50, high: latency.p95, n: latency.requests },
      measures: `/context at 4,000 characters on a ${latency.files}-file workspace with the MiniLM-L6 twin, while another workspace is parsed and embedded.`,
      target: { op: '<=', value: 50, source: 'issue 14', on: 'p95' },
      ...(recallRuns ? { floor: { value: recallRuns.p50, interval: { kind: 'p50-p95', low: recallRuns.p50, high: recallRuns.p95, n: recallRuns.requests }, measures: "/context over the kept recall tasks at 4,000 characters (no model, nothing else indexing)" } } : {}),
    });
  } else if (recallRuns) {
    figures['latency.recallRuns'] = figure({
      name: '/context, recall runs', unit: 'ms', value: recallRuns.p50,
      interval: { kind: 'p50-p95', low: recallRuns.p50, high: recallRuns.p95, n: recallRuns.requests },
      measures: '/context over the kept recall tasks at 4,000 characters (no embedding model, nothing else indexing).',
    });
  }
  return figures;
}

/** The recorded copy keeps the summaries; the per-task records (for --compare) stay in the full file. */
function withoutTasks(r: BenchResult): BenchResult {
  const variants = (r.details?.variants ?? {}) as ResultsFile['variants'];
  return { ...r, details: { ...r.details, variants: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, { summary: v!.summary }])) } };
}

/** A results file of either format: the common one (issue 15) keeps these fields under `details`. */
function asResultsFile(json: Record<string, unknown>): ResultsFile {
  if (json.format !== RESULT_FORMAT) return json as unknown as ResultsFile;
  const d = json.details as { seed: number; variants: ResultsFile['variants'] };
  return { seed: d.seed, commit: json.commit as string, date: json.date as string, variants: d.variants };
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.compare) {
    const [a, b] = opts.compare.map((f) => asResultsFile(JSON.parse(fs.readFileSync(f, 'utf8'))));
    console.log(compare(a, b, opts.compare[0], opts.compare[1]));
    return;
  }
  const engine = findEngine(repo);
  const base = path.resolve(process.env.CVU_BENCH_DIR ?? path.join(os.tmpdir(), 'cvu-context-bench'));
  if (!path.relative(repo, base).startsWith('..')) throw new Error(`CVU_BENCH_DIR (${base}) must be outside the repository: corpora are never committed`);
  if (opts.rev) opts.build = buildOfRev(opts.rev, path.join(base, 'builds'));
  if (opts.build) {
    buildRoot = opts.build;
    if (!fs.existsSync(cliOf(buildRoot))) throw new Error(`--build ${buildRoot}: no dist/clients/cli/cli.js there (build it first)`);
  } else if (!fs.existsSync(cliOf(repo))) throw new Error('run `npm run build` first (npm run bench:context does)');
  const started = performance.now();
  const run = beginResult('context', { git: buildRoot, options: { seed: opts.seed, heldout: opts.seed === HELDOUT_SEED, corpora: opts.corpora ?? 'all', variants: opts.variants, tasks: opts.tasks, latency: opts.latency, build: opts.rev ?? opts.build ?? 'this checkout' } });

  fs.mkdirSync(path.join(base, 'cache/tasks'), { recursive: true });
  fs.mkdirSync(path.join(base, 'cache/scores'), { recursive: true });
  fs.mkdirSync(path.join(base, 'results'), { recursive: true });
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(base, 'run-')));
  const corporaDir = path.join(tmp, 'corpora');
  fs.mkdirSync(corporaDir);

  try {
    const selected = [...CORPORA, ...opts.extra].filter((c) => !opts.corpora || opts.corpora.includes(c.label));
    const corpora = await phase('copying the code bases', () => {
      const out: (Corpus & { root: string; fingerprint: string })[] = [];
      for (const c of selected) {
        const root = path.join(corporaDir, c.label);
        if (!c.materialise(root)) {
          console.log(`note: ${c.label} (${c.source}) is not on this machine: left out`);
          continue;
        }
        out.push({ ...c, root, fingerprint: treeFingerprint(root) });
      }
      return out;
    });

    // Tasks: drawn per code base and variant (the latency part draws its own).
    const drawn = new Map<string, { file: string; data: TaskFile; cached: boolean }>();
    await phase('drawing tasks', () =>
      pool(
        corpora.flatMap((c) =>
          opts.variants.map((variant) => async () => {
            const t = await drawTasks({ repo, engine, root: c.root, label: c.label, fingerprint: c.fingerprint, seed: opts.seed, variant, max: opts.tasks, cacheDir: path.join(base, 'cache/tasks') });
            drawn.set(`${c.label}/${variant}`, t);
          }),
        ),
        2,
      ),
    );
    const taskFiles = (variant: Variant) => corpora.map((c) => drawn.get(`${c.label}/${variant}`)!).filter((t) => variantTasks(t.data, variant).length > 0);

    // hits: variant -> column -> missed task keys (and which tasks were scored)
    const misses = new Map<string, Set<string>>();
    const scored = new Set<string>();
    const col = (variant: Variant, mode: Mode, budget: number) => `${variant}/${mode}@${budget}`;

    // Baselines, per code base (cached: they depend only on the tasks, the code base and the engine).
    await phase('baselines (BM25, naive)', () =>
      pool(
        opts.variants.flatMap((variant) =>
          corpora.flatMap((c) => {
            const tf = drawn.get(`${c.label}/${variant}`)!;
            if (!variantTasks(tf.data, variant).length) return [];
            return (['bm25', 'naive'] as const).flatMap((mode) =>
              BUDGETS.map((budget) => async () => {
                const r = await cachedScore({ repo, engine, mode, variant, budget, taskFiles: [tf], corporaDir, cacheDir: path.join(base, 'cache/scores'), fingerprint: c.fingerprint });
                const k = col(variant, mode, budget);
                if (!misses.has(k)) misses.set(k, new Set());
                for (const m of r.misses) misses.get(k)!.add(m);
                scored.add(`${k}/${c.label}`);
              }),
            );
          }),
        ),
        2,
      ),
    );

    // Cvu: one daemon, every task workspace registered and indexed before the first request.
    const cvuLatency: Record<string, unknown> = {};
    // task key/typed@N -> hit, for the kept member tasks asked with their receiver typed.
    const typedHits = new Map<string, boolean>();
    const indexed: Record<string, { files: number; chunks: number }> = {};
    await withDaemon({ home: path.join(tmp, 'home'), embeddingModel: 'none' }, async (api, env) => {
      await phase('Cvu: indexing the code bases', async () => {
        for (const c of corpora) await api('/workspaces', { root: c.root });
        for (const c of corpora) {
          const w = await until(api, c.root, (s) => s.state === 'ready');
          indexed[c.label] = { files: w.files, chunks: w.chunks };
        }
      });
      await phase('Cvu: /context on every task', async () => {
        for (const variant of opts.variants) {
          const files = taskFiles(variant);
          if (!files.length) continue;
          for (const budget of BUDGETS) {
            const r = await score({ repo, engine, mode: 'cvu', variant, budget, taskFiles: files, corporaDir, env });
            const k = col(variant, 'cvu', budget);
            misses.set(k, new Set(r.misses));
            for (const f of files) scored.add(`${k}/${f.data.repo}`);
            cvuLatency[`${variant}@${budget}`] = { requests: r.total, ...r.latency };
          }
        }
      });
      if (opts.variants.includes('kept')) {
        await phase('Cvu: member tasks with the receiver typed', async () => {
          const times: Record<number, number[]> = {};
          for (const c of corpora) {
            const tasks = variantTasks(drawn.get(`${c.label}/kept`)!.data, 'kept');
            for (const budget of BUDGETS) {
              const { hits, latencyMs } = await scoreTypedReceivers((route, body) => api(route, body), c.root, tasks, budget, taskKey);
              for (const [key, hit] of hits) typedHits.set(`${key}/typed@${budget}`, hit);
              (times[budget] ??= []).push(...latencyMs);
            }
          }
          for (const budget of BUDGETS) if (times[budget]?.length) cvuLatency[`typed@${budget}`] = latencySummary(times[budget]);
        });
      }
    });

    const latency = opts.latency
      ? await phase('latency (MiniLM-L6 twin, background indexing)', () =>
          latencyPart(tmp, async (root, label) => (await drawTasks({ repo, engine, root, label, fingerprint: treeFingerprint(root), seed: opts.seed, variant: 'kept', max: opts.tasks, cacheDir: path.join(base, 'cache/tasks') })).data),
        )
      : null;

    // Records and summaries.
    const order = { corpus: corpora.map((c) => c.label), language: LANGUAGE_ORDER };
    const variants: ResultsFile['variants'] = {};
    for (const variant of opts.variants) {
      const records: TaskRecord[] = [];
      for (const c of corpora) {
        const trees = new Map();
        for (const t of variantTasks(drawn.get(`${c.label}/${variant}`)!.data, variant)) {
          const hits: Record<string, boolean> = {};
          for (const column of COLUMNS) {
            const [mode, budget] = column.split('@');
            const k = col(variant, mode as Mode, Number(budget));
            if (scored.has(`${k}/${c.label}`)) hits[column] = !misses.get(k)!.has(taskKey(t));
          }
          if (variant === 'kept') {
            for (const column of TYPED_COLUMNS) {
              const hit = typedHits.get(`${taskKey(t)}/${column}`);
              if (hit !== undefined) hits[column] = hit;
            }
          }
          const localData = await functionLocalData(c.root, t.def.file, t.def.start, trees);
          records.push({ key: taskKey(t), corpus: c.label, language: languageOf(t.file), use: t.use, name: t.name, def: `${t.def.file}:${t.def.start}`, functionLocalData: localData, hits });
        }
      }
      variants[variant] = { summary: summarise(records, columnsOf(variant), order), tasks: records };
    }

    // The daemon's build: its commit, and its uncommitted changes that reach the daemon (not bench/, docs, tests).
    const commit = git(['rev-parse', '--short=10', 'HEAD'], buildRoot).trim() || 'unknown';
    const dirty = git(['status', '--porcelain', '--untracked-files=no'], buildRoot)
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3))
      .filter((f) => !/^(bench|docs|test)\/|\.md$/.test(f));
    timings.total = Number(((performance.now() - started) / 1000).toFixed(1));
    const details = {
      version: 2,
      build: buildRoot,
      daemonChanges: dirty,
      engine: { path: engine.path, hash: engine.hash },
      seed: opts.seed,
      heldout: opts.seed === HELDOUT_SEED,
      tasksPerCorpus: opts.tasks,
      measures: MEASURES,
      corpora: corpora.map((c) => ({
        label: c.label,
        language: c.language,
        source: c.source,
        fingerprint: c.fingerprint,
        files: drawn.get(`${c.label}/${opts.variants[0]}`)!.data.files,
        indexed: indexed[c.label],
        tasks: Object.fromEntries(opts.variants.map((v) => [v, variantTasks(drawn.get(`${c.label}/${v}`)!.data, v).length])),
      })),
      variants,
      cvuContextLatencyMs: cvuLatency,
      latency,
      timingsS: timings,
    };
    const results = run.finish(contextFigures(variants, cvuLatency, latency), details);
    const out = opts.out ?? path.join(base, 'results', `${results.date.replace(/[:.]/g, '-')}-seed${opts.seed}${opts.corpora ? `-${opts.corpora.join('+')}` : ''}${opts.variants.length === 1 ? `-${opts.variants[0]}` : ''}.json`);
    writeResult(results, { out, record: opts.record }, withoutTasks);

    // The report.
    const say = (s = '') => console.log(s);
    say(`# bench:context — retrieval benchmark v2 (ccbench ${engine.hash}), seed ${opts.seed}${seedNote(opts.seed)}, ${opts.tasks} tasks drawn per code base and variant`);
    say(`# Cvu: the build in ${buildRoot === repo ? 'this repository' : buildRoot} (dist/, built from commit ${commit}${dirty.length ? ` + uncommitted changes in ${dirty.join(', ')}` : ''}), ${results.date}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
    say(MEASURES);
    say(`code bases: ${details.corpora.map((c) => `${c.label} (${c.language}, ${c.files} files, ${Object.entries(c.tasks).map(([v, n]) => `${n} ${v}`).join(' / ')})`).join(', ')}`);
    for (const variant of opts.variants) {
      say();
      say(`== ${variant}`);
      say(table(variants[variant]!.summary as Summary, columnsOf(variant)));
      if (opts.misses) {
        const tasks = variants[variant]!.tasks;
        // Misses at 4,000, then hits there missed at 2,000 (what the order or the snippets' size lost);
        // the same for the member tasks asked with the receiver typed (`x.`), where the variant has them.
        const listMisses = (column: 'cvu' | 'typed', what: string) => {
          say(`-- Cvu's misses at 4,000 characters${what} (${variant})`);
          for (const r of tasks) if (r.hits[`${column}@4000`] === false) say(`  ${r.key} ${r.name} (${r.use}) -> ${r.def}`);
          say(`-- Cvu's hits at 4,000 characters${what}${what ? ',' : ''} missed at 2,000 (${variant})`);
          for (const r of tasks) if (r.hits[`${column}@4000`] === true && r.hits[`${column}@2000`] === false) say(`  ${r.key} ${r.name} (${r.use}) -> ${r.def}`);
        };
        listMisses('cvu', '');
        if (tasks.some((r) => r.hits['typed@4000'] !== undefined)) listMisses('typed', ' with the receiver typed');
      }
    }
    say();
    say('== /context latency over the recall runs (no embedding model, nothing else indexing), ms');
    for (const [k, v] of Object.entries(cvuLatency)) say(`  ${k}: ${JSON.stringify(v)}`);
    if (latency) {
      say();
      say(`== /context latency on one workspace of ${latency.files} files, ${latency.chunks} chunks (${latency.corpora.join(', ')} side by side, as before v2), at 4,000 characters,`);
      say('   with the MiniLM-L6 shape twin (real widths, random weights), while another workspace (JS/TS of node_modules) is parsed and embedded');
      say(`  requests ${latency.requests}, p50 ${latency.p50} ms, p95 ${latency.p95} ms, max ${latency.max} ms; recall@4000 there ${latency.recall} (kept tasks; the twin's random vectors cost a little)`);
      if (Object.keys(latency.parts).length) say(`  where the time went (the daemon's timings; each part's own p50 / p95; fts and vector run beside imports, definitions and anticipation; outside = HTTP and the event loop): ${Object.entries(latency.parts).map(([k, v]) => `${k.replace(/Ms$/, '')} ${v.p50} / ${v.p95}`).join(', ')}`);
      say(`  answers that left a search out at the deadline: ${Object.entries(latency.late).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
      say(`  background workspace after the run: ${latency.background ? `${latency.background.state}, ${latency.background.files} files, ${latency.background.chunks} chunks, ${latency.background.pending} not embedded yet` : 'gone'}`);
      say(`  time: ${Object.entries(latency.timingsS).map(([k, v]) => `${k} ${v} s`).join('; ')}`);
    }
    say();
    say(`time: ${Object.entries(timings).map(([k, v]) => `${k} ${v} s`).join('; ')}`);
  } finally {
    if (opts.keep) console.log(`run folder kept: ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

interface LatencyResult {
  corpora: string[];
  files: number | undefined;
  chunks: number | undefined;
  requests: number;
  p50: number;
  p95: number;
  max: number;
  recall: number;
  /** The daemon's timings of each part (ContextTimingsMs) and the time outside them (HTTP, the event loop), p50/p95 of each on its own. */
  parts: Record<string, { p50: number; p95: number }>;
  /** How many answers left each search out at its deadline. */
  late: Record<string, number>;
  background: WorkspaceStatus | undefined;
  timingsS: Record<string, number>;
}

/** The latency workspace: the code bases bench:context used before v2 (issue 3's figures), about 1,000 files. */
const LATENCY_CORPORA: { label: string; materialise: (dest: string) => boolean }[] = [
  CORPORA.find((c) => c.label === 'fastify')!,
  CORPORA.find((c) => c.label === 'arrow')!,
  { label: 'ortweb', materialise: fromModules('onnxruntime-web/lib') },
  CORPORA.find((c) => c.label === 'gyp')!,
];

/**
 * Latency as bench:context has measured it since issue 3: fastify, apache-arrow's src,
 * onnxruntime-web's lib and node-gyp's gyp side by side in one root (about 1,000 files), indexed and
 * embedded with the MiniLM-L6 twin; then a larger workspace (up to 15,000 JS/TS files of
 * node_modules) is registered and, once it is being parsed and embedded, /context is asked for the
 * kept tasks of those four code bases (drawn with this run's seed).
 */
async function latencyPart(tmp: string, draw: (root: string, label: string) => Promise<TaskFile>): Promise<LatencyResult> {
  const t: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    t[name] = Number(((performance.now() - t0) / 1000).toFixed(1));
    t0 = performance.now();
  };
  const combined = path.join(tmp, 'combined');
  fs.mkdirSync(combined);
  const parts: { label: string; tasks: TaskFile }[] = [];
  for (const c of LATENCY_CORPORA) {
    const root = path.join(combined, c.label);
    if (!c.materialise(root)) continue;
    parts.push({ label: c.label, tasks: await draw(root, c.label) });
  }
  const load = path.join(tmp, 'background-load');
  let copied = 0;
  copyTree(path.join(repo, 'node_modules'), load, (rel) => /\.(js|ts|mjs|cjs)$/.test(rel) && !rel.startsWith('typescript') && copied++ < 15000);
  const twin = path.join(tmp, 'minilm-twin');
  await writeBertTwin(twin, MINILM_L6_SHAPE, { quantized: true });
  lap('copy and draw');
  return withDaemon({ home: path.join(tmp, 'home-twin'), embeddingModel: twin }, async (api) => {
    await api('/workspaces', { root: combined });
    await until(api, combined, (w) => w.state === 'ready' && w.pending === 0);
    lap('index and embed the workspace');
    await api('/workspaces', { root: load });
    // Until the load's files are being both parsed and embedded.
    await until(api, load, (w) => w.chunks > 0 && w.pending < w.chunks);
    lap('background workspace under way');
    const latencies: number[] = [];
    const spent: Record<string, number[]> = {};
    const lateSources: Record<string, number> = {};
    let hits = 0;
    for (const { label, tasks } of parts) {
      for (const task of tasks.tasks) {
        const lines = fs.readFileSync(path.join(combined, label, task.file), 'utf8').split('\n');
        const row = task.line - 1;
        const indent = /^\s*/.exec(lines[row])![0];
        const text = [...lines.slice(0, row), indent, ...lines.slice(row + 1)].join('\n');
        const r0 = performance.now();
        const { snippets, timings } = await api<{ snippets: { path: string; startLine: number; endLine: number; text: string }[]; timings?: Record<string, number | string[]> }>('/context', { path: path.join(combined, label, task.file), text, position: { line: row, character: indent.length }, budgetTokens: 1000 });
        const ms = performance.now() - r0;
        latencies.push(ms);
        // The daemon's own account (builds before it have none); the rest is HTTP and waiting for the event loop.
        if (timings) {
          for (const [k, v] of Object.entries(timings)) if (typeof v === 'number') (spent[k] ??= []).push(v);
          for (const source of Array.isArray(timings.late) ? timings.late : []) lateSources[source] = (lateSources[source] ?? 0) + 1;
          (spent.outsideMs ??= []).push(ms - Number(timings.queuedMs ?? 0) - Number(timings.totalMs ?? 0));
        }
        if (hitWithin(snippets, combined, { file: path.join(label, task.def.file), start: task.def.start }, 4000)) hits++;
      }
    }
    lap('requests');
    const q = (p: number) => Number(pct(latencies, p).toFixed(1));
    const ws = await workspace(api, combined);
    return {
      corpora: parts.map((p) => p.label),
      files: ws?.files,
      chunks: ws?.chunks,
      requests: latencies.length,
      p50: q(50),
      p95: q(95),
      max: q(100),
      recall: Number((hits / Math.max(1, latencies.length)).toFixed(3)),
      late: lateSources,
      parts: Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, { p50: Number(pct(v, 50).toFixed(1)), p95: Number(pct(v, 95).toFixed(1)) }])),
      background: await workspace(api, load),
      timingsS: t,
    };
  });
}

try {
  await main();
} catch (e) {
  console.error(`bench:context: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
