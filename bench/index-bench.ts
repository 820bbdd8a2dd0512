/**
 * npm run bench:index [-- options] — the index engine on real source code, every figure beside a
 * floor or baseline measured in the same run.
 *
 * The code bases (extracted or copied into a temp folder outside the repository, never committed):
 * the four shared corpora (../shared/bench/corpora: chi Go, click Python, gson Java, reqwest Rust),
 * fastify and apache-arrow's sources from node_modules (no declaration files, no .min.js, no dist
 * bundles) and this repository's tracked TypeScript at HEAD.
 *
 * 1. Lexical tier (no embedding model), per code base and overall, `--runs` times: files/s and
 *    chunks/s of Workspace.sync on a fresh index (the build's modules; each code base a Workspace
 *    of its own, with parse workers started for it, one after another in this process), against
 *    the floor of reading and tree-sitter parsing the same files on one thread (no chunks, symbols
 *    or store).
 * 2. Re-indexing one saved file directly (Workspace.update, `--saves` saves on a warm index of the
 *    `--saved` code base): the baseline of the watcher figures below.
 * 3. Peak RSS of `cvu index --no-embed` (the compiled CLI, a fresh process) on all code bases in
 *    one root, against the same command on an empty folder.
 * 4. Embedding with the MiniLM-L6 shape twin (real widths, random weights), in-process: chunks/s in
 *    q8 against fp32 on the same chunks, and /context while it embeds against /context idle.
 * 5. A real daemon (the compiled CLI) with the twin: the `--saved` code base registered, indexed and
 *    embedded; then save→searchable through the watcher: a line with a unique token appended to a
 *    file (an in-place write, as an editor saves), the update awaited in /status and /search asked
 *    until it finds the token,
 *    `--saves` times on the idle daemon, then again while a second workspace (the other code
 *    bases) is being parsed and embedded. The daemon's peak RSS with the model on, against its RSS
 *    idle after start.
 *
 * 6. A single repository through the daemon (issue 18's "to ready"): the `--saved` code base
 *    registered with a daemon (the compiled CLI, no embedding model) started a second before, from
 *    POST /workspaces until it is ready; then a copy of it in another folder on the same daemon,
 *    warm (its parse workers running, their code compiled); `--runs` times, a fresh daemon each.
 *    Beside it, the same files prepared by a parse pool alone in a fresh process (bench/pool-passes.ts:
 *    no walk, store or daemon), its first pass and its fourth: what the per-file work itself allows.
 *    And `cvu index --no-embed` on the same code base, a fresh process, by the wall clock; and on
 *    the same with real shell and PowerShell scripts beside it (playwright-core's, from
 *    node_modules), against the code base alone.
 *
 * Options: --runs N (lexical repetitions, default 3), --saves N (default 30), --embed-chunks N
 * (default 256), --threads N (the embedding model's, in-process and the daemon's; default
 * min(2, cores)), --saved cvu|arrow|fastify (the code base saved in parts 2 and 5, and embedded in
 * 4 and 5; default cvu), --no-daemon (skip parts 5 and 6), --out FILE, --record (write bench/results/index.json,
 * from which `npm run bench:report` generates docs/benchmarks.md). Nothing here is asserted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DaemonClient } from '../clients/daemon-client.js';
import { defaultConfig, type CvuConfig } from '../config/schema.js';
import { WATCH_QUIET_MS } from '../daemon/watcher.js';
import type * as Languages from '../indexer/languages.js';
import type * as WorkspaceModule from '../workspace/workspace.js';
import type { Embedder } from '../models/embedder.js';
import { MINILM_L6_SHAPE, writeBertTwin } from '../fixtures/models/bert-twin.js';
import { importBuilt } from './built-modules.js';
import { beginResult, benchRepo as repo, figure, latency, overRuns, pct, processMemoryMb, resultFileOptions, writeResult, type Figure } from './result.js';

const { Workspace } = await importBuilt<typeof WorkspaceModule>('workspace/workspace.js');
type Workspace = WorkspaceModule.Workspace;
const { languageForPath, parserFor } = await importBuilt<typeof Languages>('indexer/languages.js');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    saves: { type: 'string', default: '30' },
    'embed-chunks': { type: 'string', default: '256' },
    threads: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
    saved: { type: 'string', default: 'cvu' },
    'no-daemon': { type: 'boolean', default: false },
    ...resultFileOptions,
  },
});
const RUNS = Number(args.runs);
const SAVES = Number(args.saves);
const EMBED_CHUNKS = Number(args['embed-chunks']);
const THREADS = Number(args.threads);
if (!(RUNS >= 1) || !(SAVES >= 2) || !(EMBED_CHUNKS >= 8) || !(THREADS >= 1)) {
  console.error('usage: npm run bench:index -- [--runs N] [--saves N ≥ 2] [--embed-chunks N ≥ 8] [--threads N] [--no-daemon] [--out FILE] [--record]');
  process.exit(2);
}
/** How long one save may take to become searchable before it counts as lost. */
const SAVE_TIMEOUT_MS = 15_000;
const STATUS_POLL_MS = 10;
const SEARCH_RETRY_MS = 100;
/** Longest the saves with a background workspace may take: a save that waits behind its whole embedding pass waits minutes. */
const BUSY_SAVES_BUDGET_MS = 40_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- code bases

