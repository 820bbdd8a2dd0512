import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ChatMLChatWrapper,
  getLlama,
  JinjaTemplateChatWrapper,
  LlamaChatSession,
  LlamaCompletion,
  LlamaLogLevel,
  LlamaVocabularyType,
  QwenChatWrapper,
  readGgufFileInfo,
  resolveChatWrapper,
  TokenBias,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { elementCount, floatToHalf, gguf, tensorByteSize, writeGguf, type GgufModel } from '../../fixtures/models/gguf-writer.js';
import {
  buildSpmVocab,
  QWEN25_CODER_05B_SHAPE,
  QWEN_CHAT_TEMPLATE,
  QWEN_SPECIAL_TOKENS,
  TokenType,
  writeLlamaTwin,
  writeTinyLlama,
  type LlamaShape,
  type WrittenLlama,
} from '../../fixtures/models/tiny-llama.js';

const CODE = 'export function parseConfig(path: string): Config {\n  const text = readFile(path);\n  return JSON.parse(text);\n}\n';

let tmp: string;
let llama: Llama;
let tiny: WrittenLlama;
let model: LlamaModel;
let context: LlamaContext;
const models: LlamaModel[] = [];

beforeAll(async () => {
  tmp = makeTempDir('cvu-gguf-');
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
  tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
  model = await llama.loadModel({ modelPath: tiny.file });
  models.push(model);
  context = await model.createContext({ contextSize: 512, threads: 1, sequences: 2 });
});

afterAll(async () => {
  await context?.dispose();
  for (const m of models) await m.dispose();
  await llama?.dispose();
  if (tmp) removeDir(tmp);
});

/** A bias that never samples an end-of-generation token, so `maxTokens` is what stops generation. */
function noEog(m: LlamaModel, vocabSize: number): TokenBias {
  const bias = new TokenBias(m.tokenizer);
  for (let t = 0; t < vocabSize; t++) if (m.isEogToken(t as Token)) bias.set(t as Token, 'never');
  return bias;
}

