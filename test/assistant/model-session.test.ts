/**
 * The model session over the real runtime and the generated tiny GGUF: its
 * contexts follow the idle unload (never during a use), chat answers queue
 * on the one chat sequence, and a model that cannot be had has a fallback.
 * Random weights: nothing here looks at what the model says.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSession, CONTEXT_SEQUENCES } from '../../assistant/model-session.js';
import type { GenerationModel } from '../../models/generation.js';
import { resolveConfig, type CvuConfig } from '../../config/schema.js';
import { CvuError } from '../../core/errors.js';
import { LlmRuntime } from '../../models/llm.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { until } from '../helpers/wait.js';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';

let tmp: string;
let config: CvuConfig;
const sessions: ModelSession[] = [];

function session(): ModelSession {
  const s = new ModelSession(new LlmRuntime({ home: path.join(tmp, 'home') }));
  sessions.push(s);
  return s;
}

const messages = [{ role: 'user' as const, content: 'What does this code do?' }];

beforeAll(async () => {
  tmp = makeTempDir('cvu-session-');
  const tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
  config = resolveConfig({ threads: 1, embedding: { model: null }, model: { path: tiny.file, contextSize: 512, idleUnloadSeconds: 1 } });
});

afterAll(async () => {
  for (const s of sessions) await s.dispose();
  removeDir(tmp);
});

describe('ModelSession', () => {
  it('keeps its contexts between uses, and makes new ones after the idle unload', async () => {
    const s = session();
    const contexts = () => s.inProcess.withContexts(config, async (c) => c);
    const first = await contexts();
    expect(first.context.totalSequences).toBe(CONTEXT_SEQUENCES);
    expect(await contexts()).toBe(first);

    await until(() => !s.runtime.loaded, 'the idle unload');
    expect(first.context.disposed).toBe(true);
    const second = await contexts();
    expect(second).not.toBe(first);
    expect(second.context.disposed).toBe(false);
    // The new contexts serve completions and chat.
    const out = await s.withModel(config, (m) => s.chat(m, 'ask', messages, { maxTokens: 2 }));
    expect(out.promptTokens).toBeGreaterThan(0);
  });

  it('is never unloaded while in use, however long the use', async () => {
    const s = session();
    const held = await s.inProcess.withContexts(config, async (c) => {
      await new Promise((r) => setTimeout(r, 1_500));
      return { loaded: s.runtime.loaded, disposed: c.context.disposed };
    });
    expect(held).toEqual({ loaded: true, disposed: false });
  });

  it('runs chat answers one at a time on the chat sequence, in the order asked; an aborted one does not stop the queue', async () => {
    const s = session();
    const events: string[] = [];
    const aborted = new AbortController();
    aborted.abort(new CvuError('CVU_ERR_ABORTED', 'superseded', { status: 499 }));
    const [a, b, c] = await s.withModel(config, (ctx: GenerationModel) =>
      Promise.allSettled([
        s.chat(ctx, 'explain', messages, { maxTokens: 6, onToken: () => events.push('a') }).finally(() => events.push('A')),
        s.chat(ctx, 'ask', messages, { maxTokens: 4, signal: aborted.signal }).finally(() => events.push('B')),
        s.chat(ctx, 'explain', messages, { maxTokens: 6, onToken: () => events.push('c') }).finally(() => events.push('C')),
      ]),
    );
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'CVU_ERR_ABORTED', status: 499 } });
    expect(c.status).toBe('fulfilled');
    // Whatever the random model writes: each answer streams whole, in turn; the aborted one is refused without waiting its turn.
    expect(events.join('')).toMatch(/^Ba*Ac*C$/);
  });

  it('answers the fallback when the model cannot be had, and refuses everything after dispose', async () => {
    const s = session();
    const missing = { ...config, model: { ...config.model, path: path.join(tmp, 'absent.gguf') } };
    const fallback = await s.withModelOr(missing, async () => 'answered', (err) => `no model: ${err.code}`);
    expect(fallback).toBe('no model: CVU_ERR_MODEL_MISSING');
    expect((await rejection(s.withModel(missing, async () => 'answered'))).code).toBe('CVU_ERR_MODEL_MISSING');

    await s.dispose();
    const refused = await rejection(s.withModelOr(config, async () => 'answered', () => 'fallback'));
    expect(refused).toMatchObject({ code: 'CVU_ERR_INTERNAL', status: 503 });
  });
});