interface Corpus {
  label: string;
  language: string;
  source: string;
  materialise: (dest: string) => void;
}

const sharedCorpora = path.resolve(repo, '../shared/bench/corpora');

function fromTarball(label: string): (dest: string) => void {
  return (dest) => {
    fs.mkdirSync(dest, { recursive: true });
    // Each tarball holds one folder named after its code base.
    execFileSync('tar', ['xzf', path.join(sharedCorpora, `${label}.tar.gz`), '-C', dest, '--strip-components=1']);
  };
}

/** Source files of an installed package: what its authors edit, not what its build emits. */
const PACKAGE_SOURCE = /\.(js|mjs|cjs|ts|mts|cts|tsx)$/;
const NOT_SOURCE = /(\.d\.[mc]?ts|\.min\.js)$|(^|\/)(node_modules|dist|bundles?)\//;

function fromPackage(rel: string): (dest: string) => void {
  return (dest) => {
    const from = path.join(repo, 'node_modules', rel);
    const files = (fs.readdirSync(from, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => PACKAGE_SOURCE.test(f) && !NOT_SOURCE.test(f.split(path.sep).join('/')));
    for (const f of files) {
      if (!fs.statSync(path.join(from, f)).isFile()) continue;
      fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
      fs.copyFileSync(path.join(from, f), path.join(dest, f));
    }
  };
}

/** This repository's tracked TypeScript at HEAD (not cvu.config.ts, which would configure the benchmark's workspace). */
function thisRepository(dest: string): void {
  const files = execFileSync('git', ['ls-tree', '-r', '--name-only', 'HEAD'], { cwd: repo, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && f !== 'cvu.config.ts');
  fs.mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-x', '-C', dest], { input: execFileSync('git', ['archive', '--format=tar', 'HEAD', '--', ...files], { cwd: repo, maxBuffer: 1 << 28 }) });
}

/** The shared corpora (../shared/bench/README.md says which commit of each). */
const SHARED_CORPORA = { chi: 'Go', click: 'Python', gson: 'Java', reqwest: 'Rust' };

const CORPORA: Corpus[] = [
  ...Object.entries(SHARED_CORPORA).map(([label, language]) => ({ label, language, source: `../shared/bench/corpora/${label}.tar.gz`, materialise: fromTarball(label) })),
  { label: 'fastify', language: 'JavaScript', source: 'node_modules/fastify: .js/.ts sources, no .d.ts', materialise: fromPackage('fastify') },
  { label: 'arrow', language: 'TypeScript', source: 'node_modules/apache-arrow/src', materialise: fromPackage('apache-arrow/src') },
  { label: 'cvu', language: 'TypeScript', source: "this repository's tracked .ts at HEAD", materialise: thisRepository },
];
/** The code base whose files are saved in parts 2 and 5: TypeScript or JavaScript, since the line appended is. */
const SAVED = args.saved;
if (!['cvu', 'arrow', 'fastify'].includes(SAVED)) {
  console.error(`--saved: cvu, arrow or fastify, not ${SAVED}`);
  process.exit(2);
}
const savedCorpus = CORPORA.find((c) => c.label === SAVED)!;

// ---------------------------------------------------------------- 1. lexical tier

function lexicalConfig(): CvuConfig {
  const c = defaultConfig();
  c.embedding.model = null;
  return c;
}

interface LexicalRun {
  files: number;
  chunks: number;
  seconds: number;
  /** Reading and parsing the same files, nothing else. */
  parseSeconds: number;
  /** The files indexed, workspace-relative. */
  paths: string[];
}

/** Indexes `root` on a fresh index and times it; then times the floor on the files it indexed. */
async function lexicalRun(root: string, home: string): Promise<LexicalRun> {
  const ws = await Workspace.open(root, { home, config: lexicalConfig() });
  const t0 = performance.now();
  const r = await ws.sync();
  const seconds = (performance.now() - t0) / 1000;
  const chunks = ws.status().chunks;
  const files = [...ws.store.files.keys()];
  await ws.close();
  fs.rmSync(home, { recursive: true, force: true });
  return { files: r.files, chunks, seconds, parseSeconds: await parseFloor(root, files), paths: files };
}

/** Reads and tree-sitter parses each file on this thread (grammars loaded beforehand); files without a grammar are only read. */
async function parseFloor(root: string, files: string[]): Promise<number> {
  const parsers = new Map<string, Awaited<ReturnType<typeof parserFor>>>();
  for (const f of files) {
    const lang = languageForPath(f);
    if (!parsers.has(lang)) parsers.set(lang, await parserFor(lang));
  }
  const t0 = performance.now();
  for (const f of files) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    parsers.get(languageForPath(f))?.parse(text)?.delete();
  }
  return (performance.now() - t0) / 1000;
}

// ---------------------------------------------------------------- 2. saves

/** `n` TypeScript or JavaScript files of the saved code base, spread over it, the same in every part. */
function filesToSave(root: string, n: number): string[] {
  const all = (fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => /\.(ts|js|mjs|cjs)$/.test(f) && !f.endsWith('.d.ts') && fs.statSync(path.join(root, f)).size > 1500)
    .sort();
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n) % all.length]);
}