/** Raw logits of the next token after evaluating `tokens` on `sequence`. */
async function nextLogits(sequence: LlamaContextSequence, tokens: Token[], vocabSize: number): Promise<Float64Array> {
  const input = tokens.map((t, i) => (i === tokens.length - 1 ? ([t, { generateNext: { logits: true } }] as const) : t));
  const out = await sequence.controlledEvaluate(input as Parameters<LlamaContextSequence['controlledEvaluate']>[0]);
  const logits = out[tokens.length - 1]?.next.logits;
  if (!logits) throw new Error('no logits');
  const arr = new Float64Array(vocabSize);
  for (const [t, v] of logits) arr[t] = v;
  return arr;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('gguf writer', () => {
  it('encodes every metadata type, tensor infos, alignment and data that node-llama-cpp reads back', async () => {
    const f32 = new Float32Array(64).map((_, i) => i / 8 - 4);
    const q8 = new Float32Array(64).map((_, i) => (i < 32 ? (i - 16) / 16 : i === 40 ? 2 : 0));
    const file: GgufModel = {
      metadata: {
        'general.architecture': 'llama',
        'general.alignment': gguf.u32(64),
        'test.u8': gguf.u8(200),
        'test.i8': gguf.i8(-100),
        'test.u16': gguf.u16(60000),
        'test.i16': gguf.i16(-30000),
        'test.u32': gguf.u32(4_000_000_000),
        'test.i32': gguf.i32(-2_000_000_000),
        'test.f32': gguf.f32(0.5),
        'test.f64': gguf.f64(1e300),
        'test.u64': gguf.u64(2n ** 40n),
        'test.i64': gguf.i64(-(2n ** 40n)),
        'test.bool': true,
        'test.string': 'héllo ▁ <|fim_prefix|>',
        'test.strings': gguf.array('string', ['a', '', 'ü']),
        'test.ints': gguf.array('i32', Int32Array.from([1, -2, 3])),
        'test.floats': gguf.array('f32', [0.25, -1.5]),
        'test.nested': gguf.array('array', [gguf.array('u8', [1, 2]), gguf.array('u8', [3])]),
      },
      tensors: [
        { name: 'a', type: 'F32', dims: [16, 4], data: f32 },
        { name: 'b', type: 'F16', dims: [3], data: { constant: 1.5 } },
        { name: 'c', type: 'Q8_0', dims: [32, 2], data: q8 },
        { name: 'd', type: 'Q8_0', dims: [64, 8], data: { random: { std: 0.02 } } },
        { name: 'e', type: 'F32', dims: [5], data: (offset, out) => out.forEach((_, i) => (out[i] = offset + i)) },
      ],
    };
    const out = path.join(tmp, 'types.gguf');
    const written = await writeGguf(out, file, { seed: 7 });
    const info = await readGgufFileInfo(out, { logWarnings: false });
    expect(info.version).toBe(3);
    expect(Number(info.tensorCount)).toBe(5);
    const md = info.metadata as unknown as { test: Record<string, unknown>; general: Record<string, unknown> };
    expect(md.general.alignment).toBe(64);
    expect(md.test).toMatchObject({
      u8: 200,
      i8: -100,
      u16: 60000,
      i16: -30000,
      u32: 4_000_000_000,
      i32: -2_000_000_000,
      f32: 0.5,
      f64: 1e300,
      bool: true,
      string: 'héllo ▁ <|fim_prefix|>',
      strings: ['a', '', 'ü'],
      ints: [1, -2, 3],
      floats: [0.25, -1.5],
      nested: [[1, 2], [3]],
    });
    expect(BigInt(md.test.u64 as bigint)).toBe(2n ** 40n);
    expect(BigInt(md.test.i64 as bigint)).toBe(-(2n ** 40n));

    const tensors = info.tensorInfo!;
    expect(tensors.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType])).toEqual([
      ['a', [16, 4], 0],
      ['b', [3], 1],
      ['c', [32, 2], 8],
      ['d', [64, 8], 8],
      ['e', [5], 0],
    ]);
    for (const t of tensors) expect(Number(t.offset) % 64).toBe(0);
    expect(written.dataOffset % 64).toBe(0);
    expect(written.tensorBytes).toBe(64 * 4 + 3 * 2 + 2 * 34 + 16 * 34 + 5 * 4);

    const bytes = await readFile(out);
    const at = (name: string) => written.dataOffset + Number(tensors.find((t) => t.name === name)!.offset);
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset + at('a'), bytes.byteOffset + at('a') + 256))).toEqual(f32);
    expect(bytes.readUInt16LE(at('b') + 4)).toBe(0x3e00); // 1.5 in f16
    // Q8_0 block 0 spans [-1, 15/16]: d = 1/127 and q = round(x / d); block 1: d = 2/127, one quant of 127.
    expect(bytes.readUInt16LE(at('c'))).toBe(floatToHalf(1 / 127));
    expect(bytes.readInt8(at('c') + 2)).toBe(-127);
    expect(bytes.readInt8(at('c') + 2 + 16)).toBe(0);
    expect(bytes.readInt8(at('c') + 2 + 31)).toBe(119);
    expect(bytes.readUInt16LE(at('c') + 34)).toBe(floatToHalf(2 / 127));
    expect(bytes.readInt8(at('c') + 34 + 2 + 8)).toBe(127);
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset + at('e'), bytes.byteOffset + at('e') + 20))).toEqual(
      Float32Array.from([0, 1, 2, 3, 4]),
    );

    // Deterministic: the same inputs write the same bytes; another seed changes only random tensors.
    const again = path.join(tmp, 'types-again.gguf');
    await writeGguf(again, file, { seed: 7, chunkBytes: 4096 });
    const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');
    expect(await sha(again)).toBe(await sha(out));
    await writeGguf(again, file, { seed: 8 });
    expect(await sha(again)).not.toBe(await sha(out));
  });

  it('rejects values llama.cpp would misread', async () => {
    const bad = (metadata: GgufModel['metadata'], tensors: GgufModel['tensors'] = []) =>
      writeGguf(path.join(tmp, 'bad.gguf'), { metadata, tensors });
    await expect(bad({ k: gguf.u32(-1) })).rejects.toThrow(/k/);
    await expect(bad({ k: gguf.i32(1.5) })).rejects.toThrow(/k/);
    await expect(bad({ k: gguf.array('string', ['a', 1 as unknown as string]) })).rejects.toThrow(/k/);
    await expect(bad({}, [{ name: 'w', type: 'Q8_0', dims: [48, 2], data: { constant: 0 } }])).rejects.toThrow(/multiple of 32/);
    await expect(bad({}, [{ name: 'w', type: 'F32', dims: [4], data: new Float32Array(3) }])).rejects.toThrow(/w/);
    expect(tensorByteSize('Q8_0', [896, 151_936])).toBe((896 * 151_936 * 34) / 32);
    expect(elementCount([2, 3, 4])).toBe(24);
  });
});

