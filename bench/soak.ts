/**
 * npm run bench:soak [-- --minutes N] [--threads N] [--sample-seconds N] [--max-files N] [--out FILE] [--record]
 *
 * Soak: a user types in a real code base for N minutes (default 10) against
 * a real daemon process, and the daemon's memory is sampled as it goes.
 *
 * - The daemon runs as its own process (`startDaemon`, as the CLI starts it),
 *   its RSS read from /proc/PID/status (`ps` elsewhere) every
 *   `--sample-seconds` (default 10).
 * - The code base is a copy of this repository's tracked sources plus
 *   fastify's `lib/` and `types/` from node_modules, in a temp folder;
 *   `--max-files N` keeps N of this repository's files, spread over it, and
 *   no fastify (a short run on a busy machine: indexing and embedding the
 *   whole code base with the twin takes minutes before the typing starts).
 * - The model is a shape twin of Qwen2.5-Coder-0.5B (24 layers, its widths
 *   and vocabulary, Q8_0 random weights: the real memory and compute cost,
 *   nonsense output); the embedder a MiniLM-L6 twin (q8). Inference threads
 *   are set explicitly (`--threads`, default min(2, cores)).
 * - The user types code taken from other files of the code base into a
 *   function of a file, 5–8 characters a second with pauses (longer at line
 *   ends, now and then a long one), through the same typed client the CLI
 *   and the editor use. Every keystroke schedules a completion of the
 *   unsaved buffer after the editor's 150 ms debounce; a newer one
 *   supersedes the older (`X-Cvu-Client`), as an editor's would. Each line
 *   end asks /context; the buffer is saved every 20–40 s (write-then-rename,
 *   as editors save), which the watcher re-indexes and the embedder embeds.
 *   After 6–14 lines the file is saved, put back as it was (and saved), and
 *   the next file is taken: the workload stays the same for the whole run.
 *
 * Reported: a table of RSS over time, request counts and latencies, and a
 * verdict. The run fails when RSS grows by more than 50 MB an hour over the
 * second half of the run: a straight line fitted to that half's samples, its
 * slope extrapolated to an hour. The first half (model loading, caches
 * filling) is shown beside it. The result file (`--out FILE`, `--record` for
 * bench/results/soak.json) holds the figures and every RSS sample.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DaemonClient } from '../clients/daemon-client.js';
import { startDaemon, stopDaemon } from '../daemon/lifecycle.js';
import { SLOW_CONTEXT_MS } from '../workspace/workspace.js';
import { MINILM_L6_SHAPE, writeBertTwin } from '../fixtures/models/bert-twin.js';
import { QWEN25_CODER_05B_SHAPE, writeLlamaTwin } from '../fixtures/models/tiny-llama.js';
import { beginResult, figure, latency, pct, processMemoryMb, resultFileOptions, writeResult, type BenchResult } from './result.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    threads: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
    'sample-seconds': { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    'max-files': { type: 'string' },
    ...resultFileOptions,
  },
});
const MINUTES = Number(args.minutes);
const THREADS = Number(args.threads);
const SAMPLE_MS = Number(args['sample-seconds']) * 1000;
const MAX_FILES = args['max-files'] === undefined ? Infinity : Number(args['max-files']);
if (!(MINUTES > 0) || !(THREADS >= 1) || !(SAMPLE_MS >= 1000) || !(MAX_FILES >= 20)) {
  console.error('usage: npm run bench:soak -- [--minutes N] [--threads N] [--sample-seconds N] [--max-files N ≥ 20] [--out FILE] [--record]');
  process.exit(2);
}
/** RSS growth over the second half of the run, extrapolated to an hour, above which the soak fails. */
const MAX_GROWTH_MB_PER_HOUR = 50;
const DEBOUNCE_MS = 150;
const COMPLETION_TOKENS = 16;
/** A /context asked this soon after a save meets the re-index and re-embedding of the saved file. */
const AFTER_SAVE_MS = 10_000;

// A small deterministic PRNG: the same run types the same text with the same pauses.
let seed = Number(args.seed) >>> 0 || 1;
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number) => lo + random() * (hi - lo);
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The daemon's resident set, in MB. */
const rssMb = (pid: number) => processMemoryMb(pid).rssMb;

