/**
 * npm run bench:complete [-- --chars N] [--tokens N] [--budget-tokens N] [--threads N] [--out FILE] [--record]
 *
 * Inline completion through a typing session, on a shape twin of Qwen2.5-Coder-0.5B (its 24
 * layers, widths and 151,936-token vocabulary, Q8_0 random weights: the real cost, nonsense
 * output, never looked at). A line of this repository's retrieval/cursor-context.ts is typed one
 * character at a time (the first `--chars`, default the whole line), with a typo on the way (two
 * characters typed in one burst, as an editor's debounce sends them, then two backspaces); then
 * the cursor jumps 40 lines up to the end of a line and types a comment there.
 * Every keystroke asks for a completion of the unsaved buffer (prefix up to 256 lines, suffix up
 * to 64, `--tokens` output tokens, default 16, a prompt budget of `--budget-tokens`, default
 * 3,072, with the retrieved definitions), through Cvu's CompletionService on a real Workspace
 * index of this repository. Inference threads: `--threads` (default min(2, cores)); on a machine
 * loaded by other work two threads stall at every barrier (seconds for a few tokens), one does not.
 *
 * Reported, each against its floor from the same run: first-token latency (from the request to
 * the first generated token: retrieval, prompt building, tokenising, evaluating what the model has
 * not cached, the first token) and total latency. The floor is the bare model (node-llama-cpp, no
 * Cvu around it) on a sequence of its own given the very same prompt tokens and asked for as many
 * tokens, keeping the previous keystroke's tokens and re-using their longest common prefix (what
 * llama.cpp's own prompt cache does); the first keystroke is compared with the bare model's cold
 * evaluation of the same prompt. Answers from Cvu's completion cache (a backspace back to a state
 * already completed) cost no model call and are counted apart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { CompletionService, type CompletionWorkspace, type FimModel } from '../assistant/complete.js';
import { defaultConfig } from '../config/schema.js';
import { Workspace } from '../workspace/workspace.js';
import { CompletionEngine } from '../models/completion-engine.js';
import { modelOnEngine } from '../models/in-process-backend.js';
import { detectFim } from '../models/llm.js';
import { FIM_TOKENS, fimFormatFor, QWEN_REPO_TOKENS } from '../prompts/index.js';
import { QWEN25_CODER_05B_SHAPE, writeLlamaTwin } from '../fixtures/models/tiny-llama.js';
import { JUMP_LINES, typingSession, typingSessionOptions, type Kind } from './typing-session.js';
import { beginResult, benchRepo as repo, figure, latency, pct, resultFileOptions, writeResult } from './result.js';

const { values: args } = parseArgs({
  options: {
    chars: { type: 'string' },
    ...typingSessionOptions,
    ...resultFileOptions,
  },
});
const THREADS = Number(args.threads);
const OUTPUT_TOKENS = Number(args.tokens);
const MAX_CHARS = args.chars === undefined ? Infinity : Number(args.chars);
const BUDGET_TOKENS = Number(args['budget-tokens']);
if (!(OUTPUT_TOKENS >= 1) || !(MAX_CHARS >= 4) || !(BUDGET_TOKENS >= 256) || !(THREADS >= 1)) {
  console.error('usage: npm run bench:complete -- [--chars N ≥ 4] [--tokens N] [--budget-tokens N ≥ 256] [--threads N] [--out FILE] [--record]');
  process.exit(2);
}
const FILE = 'retrieval/cursor-context.ts';

// ---------------------------------------------------------------- the floor

/**
 * The bare model's time for a prompt on its own sequence: the longest common prefix with what the
 * sequence holds is kept, the rest evaluated, and `generate` tokens decoded. Times from the call.
 */
async function bareModel(seq: LlamaContextSequence, prompt: Token[], generate: number): Promise<{ firstTokenMs: number; totalMs: number; reusedTokens: number }> {
  const t0 = performance.now();
  const cached = seq.contextTokens;
  let common = 0;
  while (common < cached.length && common < prompt.length && cached[common] === prompt[common]) common++;
  // Generation needs the last prompt token's logits: evaluate at least that one.
  if (common === prompt.length) common--;
  if (common < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: common, end: seq.nextTokenIndex }]);
  let firstTokenMs = 0;
  let n = 0;
  for await (const _ of seq.evaluate(prompt.slice(common), { temperature: 0 })) {
    if (n++ === 0) firstTokenMs = performance.now() - t0;
    if (n >= generate) break;
  }
  return { firstTokenMs, totalMs: performance.now() - t0, reusedTokens: common };
}