describe('tiny llama on node-llama-cpp', () => {
  it('loads with its hyperparameters and an SPM vocabulary', () => {
    expect(model.vocabularyType).toBe(LlamaVocabularyType.spm);
    expect(model.trainContextSize).toBe(4096);
    expect(model.fileInfo.metadata.general.architecture).toBe('llama');
    const arch = model.fileInfo.architectureMetadata;
    expect(arch.block_count).toBe(2);
    expect(arch.embedding_length).toBe(64);
    expect(model.fileInfo.metadata.tokenizer.ggml.tokens.length).toBe(tiny.tokens.length);
    expect(model.tokens.bos).toBe(tiny.special.bos);
    expect(model.tokens.eos).toBe(tiny.special.eos);
    expect(model.tokens.bosString).toBe('<s>');
    expect(model.tokens.shouldPrependBosToken).toBe(true);
    // llama.cpp finds the end-of-turn token by its text.
    expect(model.tokens.eot).toBe(tiny.special.imEnd);
    expect(model.tokens.nl).toBe(3 + 0x0a); // <0x0A>
  });

  it('round-trips text through tokenize/detokenize, with byte fallback for non-ASCII', () => {
    for (const text of [CODE, 'def f(x):\n\treturn x  # héllo 日本 🚀', 'a', '  two leading spaces', 'x\r\ny']) {
      const tokens = model.tokenize(text);
      expect(tokens.length).toBeGreaterThan(0);
      expect(model.detokenize(tokens)).toBe(text);
    }
    // No dummy space prefix (like Qwen's BPE): a fragment tokenizes as itself.
    expect(model.tokenize('x')).toEqual([tiny.tokens.indexOf('x')]);
    expect(model.tokenize(' x')).toEqual([tiny.tokens.indexOf('▁x')]);
    // Code pieces merge: far fewer tokens than characters.
    expect(model.tokenize(CODE).length).toBeLessThan(CODE.length / 2);
    // "日" has no piece: three UTF-8 byte tokens <0xE6><0x97><0xA5>.
    const bytes = model.tokenize('日');
    expect(bytes.slice(-3)).toEqual([3 + 0xe6, 3 + 0x97, 3 + 0xa5]);
    expect(model.getTokenAttributes(bytes.at(-1)!).byte).toBe(true);
  });

  it('exposes the FIM tokens written in the metadata, and treats pad/repo/file-sep as end of generation', () => {
    const s = tiny.special;
    expect(model.tokens.infill.prefix).toBe(s.fimPrefix);
    expect(model.tokens.infill.suffix).toBe(s.fimSuffix);
    expect(model.tokens.infill.middle).toBe(s.fimMiddle);
    expect(model.tokens.infill.prefixString).toBe('<|fim_prefix|>');
    expect(model.tokens.infill.suffixString).toBe('<|fim_suffix|>');
    expect(model.tokens.infill.middleString).toBe('<|fim_middle|>');
    for (const id of [s.fimPad, s.repoName, s.fileSep, s.imEnd, s.endOfText, s.eos]) expect(model.isEogToken(id as Token)).toBe(true);
    for (const id of [s.fimPrefix, s.fimSuffix, s.fimMiddle, s.imStart]) expect(model.isEogToken(id as Token)).toBe(false);
    const meta = model.fileInfo.metadata.tokenizer.ggml;
    expect([meta.fim_pre_token_id, meta.fim_suf_token_id, meta.fim_mid_token_id]).toEqual([s.fimPrefix, s.fimSuffix, s.fimMiddle]);
    expect([meta.fim_pad_token_id, meta.fim_rep_token_id, meta.fim_sep_token_id]).toEqual([s.fimPad, s.repoName, s.fileSep]);
  });

  it('tokenizes special tokens as single control tokens only when specialTokens is on', () => {
    const named = ['<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>', '<|endoftext|>'];
    for (const text of named) {
      const id = tiny.tokens.indexOf(text);
      expect(id, text).toBeGreaterThan(0);
      expect(model.tokenize(text, true)).toEqual([id]);
      expect(model.tokenize(text, false).length).toBeGreaterThan(1);
      expect(model.getTokenAttributes(id as Token).control).toBe(true);
      expect(model.detokenize([id as Token], true)).toBe(text);
      expect(model.detokenize([id as Token], false)).toBe('');
    }
    const s = tiny.special;
    const prompt = model.tokenize(`<|repo_name|>cvu\n<|file_sep|>a.ts\n<|fim_prefix|>const x = <|fim_suffix|>;\n<|fim_middle|>`, true);
    const order: number[] = [s.repoName, s.fileSep, s.fimPrefix, s.fimSuffix, s.fimMiddle];
    expect(prompt.filter((t) => order.includes(t))).toEqual(order);
  });

  it('reads FIM ids from the current and the legacy keys, not only by token text', async () => {
    // Point every FIM key at an ordinary piece: llama.cpp's text detection would never pick these.
    const ids = ['▁function', '▁return', '▁const', '▁class', '▁import', '▁export'].map((p) => tiny.tokens.indexOf(p));
    expect(Math.min(...ids)).toBeGreaterThan(0);
    const [pre, suf, mid, pad, rep, sep] = ids;
    const current = await writeTinyLlama(path.join(tmp, 'fim-current.gguf'), { fimTokenIds: { pre, suf, mid, pad, rep, sep } });
    const legacy = await writeTinyLlama(path.join(tmp, 'fim-legacy.gguf'), { fimKeys: 'legacy', fimTokenIds: { pre, suf, mid } });
    const none = await writeTinyLlama(path.join(tmp, 'fim-none.gguf'), { fimKeys: 'none', addSpacePrefix: true });
    for (const [written, expectEog] of [
      [current, true],
      [legacy, false],
    ] as const) {
      const m = await llama.loadModel({ modelPath: written.file, vocabOnly: true });
      models.push(m);
      expect([m.tokens.infill.prefix, m.tokens.infill.suffix, m.tokens.infill.middle]).toEqual([pre, suf, mid]);
      // fim_pad / fim_rep / fim_sep become end-of-generation tokens (legacy keys have no such ids).
      for (const id of [pad, rep, sep]) expect(m.isEogToken(id as Token)).toBe(expectEog);
    }
    // Without any FIM key llama.cpp still finds Qwen's tokens by their text.
    const m = await llama.loadModel({ modelPath: none.file, vocabOnly: true });
    models.push(m);
    expect([m.tokens.infill.prefix, m.tokens.infill.suffix, m.tokens.infill.middle]).toEqual([
      none.special.fimPrefix,
      none.special.fimSuffix,
      none.special.fimMiddle,
    ]);
    // (That one also has SentencePiece's dummy prefix: "x" → "▁x", and detokenize drops it again.)
    expect(m.tokenize('x')).toEqual([none.tokens.indexOf('▁x')]);
    expect(m.detokenize(m.tokenize('x'))).toBe('x');
  });

  it('detects the ChatML chat template and answers in a chat session', async () => {
    expect(model.fileInfo.metadata.tokenizer.chat_template).toBe(QWEN_CHAT_TEMPLATE);
    const wrapper = resolveChatWrapper(model);
    expect(wrapper instanceof ChatMLChatWrapper || wrapper instanceof QwenChatWrapper || wrapper instanceof JinjaTemplateChatWrapper).toBe(true);
    const sequence = context.getSequence();
    try {
      const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: 'Be brief.' });
      let chunks = 0;
      const answer = await session.prompt('Explain parseConfig.', { maxTokens: 8, onTextChunk: () => chunks++ });
      expect(typeof answer).toBe('string');
      expect(chunks).toBeGreaterThan(0);
      // The prompt was rendered in ChatML: <|im_start|>system … <|im_end|> … <|im_start|>assistant.
      const tokens = sequence.contextTokens;
      expect(tokens.filter((t) => t === tiny.special.imStart).length).toBeGreaterThanOrEqual(3);
      expect(tokens).toContain(tiny.special.imEnd);
      session.dispose();
    } finally {
      await sequence.dispose();
    }
  });

  it('evaluates a token sequence and generates exactly N tokens, with maxTokens, abort and infill', async () => {
    const sequence = context.getSequence();
    try {
      const prompt = model.tokenize(CODE);
      const generated: Token[] = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 0.8, seed: 1 })) {
        generated.push(token);
        if (generated.length === 5) break;
      }
      expect(generated).toHaveLength(5);
      for (const t of generated) expect(t).toBeLessThan(tiny.tokens.length);
      // The last generated token is returned but not yet evaluated.
      expect(sequence.nextTokenIndex).toBe(prompt.length + 4);
      expect(sequence.contextTokens).toEqual([...prompt, ...generated.slice(0, 4)]);

      const completion = new LlamaCompletion({ contextSequence: sequence });
      const bias = noEog(model, tiny.tokens.length);
      await sequence.clearHistory();
      let count = 0;
      const done = await completion.generateCompletionWithMeta(prompt, { maxTokens: 6, tokenBias: bias, onToken: (t) => (count += t.length) });
      expect(done.metadata.stopReason).toBe('maxTokens');
      expect(count).toBe(6);

      const controller = new AbortController();
      count = 0;
      const stopped = await completion.generateCompletionWithMeta(prompt, {
        maxTokens: 200,
        tokenBias: bias,
        signal: controller.signal,
        stopOnAbortSignal: true,
        onToken: (t) => {
          count += t.length;
          if (count >= 3) controller.abort();
        },
      });
      expect(stopped.metadata.stopReason).toBe('abort');
      expect(count).toBeLessThan(10);

      const rejecting = new AbortController();
      count = 0;
      const reason = new Error('superseded');
      await expect(
        completion.generateCompletion(prompt, {
          maxTokens: 200,
          tokenBias: bias,
          signal: rejecting.signal,
          onToken: (t) => {
            count += t.length;
            if (count >= 2) rejecting.abort(reason);
          },
        }),
      ).rejects.toBe(reason);

      expect(completion.infillSupported).toBe(true);
      await sequence.clearHistory();
      const infill = await completion.generateInfillCompletionWithMeta('function add(a, b) {\n  return ', ';\n}\n', { maxTokens: 4, tokenBias: bias });
      expect(infill.metadata.stopReason).toBe('maxTokens');
      const s = tiny.special;
      const ctx: number[] = sequence.contextTokens;
      expect(ctx.indexOf(s.fimPrefix)).toBeGreaterThanOrEqual(0);
      expect(ctx.indexOf(s.fimPrefix)).toBeLessThan(ctx.indexOf(s.fimSuffix));
      expect(ctx.indexOf(s.fimSuffix)).toBeLessThan(ctx.indexOf(s.fimMiddle));
      completion.dispose();
    } finally {
      await sequence.dispose();
    }
  });

  it('erases context token ranges and re-evaluates on the kept KV cache', async () => {
    const reused = context.getSequence();
    const fresh = context.getSequence();
    try {
      const vocab = tiny.tokens.length;
      const tokens = model.tokenize(CODE);
      const a = tokens.slice(0, 30);
      const b = tokens.slice(30);
      const c = model.tokenize(' return config.value;');

      // Prompt reuse: keep a prefix, drop the stale tail, evaluate a new tail.
      await reused.evaluateWithoutGeneratingNewTokens([...a, ...b]);
      expect(reused.nextTokenIndex).toBe(tokens.length);
      await reused.eraseContextTokenRanges([{ start: a.length, end: reused.nextTokenIndex }]);
      expect(reused.nextTokenIndex).toBe(a.length);
      expect(reused.contextTokens).toEqual(a);
      const viaCache = await nextLogits(reused, c, vocab);
      const fromScratch = await nextLogits(fresh, [...a, ...c], vocab);
      expect(maxAbsDiff(viaCache, fromScratch)).toBeLessThan(1e-3);
      expect(reused.contextTokens).toEqual(fresh.contextTokens);

      // Erasing from the middle shifts the later cells left (RoPE shift); evaluation goes on from there.
      await reused.clearHistory();
      await reused.evaluateWithoutGeneratingNewTokens([...a, ...b]);
      await reused.eraseContextTokenRanges([
        { start: 2, end: 6 },
        { start: 10, end: 20 },
      ]);
      const kept = [...a.slice(0, 2), ...a.slice(6, 10), ...a.slice(20), ...b];
      expect(reused.contextTokens).toEqual(kept);
      expect(reused.nextTokenIndex).toBe(kept.length);
      const shifted = await nextLogits(reused, c, vocab);
      expect(shifted.every(Number.isFinite)).toBe(true);
      expect(reused.contextTokens).toEqual([...kept, ...c]);
      let n = 0;
      for await (const token of reused.evaluate([c.at(-1)!], { temperature: 0 })) {
        expect(token).toBeLessThan(vocab);
        if (++n === 3) break;
      }
      expect(reused.nextTokenIndex).toBe(kept.length + c.length + 1 + 2);
    } finally {
      await reused.dispose();
      await fresh.dispose();
    }
  });
});