/** Copies the code base: this repository's tracked files and fastify's sources. */
function copyCodeBase(dest: string): number {
  let files: string[];
  try {
    files = execFileSync('git', ['ls-files'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    files = fs.readdirSync(repo, { recursive: true, encoding: 'utf8' }).filter((f) => !/(^|\/)(node_modules|dist|\.git)(\/|$)/.test(f));
  }
  files = files.filter((f) => /\.(ts|tsx|mjs|js|json|md)$/.test(f) && !/package-lock\.json$/.test(f));
  const all = files;
  if (all.length > MAX_FILES) files = Array.from({ length: MAX_FILES }, (_, i) => all[Math.floor((i * all.length) / MAX_FILES)]);
  for (const f of files) {
    const from = path.join(repo, f);
    if (!fs.statSync(from, { throwIfNoEntry: false })?.isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, f));
  }
  let n = files.length;
  for (const part of Number.isFinite(MAX_FILES) ? [] : ['lib', 'types']) {
    const from = path.join(repo, 'node_modules/fastify', part);
    if (!fs.existsSync(from)) continue;
    fs.cpSync(from, path.join(dest, 'vendor/fastify', part), { recursive: true });
    n += fs.readdirSync(from, { recursive: true }).length;
  }
  // Git-style ignore of nothing in particular: the copy is indexed as a user's checkout would be.
  fs.writeFileSync(path.join(dest, '.gitignore'), 'node_modules/\ndist/\n');
  return n;
}

let lastSaveAt = -Infinity;

/** Editors save by writing a temp file and renaming it over the original. */
function save(abs: string, text: string): void {
  const tmp = `${abs}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, abs);
  lastSaveAt = performance.now();
}

interface Sample {
  minute: number;
  rssMb: number;
  completions: number;
  superseded: number;
  contexts: number;
  saves: number;
}

interface Stats {
  keystrokes: number;
  completionsAnswered: number;
  completionsSuperseded: number;
  completionErrors: number;
  completionMs: number[];
  /** Each answered /context: when it was asked (minutes into the run) and whether a save came in the 10 s before. */
  contextAt: { minute: number; ms: number; afterSave: boolean }[];
  contextErrors: number;
  saves: number;
  files: number;
  errors: string[];
}

/** A straight line fitted to (x, y): its slope. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den ? num / den : 0;
}

/** The daemon's log lines about slow /context answers (see Workspace.context), the slowest first. */
function printSlowContexts(logDir: string): void {
  const lines = fs.existsSync(logDir) ? fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n')).filter((l) => l.includes('slow context')) : [];
  const total = (l: string) => Number(/"totalMs":(\d+)/.exec(l)?.[1] ?? 0);
  lines.sort((a, b) => total(b) - total(a));
  console.log(`\nslow /context answers (≥ ${SLOW_CONTEXT_MS} ms) in the daemon's log: ${lines.length}${lines.length ? '; the slowest:' : ''}`);
  for (const l of lines.slice(0, 15)) console.log(`  ${l}`);
}

async function main() {
  const run = beginResult('soak', { options: { minutes: MINUTES, threads: THREADS, sampleSeconds: SAMPLE_MS / 1000, seed: Number(args.seed), maxFiles: Number.isFinite(MAX_FILES) ? MAX_FILES : 'all' } });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-soak-'));
  const home = path.join(tmp, 'home');
  const root = path.join(tmp, 'ws');
  let daemonPid: number | null = null;
  // The daemon is detached: an interrupted soak must stop it, or it goes on in a deleted folder.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (daemonPid !== null) process.kill(daemonPid, 'SIGTERM');
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  }
  try {
    const t0 = performance.now();
    const files = copyCodeBase(root);
    fs.mkdirSync(path.join(tmp, 'models'), { recursive: true });
    const twin = await writeLlamaTwin(path.join(tmp, 'models', 'qwen-0.5b-twin.gguf'), QWEN25_CODER_05B_SHAPE);
    const embedderDir = await writeBertTwin(path.join(tmp, 'models', 'minilm-twin'), MINILM_L6_SHAPE, { quantized: true });
    // The models and threads are the user's settings: this run's home holds them.
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(
      path.join(home, 'config.json'),
      JSON.stringify({ threads: THREADS, model: { path: twin.file, contextSize: 4096 }, embedding: { model: embedderDir, dtype: 'q8', allowDownload: false } }, null, 2),
    );
    console.log(`code base: ${files} files copied to ${root}; models written in ${((performance.now() - t0) / 1000).toFixed(1)} s (llama twin ${(twin.bytes / 2 ** 20).toFixed(0)} MiB)`);

    // The user's config names the models; the daemon inherits this environment, which must not override them.
    delete process.env.CVU_MODEL;
    delete process.env.CVU_EMBEDDING_MODEL;
    // Info: the daemon logs each slow /context with where it spent its time (printed at the end).
    const { info } = await startDaemon({ home, env: { CVU_LOG_LEVEL: 'info' } });
    daemonPid = info.pid;
    const baseUrl = `http://127.0.0.1:${info.port}`;
    const editor = new DaemonClient({ baseUrl, token: info.token, clientId: 'soak-editor' });
    const observer = new DaemonClient({ baseUrl, token: info.token });
    const { root: wsRoot } = await editor.registerWorkspace(root);
    const tIndex = performance.now();
    let indexed: { files: number; chunks: number; seconds: number };
    for (;;) {
      const ws = (await observer.status()).workspaces.find((w) => w.root === wsRoot);
      if (ws?.state === 'error') throw new Error(`indexing failed: ${ws.error}`);
      if (ws?.state === 'ready' && ws.pending === 0 && ws.embedder === 'ready') {
        indexed = { files: ws.files, chunks: ws.chunks, seconds: Math.round((performance.now() - tIndex) / 1000) };
        console.log(`indexed and embedded: ${ws.files} files, ${ws.chunks} chunks in ${((performance.now() - tIndex) / 1000).toFixed(0)} s; daemon pid ${info.pid}, RSS ${rssMb(info.pid).toFixed(0)} MB`);
        break;
      }
      if (performance.now() - tIndex > 15 * 60_000) throw new Error(`the workspace was not indexed and embedded in 15 minutes: ${JSON.stringify(ws)}`);
      await sleep(1000);
    }

    // What to type: lines of code from the code base's own TypeScript files.
    const tsFiles = fs
      .readdirSync(wsRoot, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('vendor') && fs.statSync(path.join(wsRoot, f)).size > 2000);
    const codeLines = tsFiles.flatMap((f) => fs.readFileSync(path.join(wsRoot, f), 'utf8').split('\n')).map((l) => l.trim()).filter((l) => l.length >= 8 && l.length <= 100 && !l.startsWith('*') && !l.startsWith('//') && !l.startsWith('/*'));

    const stats: Stats = { keystrokes: 0, completionsAnswered: 0, completionsSuperseded: 0, completionErrors: 0, completionMs: [], contextAt: [], contextErrors: 0, saves: 0, files: 0, errors: [] };
    const samples: Sample[] = [];
    const started = performance.now();
    const endAt = started + MINUTES * 60_000;
    const sample = () =>
      samples.push({
        minute: (performance.now() - started) / 60_000,
        rssMb: rssMb(info.pid),
        completions: stats.completionsAnswered,
        superseded: stats.completionsSuperseded,
        contexts: stats.contextAt.length,
        saves: stats.saves,
      });
    sample();
    const sampler = setInterval(() => {
      sample();
      const s = samples[samples.length - 1];
      console.log(`${s.minute.toFixed(1).padStart(5)} min  RSS ${s.rssMb.toFixed(0).padStart(5)} MB  completions ${s.completions} (+${s.superseded} superseded)  contexts ${s.contexts}  saves ${s.saves}`);
    }, SAMPLE_MS);

    const noteError = (what: string, err: unknown) => {
      if (stats.errors.length < 20) stats.errors.push(`${what}: ${(err as Error).message}`);
    };
    const inFlight = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };

    let debounce: NodeJS.Timeout | null = null;
    while (performance.now() < endAt) {
      // A file, a place inside it, and 6-14 lines to type there.
      const rel = pick(tsFiles);
      const abs = path.join(wsRoot, rel);
      const original = fs.readFileSync(abs, 'utf8');
      const lines = original.split('\n');
      const at = Math.floor(between(0.3, 0.8) * lines.length);
      const indent = /^\s*/.exec(lines[at])![0];
      const toType = Array.from({ length: Math.floor(between(6, 15)) }, () => pick(codeLines));
      stats.files++;
      const typed: string[] = [''];
      const buffer = () => [...lines.slice(0, at), ...typed.map((l) => indent + l), ...lines.slice(at)].join('\n');
      const cursor = () => ({ line: at + typed.length - 1, character: indent.length + typed[typed.length - 1].length });
      let nextSave = performance.now() + between(20_000, 40_000);

      for (let li = 0; li < toType.length && performance.now() < endAt; li++) {
        for (const ch of toType[li]) {
          typed[typed.length - 1] += ch;
          stats.keystrokes++;
          // The editor's debounce: a completion once typing pauses for 150 ms; the daemon cancels the older one.
          if (debounce) clearTimeout(debounce);
          const text = buffer();
          const position = cursor();
          debounce = setTimeout(() => {
            debounce = null;
            const t = performance.now();
            track(
              editor
                .complete({ path: abs, text, position, maxTokens: COMPLETION_TOKENS })
                .then(() => {
                  stats.completionsAnswered++;
                  stats.completionMs.push(performance.now() - t);
                })
                .catch((err: { status?: number }) => {
                  if (err.status === 499) stats.completionsSuperseded++;
                  else {
                    stats.completionErrors++;
                    noteError('complete', err);
                  }
                }),
            );
          }, DEBOUNCE_MS);
          // 5-8 characters a second; a little longer after a word; now and then a long think.
          let pause = 1000 / between(5, 8);
          if (ch === ' ' && random() < 0.3) pause += between(200, 800);
          if (random() < 0.004) pause += between(5_000, 15_000);
          await sleep(pause);
          if (performance.now() >= endAt) break;
        }
        // Line end: the context the next line would get, a pause, a new line.
        const t = performance.now();
        const afterSave = t - lastSaveAt < AFTER_SAVE_MS;
        track(
          observer
            .context({ path: abs, text: buffer(), position: cursor() })
            .then(() => {
              stats.contextAt.push({ minute: (t - started) / 60_000, ms: performance.now() - t, afterSave });
            })
            .catch((err) => {
              stats.contextErrors++;
              noteError('context', err);
            }),
        );
        if (performance.now() >= nextSave) {
          save(abs, buffer());
          stats.saves++;
          nextSave = performance.now() + between(20_000, 40_000);
        }
        await sleep(between(1_000, 3_000));
        typed.push('');
      }
      // Done with this file: saved as typed, then put back (undo, save) and on to the next one.
      save(abs, buffer());
      await sleep(between(2_000, 5_000));
      save(abs, original);
      stats.saves += 2;
    }
    if (debounce) clearTimeout(debounce);
    await Promise.allSettled([...inFlight]);
    clearInterval(sampler);
    sample();

    const h = await observer.health();
    await stopDaemon({ home });
    daemonPid = null;
    const result = report(run, samples, stats, h.ok, { codeBaseFiles: files, indexed });
    printSlowContexts(path.join(home, 'logs'));
    writeResult(result, args);
  } finally {
    if (daemonPid !== null) {
      try {
        await stopDaemon({ home });
      } catch {
        process.kill(daemonPid, 'SIGKILL');
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

type Run = ReturnType<typeof beginResult>;

function report(run: Run, samples: Sample[], stats: Stats, healthy: boolean, setup: Record<string, unknown>): BenchResult {
  const contextMs = stats.contextAt.map((c) => c.ms);
  const last = samples[samples.length - 1];
  const duration = last.minute;
  const half = duration / 2;
  const first = samples.filter((s) => s.minute <= half);
  const second = samples.filter((s) => s.minute >= half);
  const pts = (ss: Sample[]) => ss.map((s) => ({ x: s.minute, y: s.rssMb }));
  const firstGrowth = slope(pts(first)) * half;
  const secondGrowth = slope(pts(second)) * half;
  // The second half's fitted slope (MB a minute), extrapolated to an hour: what the pass rule reads.
  const perHour = slope(pts(second)) * 60;
  const pass = perHour <= MAX_GROWTH_MB_PER_HOUR;

  console.log('\nRSS over time (one row a minute; every sample is in the result file)');
  console.log('  min    RSS MB  completions  superseded  contexts  saves');
  let nextRow = 0;
  for (const s of samples) {
    if (s.minute + 1e-9 < nextRow && s !== last) continue;
    console.log(`${s.minute.toFixed(1).padStart(5)}  ${s.rssMb.toFixed(0).padStart(8)}  ${String(s.completions).padStart(11)}  ${String(s.superseded).padStart(10)}  ${String(s.contexts).padStart(8)}  ${String(s.saves).padStart(5)}`);
    nextRow = Math.floor(s.minute) + 1;
  }
  const rss = samples.map((s) => s.rssMb);
  console.log(
    `\n${stats.keystrokes} keystrokes in ${stats.files} files over ${duration.toFixed(1)} min: ` +
      `${stats.completionsAnswered} completions answered (p50 ${pct(stats.completionMs, 50).toFixed(0)} ms, p95 ${pct(stats.completionMs, 95).toFixed(0)} ms), ` +
      `${stats.completionsSuperseded} superseded, ${stats.completionErrors} failed; ` +
      `${stats.contextAt.length} /context (p50 ${pct(contextMs, 50).toFixed(0)} ms, p95 ${pct(contextMs, 95).toFixed(0)} ms), ${stats.contextErrors} failed; ${stats.saves} saves; /health after: ${healthy ? 'ok' : 'FAILED'}`,
  );
  if (stats.errors.length) console.log(`errors: ${stats.errors.join('; ')}`);
  // Where the slow /context answers come from: a save just before (re-indexing, re-embedding) or the
  // time into the run (something that accumulates).
  const ms = (xs: { ms: number }[]) => xs.map((x) => x.ms);
  const line = (label: string, xs: { ms: number }[]) => `${label}: ${xs.length}, p50 ${pct(ms(xs), 50).toFixed(0)} ms, p95 ${pct(ms(xs), 95).toFixed(0)} ms`;
  const afterSave = stats.contextAt.filter((c) => c.afterSave);
  const otherwise = stats.contextAt.filter((c) => !c.afterSave);
  console.log(`/context ${line(`within ${AFTER_SAVE_MS / 1000} s after a save`, afterSave)}; ${line('otherwise', otherwise)}`);
  const step = Math.max(1, Math.ceil(duration / 6));
  const spans: string[] = [];
  for (let from = 0; from + 0.05 < duration; from += step) spans.push(line(`minutes ${from}-${Math.min(duration, from + step).toFixed(0)}`, stats.contextAt.filter((c) => c.minute >= from && c.minute < from + step)));
  console.log(`/context by time into the run: ${spans.join('; ')}`);
  console.log(
    `RSS: start ${rss[0].toFixed(0)} MB, min ${Math.min(...rss).toFixed(0)}, max ${Math.max(...rss).toFixed(0)}, end ${last.rssMb.toFixed(0)} MB; ` +
      `fitted growth over the first half ${firstGrowth >= 0 ? '+' : ''}${firstGrowth.toFixed(1)} MB, over the second half ${secondGrowth >= 0 ? '+' : ''}${secondGrowth.toFixed(1)} MB`,
  );
  console.log(
    `verdict: ${pass ? 'pass' : 'FAIL'}: RSS grows ${perHour >= 0 ? '+' : ''}${perHour.toFixed(1)} MB/hour over the second half ` +
      `(a line fitted to ${second.length} samples from minute ${half.toFixed(1)} to ${duration.toFixed(1)}, extrapolated to an hour; the limit is ${MAX_GROWTH_MB_PER_HOUR} MB/hour)`,
  );
  if (!pass || !healthy) process.exitCode = 1;

  const figures = {
    'rss.growthPerHour': figure({
      name: 'RSS growth, second half', unit: 'MB/hour', value: perHour,
      measures: `The slope of a straight line fitted to the daemon's RSS samples over the second half of a ${duration.toFixed(1)}-minute typing session (${second.length} samples), extrapolated to an hour; the soak fails above the target.`,
      target: { op: '<=', value: MAX_GROWTH_MB_PER_HOUR, source: 'issue 15' },
    }),
    'rss.max': figure({
      name: 'RSS, largest sample', unit: 'MB', value: Math.max(...rss),
      measures: "The daemon's largest RSS sample during the session (generation twin loaded, embedding twin on).",
      floor: { value: rss[0], measures: 'the first sample, once the code base is indexed and embedded, before typing' },
    }),
    'complete.latency': figure({
      name: '/complete while typing', unit: 'ms', ...latency(stats.completionMs),
      measures: 'From sending a completion of the unsaved buffer (after the 150 ms debounce) to its answer, for those not superseded by a newer keystroke.',
    }),
    'context.afterSave': figure({
      name: `/context within ${AFTER_SAVE_MS / 1000} s after a save`, unit: 'ms', ...latency(ms(afterSave)),
      measures: `/context at a line end within ${AFTER_SAVE_MS / 1000} s after a save, while the watcher re-indexes and re-embeds the saved file.`,
      floor: { ...latency(ms(otherwise)), measures: '/context at the other line ends of the same run' },
    }),
  };
  return run.finish(figures, {
    ...setup,
    pass,
    healthy,
    minutes: Number(duration.toFixed(2)),
    rssMb: { start: rss[0], max: Math.max(...rss), end: last.rssMb, firstHalfGrowth: Number(firstGrowth.toFixed(1)), secondHalfGrowth: Number(secondGrowth.toFixed(1)) },
    requests: { keystrokes: stats.keystrokes, files: stats.files, completionsAnswered: stats.completionsAnswered, completionsSuperseded: stats.completionsSuperseded, completionErrors: stats.completionErrors, contexts: stats.contextAt.length, contextErrors: stats.contextErrors, saves: stats.saves, errors: stats.errors },
    samples: samples.map((s) => ({ minute: Number(s.minute.toFixed(2)), rssMb: Number(s.rssMb.toFixed(1)) })),
  });
}

await main();
