/**
 * npm run bench:remote [-- --chars N] [--tokens N] [--budget-tokens N] [--threads N] [--parts LIST] [--out FILE] [--record]
 *
 * Inline completion on a shared model server: bench:complete's typing session (bench/typing-session.ts,
 * the first `--chars` characters of the line, default 24) on a shape twin of Qwen2.5-Coder-0.5B
 * (random Q8_0 weights: the real cost, nonsense output), in one run, three ways:
 *  - in process: Cvu's CompletionService on node-llama-cpp (today's default backend);
 *  - llama-server: the same service through the `llama-server` backend (models/llama-server-backend.ts)
 *    on a real llama-server (.ci/llama-server builds it) started with `--metrics`, one slot;
 *  - the peer: llama.vim-style `/infill` requests on the same server — the 256 lines above the cursor's
 *    line as input_prefix, the 64 below as input_suffix, the typed part of the line as prompt, the
 *    retrieved snippets as input_extra, n_predict 16, cache_prompt.
 * Each keystroke is timed from the request to its answer with `--tokens` tokens (default 16), and the
 * server's prompt tokens evaluated per keystroke are read from its own /metrics
 * (`llamacpp:prompt_tokens_total` deltas). Then the team, through real daemons: the compiled CLI's
 * daemon (`npm run build` first; the npm script does), each with a CVU_HOME of its own pointed at one
 * server with `--parallel 4` (CVU_MODEL_URL, CVU_MODEL_BACKEND=llama-server), this repository
 * registered, typing through `/complete` with `completion.naturalStop: false` (a fixed `--tokens`):
 *  - one daemon alone types the session (the baseline, same server, same route);
 *  - the server is restarted clean, and four daemons type at once, each in its own file.
 * The server's log (slot choices) and each keystroke's evaluated and reused prompt tokens (the
 * server's counts, as /complete reports them) say where each keystroke landed.
 * Threads: `--threads` (default min(2, cores)) for the server and the in-process model.
 * `--parts` runs some of the parts (in-process,server,peer,team; default all; `--record` needs all).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { CompletionService, type CompletionWorkspace, type FimModel } from '../assistant/complete.js';
import { fimFormatOf } from '../assistant/fim-model.js';
import { DaemonClient } from '../clients/daemon-client.js';
import { defaultConfig, type CvuConfig } from '../config/schema.js';
import { CompletionEngine } from '../models/completion-engine.js';
import type { GenerationModel } from '../models/generation.js';
import { modelOnEngine } from '../models/in-process-backend.js';
import { LlamaServerBackend } from '../models/llama-server-backend.js';
import { detectFim } from '../models/llm.js';
import { Workspace } from '../workspace/workspace.js';
import { LLAMA_SERVER, MISSING_LLAMA_SERVER, startLlamaServer, type RunningServer } from '../fixtures/llama-server.js';
import { QWEN25_CODER_05B_SHAPE, writeLlamaTwin } from '../fixtures/models/tiny-llama.js';
import { typingSession, typingSessionOptions, type Keystroke, type Kind } from './typing-session.js';
import { beginResult, benchRepo as repo, figure, latency, pct, resultFileOptions, writeResult, type Figure } from './result.js';

const { values: args } = parseArgs({
  options: {
    chars: { type: 'string', default: '24' },
    parts: { type: 'string', default: 'in-process,server,peer,team' },
    ...typingSessionOptions,
    ...resultFileOptions,
  },
});
const THREADS = Number(args.threads);
const OUTPUT_TOKENS = Number(args.tokens);
const MAX_CHARS = Number(args.chars);
const BUDGET_TOKENS = Number(args['budget-tokens']);
const ALL_PARTS = ['in-process', 'server', 'peer', 'team'] as const;
const PARTS = new Set(args.parts!.split(',').map((p) => p.trim()));
if (!(OUTPUT_TOKENS >= 1) || !(MAX_CHARS >= 4) || !(BUDGET_TOKENS >= 256) || !(THREADS >= 1) || ![...PARTS].every((p) => (ALL_PARTS as readonly string[]).includes(p)) || (args.record && PARTS.size < ALL_PARTS.length)) {
  console.error(`usage: npm run bench:remote -- [--chars N ≥ 4] [--tokens N] [--budget-tokens N ≥ 256] [--threads N] [--parts ${ALL_PARTS.join(',')}] [--out FILE] [--record (all parts)]`);
  process.exit(2);
}
if (!LLAMA_SERVER) {
  console.error(MISSING_LLAMA_SERVER);
  process.exit(2);
}
const FILE = 'retrieval/cursor-context.ts';
/** The team's files, one per client. */
const TEAM_FILES = [FILE, 'prompts/completion-prompt.ts', 'assistant/complete.ts', 'models/llm.ts'];
const CONTEXT = 4096;

