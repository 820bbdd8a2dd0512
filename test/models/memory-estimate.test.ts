/**
 * The generation model's memory check counts what is allocated: every
 * sequence of the context the caller creates (node-llama-cpp's own estimate
 * for those sequences), and the embedding model's threads, loaded or still to
 * start. Tiny generated models; random weights, so nothing here looks at what
 * the model writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GgufInsights, readGgufFileInfo, type LlamaContext } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Assistant, CONTEXT_SEQUENCES } from '../../assistant/assistant.js';
import { resolveConfig, type CvuConfig } from '../../config/schema.js';
import type { Workspace } from '../../workspace/workspace.js';
import { loadEmbedderLanes } from '../../models/embedder-lanes.js';
import { EMBEDDING_MEMORY, embeddingMemory, estimateEmbeddingThread, type EmbeddingMemory } from '../../models/embedder-memory.js';
import { estimateMemory, getSharedLlama, LlmRuntime, type LlmRuntimeOptions } from '../../models/llm.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { writeTinyEmbedder } from '../../fixtures/models/tiny-embedder.js';
import { writeTinyLlama, type WrittenLlama } from '../../fixtures/models/tiny-llama.js';

const CONTEXT_SIZE = 2048;
const NO_EMBEDDING: EmbeddingMemory = Object.freeze({ threads: 0, loaded: 0, bytes: 0, held: 0, pending: 0, models: [] });

let tmp: string;
let home: string;
let tiny: WrittenLlama;
let embedderDir: string;
const runtimes: LlmRuntime[] = [];

function config(): CvuConfig {
  return resolveConfig({ threads: 1, embedding: { model: null }, model: { path: tiny.file, contextSize: CONTEXT_SIZE, idleUnloadSeconds: 0 } });
}

function runtime(opts: LlmRuntimeOptions = {}): LlmRuntime {
  const r = new LlmRuntime({ home, embeddingMemory: () => NO_EMBEDDING, ...opts });
  runtimes.push(r);
  return r;
}

/** node-llama-cpp's own figures for the tiny model: weights, and a context of `sequences` sequences. */
async function ownEstimate(sequences: number, contextSize = CONTEXT_SIZE): Promise<{ model: number; context: number }> {
  const llama = await getSharedLlama();
  const insights = await GgufInsights.from(await readGgufFileInfo(tiny.file, { sourceType: 'filesystem', logWarnings: false }), llama);
  return {
    model: (await insights.estimateModelResourceRequirementsV2({ gpuLayers: 0 })).cpuRam,
    context: (await insights.estimateContextResourceRequirementsV2({ contextSize, modelGpuLayers: 0, sequences })).cpuRam,
  };
}

beforeAll(async () => {
  tmp = makeTempDir('cvu-memory-');
  home = path.join(tmp, 'home');
  tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
  embedderDir = await writeTinyEmbedder(path.join(tmp, 'embedder'));
});

afterAll(async () => {
  for (const r of runtimes) await r.dispose();
  removeDir(tmp);
});