/** A token no file holds and the full-text index keeps whole (lower-case letters only). */
function uniqueToken(i: number, salt: string): string {
  let s = '';
  for (let x = i + 26 * 26; x > 0; x = Math.floor(x / 26)) s += String.fromCharCode(97 + (x % 26));
  return `cvuprobe${salt}${s}`;
}

const appendedLine = (token: string) => `\nexport const ${token} = 1;\n`;

/** Part 2: append a line and call Workspace.update directly, on a warm index; and the floor, reading and parsing that file alone. */
async function directReindex(root: string, home: string, files: string[]): Promise<{ update: number[]; parse: number[] }> {
  const originals = files.map((f) => fs.readFileSync(path.join(root, f), 'utf8'));
  const ws = await Workspace.open(root, { home, config: lexicalConfig() });
  try {
    await ws.sync();
    const update: number[] = [];
    const parse: number[] = [];
    for (const [i, rel] of files.entries()) {
      fs.appendFileSync(path.join(root, rel), appendedLine(uniqueToken(i, 'direct')));
      const t = performance.now();
      await ws.update([rel]);
      update.push(performance.now() - t);
      parse.push((await parseFloor(root, [rel])) * 1000);
    }
    return { update, parse };
  } finally {
    await ws.close();
    files.forEach((f, i) => fs.writeFileSync(path.join(root, f), originals[i]));
  }
}

// ---------------------------------------------------------------- 3. peak RSS of `cvu index`

const cli = path.join(repo, 'bin/cvu.js');

/**
 * `cvu index --no-embed` as users run it (the compiled CLI), in a fresh process so nothing else
 * counts: its peak RSS, its own seconds and the wall clock's. GNU time is not on every machine, so
 * the child reports its own peak through a preloaded hook.
 */
