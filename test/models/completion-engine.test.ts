import path from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionEngine, planReuse } from '../../models/completion-engine.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';

const t = (...ns: number[]) => ns as Token[];
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => (from + i) as Token);

describe('planReuse', () => {
  it('keeps the common start and erases the rest of the cache', () => {
    expect(planReuse(t(1, 2, 3, 4), t(1, 2, 9))).toEqual({ erase: [{ start: 2, end: 4 }], reused: 2 });
    expect(planReuse(t(1, 2), t(1, 2, 3))).toEqual({ erase: [], reused: 2 });
    expect(planReuse(t(), t(1))).toEqual({ erase: [], reused: 0 });
  });

  it('keeps a later run of the cache that the prompt continues with, erasing what lies between (cache reuse)', () => {
    const a = range(100, 10);
    const b = range(200, 5);
    const c = range(300, 20);
    // The prompt drops B: A and C are reused, B is erased and C's KV shifts down.
    expect(planReuse([...a, ...b, ...c], [...a, ...c], 16)).toEqual({ erase: [{ start: 10, end: 15 }], reused: 30 });
    // A run shorter than minChunk is not worth a shift.
    expect(planReuse([...a, ...b, ...c.slice(0, 4)], [...a, ...c.slice(0, 4)], 16).reused).toBe(10);
    // An insertion cannot be reused: what follows the inserted tokens is evaluated again.
    expect(planReuse([...a, ...c], [...a, ...b, ...c], 16)).toEqual({ erase: [{ start: 10, end: 30 }], reused: 10 });
  });
});

describe('CompletionEngine (real node-llama-cpp, generated model)', () => {
  let dir: string;
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;
  let engine: CompletionEngine;

  beforeAll(async () => {
    dir = makeTempDir('cvu-engine-');
    const tiny = await writeTinyLlama(path.join(dir, 'tiny.gguf'));
    llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
    model = await llama.loadModel({ modelPath: tiny.file });
    context = await model.createContext({ contextSize: 1024, threads: 1 });
    engine = new CompletionEngine(context.getSequence(), 8);
  });
  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
    removeDir(dir);
  });

  const tokens = (text: string) => model.tokenize(text, true);

  it('evaluates only what changed since the last prompt', async () => {
    const base = tokens('export function parseConfig(path: string) {\n  const text = read');
    const first = await engine.generate(base, { maxTokens: 4 });
    expect(first).toMatchObject({ promptTokens: base.length, reusedTokens: 0, evaluatedTokens: base.length });
    expect(first.tokens.length).toBeLessThanOrEqual(4);
    // The user typed a few more characters: the prompt grows at its end.
    const typed = [...base, ...tokens('File(path')];
    const second = await engine.generate(typed, { maxTokens: 4 });
    expect(second.reusedTokens).toBeGreaterThanOrEqual(base.length);
    expect(second.evaluatedTokens).toBe(typed.length - second.reusedTokens);
    expect(second.evaluatedTokens).toBeLessThan(typed.length / 2);
    expect(engine.sequence.contextTokens.slice(0, typed.length)).toEqual(typed);
    // The same prompt again: only the last token is evaluated (its logits are needed to generate).
    const again = await engine.generate(typed, { maxTokens: 2 });
    expect(again).toMatchObject({ reusedTokens: typed.length - 1, evaluatedTokens: 1 });
  });

  it('reuses a chunk after a removed block by shifting the cache', async () => {
    const head = tokens('<|repo_name|>demo\n');
    const snippet = tokens('<|file_sep|>a.ts\nexport const alpha = 1;\n');
    const body = tokens('<|file_sep|>b.ts\nexport function beta(x: number) { return x * 2 + alpha; }\n');
    await engine.generate([...head, ...snippet, ...body], { maxTokens: 1 });
    const r = await engine.generate([...head, ...body], { maxTokens: 1 });
    // Everything is cached once the snippet is erased (the last token is evaluated again for its logits).
    expect(r.reusedTokens).toBe(head.length + body.length - 1);
    expect(r.evaluatedTokens).toBe(1);
    expect(engine.sequence.contextTokens.slice(0, head.length + body.length)).toEqual([...head, ...body]);
  });

  it('stops at maxTokens, at a caller-defined natural end, and when aborted', async () => {
    const prompt = tokens('function add(a, b) {\n  return');
    const capped = await engine.generate(prompt, { maxTokens: 3 });
    expect(capped.tokens.length).toBeLessThanOrEqual(3);
    let calls = 0;
    const stopped = await engine.generate(prompt, { maxTokens: 50, shouldStop: () => ++calls >= 2 });
    expect(['stop', 'eog']).toContain(stopped.stopReason);
    expect(stopped.tokens.length).toBeLessThanOrEqual(2);
    const ac = new AbortController();
    const aborted = await engine.generate(prompt, { maxTokens: 50, signal: ac.signal, shouldStop: () => (ac.abort(), false) });
    expect(['abort', 'eog']).toContain(aborted.stopReason);
    expect(aborted.tokens.length).toBeLessThanOrEqual(1);
    const before = new AbortController();
    before.abort();
    await expect(engine.generate(prompt, { maxTokens: 5, signal: before.signal })).rejects.toMatchObject({ code: 'CVU_ERR_ABORTED' });
  });

  it('refuses a prompt longer than the context', async () => {
    await expect(engine.generate(range(10, 2000), { maxTokens: 1 })).rejects.toMatchObject({ code: 'CVU_ERR_BAD_REQUEST' });
  });

  it('prefills without generating, so the next completion starts warm', async () => {
    const prompt = tokens('class Cache {\n  get(key: string) {\n    return this.map.get(key);\n  }\n}\n');
    const warm = await engine.prefill(prompt);
    expect(warm.evaluatedTokens + warm.reusedTokens).toBe(prompt.length);
    const r = await engine.generate([...prompt, ...tokens('const c')], { maxTokens: 2 });
    expect(r.reusedTokens).toBeGreaterThanOrEqual(prompt.length);
  });
});
