/**
 * The Assistant over a real Workspace and the generated tiny GGUF: model
 * contexts that follow the runtime's idle unload, chat answers queued on one
 * sequence, aborts. Random weights: no assertion on what the model says.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Assistant } from '../../assistant/assistant.js';
import { resolveConfig } from '../../config/schema.js';
import { CvuError } from '../../core/errors.js';
import { Workspace } from '../../workspace/workspace.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';
import { until } from '../helpers/wait.js';
import { rejection } from '../helpers/errors.js';

const FILES = {
  'src/cart.ts': `import { price } from './price.js';

export function total(items: string[]): number {
  let sum = 0;
  for (const item of items) sum += price(item);
  return sum;
}
`,
  'src/price.ts': `export function price(item: string): number {
  return item.length * 2;
}
`,
};

let tmp: string;
let ws: Workspace;
let assistant: Assistant;


beforeAll(async () => {
  tmp = makeTempDir('cvu-assistant-');
  const tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
  const root = path.join(tmp, 'shop');
  writeTree(root, FILES);
  const config = resolveConfig({ threads: 1, embedding: { model: null }, index: { parseWorkers: 0 }, model: { path: tiny.file, contextSize: 1024, idleUnloadSeconds: 1 } });
  ws = await Workspace.open(root, { home: path.join(tmp, 'home'), config });
  await ws.sync();
  assistant = new Assistant({ home: path.join(tmp, 'home') });
  ws.tokens = assistant.tokenCounter();
});

afterAll(async () => {
  await assistant?.dispose();
  await ws?.close();
  if (tmp) removeDir(tmp);
});

describe('Assistant', () => {
  it('names the configured model before loading it, and reports it loaded after use', async () => {
    expect(assistant.status()).toMatchObject({ name: null, loaded: false, backend: { type: 'in-process' } });
    expect(await assistant.describe(ws.config)).toMatchObject({ name: 'tiny', loaded: false, backend: { type: 'in-process' } });
    const r = await assistant.complete(ws, { path: 'src/cart.ts', text: FILES['src/cart.ts'], position: { line: 4, character: 36 }, client: 't', maxTokens: 4 });
    expect(r.cached).toBe(false);
    expect(assistant.status()).toMatchObject({ name: 'tiny', loaded: true, backend: { type: 'in-process', loaded: true } });
    expect(ws.tokens.name).toBe('llama:tiny');
  });

  it('recreates its contexts after the runtime unloads the idle model', async () => {
    await until(() => !assistant.runtime.loaded, 'the idle unload');
    expect(ws.tokens.name).toBe('estimate');
    const r = await assistant.complete(ws, { path: 'src/cart.ts', text: FILES['src/cart.ts'], position: { line: 5, character: 2 }, client: 't', maxTokens: 4 });
    expect(r.cached).toBe(false);
    // A fresh context: nothing of the old cache survives.
    expect(r.timings.reusedTokens).toBe(0);
    const chunks: string[] = [];
    const e = await assistant.explain(ws, { path: 'src/cart.ts', range: { startLine: 3, endLine: 7 }, maxTokens: 8 }, { onToken: (t) => chunks.push(t) });
    expect(chunks.join('')).toBe(e.answer);
    expect(e.sources.map((s) => s.path)).toContain('src/price.ts');
  });

  it('queues chat answers on the one chat sequence, and a completion alongside them', async () => {
    // Which answer each streamed token belongs to, in the order they came.
    const order: string[] = [];
    const [a, b, c] = await Promise.all([
      assistant.explain(ws, { path: 'src/price.ts', maxTokens: 6 }, { onToken: () => order.push('a') }),
      assistant.ask(ws, { question: 'how is the total computed?', maxTokens: 6 }, { onToken: () => order.push('b') }),
      assistant.complete(ws, { path: 'src/price.ts', text: FILES['src/price.ts'], position: { line: 1, character: 9 }, client: 'q', maxTokens: 4 }),
    ]);
    // One chat sequence: one answer streams whole before the other starts (whatever the random model says).
    expect(order.join('')).toMatch(/^(a*b*|b*a*)$/);
    expect(b.sources.length).toBeGreaterThan(0);
    expect(a.timings.promptTokens).toBeGreaterThan(0);
    // A model's answer (not the list of places a lookup question gets).
    expect('timings' in b && b.timings.promptTokens > 0).toBe(true);
    // The completion ran on its own sequence beside them, with a prompt of its own.
    expect(c.cached).toBe(false);
    expect(c.timings.promptTokens).toBeGreaterThan(0);
  });

  it('stops a chat answer when its signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    let tokens = 0;
    const aborted = assistant.explain(ws, { path: 'src/cart.ts', maxTokens: 400 }, {
      signal: controller.signal,
      onToken: () => {
        if (++tokens === 2) controller.abort(new CvuError('CVU_ERR_ABORTED', 'superseded', { status: 499 }));
      },
    });
    await expect(aborted).rejects.toMatchObject({ code: 'CVU_ERR_ABORTED', status: 499 });
    expect(tokens).toBeLessThan(10);
    // The sequence serves the next answer.
    const next = await assistant.explain(ws, { path: 'src/cart.ts', maxTokens: 4 });
    expect(typeof next.answer).toBe('string');
  });

  it('reads a file without a buffer from the workspace: a secret is refused, a missing one named, before any model use', async () => {
    const secret = await rejection(assistant.explain(ws, { path: '.env' }));
    expect(secret).toMatchObject({ code: 'CVU_ERR_FORBIDDEN', status: 403 });
    const missing = await rejection(assistant.refactor(ws, { path: 'src/gone.ts', range: { startLine: 1, endLine: 2 } }));
    expect(missing).toMatchObject({ code: 'CVU_ERR_NOT_FOUND', status: 404 });
    expect(missing.message).toContain('src/gone.ts does not exist');
  });
});
