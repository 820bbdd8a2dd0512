import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCvuError } from '../../core/errors.js';
import { loadEmbedder, type Embedder, type EmbedderOptions } from '../../models/embedder.js';
import { bertTwinFileName, writeBertTwin, type BertShape } from '../../fixtures/models/bert-twin.js';
import { encodeModel, GraphBuilder } from '../../fixtures/models/onnx-writer.js';
import { BERT_OPSET, baseVocab, bertEmbeddings, declareBertIO, seededRandom, tinyShape, writeTinyEmbedder } from '../../fixtures/models/tiny-embedder.js';

const SMALL_SHAPE: BertShape = { layers: 2, hidden: 64, heads: 4, intermediate: 256, vocab: 1000, maxPositions: 128 };

let tmp: string;
let cacheDir: string;
let tinyDir: string;
let tiny: Embedder;
const opened: Embedder[] = [];

function options(model: string, extra: Partial<EmbedderOptions> = {}): EmbedderOptions {
  return { model, cacheDir, threads: 1, allowDownload: false, ...extra };
}

async function open(model: string, extra: Partial<EmbedderOptions> = {}): Promise<Embedder> {
  const e = await loadEmbedder(options(model, extra));
  opened.push(e);
  return e;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).not.toBeNull();
  expect(isCvuError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  return err as Error;
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const TEXTS = [
  'function parseConfig(path) { return JSON.parse(read(path)); }',
  'class UserStore extends Store',
  'def load(self): return self.cache.get(key)',
  'import { createServer } from "http"',
  'retry failed uploads with a timeout',
  'x',
  '',
];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cvu-embedder-'));
  cacheDir = path.join(tmp, 'cache');
  tinyDir = await writeTinyEmbedder(path.join(tmp, 'tiny'), { hidden: 32 });
  tiny = await open(tinyDir, { batchSize: 3 });
});