function cliIndexRun(root: string, home: string): { files: number; seconds: number; wallSeconds: number; maxRssMb: number } {
  const hook = path.join(home, 'report-rss.mjs');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(hook, `process.on('exit', () => process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n'));\n`);
  // The hook goes through NODE_OPTIONS so that it also loads in the process `cvu index` re-runs itself in.
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, 'index', root, '--json', '--no-embed'], {
    cwd: repo, encoding: 'utf8', env: { ...process.env, CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none', NODE_OPTIONS: `--import ${hook}` },
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`cvu index failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  // The largest report is the process that did the work (a re-run's parent reports too, and less).
  const kb = Math.max(...[...r.stderr.matchAll(/MAXRSS (\d+)/g)].map((m) => Number(m[1])));
  return { files: out.files, seconds: out.seconds, wallSeconds, maxRssMb: kb / 1024 };
}

/**
 * Copies `root` to `dest` and adds, in `dest/scripts/`, the shell and PowerShell scripts that
 * playwright-core ships; null when it is not installed.
 */
function scriptsBeside(root: string, dest: string): { shell: number; powershell: number } | null {
  let bin: string;
  try {
    bin = path.join(path.dirname(createRequire(import.meta.url).resolve('playwright-core/package.json')), 'bin');
  } catch {
    return null;
  }
  const picked = fs.readdirSync(bin).filter((f) => /\.(sh|ps1)$/.test(f));
  if (!picked.length) return null;
  fs.cpSync(root, dest, { recursive: true });
  fs.mkdirSync(path.join(dest, 'scripts'), { recursive: true });
  for (const f of picked) fs.copyFileSync(path.join(bin, f), path.join(dest, 'scripts', f));
  return { shell: picked.filter((f) => f.endsWith('.sh')).length, powershell: picked.filter((f) => f.endsWith('.ps1')).length };
}

// ---------------------------------------------------------------- 4. embedding in-process

async function embedding(root: string, home: string, twin: string, quantized: boolean) {
  const config = defaultConfig();
  config.embedding.model = twin;
  config.embedding.dtype = quantized ? 'q8' : 'fp32';
  config.threads = THREADS;
  const ws = await Workspace.open(root, { home, config });
  await ws.sync();
  const embedder = await ws.embedders.get(config, root);
  if (!embedder) throw new Error('the twin failed to load');
  const { embeddingText } = await import('../indexer/embed-pending.js');
  // A hash shared by several files has a row each: keep the limit.
  const chosen = (await ws.store.chunksByHash(ws.store.pendingHashes().slice(0, EMBED_CHUNKS))).slice(0, EMBED_CHUNKS);
  const texts = chosen.map(embeddingText);
  const t0 = performance.now();
  const vectors = await embedder.embed(texts, { priority: 'background' });
  const seconds = (performance.now() - t0) / 1000;
  // Stored, so that /context below embeds its query and searches them, as on a user's machine.
  await ws.store.useEmbedding(embedder.model, embedder.dimensions);
  await ws.store.addEmbeddings(chosen.map((r, i) => ({ hash: r.hash, vector: vectors[i] })));
  const stall = quantized ? await contextWhileEmbedding(ws, embedder, texts) : undefined;
  await ws.close();
  await ws.embedders.dispose();
  return { chunks: texts.length, seconds, chunksPerSecond: texts.length / seconds, contextWhileEmbedding: stall };
}

/**
 * /context while the model embeds in the background (a first index's vectors, a saved file's),
 * against the same request on the idle workspace.
 */
async function contextWhileEmbedding(ws: Workspace, embedder: Embedder, texts: string[]) {
  const file = [...ws.store.files.keys()].find((f) => ws.store.symbols.inFile(f).length > 20) ?? [...ws.store.files.keys()][0];
  const lines = fs.readFileSync(path.join(ws.root, file), 'utf8').split('\n');
  const req = { path: file, text: lines.join('\n'), position: { line: Math.floor(lines.length / 2), character: 0 } };
  // Answers with a snippet the vector search found: a check that the queries were embedded.
  let withVectors = 0;
  const time = async () => {
    const t = performance.now();
    const { snippets } = await ws.context(req);
    if (snippets.some((s) => s.source === 'vector')) withVectors++;
    return performance.now() - t;
  };
  // The query thread loads with the first query.
  await embedder.embed([texts[0]]);
  const idle: number[] = [];
  for (let i = 0; i < 40; i++) idle.push(await time());
  let done = false;
  const job = embedder.embed([...texts, ...texts], { priority: 'background' }).then(() => (done = true));
  const during: number[] = [];
  while (!done) {
    during.push(await time());
    await sleep(20);
  }
  await job;
  return { idle, during, withVectorsShare: withVectors / (idle.length + during.length) };
}

// ---------------------------------------------------------------- 5. the daemon

interface SaveSample {
  ms: number;
  timedOut: boolean;
  /** What the background workspace was doing when the file was saved. */
  background?: 'parsing' | 'embedding' | 'idle';
}

class DaemonRun {
  readonly client: DaemonClient;
  readonly pid: number;
  private constructor(readonly home: string, info: { port: number; token: string; pid: number }) {
    this.client = new DaemonClient({ baseUrl: `http://127.0.0.1:${info.port}`, token: info.token });
    this.pid = info.pid;
  }

  /** `cvu daemon start` of the compiled CLI, with the embedding twin and the bench's threads (the user's config). */
  static start(home: string, embeddingModel: string): DaemonRun {
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ threads: THREADS }));
    const env: NodeJS.ProcessEnv = { ...process.env, CVU_HOME: home, CVU_EMBEDDING_MODEL: embeddingModel };
    delete env.CVU_MODEL;
    execFileSync(process.execPath, [cli, 'daemon', 'start'], { cwd: repo, env, stdio: 'ignore' });
    return new DaemonRun(home, JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')));
  }

  stop(): void {
    try {
      execFileSync(process.execPath, [cli, 'daemon', 'stop'], { cwd: repo, env: { ...process.env, CVU_HOME: this.home }, stdio: 'ignore' });
    } catch {
      process.kill(this.pid, 'SIGKILL');
    }
  }

  async workspace(root: string) {
    return (await this.client.status()).workspaces.find((w) => w.root === root);
  }

  /** Until the workspace is indexed and every chunk embedded; the largest RSS seen on the way. */
  async untilEmbedded(root: string): Promise<{ files: number; chunks: number; seconds: number; sampledMaxMb: number }> {
    const t0 = performance.now();
    let sampledMaxMb = 0;
    for (;;) {
      sampledMaxMb = Math.max(sampledMaxMb, processMemoryMb(this.pid).rssMb);
      const w = await this.workspace(root);
      if (w?.state === 'error') throw new Error(`the daemon could not index ${root}: ${w.error ?? ''}`);
      if (w?.embedder === 'unavailable') throw new Error(`the embedding twin did not load: ${w.embedderDetail ?? ''}`);
      if (w?.state === 'ready' && w.embedder === 'ready' && w.pending === 0 && w.chunks > 0) {
        return { files: w.files, chunks: w.chunks, seconds: (performance.now() - t0) / 1000, sampledMaxMb };
      }
      await sleep(250);
    }
  }

  /**
   * Appends a line with a unique token to each file in turn, and times until /search finds it.
   * The update is watched through /status, which is no interactive request: polling /search instead
   * would keep the scheduler from ever being quiet, and hold back the background lane the update
   * runs in (up to a second a batch), so the poll would measure itself. /search is asked once the
   * update is in, and again every SEARCH_RETRY_MS until it finds the token.
   */
  async saveToSearchable(root: string, files: string[], salt: string, opts: { background?: string; budgetMs: number }): Promise<SaveSample[]> {
    const out: SaveSample[] = [];
    const stopAt = performance.now() + opts.budgetMs;
    for (const [i, rel] of files.entries()) {
      if (performance.now() > stopAt) break;
      // Idle: the previous save's re-embedding is done too. With a background workspace, that waits behind it: only the update counts.
      await this.untilQuiet(root, !opts.background);
      let state: SaveSample['background'];
      if (opts.background) {
        const b = await this.workspace(opts.background);
        state = !b || b.state === 'indexing' ? 'parsing' : b.pending > 0 ? 'embedding' : 'idle';
      }
      const before = (await this.workspace(root))?.lastIndexedAt;
      const token = uniqueToken(i, salt);
      const t0 = performance.now();
      const elapsed = () => performance.now() - t0;
      // In place, as most editors save; the watcher sees the change, nothing else tells the daemon.
      fs.appendFileSync(path.join(root, rel), appendedLine(token));
      while ((await this.workspace(root))?.lastIndexedAt === before && elapsed() < SAVE_TIMEOUT_MS) await sleep(STATUS_POLL_MS);
      let found = false;
      while (elapsed() < SAVE_TIMEOUT_MS) {
        const { results } = await this.client.search({ root, query: token, limit: 5 });
        if ((found = results.some((r) => r.text.includes(token)))) break;
        await sleep(SEARCH_RETRY_MS);
      }
      out.push({ ms: elapsed(), timedOut: !found, ...(state ? { background: state } : {}) });
      // Past the watcher's quiet period, so that the next save is a batch of its own.
      await sleep(WATCH_QUIET_MS + 100);
    }
    return out;
  }

  /** Until the workspace is not indexing (and, with `embedded`, has nothing left to embed); bounded. */
  private async untilQuiet(root: string, embedded: boolean): Promise<void> {
    const t0 = performance.now();
    while (performance.now() - t0 < SAVE_TIMEOUT_MS) {
      const w = await this.workspace(root);
      if (w?.state === 'ready' && (!embedded || w.pending === 0)) return;
      await sleep(50);
    }
  }
}

