import path from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionService, offsetOf, type CompletionWorkspace, type FimModel } from '../../assistant/complete.js';
import { defaultConfig } from '../../config/schema.js';
import { CompletionEngine } from '../../models/completion-engine.js';
import { detectFim } from '../../models/llm.js';
import { modelOnEngine } from '../../models/in-process-backend.js';
import { fimFormatFor, QWEN_REPO_TOKENS, FIM_TOKENS } from '../../prompts/index.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';

const FILE = `import { loadUser } from './users.js';

export function greet(id: string): string {
  const user = loadUser(id);
  return user.name;
}
`;

describe('CompletionService (real model, generated GGUF)', () => {
  let dir: string;
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;
  let fim: FimModel;
  const calls: number[] = [];
  const ws: CompletionWorkspace = {
    root: '/work/demo',
    languageOf: () => 'typescript',
    async context({ budgetTokens }) {
      calls.push(budgetTokens);
      return { snippets: [{ path: 'src/users.ts', startLine: 1, endLine: 3, text: 'export function loadUser(id: string): User {\n  return db.get(id);\n}', score: 1, source: 'symbol' }] };
    },
  };

  beforeAll(async () => {
    dir = makeTempDir('cvu-complete-');
    const tiny = await writeTinyLlama(path.join(dir, 'tiny.gguf'));
    llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
    model = await llama.loadModel({ modelPath: tiny.file });
    context = await model.createContext({ contextSize: 2048, threads: 1 });
    const counter = { name: 'model', count: (t: string) => model.tokenize(t, false).length };
    fim = {
      name: 'tiny',
      model: modelOnEngine({ name: 'tiny', engine: new CompletionEngine(context.getSequence(), 8), fim: detectFim(model), counter }),
      format: fimFormatFor({ fimTokens: FIM_TOKENS.qwen, repoTokens: QWEN_REPO_TOKENS }, null),
      counter,
    };
  });
  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
    removeDir(dir);
  });

  it('converts LSP positions to offsets, clamped to the line', () => {
    expect(offsetOf('ab\ncd\n', { line: 1, character: 1 })).toBe(4);
    expect(offsetOf('ab\ncd\n', { line: 1, character: 99 })).toBe(5);
    expect(offsetOf('ab', { line: 9, character: 0 })).toBe(2);
  });

  it('reuses the prompt while typing, and answers repeats from the cache', async () => {
    const service = new CompletionService(defaultConfig());
    const line = 3; // "  const user = loadUser(id);"
    const base = FILE.split('\n');
    const typedLine = '  const user = load';
    const textAt = (typed: string) => [...base.slice(0, line), typed, ...base.slice(line + 1)].join('\n');

    const first = await service.complete(ws, fim, { path: 'src/greet.ts', text: textAt('  const user = '), position: { line, character: 15 }, client: 'c1', maxTokens: 4 });
    expect(first.cached).toBe(false);
    expect(first.timings.reusedTokens).toBe(0);
    expect(first.timings.promptTokens).toBeGreaterThan(20);
    expect(calls).toHaveLength(1);

    const second = await service.complete(ws, fim, { path: 'src/greet.ts', text: textAt(typedLine), position: { line, character: typedLine.length }, client: 'c1', maxTokens: 4 });
    expect(second.cached).toBe(false);
    // Only the typed characters are new: the anchored prompt is reused whole.
    expect(second.timings.reusedTokens).toBeGreaterThanOrEqual(first.timings.promptTokens - 1);
    expect(second.timings.reusedTokens / second.timings.promptTokens).toBeGreaterThan(0.85);
    expect(calls).toHaveLength(1); // no new retrieval while typing at the anchor

    const repeat = await service.complete(ws, fim, { path: 'src/greet.ts', text: textAt(typedLine), position: { line, character: typedLine.length }, client: 'c1', maxTokens: 4 });
    // A completion is cached, an empty one is not (it is asked for again): true of whatever the random model said.
    if (second.completion) expect(repeat).toMatchObject({ cached: true, completion: second.completion });
    else expect(repeat.cached).toBe(false);

    // Another line: a new anchor and a new retrieval.
    await service.complete(ws, fim, { path: 'src/greet.ts', text: FILE, position: { line: 4, character: 2 }, client: 'c1', maxTokens: 2 });
    expect(calls).toHaveLength(2);
  });

  it('prefills when idle, so the first completion there evaluates almost nothing', async () => {
    const service = new CompletionService(defaultConfig());
    const req = { path: 'src/greet.ts', text: FILE, position: { line: 4, character: 9 }, client: 'c3', maxTokens: 2 };
    const warm = await service.complete(ws, fim, { ...req, prefill: true });
    expect(warm.completion).toBe('');
    expect(warm.timings.promptTokens).toBeGreaterThan(20);
    const r = await service.complete(ws, fim, req);
    expect(r.timings.reusedTokens).toBeGreaterThanOrEqual(warm.timings.promptTokens - 1);
  });

  it('completion.naturalStop: false asks the model for maxTokens with no natural stop (how benchmarks time a fixed length through the daemon)', async () => {
    const stops: boolean[] = [];
    const spy: FimModel = { ...fim, model: { ...fim.model, complete: (p, o) => (stops.push(o.shouldStop !== undefined), fim.model.complete(p, o)) } };
    const fixed = defaultConfig();
    fixed.completion.naturalStop = false;
    const req = { path: 'src/greet.ts', text: FILE, position: { line: 4, character: 9 }, client: 'c4', maxTokens: 2 };
    await new CompletionService(fixed).complete(ws, spy, req);
    await new CompletionService(defaultConfig()).complete(ws, spy, req);
    expect(stops).toEqual([false, true]);
  });

  it('is aborted by its signal', async () => {
    const service = new CompletionService(defaultConfig());
    const ac = new AbortController();
    ac.abort();
    await expect(service.complete(ws, fim, { path: 'src/greet.ts', text: FILE, position: { line: 3, character: 8 }, client: 'c2', signal: ac.signal })).rejects.toMatchObject({ code: 'CVU_ERR_ABORTED' });
  });
});