describe('the estimate of a context', () => {
  it("is node-llama-cpp's own estimate for the same number of sequences, and grows with them", async () => {
    const llama = await getSharedLlama();
    const contexts: number[] = [];
    for (const sequences of [1, 2, 3]) {
      const ours = await estimateMemory(tiny.file, CONTEXT_SIZE, llama, sequences);
      const own = await ownEstimate(sequences);
      expect(ours).toEqual({ model: own.model, context: own.context, contextSize: CONTEXT_SIZE, sequences, needed: own.model + own.context });
      contexts.push(ours.context);
    }
    // Each sequence has its own KV cache of CONTEXT_SIZE cells.
    expect(contexts[1]).toBeGreaterThan(contexts[0]);
    expect(contexts[2]).toBeGreaterThan(contexts[1]);
    // The default is one sequence, as before.
    expect((await estimateMemory(tiny.file, CONTEXT_SIZE, llama)).context).toBe(contexts[0]);
  });

  it('counts what node-llama-cpp allocates for the context the runtime then creates', async () => {
    const llm = runtime();
    const loaded = await llm.load(config(), { sequences: 2 });
    expect(loaded.memory.sequences).toBe(2);
    expect(loaded.memory.context).toBe((await ownEstimate(2)).context);
    expect(loaded.memory.needed).toBe(loaded.memory.model + loaded.memory.context);

    const context = await llm.createContext();
    try {
      expect(context.totalSequences).toBe(2);
      expect(context.contextSize).toBe(CONTEXT_SIZE);
      // What node-llama-cpp estimates for this very context (its own size, sequences, batch, attention)…
      const own = await loaded.model.fileInsights.estimateContextResourceRequirementsV2({
        contextSize: context.contextSize, sequences: context.totalSequences, modelGpuLayers: 0, batchSize: context.batchSize, flashAttention: context.flashAttention,
      });
      expect(own.cpuRam).toBe(loaded.memory.context);
      // …and what the native context reports it allocated (node-llama-cpp 3.22's internal breakdown).
      const allocated = (context as unknown as { _ctx: { getMemoryBreakdown(): { cpuRam: number } } })._ctx.getMemoryBreakdown().cpuRam;
      expect(allocated).toBeGreaterThan(0);
      expect(allocated).toBeLessThanOrEqual(loaded.memory.context);

      // No sequence beyond those counted: a second context is refused while this one lives.
      const more = await rejection(llm.createContext({ sequences: 1 }));
      expect(more.code).toBe('CVU_ERR_INTERNAL');
      expect(more.message).toContain('counted 2');
      expect((await rejection(llm.createContext({ sequences: 1, contextSize: CONTEXT_SIZE * 2 }))).code).toBe('CVU_ERR_INTERNAL');
    } finally {
      await context.dispose();
    }
    // Disposed: its sequences are free again.
    const again = await llm.createContext();
    expect(again.totalSequences).toBe(2);
    await again.dispose();
  });

  it('a load for more sequences than the loaded model was checked for is a fresh load and check', async () => {
    let checks = 0;
    const llm = runtime({ freeMemory: () => (checks++, Number.MAX_SAFE_INTEGER) });
    const one = await llm.load(config());
    expect(one.memory.sequences).toBe(1);
    expect(await llm.load(config(), { sequences: 1 })).toBe(one);
    const two = await llm.load(config(), { sequences: 2 });
    expect(two).not.toBe(one);
    expect(two.memory.sequences).toBe(2);
    expect(one.model.disposed).toBe(true);
    // Fewer than counted: the same model.
    expect(await llm.load(config(), { sequences: 1 })).toBe(two);
    expect(checks).toBe(2);
  });
});

describe('the fit check', () => {
  it('refuses below weights + every sequence + the embedding threads still to come, and loads at that figure', async () => {
    const own = await ownEstimate(2);
    const embedding: EmbeddingMemory = { threads: 2, loaded: 1, bytes: 9_000_000, held: 2_000_000, pending: 7_000_000, models: ['Xenova/all-MiniLM-L6-v2'] };
    const need = own.model + own.context + embedding.pending;

    const short = runtime({ freeMemory: () => need - 1, embeddingMemory: () => embedding });
    const err = await rejection(short.load(config(), { sequences: 2 }));
    expect(err.code).toBe('CVU_ERR_MODEL_TOO_BIG');
    expect(err.message).toMatch(/needs about [\d.]+ MB of memory/);
    expect(err.message).toContain(`for a context of 2 sequences of ${CONTEXT_SIZE} tokens`);
    expect(err.message).toContain('7 MB still to come for 2 embedding threads (Xenova/all-MiniLM-L6-v2), which already use 2 MB');
    expect(err.message).toMatch(/but only [\d.]+ MB is free/);
    expect(err.message).toMatch(/smaller quantization/);
    expect(err.message).toMatch(/model\.contextSize/);
    expect(err.message).toMatch(/embedding\.model: null/);
    expect(short.loaded).toBe(false);

    // The same free memory holds the model with one sequence, or without the embedding threads: each part is counted.
    const oneSequence = await ownEstimate(1);
    expect(oneSequence.model + oneSequence.context + embedding.pending).toBeLessThan(need);
    expect((await runtime({ freeMemory: () => need - 1, embeddingMemory: () => embedding }).load(config(), { sequences: 1 })).memory.sequences).toBe(1);
    expect((await runtime({ freeMemory: () => need - 1 }).load(config(), { sequences: 2 })).memory.embedding.pending).toBe(0);

    const enough = runtime({ freeMemory: () => need, embeddingMemory: () => embedding });
    const loaded = await enough.load(config(), { sequences: 2 });
    expect(loaded.memory).toMatchObject({ model: own.model, context: own.context, sequences: 2, needed: need, free: need, embedding });
  });

  it("counts the daemon's two embedding threads: the query thread before it starts, and no weights twice once loaded", async () => {
    expect(embeddingMemory().threads).toBe(0);
    const opts = { model: embedderDir, cacheDir: path.join(tmp, 'cache'), threads: 1, batchSize: 16, maxTokens: 256 };
    const lanes = await loadEmbedderLanes(opts);
    try {
      const background = estimateEmbeddingThread(opts, 'background');
      const queries = estimateEmbeddingThread(opts, 'queries');
      // The background thread is loaded; the query thread is counted before the first query starts it.
      const before = embeddingMemory();
      expect(before).toEqual({
        threads: 2, loaded: 1, models: [embedderDir],
        bytes: EMBEDDING_MEMORY.runtimeBytes + background.bytes + queries.bytes,
        held: EMBEDDING_MEMORY.runtimeBytes + background.weights,
        pending: background.activations + queries.bytes,
      });

      const own = await ownEstimate(2);
      const need = own.model + own.context + before.pending;
      // The runtime's default: this process's embedding threads.
      const short = new LlmRuntime({ home, freeMemory: () => need - 1 });
      runtimes.push(short);
      const err = await rejection(short.load(config(), { sequences: 2 }));
      expect(err.code).toBe('CVU_ERR_MODEL_TOO_BIG');
      expect(err.message).toContain(`for 2 embedding threads (${embedderDir})`);
      const fits = new LlmRuntime({ home, freeMemory: () => need });
      runtimes.push(fits);
      expect((await fits.load(config(), { sequences: 2 })).memory.needed).toBe(need);

      // A query starts the query thread: its weights are held now, out of what is still to come.
      await lanes.embed(['function parseConfig(path) {}']);
      const after = embeddingMemory();
      expect(after).toMatchObject({ threads: 2, loaded: 2, bytes: before.bytes });
      expect(after.pending).toBe(before.pending - queries.weights);
    } finally {
      await lanes.dispose();
    }
    expect(embeddingMemory()).toEqual(NO_EMBEDDING);
  });

  it("sizes a thread from its model file, and its activations from the batch it runs", () => {
    const opts = { model: embedderDir, cacheDir: path.join(tmp, 'cache'), batchSize: 16, maxTokens: 256 };
    const size = fs.statSync(path.join(embedderDir, 'onnx', 'model.onnx')).size;
    const background = estimateEmbeddingThread(opts, 'background');
    expect(background.file).toBe(path.join(embedderDir, 'onnx', 'model.onnx'));
    expect(background.weights).toBe(Math.round(EMBEDDING_MEMORY.threadBytes + EMBEDDING_MEMORY.weightsFactor * size));
    expect(background.bytes).toBe(background.weights + background.activations);
    // One query text at a time: a sixteenth of a batch of sixteen.
    expect(estimateEmbeddingThread(opts, 'queries').activations * 16).toBe(background.activations);
    expect(estimateEmbeddingThread({ ...opts, maxTokens: 512 }, 'background').activations).toBeGreaterThan(2 * background.activations);
    // Not on disk yet (a download to come): the thread and its activations, no weights.
    const missing = estimateEmbeddingThread({ ...opts, model: 'owner/not-downloaded' }, 'background');
    expect(missing.file).toBeNull();
    expect(missing.weights).toBe(EMBEDDING_MEMORY.threadBytes);
  });
});