afterAll(async () => {
  for (const e of opened) await e.dispose();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('tiny embedder files', () => {
  it('writes the same bytes every time, small', async () => {
    const again = await writeTinyEmbedder(path.join(tmp, 'tiny-again'), { hidden: 32 });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      const [a, b] = await Promise.all([readFile(path.join(tinyDir, f)), readFile(path.join(again, f))]);
      expect(a.equals(b), f).toBe(true);
    }
    expect((await readFile(path.join(tinyDir, 'onnx/model.onnx'))).length).toBeLessThan(1_000_000);
    const tok = JSON.parse(await readFile(path.join(tinyDir, 'tokenizer.json'), 'utf8'));
    expect(tok.model.type).toBe('WordPiece');
    expect(Object.keys(tok.model.vocab)).toHaveLength(baseVocab().length);
    expect(tok.model.vocab).toMatchObject({ '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, function: expect.any(Number), '##config': expect.any(Number) });
  });
});

describe('loadEmbedder with the tiny model', () => {
  it('embeds to normalised vectors of the model width', async () => {
    expect(tiny.model).toBe(tinyDir);
    expect(tiny.dimensions).toBe(32);
    expect(tiny.dtype).toBe('fp32');
    const vs = await tiny.embed(TEXTS);
    expect(vs).toHaveLength(TEXTS.length);
    for (const v of vs) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(32);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(await tiny.embed([])).toEqual([]);
  });

  it('is deterministic and tells texts apart', async () => {
    const [a1, b, a2] = await tiny.embed([TEXTS[0], TEXTS[1], TEXTS[0]]);
    const [a3] = await tiny.embed([TEXTS[0]]);
    expect(Array.from(a1)).toEqual(Array.from(a2));
    expect(Array.from(a1)).toEqual(Array.from(a3));
    expect(dot(a1, b)).toBeLessThan(0.99);
    expect(maxDiff(a1, b)).toBeGreaterThan(1e-3);
  });

  it('gives the same vectors batched (padded, reordered) as one by one', async () => {
    const batched = await tiny.embed(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) {
      const [single] = await tiny.embed([TEXTS[i]]);
      expect(maxDiff(batched[i], single), TEXTS[i]).toBeLessThan(1e-6);
    }
  });

  it('matches transformers.js feature-extraction with mean pooling and normalisation', async () => {
    const { pipeline } = await import('@huggingface/transformers');
    const extractor = await pipeline('feature-extraction', tinyDir, { local_files_only: true, dtype: 'fp32', session_options: { intraOpNumThreads: 1 } });
    try {
      const texts = TEXTS.slice(0, 3);
      const ref = await extractor(texts, { pooling: 'mean', normalize: true });
      const ours = await tiny.embed(texts);
      const refData = ref.data as Float32Array;
      texts.forEach((_, i) => expect(maxDiff(ours[i], refData.subarray(i * 32, (i + 1) * 32))).toBeLessThan(1e-5));
    } finally {
      await extractor.dispose();
    }
  });

  it('truncates to maxTokens, keeping [SEP], also for very long inputs', async () => {
    const short = await open(tinyDir, { maxTokens: 16 });
    const words = Array.from({ length: 2000 }, (_, i) => ['function', 'return', 'const', 'class'][i % 4]);
    const [long] = await short.embed([words.join(' ')]);
    // [CLS] + 14 words + [SEP] = 16 tokens
    const [first14] = await short.embed([words.slice(0, 14).join(' ')]);
    const [first15] = await short.embed([words.slice(0, 15).join(' ')]);
    expect(maxDiff(long, first14)).toBeLessThan(1e-6);
    expect(maxDiff(long, first15)).toBeLessThan(1e-6); // 15 words are cut to 14 as well
    const [first13] = await short.embed([words.slice(0, 13).join(' ')]);
    expect(maxDiff(long, first13)).toBeGreaterThan(1e-4);
  });

  it('stops at an aborted signal, before and between batches', async () => {
    const ac = new AbortController();
    ac.abort();
    await expectCode(tiny.embed(TEXTS, { signal: ac.signal }), 'CVU_ERR_ABORTED');

    // A signal that turns aborted after two checks: the start and the first batch pass.
    let reads = 0;
    const flaky = {
      get aborted() {
        return ++reads > 2;
      },
    } as unknown as AbortSignal;
    const oneByOne = await open(tinyDir, { batchSize: 1 });
    await expectCode(oneByOne.embed(TEXTS, { signal: flaky }), 'CVU_ERR_ABORTED');
    expect(reads).toBe(3);

    // The embedder still works after an aborted call.
    expect(await oneByOne.embed(['ok'])).toHaveLength(1);

    // The load-time signal aborts loading and later calls.
    const loadAc = new AbortController();
    loadAc.abort();
    await expectCode(loadEmbedder(options(tinyDir, { signal: loadAc.signal })), 'CVU_ERR_ABORTED');
    const lifetime = new AbortController();
    const e = await open(tinyDir, { signal: lifetime.signal });
    lifetime.abort();
    await expectCode(e.embed(['x']), 'CVU_ERR_ABORTED');
  });

  it('a query waits for one batch of background embedding, not for all of it', async () => {
    const e = await open(tinyDir, { batchSize: 1 });
    const many = Array.from({ length: 24 }, (_, i) => `${TEXTS[i % TEXTS.length]} ${i}`);
    const [alone] = await e.embed([TEXTS[1]]);
    let backgroundDone = false;
    const background = e.embed(many, { priority: 'background' }).then((v) => ((backgroundDone = true), v));
    await new Promise((r) => setImmediate(r)); // the background call has started its first batch
    const [query] = await e.embed([TEXTS[1]]);
    expect(backgroundDone).toBe(false);
    expect(Array.from(query)).toEqual(Array.from(alone));
    expect(await background).toHaveLength(24);
    // A disposal waits for the batch in flight; calls after it fail.
    const late = e.embed(many, { priority: 'background' });
    await e.dispose();
    await expect(late).rejects.toThrow(/disposed/);
  });

  it('a query with a wait limit gives up its place while the model is busy, and the queue goes on', async () => {
    const e = await open(tinyDir, { batchSize: 1 });
    const many = Array.from({ length: 24 }, (_, i) => `${TEXTS[i % TEXTS.length]} ${i}`);
    const [alone] = await e.embed([TEXTS[1]]);
    // Idle: nothing to wait for, so the limit does not apply.
    expect(Array.from((await e.embed([TEXTS[1]], { maxWaitMs: 0 }))[0])).toEqual(Array.from(alone));
    const background = e.embed(many, { priority: 'background' });
    await new Promise((r) => setImmediate(r)); // the background call has started its first batch
    await expectCode(e.embed([TEXTS[1]], { maxWaitMs: 0 }), 'CVU_ERR_BUSY');
    // A limit longer than a batch: the query gets the next turn.
    const [query] = await e.embed([TEXTS[1]], { maxWaitMs: 5_000 });
    expect(Array.from(query)).toEqual(Array.from(alone));
    expect(await background).toHaveLength(24);
  });

  it('rejects embed after dispose', async () => {
    const e = await loadEmbedder(options(tinyDir));
    await e.dispose();
    await e.dispose();
    await expect(e.embed(['x'])).rejects.toThrow(/disposed/);
  });

  it('leaves transformers.js env alone', async () => {
    const { env } = await import('@huggingface/transformers');
    const before = { r: env.allowRemoteModels, l: env.allowLocalModels, p: env.localModelPath, c: env.cacheDir };
    await open(tinyDir, { threads: 2, dtype: 'fp32' });
    expect({ r: env.allowRemoteModels, l: env.allowLocalModels, p: env.localModelPath, c: env.cacheDir }).toEqual(before);
  });
});

describe('loadEmbedder failures', () => {
  it('a missing folder is CVU_ERR_MODEL_MISSING, at once', async () => {
    const missing = path.join(tmp, 'no-such-model');
    const t0 = Date.now();
    const err = await expectCode(loadEmbedder(options(missing)), 'CVU_ERR_MODEL_MISSING');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err.message).toContain(missing);
  });

  it('a relative folder path resolves against the working directory', async () => {
    const rel = path.relative(process.cwd(), tinyDir);
    const e = await open(rel.startsWith('.') ? rel : `./${rel}`);
    expect(e.model).toBe(tinyDir);
  });

  it('a folder without the requested ONNX file is CVU_ERR_MODEL_MISSING naming the file', async () => {
    const err = await expectCode(loadEmbedder(options(tinyDir, { dtype: 'q8' })), 'CVU_ERR_MODEL_MISSING');
    expect(err.message).toContain('onnx/model_quantized.onnx');
  });

  it('a corrupt model.onnx is CVU_ERR_MODEL_LOAD', async () => {
    const dir = await writeTinyEmbedder(path.join(tmp, 'corrupt-onnx'));
    await writeFile(path.join(dir, 'onnx/model.onnx'), Buffer.from('this is not a protobuf model \x00\x01\x02'));
    const err = await expectCode(loadEmbedder(options(dir)), 'CVU_ERR_MODEL_LOAD');
    expect(err.message).toContain(dir);
  });

  it('a broken tokenizer.json is CVU_ERR_MODEL_LOAD', async () => {
    const dir = await writeTinyEmbedder(path.join(tmp, 'corrupt-tokenizer'));
    await writeFile(path.join(dir, 'tokenizer.json'), '{ "model": ');
    await expectCode(loadEmbedder(options(dir)), 'CVU_ERR_MODEL_LOAD');
  });

  it('a model that runs but returns the wrong shape is CVU_ERR_MODEL_LOAD', async () => {
    const dir = await writeTinyEmbedder(path.join(tmp, 'wrong-output'));
    const g = new GraphBuilder('pooled');
    declareBertIO(g, 32); // declares [batch, sequence, 32] but produces [batch, 32]
    g.node('ReduceMean', [bertEmbeddings(g, tinyShape(32), seededRandom(3))], ['last_hidden_state'], { axes: [1], keepdims: 0 });
    await writeFile(path.join(dir, 'onnx/model.onnx'), encodeModel(g, { opsets: [{ domain: '', version: BERT_OPSET }] }));
    const err = await expectCode(loadEmbedder(options(dir)), 'CVU_ERR_MODEL_LOAD');
    expect(err.message).toMatch(/last_hidden_state of shape \[1, 32\]/);
  });

  it('a model id that is not cached, with downloads disabled, is CVU_ERR_MODEL_MISSING', async () => {
    const t0 = Date.now();
    const err = await expectCode(loadEmbedder(options('Xenova/all-MiniLM-L6-v2')), 'CVU_ERR_MODEL_MISSING');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err.message).toContain('Xenova/all-MiniLM-L6-v2');
    expect(err.message).toContain('cvu models pull');
  });

  it('a model id found in cacheDir loads from there without the network', async () => {
    await cp(tinyDir, path.join(cacheDir, 'cvu-test', 'tiny-embedder'), { recursive: true });
    const e = await open('cvu-test/tiny-embedder');
    expect(e.model).toBe('cvu-test/tiny-embedder');
    const [a] = await e.embed([TEXTS[0]]);
    const [b] = await tiny.embed([TEXTS[0]]);
    expect(maxDiff(a, b)).toBeLessThan(1e-6);
  });

  it('rejects bad thread counts', async () => {
    await expectCode(loadEmbedder(options(tinyDir, { threads: 0 })), 'CVU_ERR_USAGE');
  });
});

describe('BERT shape twins', () => {
  let fp32Dir: string;
  let q8Dir: string;

  beforeAll(async () => {
    fp32Dir = await writeBertTwin(path.join(tmp, 'twin-fp32'), SMALL_SHAPE, { seed: 7 });
    q8Dir = await writeBertTwin(path.join(tmp, 'twin-q8'), SMALL_SHAPE, { seed: 7, quantized: true });
  });

  it('writes the requested shape', async () => {
    const config = JSON.parse(await readFile(path.join(fp32Dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'bert', num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 4, intermediate_size: 256, vocab_size: 1000, max_position_embeddings: 128 });
    const tok = JSON.parse(await readFile(path.join(fp32Dir, 'tokenizer.json'), 'utf8'));
    expect(Object.keys(tok.model.vocab)).toHaveLength(1000);
    expect(existsSync(path.join(fp32Dir, 'onnx', bertTwinFileName(false)))).toBe(true);
    expect(existsSync(path.join(q8Dir, 'onnx', 'model_quantized.onnx'))).toBe(true);
    expect(existsSync(path.join(q8Dir, 'onnx', 'model.onnx'))).toBe(false);

    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(path.join(fp32Dir, 'onnx/model.onnx'), { intraOpNumThreads: 1 });
    try {
      expect([...session.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids']);
      expect(session.outputNames).toEqual(['last_hidden_state']);
      const feeds = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from([2n, 10n, 20n, 3n, 2n, 30n, 3n, 0n]), [2, 4]),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n]), [2, 4]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(8), [2, 4]),
      };
      const out = await session.run(feeds);
      expect(out.last_hidden_state.dims).toEqual([2, 4, 64]);
    } finally {
      await session.release();
    }
  });

  it('loads fp32 and q8 through loadEmbedder and agrees between them', async () => {
    const f = await open(fp32Dir, { threads: 2, batchSize: 4 });
    const q = await open(q8Dir, { threads: 2, batchSize: 4 });
    expect([f.dtype, f.dimensions, q.dtype, q.dimensions]).toEqual(['fp32', 64, 'q8', 64]);
    const vf = await f.embed(TEXTS);
    const vq = await q.embed(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) {
      expect(norm(vf[i])).toBeCloseTo(1, 5);
      expect(dot(vf[i], vq[i]), TEXTS[i]).toBeGreaterThan(0.995);
    }
    expect(dot(vf[0], vf[1])).toBeLessThan(0.99);
    await expectCode(loadEmbedder(options(q8Dir, { dtype: 'fp32' })), 'CVU_ERR_MODEL_MISSING');
  });

  it('masks padding in attention: batched equals one by one', async () => {
    const f = await open(fp32Dir, { batchSize: 8 });
    const batched = await f.embed(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) {
      const [single] = await f.embed([TEXTS[i]]);
      expect(maxDiff(batched[i], single), TEXTS[i]).toBeLessThan(1e-4);
    }
  });
});