interface Sample {
  kind: Kind;
  totalMs: number;
  /** The server's prompt tokens evaluated for this keystroke (its /metrics), or the engine's own count in process. */
  evaluated: number;
  promptTokens: number;
  /** Through a daemon: the prompt tokens the server reused (its cache_n), and when the request was sent (ms into the part). */
  reused?: number;
  sentAtMs?: number;
}

const r1 = (x: number) => Number(x.toFixed(1));

/** Types the session through a completion service; answers from Cvu's completion cache are skipped (no model call). */
async function typeThrough(service: CompletionService, ws: CompletionWorkspace, fim: FimModel, file: string, keys: Keystroke[], client: string, evaluated: (own: number) => Promise<number>, label: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const [i, k] of keys.entries()) {
    const t0 = performance.now();
    const r = await service.complete(ws, fim, { path: file, text: k.text, position: k.position, client, maxTokens: OUTPUT_TOKENS });
    const totalMs = performance.now() - t0;
    if (r.cached) continue;
    out.push({ kind: k.kind, totalMs, evaluated: await evaluated(r.timings.evaluatedTokens ?? 0), promptTokens: r.timings.promptTokens });
    if (label) process.stderr.write(`\r${label} ${i + 1}/${keys.length} (${k.kind}): ${totalMs.toFixed(0)} ms   `);
  }
  if (label) process.stderr.write('\n');
  return out;
}

/** A metric's delta over each call. */
function metricDelta(server: RunningServer, name: string): () => Promise<number> {
  let last: number | null = null;
  return async () => {
    const now = await server.metric(name);
    const d = last === null ? now : now - last;
    last = now;
    return d;
  };
}

/** llama.vim's request for a keystroke: lines around the cursor, the typed part of the line as the prompt. */
function infillBody(k: Keystroke, extra: { filename: string; text: string }[]) {
  const lines = k.text.split('\n');
  const line = lines[k.position.line];
  return {
    input_prefix: lines.slice(Math.max(0, k.position.line - 256), k.position.line).join('\n') + '\n',
    input_suffix: line.slice(k.position.character) + '\n' + lines.slice(k.position.line + 1, k.position.line + 65).join('\n'),
    input_extra: extra,
    prompt: line.slice(0, k.position.character),
    n_predict: OUTPUT_TOKENS,
    cache_prompt: true,
    temperature: 0,
    // Generate exactly n_predict, as Cvu's side is asked to.
    ignore_eos: true,
    stream: false,
  };
}

function stats(samples: Sample[]) {
  const warm = samples.filter((s) => s.kind !== 'open');
  const cold = samples.find((s) => s.kind === 'open');
  return {
    warm,
    cold,
    p50: pct(warm.map((s) => s.totalMs), 50),
    p95: pct(warm.map((s) => s.totalMs), 95),
    evaluatedP50: pct(warm.map((s) => s.evaluated), 50),
    evaluatedMean: warm.reduce((a, s) => a + s.evaluated, 0) / Math.max(1, warm.length),
  };
}

// ---------------------------------------------------------------- real daemons

const CLI = path.join(repo, 'dist/clients/cli/cli.js');

interface BenchDaemon {
  name: string;
  home: string;
  baseUrl: string;
  token: string;
}

/** The daemon's own typed client, as an editor with that client id. */
const clientOf = (d: BenchDaemon, clientId?: string) => new DaemonClient({ baseUrl: d.baseUrl, token: d.token, ...(clientId ? { clientId } : {}) });

function cvuCli(home: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env, CVU_HOME: home } });
}

/**
 * The compiled CLI's daemon in a CVU_HOME of its own: the user's config there (a fixed completion
 * length, no embedding model), the server named by the environment, as a user would point it.
 */