describe('the assistant', () => {
  it('loads for the sequences it creates, and its context has exactly those', async () => {
    const llm = runtime({ freeMemory: () => Number.MAX_SAFE_INTEGER });
    const acquire = vi.spyOn(llm, 'acquire');
    const createContext = vi.spyOn(llm, 'createContext');
    const assistant = new Assistant({ home, runtime: llm });
    // A text completion without a suffix asks the workspace for nothing but its config.
    const ws = { root: tmp, config: config() } as unknown as Workspace;
    await assistant.completeText(ws, { prompt: 'function add(a, b) {', maxTokens: 2 });

    expect(acquire).toHaveBeenCalledWith(expect.anything(), { sequences: CONTEXT_SEQUENCES });
    expect(createContext).toHaveBeenCalledTimes(1);
    const context = (await createContext.mock.results[0].value) as LlamaContext;
    const loaded = await acquire.mock.results[0].value.then((lease: { llm: { memory: { sequences: number; context: number } } }) => lease.llm);
    expect(context.totalSequences).toBe(CONTEXT_SEQUENCES);
    expect(loaded.memory.sequences).toBe(context.totalSequences);
    expect(loaded.memory.context).toBe((await ownEstimate(context.totalSequences)).context);
    await assistant.dispose();
  });

  it("is refused a model that fits with one sequence but not with the assistant's", async () => {
    const one = await ownEstimate(1);
    const two = await ownEstimate(CONTEXT_SEQUENCES);
    expect(two.context).toBeGreaterThan(one.context);
    const llm = runtime({ freeMemory: () => one.model + one.context });
    const assistant = new Assistant({ home, runtime: llm });
    const ws = { root: tmp, config: config() } as unknown as Workspace;
    const err = await rejection(assistant.completeText(ws, { prompt: 'x', maxTokens: 1 }));
    expect(err.code).toBe('CVU_ERR_MODEL_TOO_BIG');
    expect(err.message).toContain(`for a context of ${CONTEXT_SEQUENCES} sequences`);
    await assistant.dispose();
  });
});
