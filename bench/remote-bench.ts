/**
 * npm run bench:remote [-- --chars N] [--tokens N] [--budget-tokens N] [--threads N] [--out FILE] [--record]
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
 * (`llamacpp:prompt_tokens_total` deltas). Then the team: four clients, each with a backend of its own
 * (its own slot affinity, as four daemons have), typing at once in four files against one server with
 * `--parallel 4`. Threads: `--threads` (default min(2, cores)) for the server and the in-process model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { CompletionService, type CompletionWorkspace, type FimModel } from '../assistant/complete.js';
import { fimFormatOf } from '../assistant/fim-model.js';
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
import { beginResult, benchRepo as repo, figure, latency, pct, resultFileOptions, writeResult } from './result.js';

const { values: args } = parseArgs({
  options: {
    chars: { type: 'string', default: '24' },
    ...typingSessionOptions,
    ...resultFileOptions,
  },
});
const THREADS = Number(args.threads);
const OUTPUT_TOKENS = Number(args.tokens);
const MAX_CHARS = Number(args.chars);
const BUDGET_TOKENS = Number(args['budget-tokens']);
if (!(OUTPUT_TOKENS >= 1) || !(MAX_CHARS >= 4) || !(BUDGET_TOKENS >= 256) || !(THREADS >= 1)) {
  console.error('usage: npm run bench:remote -- [--chars N ≥ 4] [--tokens N] [--budget-tokens N ≥ 256] [--threads N] [--out FILE] [--record]');
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
}

const r1 = (x: number) => Number(x.toFixed(1));

/** Types the session through a completion service; answers from Cvu's completion cache are skipped (no model call). */
async function typeThrough(service: CompletionService, ws: CompletionWorkspace, fim: FimModel, file: string, keys: Keystroke[], client: string, evaluated: (own: number) => Promise<number>, label: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const [i, k] of keys.entries()) {
    const t0 = performance.now();
    const r = await service.complete(ws, fim, { path: file, text: k.text, position: k.position, client, maxTokens: OUTPUT_TOKENS, naturalStop: false });
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

async function main() {
  const run = beginResult('remote', { options: { chars: MAX_CHARS, tokens: OUTPUT_TOKENS, budgetTokens: BUDGET_TOKENS, threads: THREADS, model: 'Qwen2.5-Coder-0.5B shape twin, Q8_0', server: path.basename(path.dirname(LLAMA_SERVER!)) } });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-remote-bench-'));
  let server: RunningServer | null = null;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void server?.kill();
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  }
  try {
    const twin = await writeLlamaTwin(path.join(tmp, 'qwen-0.5b-twin.gguf'), QWEN25_CODER_05B_SHAPE);
    const config: CvuConfig = defaultConfig();
    config.embedding.model = null;
    config.completion.budgetTokens = BUDGET_TOKENS;
    config.completion.maxTokens = OUTPUT_TOKENS;
    const ws = await Workspace.open(repo, { home: path.join(tmp, 'home'), config });
    await ws.sync();
    const wsView: CompletionWorkspace = { root: ws.root, languageOf: () => 'typescript', context: (req) => ws.context(req) };
    const session = typingSession(FILE, MAX_CHARS);
    console.log(`typing ${FILE}:${session.target + 1} (${session.typed} characters), a typo, a jump: ${session.keystrokes.length} keystrokes, ${OUTPUT_TOKENS} tokens each`);

    // (a) in process
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
    const model = await llama.loadModel({ modelPath: twin.file });
    const context = await model.createContext({ contextSize: CONTEXT, threads: THREADS });
    const counter = { name: 'model', count: (t: string) => model.tokenize(t, false).length };
    const local = modelOnEngine({ name: 'qwen-twin', engine: new CompletionEngine(context.getSequence()), fim: detectFim(model), counter });
    const localFim: FimModel = { name: 'qwen-twin', model: local, format: fimFormatOf(local.facts, config), counter };
    const inProcess = stats(await typeThrough(new CompletionService(config), wsView, localFim, FILE, session.keystrokes, 'bench', async (own) => own, 'in process'));
    await context.dispose();
    await model.dispose();

    // (b) llama-server, one slot
    // 8,192: the /infill peer's prompt (up to 1,536 prefix, 512 suffix and n_ctx - n_batch - 32 extra tokens, as the server trims it) overflows 4,096.
    server = await startLlamaServer({ model: twin.file, threads: THREADS, contextSize: 2 * CONTEXT, parallel: 1, metrics: true, alias: 'qwen2.5-coder-0.5b-twin' });
    const remote = new LlamaServerBackend(server.url, { timeoutMs: 120_000 });
    const remoteRun = await remote.use(config, async (m: GenerationModel) => {
      const fim: FimModel = { name: m.facts.name, model: m, format: fimFormatOf(m.facts, config), counter: m.counter };
      return typeThrough(new CompletionService(config), wsView, fim, FILE, session.keystrokes, 'bench', metricDelta(server!, 'llamacpp:prompt_tokens_total'), 'llama-server');
    });
    const viaServer = stats(remoteRun);

    // (c) the peer: /infill on the same server (its slot now holds Cvu's prompt: the peer's first request starts cold, like Cvu's did)
    const extra = (await ws.context({ path: FILE, text: session.keystrokes[0].text, position: session.keystrokes[0].position, budgetTokens: Math.floor(BUDGET_TOKENS * 0.4) })).snippets.map((s) => ({ filename: s.path, text: s.text }));
    const evaluated = metricDelta(server, 'llamacpp:prompt_tokens_total');
    await evaluated();
    const peerRun: Sample[] = [];
    for (const [i, k] of session.keystrokes.entries()) {
      const t0 = performance.now();
      const r = await fetch(`${server.url}/infill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(infillBody(k, extra)) });
      const body = (await r.json()) as { timings?: { prompt_n?: number; cache_n?: number }; error?: unknown };
      if (!r.ok) throw new Error(`/infill: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
      const totalMs = performance.now() - t0;
      peerRun.push({ kind: k.kind, totalMs, evaluated: await evaluated(), promptTokens: (body.timings?.prompt_n ?? 0) + (body.timings?.cache_n ?? 0) });
      process.stderr.write(`\rpeer /infill ${i + 1}/${session.keystrokes.length} (${k.kind}): ${totalMs.toFixed(0)} ms   `);
    }
    process.stderr.write('\n');
    const peer = stats(peerRun);
    await server.kill();

    // The team: four clients, four files, one server with four slots.
    server = await startLlamaServer({ model: twin.file, threads: THREADS, contextSize: CONTEXT * 4, parallel: 4, metrics: true, alias: 'qwen2.5-coder-0.5b-twin' });
    const sessions = TEAM_FILES.map((f) => typingSession(f, MAX_CHARS));
    const teamRuns = await Promise.all(
      TEAM_FILES.map(async (file, i) => {
        // A backend per client: each daemon learns its own slot.
        const backend = new LlamaServerBackend(server!.url, { timeoutMs: 300_000 });
        return backend.use(config, async (m) => {
          const fim: FimModel = { name: m.facts.name, model: m, format: fimFormatOf(m.facts, config), counter: m.counter };
          return typeThrough(new CompletionService(config), wsView, fim, file, sessions[i].keystrokes, `daemon-${i + 1}`, async (own) => own, '');
        });
      }),
    );
    const teamPromptTotal = await server.metric('llamacpp:prompt_tokens_total');
    await server.kill();
    server = null;
    await ws.close();
    const team = stats(teamRuns.flat());
    console.log(`team: ${teamRuns.map((r) => r.length).join(' + ')} keystrokes answered by the model`);

    const keystrokes = `${viaServer.warm.length} keystrokes after the first`;
    const figures = {
      'server.total': figure({
        name: 'llama-server: per keystroke', unit: 'ms', ...latency(viaServer.warm.map((s) => s.totalMs)),
        measures: `From the completion request to its answer with ${OUTPUT_TOKENS} tokens through the llama-server backend (retrieval, prompt, /tokenize of the typed text, the server's evaluation and generation), over ${keystrokes}.`,
        floor: { ...latency(inProcess.warm.map((s) => s.totalMs)), measures: `the same session through the in-process backend (node-llama-cpp, ${THREADS} threads)` },
        target: { op: '<=', value: 1500, source: 'issue 17' },
      }),
      'server.evaluated': figure({
        name: 'llama-server: prompt tokens evaluated per keystroke', unit: 'tokens', value: viaServer.evaluatedP50,
        interval: { kind: 'p50-p95', low: viaServer.evaluatedP50, high: pct(viaServer.warm.map((s) => s.evaluated), 95), n: viaServer.warm.length },
        measures: "The server's own count (llamacpp:prompt_tokens_total delta in /metrics) per warm keystroke.",
        target: { op: '<=', value: 100, source: 'issue 17' },
      }),
      'peer.total': figure({
        name: 'llama.vim-style /infill: per keystroke', unit: 'ms', ...latency(peer.warm.map((s) => s.totalMs)),
        measures: `The same keystrokes as /infill requests (256 lines of prefix, 64 of suffix, the typed text as prompt, the retrieved snippets as input_extra, ${OUTPUT_TOKENS} tokens) on the same server.`,
      }),
      'peer.evaluated': figure({
        name: '/infill: prompt tokens evaluated per keystroke', unit: 'tokens', value: peer.evaluatedP50,
        interval: { kind: 'p50-p95', low: peer.evaluatedP50, high: pct(peer.warm.map((s) => s.evaluated), 95), n: peer.warm.length },
        measures: "The server's own count (llamacpp:prompt_tokens_total delta) per warm /infill keystroke.",
      }),
      'server.vsPeer': figure({
        name: 'llama-server backend / peer, p50', unit: '×', value: Number((viaServer.p50 / peer.p50).toFixed(3)),
        measures: "Cvu's p50 per keystroke through llama-server over the /infill peer's, same server, same run.",
        target: { op: '<=', value: 0.6, source: 'issue 17' },
      }),
      'team.total': figure({
        name: 'four daemons on one server: per keystroke', unit: 'ms', ...latency(team.warm.map((s) => s.totalMs)),
        measures: `Four clients, each with its own llama-server backend, typing at once in ${TEAM_FILES.join(', ')} against one server with --parallel 4.`,
        floor: { value: viaServer.p50, measures: 'one client alone (the llama-server figure above), p50' },
      }),
      'team.vsSingle': figure({
        name: 'four daemons / one, p50', unit: '×', value: Number((team.p50 / viaServer.p50).toFixed(3)),
        measures: 'The team p50 per keystroke over the single-client p50.',
        target: { op: '<=', value: 3, source: 'issue 17' },
      }),
    };
    const details = {
      file: FILE, line: session.target + 1, keystrokes: session.keystrokes.length,
      cold: { inProcessMs: r1(inProcess.cold?.totalMs ?? 0), serverMs: r1(viaServer.cold?.totalMs ?? 0), serverEvaluated: viaServer.cold?.evaluated ?? 0, peerMs: r1(peer.cold?.totalMs ?? 0), peerEvaluated: peer.cold?.evaluated ?? 0 },
      p50: { inProcess: r1(inProcess.p50), server: r1(viaServer.p50), peer: r1(peer.p50), team: r1(team.p50) },
      p95: { inProcess: r1(inProcess.p95), server: r1(viaServer.p95), peer: r1(peer.p95), team: r1(team.p95) },
      evaluatedMean: { server: r1(viaServer.evaluatedMean), peer: r1(peer.evaluatedMean), teamServerTotal: teamPromptTotal },
      samplesColumns: ['kind', 'inProcessMs', 'serverMs', 'serverEvaluated', 'promptTokens'],
      samples: viaServer.warm.map((s, i) => [s.kind, r1(inProcess.warm[i]?.totalMs ?? NaN), r1(s.totalMs), s.evaluated, s.promptTokens]),
      peerSamples: peer.warm.map((s) => [s.kind, r1(s.totalMs), s.evaluated]),
    };
    console.log(`in process   p50 ${r1(inProcess.p50)} / p95 ${r1(inProcess.p95)} ms`);
    console.log(`llama-server p50 ${r1(viaServer.p50)} / p95 ${r1(viaServer.p95)} ms; evaluated per keystroke p50 ${viaServer.evaluatedP50}, mean ${r1(viaServer.evaluatedMean)} (cold ${viaServer.cold?.evaluated})`);
    console.log(`peer /infill p50 ${r1(peer.p50)} / p95 ${r1(peer.p95)} ms; evaluated per keystroke p50 ${peer.evaluatedP50}, mean ${r1(peer.evaluatedMean)} (cold ${r1(peer.cold?.totalMs ?? 0)} ms)`);
    console.log(`ratio to peer ${figures['server.vsPeer'].value}×; team p50 ${r1(team.p50)} / p95 ${r1(team.p95)} ms → ${figures['team.vsSingle'].value}× single`);
    writeResult(run.finish(figures, details), args);
  } finally {
    await server?.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