function startDaemon(tmp: string, name: string, serverUrl: string): BenchDaemon {
  const home = path.join(tmp, name);
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(
    path.join(home, 'config.json'),
    JSON.stringify({
      threads: THREADS,
      embedding: { model: null },
      completion: { budgetTokens: BUDGET_TOKENS, maxTokens: OUTPUT_TOKENS, naturalStop: false },
      // Four cold prompts at once on two cores take minutes.
      model: { backend: { timeoutSeconds: 1800 } },
    }),
  );
  cvuCli(home, ['daemon', 'start'], { CVU_MODEL_URL: serverUrl, CVU_MODEL_BACKEND: 'llama-server', CVU_EMBEDDING_MODEL: 'none' });
  const info = JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as { port: number; token: string };
  return { name, home, baseUrl: `http://127.0.0.1:${info.port}`, token: info.token };
}

function stopDaemon(d: BenchDaemon): void {
  try {
    cvuCli(d.home, ['daemon', 'stop']);
  } catch {
    // already gone
  }
}

/** Registers this repository and waits until the daemon has indexed it. */
async function registerRepo(d: BenchDaemon): Promise<void> {
  const client = clientOf(d);
  const { root } = await client.registerWorkspace(repo);
  await client.waitForIndex(root, { pollMs: 500 });
}

/** Types the session through a daemon's /complete; answers from its completion cache are skipped (no model call). */
async function typeThroughDaemon(d: BenchDaemon, file: string, keys: Keystroke[], client: string, t0: number, label: string): Promise<Sample[]> {
  const out: Sample[] = [];
  const editor = clientOf(d, client);
  for (const [i, k] of keys.entries()) {
    const sent = performance.now();
    const r = await editor.complete({ path: file, text: k.text, position: k.position, maxTokens: OUTPUT_TOKENS });
    const totalMs = performance.now() - sent;
    if (r.cached) continue;
    out.push({ kind: k.kind, totalMs, evaluated: r.timings.evaluatedTokens ?? 0, promptTokens: r.timings.promptTokens, reused: r.timings.reusedTokens, sentAtMs: sent - t0 });
    process.stderr.write(`${label} ${i + 1}/${keys.length} (${k.kind}): ${totalMs.toFixed(0)} ms, evaluated ${r.timings.evaluatedTokens}\n`);
  }
  return out;
}

/** How the server chose slots, from its log: by the id a request named, by prompt similarity, or the least recently used. */
function slotChoices(log: string): { byId: number; bySimilarity: number; byLru: number; cacheLoads: number } {
  const count = (re: RegExp) => (log.match(re) ?? []).length;
  return {
    byId: count(/selected slot by id/g),
    bySimilarity: count(/selected slot by LCP similarity/g),
    byLru: count(/selected slot by LRU/g),
    cacheLoads: count(/prompt cache: found|restored prompt|loading prompt from cache/gi),
  };
}

/**
 * What the server itself does with four slots decoding at once, without daemons: four slots warmed with
 * prompts of `promptTokens` (token ids, one slot each), then `rounds` times one slot alone and four at
 * once, `OUTPUT_TOKENS` each. Answers the p50s, in ms.
 */
async function serverBatching(server: RunningServer, promptTokens: number, rounds: number): Promise<{ oneMs: number; fourMs: number }> {
  const prompts = [0, 1, 2, 3].map((slot) => Array.from({ length: promptTokens }, (_, i) => 1000 + ((i * 7919 + (slot + 1) * 104_729) % 50_000)));
  const complete = async (slot: number, n: number) => {
    const t0 = performance.now();
    const r = await fetch(`${server.url}/completion`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: prompts[slot], n_predict: n, id_slot: slot, cache_prompt: true, temperature: 0, ignore_eos: true }) });
    if (!r.ok) throw new Error(`/completion: ${r.status} ${(await r.text()).slice(0, 300)}`);
    await r.json();
    return performance.now() - t0;
  };
  for (let slot = 0; slot < 4; slot++) await complete(slot, 1);
  const one: number[] = [];
  const four: number[] = [];
  for (let k = 0; k < rounds; k++) {
    for (const p of prompts) p.push(2000 + k);
    one.push(await complete(0, OUTPUT_TOKENS));
    four.push(...(await Promise.all([0, 1, 2, 3].map((slot) => complete(slot, OUTPUT_TOKENS)))));
  }
  return { oneMs: pct(one, 50), fourMs: pct(four, 50) };
}

const loadNow = () => Number(os.loadavg()[0].toFixed(2));