// ---------------------------------------------------------------- 6. a single repository through the daemon

/** How often /status is read until a registered workspace is ready: its own time comes from the daemon's lastIndexedAt. */
const READY_POLL_MS = 100;

/**
 * Each root registered in turn with one fresh daemon (no embedding model), started and idle for a
 * second: seconds from POST /workspaces until the daemon's lastIndexedAt of the first index (set
 * as it turns the workspace ready; the poll only learns of it, and is sparse so as not to load the
 * daemon it measures).
 */
async function untilReady(home: string, roots: string[]): Promise<{ files: number; seconds: number }[]> {
  const d = DaemonRun.start(home, 'none');
  try {
    await sleep(1000);
    const out: { files: number; seconds: number }[] = [];
    for (const root of roots) {
      const t0 = Date.now();
      const { root: real } = await d.client.registerWorkspace(root);
      for (;;) {
        const w = await d.workspace(real);
        if (w?.state === 'error') throw new Error(`the daemon could not index ${root}: ${w.error ?? ''}`);
        if (w?.state === 'ready' && w.files > 0 && w.lastIndexedAt) {
          out.push({ files: w.files, seconds: (Date.parse(w.lastIndexedAt) - t0) / 1000 });
          break;
        }
        if (Date.now() - t0 > 120_000) throw new Error(`${root} was not ready within 120 s`);
        await sleep(READY_POLL_MS);
      }
    }
    return out;
  } finally {
    d.stop();
  }
}

/** Passes of bench/pool-passes.ts: how many the child makes, and which one counts as warm. */
const POOL_PASSES = 4;

/**
 * Cvu's per-file work alone on `files` of `root` (bench/pool-passes.ts): a fresh process, its parse
 * pool started a second before; seconds of the first pass (cold workers) and of the last.
 */