describe('shape twins', () => {
  it('builds the full Qwen2.5 vocabulary with the special tokens at their real ids', () => {
    const vocab = buildSpmVocab(QWEN25_CODER_05B_SHAPE.vocabSize);
    expect(vocab.tokens).toHaveLength(151_936);
    expect(new Set(vocab.tokens).size).toBe(151_936);
    expect(vocab.special).toMatchObject({
      endOfText: 151_643,
      imStart: 151_644,
      imEnd: 151_645,
      fimPrefix: 151_659,
      fimMiddle: 151_660,
      fimSuffix: 151_661,
      fimPad: 151_662,
      repoName: 151_663,
      fileSep: 151_664,
    });
    QWEN_SPECIAL_TOKENS.forEach((t, i) => expect(vocab.tokens[151_643 + i]).toBe(t));
    expect(vocab.types[151_659]).toBe(TokenType.control);
    expect(vocab.types[151_935]).toBe(TokenType.unused);
    expect(vocab.tokens.slice(3, 259).every((t) => /^<0x[0-9A-F]{2}>$/.test(t))).toBe(true);
  });

  it('writes and runs a small-width qwen2 twin in Q8_0', async () => {
    const shape: LlamaShape = {
      ...QWEN25_CODER_05B_SHAPE,
      blockCount: 2,
      embeddingLength: 128,
      feedForwardLength: 256,
      headCount: 2,
      headCountKv: 1,
      vocabSize: 4096,
      contextLength: 2048,
    };
    const twin = await writeLlamaTwin(path.join(tmp, 'twin.gguf'), shape);
    // Tied embeddings: no output.weight; every matrix Q8_0 (34 bytes per 32 weights).
    const perLayer = 2 * 128 * 128 + 2 * 128 * 64 + 3 * 128 * 256;
    expect(twin.parameters).toBe(4096 * 128 + 2 * (perLayer + 128 + 64 + 64 + 2 * 128) + 128);
    const info = await readGgufFileInfo(twin.file, { logWarnings: false });
    expect(info.tensorInfo!.some((t) => t.name === 'output.weight')).toBe(false);
    expect(info.tensorInfo!.find((t) => t.name === 'blk.1.attn_q.bias')!.ggmlType).toBe(0);
    expect(info.tensorInfo!.find((t) => t.name === 'token_embd.weight')!.dimensions.map(Number)).toEqual([128, 4096]);
    expect(twin.bytes).toBeGreaterThan(((4096 * 128 + 2 * perLayer) * 34) / 32);

    const m = await llama.loadModel({ modelPath: twin.file });
    models.push(m);
    expect(m.fileInfo.metadata.general.architecture).toBe('qwen2');
    expect(m.fileInfo.metadata.tokenizer.ggml.tokens).toHaveLength(4096);
    expect(m.tokens.infill.prefix).toBe(twin.special.fimPrefix);
    expect(twin.special.fileSep).toBe(4095);
    const ctx = await m.createContext({ contextSize: 256, threads: 1 });
    try {
      const sequence = ctx.getSequence();
      let n = 0;
      for await (const token of sequence.evaluate(m.tokenize(CODE), { temperature: 0 })) {
        expect(token).toBeLessThan(4096);
        if (++n === 4) break;
      }
      expect(n).toBe(4);
    } finally {
      await ctx.dispose();
    }
  });
});