/** Cvu's engine, noting when its first token of the last call came (its own timings start at the engine, after retrieval). */
class TimedEngine extends CompletionEngine {
  lastFirstTokenAt = 0;
  lastGenerated = 0;

  override async generate(...a: Parameters<CompletionEngine['generate']>) {
    const r = await super.generate(...a);
    this.lastFirstTokenAt = performance.now() - r.totalMs + r.firstTokenMs;
    this.lastGenerated = r.tokens.length;
    return r;
  }
}

// ---------------------------------------------------------------- main

interface Measured {
  kind: Kind;
  cvu: { firstTokenMs: number; totalMs: number };
  floor: { firstTokenMs: number; totalMs: number; reusedTokens: number };
  promptTokens: number;
  reusedTokens: number;
}

async function main() {
  const run = beginResult('complete', { options: { chars: Number.isFinite(MAX_CHARS) ? MAX_CHARS : 'whole line', tokens: OUTPUT_TOKENS, budgetTokens: BUDGET_TOKENS, threads: THREADS, model: 'Qwen2.5-Coder-0.5B shape twin, Q8_0' } });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-complete-bench-'));
  // An interrupted run leaves no 500 MB twin behind.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  }
  try {
    const t0 = performance.now();
    const twin = await writeLlamaTwin(path.join(tmp, 'qwen-0.5b-twin.gguf'), QWEN25_CODER_05B_SHAPE);
    console.log(`twin: ${(twin.bytes / 2 ** 20).toFixed(0)} MiB written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
    const model = await llama.loadModel({ modelPath: twin.file });
    const config = defaultConfig();
    // A fixed completion length to time: no natural stop.
    config.completion.naturalStop = false;
    config.embedding.model = null;
    // 3,072 by default: a prompt that keeps the suffix and the definitions (256 prefix lines do not fit the configured 1,536).
    config.completion.budgetTokens = BUDGET_TOKENS;
    config.completion.maxTokens = OUTPUT_TOKENS;
    const ctxCvu = await model.createContext({ contextSize: 4096, threads: THREADS });
    const ctxFloor = await model.createContext({ contextSize: 4096, threads: THREADS });
    const engine = new TimedEngine(ctxCvu.getSequence());
    const counter = { name: 'model', count: (t: string) => model.tokenize(t, false).length };
    const fim: FimModel = {
      name: 'qwen-twin', model: modelOnEngine({ name: 'qwen-twin', engine, fim: detectFim(model), counter }),
      format: fimFormatFor({ fimTokens: FIM_TOKENS.qwen, repoTokens: QWEN_REPO_TOKENS }, null),
      counter,
    };

    const ws = await Workspace.open(repo, { home: path.join(tmp, 'home'), config });
    await ws.sync();
    const wsView: CompletionWorkspace = { root: ws.root, languageOf: () => 'typescript', context: (req) => ws.context(req) };

    const session = typingSession(FILE, MAX_CHARS);
    console.log(`typing ${FILE}:${session.target + 1} (${session.typed} characters), a typo and its backspaces, then a jump ${JUMP_LINES} lines up: ${session.keystrokes.length} keystrokes`);
    const service = new CompletionService(config);
    const floorSeq = ctxFloor.getSequence();
    const measured: Measured[] = [];
    let cachedAnswers = 0;
    for (const [i, k] of session.keystrokes.entries()) {
      const tRequest = performance.now();
      const r = await service.complete(wsView, fim, { path: FILE, text: k.text, position: k.position, client: 'bench', maxTokens: OUTPUT_TOKENS });
      if (r.cached) {
        cachedAnswers++;
        continue;
      }
      const cvu = { firstTokenMs: engine.lastFirstTokenAt - tRequest, totalMs: r.timings.totalMs };
      // The prompt Cvu evaluated is the start of its sequence; the floor gets the same tokens.
      const prompt = engine.sequence.contextTokens.slice(0, r.timings.promptTokens);
      const floor = await bareModel(floorSeq, prompt, Math.max(1, engine.lastGenerated));
      measured.push({ kind: k.kind, cvu, floor, promptTokens: r.timings.promptTokens, reusedTokens: r.timings.reusedTokens });
      process.stderr.write(`\rkeystroke ${i + 1}/${session.keystrokes.length} (${k.kind}): ${cvu.totalMs.toFixed(0)} ms, floor ${floor.totalMs.toFixed(0)} ms   `);
    }
    process.stderr.write('\n');
    await ws.close();
    await ctxCvu.dispose();
    await ctxFloor.dispose();
    await model.dispose();

    const cold = measured.find((m) => m.kind === 'open')!;
    const warm = measured.filter((m) => m.kind !== 'open');
    const of = (ms: Measured[], f: (m: Measured) => number) => ms.map(f);
    const warmSentence = `${warm.length} keystrokes after the first (${['type', 'backspace', 'jump'].map((k) => `${warm.filter((m) => m.kind === k).length} ${k}`).join(', ')}; ${cachedAnswers} more answered from the completion cache without the model)`;
    const floorSentence = `the bare model on its own sequence, the same prompt tokens, the longest common prefix with the previous keystroke's kept, ${OUTPUT_TOKENS} tokens`;
    const figures = {
      'warm.firstToken': figure({
        name: 'first token, while typing', unit: 'ms', ...latency(of(warm, (m) => m.cvu.firstTokenMs)),
        measures: `From the completion request to its first generated token (retrieval, prompt, tokens not cached, first token), over ${warmSentence}.`,
        floor: { ...latency(of(warm, (m) => m.floor.firstTokenMs)), measures: `${floorSentence}: to its first token` },
      }),
      'warm.total': figure({
        name: 'total, while typing', unit: 'ms', ...latency(of(warm, (m) => m.cvu.totalMs)),
        measures: `From the completion request to its answer with ${OUTPUT_TOKENS} tokens generated, over the same keystrokes.`,
        floor: { ...latency(of(warm, (m) => m.floor.totalMs)), measures: `${floorSentence}: to its last token` },
        target: { op: '<', value: 1200, source: 'bench:complete since 212e991' },
      }),
      'cold.firstToken': figure({
        name: 'first token, first keystroke', unit: 'ms', value: cold.cvu.firstTokenMs,
        measures: `The first request of the session (nothing cached, ${cold.promptTokens} prompt tokens): from the request to its first token.`,
        floor: { value: cold.floor.firstTokenMs, measures: 'the bare model evaluating the same prompt from an empty sequence, to its first token' },
      }),
      'cold.total': figure({
        name: 'total, first keystroke', unit: 'ms', value: cold.cvu.totalMs,
        measures: `The same request to its answer with ${OUTPUT_TOKENS} tokens.`,
        floor: { value: cold.floor.totalMs, measures: `the bare model evaluating the same prompt from an empty sequence and generating ${OUTPUT_TOKENS} tokens` },
      }),
    };
    const byKind = Object.fromEntries(
      (['type', 'backspace', 'jump'] as const).map((k) => {
        const ms = warm.filter((m) => m.kind === k);
        const p50 = (f: (m: Measured) => number) => Number(pct(ms.map(f), 50).toFixed(1));
        return [k, { n: ms.length, firstTokenP50: p50((m) => m.cvu.firstTokenMs), floorFirstTokenP50: p50((m) => m.floor.firstTokenMs), totalP50: p50((m) => m.cvu.totalMs), floorTotalP50: p50((m) => m.floor.totalMs) }];
      }),
    );
    const reused = warm.reduce((a, m) => a + m.reusedTokens, 0) / Math.max(1, warm.reduce((a, m) => a + m.promptTokens, 0));
    const r1 = (x: number) => Number(x.toFixed(1));
    const details = {
      file: FILE, line: session.target + 1, keystrokes: session.keystrokes.length, cachedAnswers, promptTokensP50: pct(of(warm, (m) => m.promptTokens), 50), reusedShare: Number(reused.toFixed(4)), byKind,
      // Every keystroke the model answered, in order.
      samplesColumns: ['kind', 'firstTokenMs', 'totalMs', 'floorFirstTokenMs', 'floorTotalMs', 'promptTokens', 'reusedTokens', 'floorReusedTokens'],
      samples: measured.map((m) => [m.kind, r1(m.cvu.firstTokenMs), r1(m.cvu.totalMs), r1(m.floor.firstTokenMs), r1(m.floor.totalMs), m.promptTokens, m.reusedTokens, m.floor.reusedTokens]),
    };
    for (const f of Object.values(figures)) console.log(`${f.name.padEnd(30)} ${f.interval ? `p50 ${f.interval.low} / p95 ${f.interval.high}` : f.value} ms; floor ${f.floor!.interval ? `p50 ${f.floor!.interval.low} / p95 ${f.floor!.interval.high}` : f.floor!.value} ms → ${f.ratio}×`);
    console.log(`by kind (p50 ms, Cvu / floor): ${Object.entries(byKind).map(([k, v]) => `${k} (${v.n}): first ${v.firstTokenP50} / ${v.floorFirstTokenP50}, total ${v.totalP50} / ${v.floorTotalP50}`).join('; ')}; ${(reused * 100).toFixed(1)}% of prompt tokens reused`);
    writeResult(run.finish(figures, details), args);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
