/**
 * npm run bench:complete — inline completion while typing, on a shape twin
 * of Qwen2.5-Coder-0.5B (its 24 layers, widths and 151,936-token vocabulary,
 * Q8_0 random weights: the real cost, nonsense output).
 *
 * A real line of this repository is typed one character at a time, with a
 * completion after every keystroke (prefix up to 256 lines, suffix up to 64,
 * 16 output tokens, retrieved definitions in the prompt). Reported: cold and
 * warm firstTokenMs / totalMs (p50, p95), the share of prompt tokens reused,
 * and — from the same run — the floor: evaluating only the new tokens and
 * generating the same number of tokens with node-llama-cpp directly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { CompletionService, type CompletionWorkspace, type FimModel } from '../assistant/complete.js';
import { defaultConfig } from '../config/schema.js';
import { Workspace } from '../workspace/workspace.js';
import { CompletionEngine } from '../models/completion-engine.js';
import { FIM_TOKENS, fimFormatFor, QWEN_REPO_TOKENS } from '../prompts/index.js';
import { QWEN25_CODER_05B_SHAPE, writeLlamaTwin } from '../fixtures/models/tiny-llama.js';
import { pct } from './percentile.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const THREADS = Math.min(2, os.availableParallelism());
const OUTPUT_TOKENS = 16;
const FILE = 'retrieval/cursor-context.ts';

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-complete-bench-'));
  try {
    const t0 = performance.now();
    const twin = await writeLlamaTwin(path.join(tmp, 'qwen-0.5b-twin.gguf'), QWEN25_CODER_05B_SHAPE);
    console.log(`twin: ${(twin.bytes / 2 ** 20).toFixed(0)} MiB written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
    const model = await llama.loadModel({ modelPath: twin.file });
    const config = defaultConfig();
    config.embedding.model = null;
    // A prompt that keeps the suffix and the definitions: 256 prefix lines do not fit 1,536 tokens.
    config.completion.budgetTokens = 3072;
    config.completion.maxTokens = OUTPUT_TOKENS;
    const ctxCvu = await model.createContext({ contextSize: 4096, threads: THREADS });
    const ctxFloor = await model.createContext({ contextSize: 4096, threads: THREADS });
    const fim: FimModel = {
      name: 'qwen-twin', model,
      engine: new CompletionEngine(ctxCvu.getSequence()),
      format: fimFormatFor({ fimTokens: FIM_TOKENS.qwen, repoTokens: QWEN_REPO_TOKENS }, null),
      counter: { name: 'model', count: (t) => model.tokenize(t, false).length },
    };

    const ws = await Workspace.open(repo, { home: path.join(tmp, 'home'), config });
    await ws.sync();
    const wsView: CompletionWorkspace = {
      root: ws.root,
      languageOf: () => 'typescript',
      context: (req) => ws.context(req),
    };

    // The line to type: the longest of the file's middle third (a realistic statement).
    const lines = fs.readFileSync(path.join(repo, FILE), 'utf8').split('\n');
    const third = Math.floor(lines.length / 3);
    let target = third;
    for (let i = third; i < 2 * third; i++) if (lines[i].trim().length > lines[target].trim().length && lines[i].length < 110) target = i;
    const indent = lines[target].match(/^\s*/)![0];
    const content = lines[target].slice(indent.length);
    const head = lines.slice(Math.max(0, target - 256), target);
    const tail = lines.slice(target + 1, target + 65);
    console.log(`typing ${FILE}:${target + 1} (${content.length} characters) with ${head.length} prefix and ${tail.length} suffix lines`);

    const service = new CompletionService(config);
    const floorSeq = ctxFloor.getSequence();
    const cold: { first: number; total: number }[] = [];
    const warm: { first: number; total: number; prompt: number; reused: number; floor: number }[] = [];
    for (let k = 0; k <= content.length; k++) {
      const typedLine = indent + content.slice(0, k);
      const text = [...head, typedLine, ...tail].join('\n');
      const position = { line: head.length, character: typedLine.length };
      const r = await service.complete(wsView, fim, { path: FILE, text, position, client: 'bench', maxTokens: OUTPUT_TOKENS, naturalStop: false });
      if (r.cached) continue;
      const seqTokens = fim.engine.sequence.contextTokens;
      const prompt = seqTokens.slice(0, r.timings.promptTokens);
      const generated = Math.max(1, seqTokens.length - r.timings.promptTokens + 1);
      // Floor: node-llama-cpp alone on its own sequence, which holds the previous prompt and its
      // output: drop what differs, evaluate only the new tokens, generate as many tokens as Cvu did.
      let floorMs = 0;
      if (k === 0) {
        await floorSeq.evaluateWithoutGeneratingNewTokens(prompt);
      } else {
        const cached = floorSeq.contextTokens;
        let common = 0;
        while (common < cached.length && common < prompt.length && cached[common] === prompt[common]) common++;
        if (common === prompt.length) common--;
        await floorSeq.eraseContextTokenRanges([{ start: common, end: floorSeq.nextTokenIndex }]);
        const t = performance.now();
        let n = 0;
        for await (const _ of floorSeq.evaluate(prompt.slice(common), { temperature: 0 })) if (++n >= generated) break;
        floorMs = performance.now() - t;
      }
      if (k === 0) cold.push({ first: r.timings.firstTokenMs, total: r.timings.totalMs });
      else warm.push({ first: r.timings.firstTokenMs, total: r.timings.totalMs, prompt: r.timings.promptTokens, reused: r.timings.reusedTokens, floor: floorMs });
      process.stderr.write(`\rkeystroke ${k}/${content.length}: ${r.timings.totalMs.toFixed(0)} ms (reused ${r.timings.reusedTokens}/${r.timings.promptTokens})   `);
    }
    process.stderr.write('\n');
    const reuse = warm.reduce((a, w) => a + w.reused, 0) / warm.reduce((a, w) => a + w.prompt, 0);
    const p50 = pct(warm.map((w) => w.total), 50);
    const floor50 = pct(warm.map((w) => w.floor), 50);
    const out = {
      threads: THREADS,
      promptTokens: pct(warm.map((w) => w.prompt), 50),
      cold: { firstTokenMs: cold[0]?.first, totalMs: cold[0]?.total },
      warm: {
        n: warm.length,
        firstTokenMs: { p50: pct(warm.map((w) => w.first), 50), p95: pct(warm.map((w) => w.first), 95) },
        totalMs: { p50, p95: pct(warm.map((w) => w.total), 95) },
        reusedShare: Number(reuse.toFixed(4)),
      },
      floor: { totalMs: { p50: floor50, p95: pct(warm.map((w) => w.floor), 95) } },
      ratioToFloorP50: Number((p50 / floor50).toFixed(3)),
    };
    console.log(`cold: first token ${out.cold.firstTokenMs?.toFixed(0)} ms, total ${out.cold.totalMs?.toFixed(0)} ms (prompt ${out.promptTokens} tokens)`);
    console.log(`warm (${warm.length} keystrokes): first token p50 ${out.warm.firstTokenMs.p50.toFixed(0)} / p95 ${out.warm.firstTokenMs.p95.toFixed(0)} ms; total p50 ${p50.toFixed(0)} / p95 ${out.warm.totalMs.p95.toFixed(0)} ms; ${(reuse * 100).toFixed(1)}% of prompt tokens reused`);
    console.log(`floor (new tokens + ${OUTPUT_TOKENS} generated, node-llama-cpp alone): p50 ${floor50.toFixed(0)} ms → Cvu is ${out.ratioToFloorP50}× the floor (target ≤ 1.3×; target p50 < 1,200 ms)`);
    console.log(JSON.stringify(out));
    await ws.close();
    await ctxCvu.dispose();
    await ctxFloor.dispose();
    await model.dispose();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