function poolPasses(root: string, files: string[], listFile: string): { cold: number; warm: number } {
  fs.writeFileSync(listFile, JSON.stringify(files));
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'bench', 'pool-passes.ts'), root, listFile, String(POOL_PASSES)], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/pool-passes.ts failed: ${r.stderr}`);
  const { seconds } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number[] };
  return { cold: seconds[0], warm: seconds[seconds.length - 1] };
}

// ---------------------------------------------------------------- main

const mb = (x: number) => `${x.toFixed(0)} MB`;
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main() {
  const run = beginResult('index', { options: { runs: RUNS, saves: SAVES, embedChunks: EMBED_CHUNKS, daemon: !args['no-daemon'], threads: THREADS }, runs: RUNS });
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-index-bench-')));
  const figures: Record<string, Figure> = {};
  const details: Record<string, unknown> = {};
  let daemon: DaemonRun | null = null;
  // The daemon is detached: an interrupted run must stop it, or it goes on indexing a deleted folder.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      daemon?.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  }
  try {
    // All code bases side by side under one root: part 3 indexes that root whole.
    const all = path.join(tmp, 'corpora');
    for (const c of CORPORA) c.materialise(path.join(all, c.label));
    const savedRoot = path.join(all, SAVED);

    // 1. Lexical tier, each code base and all of them in one workspace. Runs interleave the roots,
    // so that a change in the machine's load falls on all of them.
    const roots = [...CORPORA.map((c) => ({ key: c.label, label: `${c.label} (${c.language})`, root: path.join(all, c.label) })), { key: 'overall', label: 'all, one workspace', root: all }];
    const runsOf: Record<string, LexicalRun[]> = Object.fromEntries(roots.map((r) => [r.key, []]));
    for (let r = 0; r < RUNS; r++) {
      for (const { key, root } of roots) runsOf[key].push(await lexicalRun(root, path.join(tmp, `home-lex-${key}-${r}`)));
    }
    for (const { key, label } of roots) {
      const runs = runsOf[key];
      const { files, chunks } = runs[0];
      const rate = (count: number, secs: (r: LexicalRun) => number) => overRuns(runs.map((r) => count / secs(r)));
      const what = key === 'overall' ? `all ${CORPORA.length} code bases in one workspace (${files} files)` : `${label} (${files} files)`;
      figures[`lexical.${key}.filesPerSecond`] = figure({
        name: `${label}: files/s`, unit: 'files/s', ...rate(files, (r) => r.seconds),
        measures: `Files indexed per second by Workspace.sync on a fresh index without embedding: ${what}.`,
        floor: { value: rate(files, (r) => r.parseSeconds).value, measures: `reading and tree-sitter parsing the same files on one thread, nothing else (${runs.length > 1 ? `median of ${runs.length} runs` : 'one run'})` },
        ...(key === 'overall' ? { target: { op: '>=', value: 300, source: 'issue 2' } as const } : {}),
      });
      figures[`lexical.${key}.chunksPerSecond`] = figure({
        name: `${label}: chunks/s`, unit: 'chunks/s', ...rate(chunks, (r) => r.seconds),
        measures: `Chunks written per second by the same runs (${chunks} chunks).`,
        floor: { value: rate(chunks, (r) => r.parseSeconds).value, measures: "the same chunk count over the parse floor's time" },
      });
      const f = figures[`lexical.${key}.filesPerSecond`];
      console.log(`${f.name.padEnd(36)} ${f.value} files/s (parse floor ${f.floor!.value}, ${f.ratio}×)`);
    }
    details.corpora = CORPORA.map((c) => ({ label: c.label, language: c.language, source: c.source, files: runsOf[c.label][0].files, chunks: runsOf[c.label][0].chunks }));

    // 2. Direct re-index of a saved file.
    const saveFiles = filesToSave(savedRoot, SAVES);
    const { update: direct, parse: directFloor } = await directReindex(savedRoot, path.join(tmp, 'home-direct'), saveFiles);
    figures['save.direct'] = figure({
      name: 'save: direct re-index', unit: 'ms', ...latency(direct),
      floor: { ...latency(directFloor), measures: 'reading and tree-sitter parsing the same file alone, on one thread' },
      measures: `Workspace.update of one file just appended to, on a warm index of ${savedCorpus.label} (${savedCorpus.language}) without embedding (${direct.length} files).`,
      target: { op: '<', value: 200, source: 'issue 2', on: 'p95' },
    });
    console.log(`direct re-index of a saved file: p50 ${ms(pct(direct, 50))}, p95 ${ms(pct(direct, 95))}`);

    // 3. Peak RSS of `cvu index` with embedding off.
    if (!fs.existsSync(path.join(repo, 'dist/clients/cli/cli.js'))) throw new Error('run `npm run build` first (npm run bench:index does)');
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const idleCli = cliIndexRun(empty, path.join(tmp, 'home-rss-empty'));
    const cliRss = cliIndexRun(all, path.join(tmp, 'home-rss'));
    figures['rss.cliIndexNoEmbedding'] = figure({
      name: 'peak RSS, `cvu index`, embedding off', unit: 'MB', value: cliRss.maxRssMb,
      measures: `Peak resident set of \`cvu index --no-embed\` (compiled CLI, fresh process) on all code bases in one root (${cliRss.files} files).`,
      floor: { value: idleCli.maxRssMb, measures: 'the same command on an empty folder' },
      target: { op: '<', value: 500, source: 'issue 2 (5,000 files)' },
    });
    console.log(`cvu index --no-embed: ${cliRss.files} files, peak RSS ${mb(cliRss.maxRssMb)} (empty folder: ${mb(idleCli.maxRssMb)})`);

    // 4. Embedding in-process, q8 against fp32 on the same chunks.
    const twin = path.join(tmp, 'twins');
    await writeBertTwin(path.join(twin, 'q8'), MINILM_L6_SHAPE, { quantized: true });
    await writeBertTwin(path.join(twin, 'fp32'), MINILM_L6_SHAPE, { quantized: false });
    const q8 = await embedding(savedRoot, path.join(tmp, 'home-q8'), path.join(twin, 'q8'), true);
    const fp32 = await embedding(savedRoot, path.join(tmp, 'home-fp32'), path.join(twin, 'fp32'), false);
    figures['embedding.q8'] = figure({
      name: 'embedding, MiniLM-L6 twin q8', unit: 'chunks/s', value: q8.chunksPerSecond,
      measures: `Chunks of ${savedCorpus.label} embedded per second by the q8 twin in one background batch (${q8.chunks} chunks, ${count(THREADS, 'thread')}).`,
      floor: { value: fp32.chunksPerSecond, measures: 'the fp32 twin on the same chunks (a baseline: the unquantised model)' },
    });
    const stall = q8.contextWhileEmbedding!;
    figures['context.whileEmbedding'] = figure({
      name: '/context while embedding', unit: 'ms', ...latency(stall.during),
      measures: `Workspace.context (its query embedded, the stored vectors searched) while the q8 twin embeds ${2 * q8.chunks} chunks in the background.`,
      floor: { ...latency(stall.idle), measures: 'the same request on the idle workspace, same run' },
    });
    details.embedding = { q8: { chunks: q8.chunks, seconds: q8.seconds }, fp32: { chunks: fp32.chunks, seconds: fp32.seconds }, contextAnswersWithAVectorHit: Number(stall.withVectorsShare.toFixed(3)) };
    console.log(`embedding: q8 ${q8.chunksPerSecond.toFixed(1)} chunks/s, fp32 ${fp32.chunksPerSecond.toFixed(1)} chunks/s; /context while embedding p95 ${ms(pct(stall.during, 95))} (idle ${ms(pct(stall.idle, 95))})`);

    // 5. The daemon.
    if (!args['no-daemon']) {
      // The background workspace: every other code base, in a root of its own.
      const background = path.join(tmp, 'background');
      for (const c of CORPORA) if (c.label !== SAVED) fs.cpSync(path.join(all, c.label), path.join(background, c.label), { recursive: true });
      daemon = DaemonRun.start(path.join(tmp, 'home-daemon'), path.join(twin, 'q8'));
      await sleep(1000);
      const idleRss = processMemoryMb(daemon.pid).rssMb;
      const { root } = await daemon.client.registerWorkspace(savedRoot);
      const indexed = await daemon.untilEmbedded(root);
      const afterFirst = processMemoryMb(daemon.pid);
      console.log(`daemon: ${indexed.files} files, ${indexed.chunks} chunks indexed and embedded in ${indexed.seconds.toFixed(0)} s; RSS idle ${mb(idleRss)}, peak ${mb(afterFirst.peakMb ?? indexed.sampledMaxMb)}`);

      const idleSaves = await daemon.saveToSearchable(root, saveFiles, 'idle', { budgetMs: Infinity });
      const { root: bgRoot } = await daemon.client.registerWorkspace(background);
      const busySaves = await daemon.saveToSearchable(root, saveFiles, 'busy', { background: bgRoot, budgetMs: BUSY_SAVES_BUDGET_MS });
      const bg = await daemon.workspace(bgRoot);
      const end = processMemoryMb(daemon.pid);
      const peakEnd = Math.max(end.peakMb ?? 0, end.rssMb, indexed.sampledMaxMb);
      daemon.stop();
      daemon = null;

      // A save not searchable in time counts as SAVE_TIMEOUT_MS: the percentiles are then lower bounds, and say so.
      const lost = (s: SaveSample[]) => s.filter((x) => x.timedOut).length;
      const lostSentence = (s: SaveSample[]) => (lost(s) ? `; ${lost(s)} of them not found within ${SAVE_TIMEOUT_MS / 1000} s, counted as ${SAVE_TIMEOUT_MS / 1000} s` : '');
      const idleMs = idleSaves.map((x) => x.ms);
      const floor = pct(direct, 50) + WATCH_QUIET_MS;
      figures['save.searchable'] = figure({
        name: 'save → searchable (watcher)', unit: 'ms', ...latency(idleMs),
        measures: `From appending a line with a unique token to a file (in place, as an editor saves) until the daemon's /search finds it, through the watcher, on the idle daemon (${count(idleSaves.length, 'save')}${lostSentence(idleSaves)}).`,
        floor: { value: floor, measures: `the direct re-index's p50 plus the watcher's ${WATCH_QUIET_MS} ms quiet period (WATCH_QUIET_MS)` },
      });
      const busy = busySaves.filter((s) => s.background !== 'idle');
      const during = (what: SaveSample['background']) => busy.filter((s) => s.background === what).length;
      figures['save.searchableWhileIndexing'] = figure({
        name: 'save → searchable, another workspace indexing', unit: 'ms', ...latency(busy.map((x) => x.ms)),
        measures: `The same while a second workspace (the other code bases, ${bg?.files ?? '?'} files) is being indexed: ${count(during('parsing'), 'save')} during its parse, ${during('embedding')} during its embedding${lostSentence(busy)}.`,
        floor: { value: pct(idleMs, 50), measures: 'save → searchable on the idle daemon, same run (p50)' },
      });
      figures['rss.daemonWithEmbedding'] = figure({
        name: 'peak RSS, daemon, embedding on', unit: 'MB', value: afterFirst.peakMb ?? indexed.sampledMaxMb,
        measures: `Peak resident set of the daemon (VmHWM) once ${savedCorpus.label} (${indexed.files} files, ${indexed.chunks} chunks) is indexed and embedded with the MiniLM-L6 q8 twin.`,
        floor: { value: idleRss, measures: 'the daemon idle after start, no workspace, no model' },
      });
      figures['rss.daemonWithEmbeddingAndBackground'] = figure({
        name: 'peak RSS, daemon, two workspaces', unit: 'MB', value: peakEnd,
        measures: `The daemon's peak resident set at the end of the run: both workspaces registered, the second still being embedded (${bg ? `${bg.chunks - bg.pending} of ${bg.chunks} chunks` : '?'}).`,
        floor: { value: idleRss, measures: 'the daemon idle after start, no workspace, no model' },
      });
      details.daemon = {
        saved: { files: indexed.files, chunks: indexed.chunks, indexAndEmbedSeconds: Number(indexed.seconds.toFixed(1)) },
        background: bg ? { files: bg.files, chunks: bg.chunks, pendingAtEnd: bg.pending, state: bg.state } : null,
        savesWhileBackgroundIdle: busySaves.length - busy.length,
        savesNotSearchableInTime: { idle: lost(idleSaves), busy: lost(busy) },
      };
      console.log(`save → searchable: idle p50 ${ms(pct(idleMs, 50))}, p95 ${ms(pct(idleMs, 95))} (floor ${ms(floor)}), ${lost(idleSaves)} lost; another workspace indexing: ${busy.length} saves, p50 ${ms(pct(busy.map((x) => x.ms), 50))}, p95 ${ms(pct(busy.map((x) => x.ms), 95))}, ${lost(busy)} lost; peak RSS ${mb(peakEnd)}`);
    }
    // 6. A single repository through the daemon, cold and warm; and `cvu index` by the wall clock.
    if (!args['no-daemon']) {
      const copy = path.join(tmp, 'single-copy', SAVED);
      fs.cpSync(savedRoot, copy, { recursive: true });
      const cold: number[] = [];
      const warm: number[] = [];
      const cliWall: number[] = [];
      const cliScriptsWall: number[] = [];
      const poolCold: number[] = [];
      const poolWarm: number[] = [];
      const indexed = runsOf[SAVED][0].paths;
      // The same code base with the shell and PowerShell scripts a repository keeps beside its code
      // (real ones: playwright-core's installers, from node_modules).
      const withScripts = path.join(tmp, 'with-scripts', SAVED);
      const scripts = scriptsBeside(savedRoot, withScripts);
      let files = 0;
      for (let r = 0; r < RUNS; r++) {
        const [first, second] = await untilReady(path.join(tmp, `home-ready-${r}`), [savedRoot, copy]);
        files = first.files;
        cold.push(first.files / first.seconds);
        warm.push(second.files / second.seconds);
        const alone = poolPasses(savedRoot, indexed, path.join(tmp, `pool-files-${r}.json`));
        poolCold.push(indexed.length / alone.cold);
        poolWarm.push(indexed.length / alone.warm);
        const cliRun = cliIndexRun(savedRoot, path.join(tmp, `home-cli-${r}`));
        cliWall.push(cliRun.files / cliRun.wallSeconds);
        if (scripts) {
          const withRun = cliIndexRun(withScripts, path.join(tmp, `home-cli-scripts-${r}`));
          cliScriptsWall.push(withRun.files / withRun.wallSeconds);
        }
      }
      const parseFloor = overRuns(runsOf[SAVED].map((x) => x.files / x.parseSeconds)).value;
      const what = `${savedCorpus.label} (${savedCorpus.language}, ${files} files)`;
      figures['ready.singleRepository'] = figure({
        name: 'single repository: files/s to ready', unit: 'files/s', ...overRuns(cold),
        measures: `${what} registered with a daemon (the compiled CLI, no embedding model) started a second before: its files over the seconds from POST /workspaces until the daemon's lastIndexedAt of the first index (/status read every ${READY_POLL_MS} ms); a fresh daemon each run.`,
        floor: { value: parseFloor, measures: 'reading and tree-sitter parsing the same files on one thread, nothing else (part 1)' },
        target: { op: '>=', value: 400, source: 'issue 18 (a single repository)' },
      });
      figures['ready.singleRepositoryWarm'] = figure({
        name: 'single repository, daemon warm: files/s to ready', unit: 'files/s', ...overRuns(warm),
        measures: `A copy of ${what} in another folder, registered next with the same daemon: its parse workers running, their code compiled.`,
        floor: { value: overRuns(cold).value, measures: 'the first registration with the fresh daemon, same runs' },
      });
      figures['ready.perFileWorkCold'] = figure({
        name: "single repository: Cvu's per-file work alone, cold: files/s", unit: 'files/s', ...overRuns(poolCold),
        measures: `The ${indexed.length} files the first index of ${what} holds, prepared by a parse pool alone (the build's ParsePool: each file read, parsed, chunked, its symbols, imports, local definitions and full-text fields derived; no walk, no store, no daemon) in a fresh process, the pool started a second before: the files over the seconds of this first pass. What the time to ready adds above it is the daemon's own (config, walk, store, watcher, the main thread's share of the cores).`,
        floor: { value: overRuns(cold).value, measures: 'single repository: files/s to ready, same runs' },
      });
      figures['ready.perFileWorkWarm'] = figure({
        name: "single repository: Cvu's per-file work alone, warm: files/s", unit: 'files/s', ...overRuns(poolWarm),
        measures: `The same files prepared again by the same pool, its ${POOL_PASSES}th pass (the workers' code optimised by V8): what the per-file work allows on this machine however the rest were arranged.`,
        floor: { value: overRuns(poolCold).value, measures: "the pool's first pass, same runs" },
      });
      figures['cli.indexWall'] = figure({
        name: '`cvu index`: files/s, wall clock', unit: 'files/s', ...overRuns(cliWall),
        measures: `\`cvu index --no-embed\` on ${what}: its files over the wall-clock seconds of the whole command (a fresh process: Node's start, the modules, the index, the exit).`,
        floor: { value: parseFloor, measures: 'reading and tree-sitter parsing the same files on one thread, nothing else (part 1)' },
      });
      if (scripts) {
        figures['cli.indexWallWithScripts'] = figure({
          name: '`cvu index` with scripts beside: files/s, wall clock', unit: 'files/s', ...overRuns(cliScriptsWall),
          measures: `\`cvu index --no-embed\` on ${what} with ${scripts.shell} shell and ${scripts.powershell} PowerShell scripts from node_modules/playwright-core/bin added in a folder of their own: its files over the wall-clock seconds of the whole command.`,
          floor: { value: overRuns(cliWall).value, measures: 'the same command on the code base alone, same runs' },
        });
      }
      for (const key of ['ready.singleRepository', 'ready.singleRepositoryWarm', 'ready.perFileWorkCold', 'ready.perFileWorkWarm', 'cli.indexWall', 'cli.indexWallWithScripts']) if (figures[key]) console.log(`${figures[key].name.padEnd(52)} ${figures[key].value} files/s`);
    }
    writeResult(run.finish(figures, details), args);
  } finally {
    daemon?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