async function main() {
  const run = beginResult('remote', { options: { chars: MAX_CHARS, tokens: OUTPUT_TOKENS, budgetTokens: BUDGET_TOKENS, threads: THREADS, parts: [...PARTS].join(','), model: 'Qwen2.5-Coder-0.5B shape twin, Q8_0', server: path.basename(path.dirname(LLAMA_SERVER!)) } });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-remote-bench-'));
  let server: RunningServer | null = null;
  const daemons: BenchDaemon[] = [];
  const cleanUp = async () => {
    for (const d of daemons.splice(0)) stopDaemon(d);
    await server?.kill();
    server = null;
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void cleanUp().finally(() => process.exit(130));
    });
  }
  try {
    if (PARTS.has('team') && !fs.existsSync(CLI)) throw new Error(`no ${path.relative(repo, CLI)}: npm run build first`);
    const twin = await writeLlamaTwin(path.join(tmp, 'qwen-0.5b-twin.gguf'), QWEN25_CODER_05B_SHAPE);
    const config: CvuConfig = defaultConfig();
    config.embedding.model = null;
    config.completion.budgetTokens = BUDGET_TOKENS;
    config.completion.maxTokens = OUTPUT_TOKENS;
    // A fixed completion length to time, as the team's daemons are configured.
    config.completion.naturalStop = false;
    const ws = await Workspace.open(repo, { home: path.join(tmp, 'home'), config });
    await ws.sync();
    const wsView: CompletionWorkspace = { root: ws.root, languageOf: () => 'typescript', context: (req) => ws.context(req) };
    const session = typingSession(FILE, MAX_CHARS);
    console.log(`typing ${FILE}:${session.target + 1} (${session.typed} characters), a typo, a jump: ${session.keystrokes.length} keystrokes, ${OUTPUT_TOKENS} tokens each`);
    const figures: Record<string, Figure> = {};
    const details: Record<string, unknown> = { file: FILE, line: session.target + 1, keystrokes: session.keystrokes.length };
    const serverArgs = { model: twin.file, threads: THREADS, metrics: true, alias: 'qwen2.5-coder-0.5b-twin' };

    // (a) in process
    let inProcess: ReturnType<typeof stats> | null = null;
    if (PARTS.has('in-process')) {
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
      const model = await llama.loadModel({ modelPath: twin.file });
      const context = await model.createContext({ contextSize: CONTEXT, threads: THREADS });
      const counter = { name: 'model', count: (t: string) => model.tokenize(t, false).length };
      const local = modelOnEngine({ name: 'qwen-twin', engine: new CompletionEngine(context.getSequence()), fim: detectFim(model), counter });
      const localFim: FimModel = { name: 'qwen-twin', model: local, format: fimFormatOf(local.facts, config), counter };
      inProcess = stats(await typeThrough(new CompletionService(config), wsView, localFim, FILE, session.keystrokes, 'bench', async (own) => own, 'in process'));
      await context.dispose();
      await model.dispose();
      console.log(`in process   p50 ${r1(inProcess.p50)} / p95 ${r1(inProcess.p95)} ms`);
    }

    // (b) llama-server, one slot
    let viaServer: ReturnType<typeof stats> | null = null;
    let peer: ReturnType<typeof stats> | null = null;
    if (PARTS.has('server') || PARTS.has('peer')) {
      // 8,192: the /infill peer's prompt (up to 1,536 prefix, 512 suffix and n_ctx - n_batch - 32 extra tokens, as the server trims it) overflows 4,096.
      server = await startLlamaServer({ ...serverArgs, contextSize: 2 * CONTEXT, parallel: 1 });
    }
    if (PARTS.has('server')) {
      const remote = new LlamaServerBackend(server!.url, { timeoutMs: 120_000 });
      const remoteRun = await remote.use(config, async (m: GenerationModel) => {
        const fim: FimModel = { name: m.facts.name, model: m, format: fimFormatOf(m.facts, config), counter: m.counter };
        return typeThrough(new CompletionService(config), wsView, fim, FILE, session.keystrokes, 'bench', metricDelta(server!, 'llamacpp:prompt_tokens_total'), 'llama-server');
      });
      const s = (viaServer = stats(remoteRun));
      console.log(`llama-server p50 ${r1(s.p50)} / p95 ${r1(s.p95)} ms; evaluated per keystroke p50 ${s.evaluatedP50}, mean ${r1(s.evaluatedMean)} (cold ${s.cold?.evaluated})`);
      figures['server.total'] = figure({
        name: 'llama-server: per keystroke', unit: 'ms', ...latency(s.warm.map((x) => x.totalMs)),
        measures: `From the completion request to its answer with ${OUTPUT_TOKENS} tokens through the llama-server backend (retrieval, prompt, /tokenize of the typed text, the server's evaluation and generation), over ${s.warm.length} keystrokes after the first.`,
        ...(inProcess ? { floor: { ...latency(inProcess.warm.map((x) => x.totalMs)), measures: `the same session through the in-process backend (node-llama-cpp, ${THREADS} threads)` } } : {}),
        target: { op: '<=', value: 1500, source: 'issue 17' },
      });
      figures['server.evaluated'] = figure({
        name: 'llama-server: prompt tokens evaluated per keystroke', unit: 'tokens', value: s.evaluatedP50,
        interval: { kind: 'p50-p95', low: s.evaluatedP50, high: pct(s.warm.map((x) => x.evaluated), 95), n: s.warm.length },
        measures: "The server's own count (llamacpp:prompt_tokens_total delta in /metrics) per warm keystroke.",
        target: { op: '<=', value: 100, source: 'issue 17' },
      });
    }

    // (c) the peer: /infill on the same server (its slot now holds Cvu's prompt: the peer's first request starts cold, like Cvu's did)
    if (PARTS.has('peer')) {
      const extra = (await ws.context({ path: FILE, text: session.keystrokes[0].text, position: session.keystrokes[0].position, budgetTokens: Math.floor(BUDGET_TOKENS * 0.4) })).snippets.map((x) => ({ filename: x.path, text: x.text }));
      const evaluated = metricDelta(server!, 'llamacpp:prompt_tokens_total');
      await evaluated();
      const peerRun: Sample[] = [];
      for (const [i, k] of session.keystrokes.entries()) {
        const t0 = performance.now();
        const r = await fetch(`${server!.url}/infill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(infillBody(k, extra)) });
        const body = (await r.json()) as { timings?: { prompt_n?: number; cache_n?: number }; error?: unknown };
        if (!r.ok) throw new Error(`/infill: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
        const totalMs = performance.now() - t0;
        peerRun.push({ kind: k.kind, totalMs, evaluated: await evaluated(), promptTokens: (body.timings?.prompt_n ?? 0) + (body.timings?.cache_n ?? 0) });
        process.stderr.write(`\rpeer /infill ${i + 1}/${session.keystrokes.length} (${k.kind}): ${totalMs.toFixed(0)} ms   `);
      }
      process.stderr.write('\n');
      const p = (peer = stats(peerRun));
      console.log(`peer /infill p50 ${r1(p.p50)} / p95 ${r1(p.p95)} ms; evaluated per keystroke p50 ${p.evaluatedP50}, mean ${r1(p.evaluatedMean)} (cold ${r1(p.cold?.totalMs ?? 0)} ms)`);
      figures['peer.total'] = figure({
        name: 'llama.vim-style /infill: per keystroke', unit: 'ms', ...latency(p.warm.map((x) => x.totalMs)),
        measures: `The same keystrokes as /infill requests (256 lines of prefix, 64 of suffix, the typed text as prompt, the retrieved snippets as input_extra, ${OUTPUT_TOKENS} tokens) on the same server.`,
      });
      figures['peer.evaluated'] = figure({
        name: '/infill: prompt tokens evaluated per keystroke', unit: 'tokens', value: p.evaluatedP50,
        interval: { kind: 'p50-p95', low: p.evaluatedP50, high: pct(p.warm.map((x) => x.evaluated), 95), n: p.warm.length },
        measures: "The server's own count (llamacpp:prompt_tokens_total delta) per warm /infill keystroke.",
      });
      if (viaServer) {
        figures['server.vsPeer'] = figure({
          name: 'llama-server backend / peer, p50', unit: '×', value: Number((viaServer.p50 / p.p50).toFixed(3)),
          measures: "Cvu's p50 per keystroke through llama-server over the /infill peer's, same server, same run.",
          target: { op: '<=', value: 0.6, source: 'issue 17' },
        });
      }
    }
    await server?.kill();
    server = null;
    await ws.close();

    // (d) the team, through real daemons: one alone, then four at once, on one server with four slots.
    if (PARTS.has('team')) {
      const serverLog = path.join(tmp, 'team-server.log');
      server = await startLlamaServer({ ...serverArgs, contextSize: CONTEXT * 4, parallel: 4, extra: ['--log-file', serverLog] });
      const names = ['alone', ...TEAM_FILES.map((_, i) => `daemon-${i + 1}`)];
      for (const name of names) daemons.push(startDaemon(tmp, name, server.url));
      const tIndex = performance.now();
      await Promise.all(daemons.map((d) => registerRepo(d)));
      console.log(`${daemons.length} daemons indexed this repository in ${((performance.now() - tIndex) / 1000).toFixed(0)} s`);
      const [alone, ...team] = daemons;

      // One daemon alone: the baseline.
      const loadAlone = loadNow();
      const aloneRun = await typeThroughDaemon(alone, FILE, session.keystrokes, 'editor-alone', performance.now(), 'one daemon');
      stopDaemon(alone);
      daemons.splice(daemons.indexOf(alone), 1);
      const aloneChoices = slotChoices(fs.readFileSync(serverLog, 'utf8'));
      const single = stats(aloneRun);
      console.log(`one daemon   p50 ${r1(single.p50)} / p95 ${r1(single.p95)} ms; evaluated per keystroke p50 ${single.evaluatedP50}, mean ${r1(single.evaluatedMean)}`);

      // A clean server on the same port (nothing cached from the baseline), then four at once.
      await server.kill();
      fs.rmSync(serverLog, { force: true });
      await server.restart();
      const sessions = TEAM_FILES.map((f) => typingSession(f, MAX_CHARS));
      const loadTeam = loadNow();
      const t0 = performance.now();
      const teamRuns = await Promise.all(team.map((d, i) => typeThroughDaemon(d, TEAM_FILES[i], sessions[i].keystrokes, `editor-${i + 1}`, t0, d.name)));
      const teamSeconds = (performance.now() - t0) / 1000;
      const teamChoices = slotChoices(fs.readFileSync(serverLog, 'utf8'));
      const teamPromptTotal = await server.metric('llamacpp:prompt_tokens_total');
      for (const d of daemons.splice(0)) stopDaemon(d);
      const loadBatching = loadNow();
      const batching = await serverBatching(server, 512, 5);
      console.log(`the server alone: one slot ${r1(batching.oneMs)} ms, four at once ${r1(batching.fourMs)} ms per ${OUTPUT_TOKENS}-token completion → ${(batching.fourMs / batching.oneMs).toFixed(2)}×`);
      await server.kill();
      server = null;
      const all = stats(teamRuns.flat());
      console.log(`team: ${teamRuns.map((r) => r.length).join(' + ')} keystrokes answered by the model in ${teamSeconds.toFixed(0)} s; slots chosen ${JSON.stringify(teamChoices)}`);
      console.log(`team p50 ${r1(all.p50)} / p95 ${r1(all.p95)} ms → ${(all.p50 / single.p50).toFixed(2)}× one daemon; evaluated per keystroke p50 ${all.evaluatedP50}, mean ${r1(all.evaluatedMean)}`);

      figures['daemon.total'] = figure({
        name: 'one daemon on the four-slot server: per keystroke', unit: 'ms', ...latency(single.warm.map((x) => x.totalMs)),
        measures: `The compiled CLI's daemon (a CVU_HOME of its own, CVU_MODEL_URL at a server with --parallel 4), the session typed through its /complete route, ${OUTPUT_TOKENS} tokens each, over ${single.warm.length} keystrokes after the first.`,
        ...(viaServer ? { floor: { ...latency(viaServer.warm.map((x) => x.totalMs)), measures: 'the same session through the llama-server backend in the benchmark process, one-slot server' } } : {}),
      });
      figures['team.total'] = figure({
        name: 'four daemons on one server: per keystroke', unit: 'ms', ...latency(all.warm.map((x) => x.totalMs)),
        measures: `Four daemons (four CVU_HOMEs, the compiled CLI) typing at once through /complete in ${TEAM_FILES.join(', ')} against one server with --parallel 4 (restarted clean after the baseline).`,
        floor: { value: single.p50, measures: 'one daemon alone on the same server (the figure above), p50' },
      });
      figures['team.evaluated'] = figure({
        name: 'four daemons: prompt tokens evaluated per keystroke', unit: 'tokens', value: all.evaluatedP50,
        interval: { kind: 'p50-p95', low: all.evaluatedP50, high: pct(all.warm.map((x) => x.evaluated), 95), n: all.warm.length },
        measures: "The server's own count per warm keystroke, as each daemon's /complete reports it: a keystroke that lands on a slot holding another daemon's prompt evaluates its whole prompt.",
      });
      figures['team.serverBatching'] = figure({
        name: 'the server alone: four slots decoding at once / one', unit: '×', value: Number((batching.fourMs / batching.oneMs).toFixed(3)),
        measures: `What the server itself costs four at once, without daemons: ${OUTPUT_TOKENS} tokens after a 512-token prompt held by the slot, raw /completion requests, four slots at once over one alone, p50 of 5 rounds (${r1(batching.fourMs)} / ${r1(batching.oneMs)} ms), ${THREADS} thread(s), same server after the team.`,
      });
      figures['team.vsSingle'] = figure({
        name: 'four daemons / one, p50', unit: '×', value: Number((all.p50 / single.p50).toFixed(3)),
        measures: 'The team p50 per keystroke over the one-daemon p50, same run, same server settings.',
        target: { op: '<=', value: 3, source: 'issue 17' },
      });
      details.team = {
        files: TEAM_FILES,
        loadAtBaseline: loadAlone, loadAtTeam: loadTeam, loadAtServerBatching: loadBatching, loadAtEnd: loadNow(),
        serverBatching: { oneMs: r1(batching.oneMs), fourMs: r1(batching.fourMs) },
        seconds: Number(teamSeconds.toFixed(1)),
        cold: { aloneMs: r1(single.cold?.totalMs ?? 0), aloneEvaluated: single.cold?.evaluated ?? 0, teamMs: teamRuns.map((r) => r1(r.find((x) => x.kind === 'open')?.totalMs ?? 0)) },
        p50: { alone: r1(single.p50), team: r1(all.p50) },
        p95: { alone: r1(single.p95), team: r1(all.p95) },
        slotChoices: { alone: aloneChoices, team: teamChoices },
        evaluated: { aloneMean: r1(single.evaluatedMean), teamMean: r1(all.evaluatedMean), teamServerTotal: teamPromptTotal, teamAbove100: all.warm.filter((x) => x.evaluated > 100).length },
        samplesColumns: ['daemon', 'kind', 'sentAtS', 'ms', 'evaluated', 'reused'],
        samples: teamRuns.flatMap((r, i) => r.map((x) => [i + 1, x.kind, r1((x.sentAtMs ?? 0) / 1000), r1(x.totalMs), x.evaluated, x.reused ?? 0])),
        aloneSamples: aloneRun.map((x) => [x.kind, r1(x.totalMs), x.evaluated, x.reused ?? 0]),
      };
    }

    if (inProcess && viaServer && peer) {
      details.cold = { inProcessMs: r1(inProcess.cold?.totalMs ?? 0), serverMs: r1(viaServer.cold?.totalMs ?? 0), serverEvaluated: viaServer.cold?.evaluated ?? 0, peerMs: r1(peer.cold?.totalMs ?? 0), peerEvaluated: peer.cold?.evaluated ?? 0 };
      details.p50 = { inProcess: r1(inProcess.p50), server: r1(viaServer.p50), peer: r1(peer.p50) };
      details.p95 = { inProcess: r1(inProcess.p95), server: r1(viaServer.p95), peer: r1(peer.p95) };
      details.evaluatedMean = { server: r1(viaServer.evaluatedMean), peer: r1(peer.evaluatedMean) };
      details.samplesColumns = ['kind', 'inProcessMs', 'serverMs', 'serverEvaluated', 'promptTokens'];
      details.samples = viaServer.warm.map((x, i) => [x.kind, r1(inProcess!.warm[i]?.totalMs ?? NaN), r1(x.totalMs), x.evaluated, x.promptTokens]);
      details.peerSamples = peer.warm.map((x) => [x.kind, r1(x.totalMs), x.evaluated]);
    }
    if (figures['server.vsPeer']) console.log(`ratio to peer ${figures['server.vsPeer'].value}×`);
    writeResult(run.finish(figures, details), args);
  } finally {
    await cleanUp();
  }
}

await main();
