/**
 * A tiny BERT-style embedding model that transformers.js loads from a local
 * folder with remote models disabled: a real WordPiece `tokenizer.json`, a
 * `config.json` of model_type `bert`, and `onnx/model.onnx` whose
 * `last_hidden_state` is word + position + token-type embeddings, layer
 * normalised and zeroed at padding. Deterministic: the same options write
 * byte-identical files.
 *
 * The building blocks (seeded PRNG, vocabulary, tokenizer files, config,
 * embedding sub-graph, folder writer) are exported for `bert-twin.ts`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeModel, GraphBuilder } from './onnx-writer.js';

// ---------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------

export { seededRandom } from '../helpers/random.js';
import { seededRandom } from '../helpers/random.js';

/** `n` floats uniform in [-scale·√3, scale·√3) (standard deviation `scale`). */
export function randomFloats(rand: () => number, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  const a = scale * Math.sqrt(3);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * a;
  return out;
}

// ---------------------------------------------------------------------------
// WordPiece vocabulary and tokenizer files
// ---------------------------------------------------------------------------

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const CODE_WORDS = `
function return const let var class import export from default def self this new if else elif
for while do break continue switch case try catch finally throw raise async await yield lambda
static public private protected interface type enum extends implements super null undefined none
true false void int float double string bool boolean char long short byte list dict map set array
object number any unknown never print println console log error warn info debug trace
parse config user users id name value values key keys index item items data file files path dir
read write open close load save get set put post delete update create remove add insert find
search query request response client server http https url api route handler handle callback
event events emit listen message messages send receive buffer stream input output result results
test tests assert expect should mock spec describe it before after setup teardown fixture run
start stop init main app module package require include using namespace struct impl trait fn
pub mut match crate use mod unsafe go func defer chan select make len cap append
range copy sort filter reduce join split trim replace format to size length count total
sum min max avg first last next prev head tail node nodes tree graph edge root parent child
children left right top bottom width height color style text label title body header footer
page view model models controller service services store state props context provider hook
component render element elements window document button form field fields option options
table row column cell db database sql select where order group limit offset schema migration
token tokens auth login logout session cookie password hash salt secret encrypt decrypt sign
verify cache retry timeout delay interval timer date time now today year month day hour minute
second seconds ms upload download fail failed failure success ok status code codes line lines
chunk chunks symbol symbols vector vectors embed embedding indexer workspace repo git
commit branch merge diff patch version build compile bundle lint check validate valid
invalid empty full env process thread threads worker workers queue job jobs task
tasks lock mutex sync promise future then resolve reject abort signal cancel
the a an of and or not in on at to is are was be by with as it its we you they he she
`;

/** The base vocabulary: special tokens, punctuation, digits, letters, `##` pieces and common code words. */
export function baseVocab(): string[] {
  const out: string[] = [...SPECIAL_TOKENS];
  const seen = new Set(out);
  const push = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  for (let c = 33; c < 127; c++) {
    const ch = String.fromCharCode(c);
    if (!/[A-Z]/.test(ch)) push(ch); // punctuation, digits, lowercase letters (the normalizer lowercases)
  }
  for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789_') push('##' + ch);
  for (const word of CODE_WORDS.split(/\s+/)) {
    if (word) {
      push(word);
      push('##' + word);
    }
  }
  return out;
}

/**
 * The vocabulary padded to exactly `size` entries with generated `tokNNNNN`
 * tokens (so a tokenizer can match a real model's vocab_size). Without a
 * size, the base vocabulary.
 */
export function buildVocab(size?: number): string[] {
  const vocab = baseVocab();
  if (size === undefined) return vocab;
  if (size < vocab.length) throw new RangeError(`vocab size ${size} is smaller than the base vocabulary (${vocab.length})`);
  for (let i = vocab.length; i < size; i++) vocab.push(`tok${String(i).padStart(5, '0')}`);
  return vocab;
}

/** A Hugging Face `tokenizer.json` for a lowercasing BERT WordPiece tokenizer. */
export function bertTokenizerJson(vocab: readonly string[]): object {
  const ids: Record<string, number> = {};
  vocab.forEach((t, i) => (ids[t] = i));
  const special = (t: string) => ({ id: t, ids: [ids[t]], tokens: [t] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

export function bertTokenizerConfig(modelMaxLength: number): object {
  return {
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: '[MASK]',
    model_max_length: modelMaxLength,
    never_split: null,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]',
  };
}

// ---------------------------------------------------------------------------
// config.json and the folder
// ---------------------------------------------------------------------------

/** The widths of a BERT encoder. */
export interface BertShape {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
}

export function bertConfigJson(shape: BertShape): object {
  return {
    architectures: ['BertModel'],
    model_type: 'bert',
    attention_probs_dropout_prob: 0.1,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: shape.hidden,
    initializer_range: 0.02,
    intermediate_size: shape.intermediate,
    layer_norm_eps: 1e-12,
    max_position_embeddings: shape.maxPositions,
    num_attention_heads: shape.heads,
    num_hidden_layers: shape.layers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    type_vocab_size: 2,
    vocab_size: shape.vocab,
  };
}

/**
 * Writes a transformers.js model folder: config.json, tokenizer.json,
 * tokenizer_config.json and each `onnx/<file>`. Returns the absolute folder path.
 */
export async function writeModelFolder(
  dir: string,
  parts: { shape: BertShape; vocab: readonly string[]; onnx: Record<string, Uint8Array> },
): Promise<string> {
  const root = path.resolve(dir);
  await mkdir(path.join(root, 'onnx'), { recursive: true });
  const json = (v: object) => JSON.stringify(v, null, 2) + '\n';
  await Promise.all([
    writeFile(path.join(root, 'config.json'), json(bertConfigJson(parts.shape))),
    writeFile(path.join(root, 'tokenizer.json'), json(bertTokenizerJson(parts.vocab))),
    writeFile(path.join(root, 'tokenizer_config.json'), json(bertTokenizerConfig(parts.shape.maxPositions))),
    ...Object.entries(parts.onnx).map(([name, bytes]) => writeFile(path.join(root, 'onnx', name), bytes)),
  ]);
  return root;
}

// ---------------------------------------------------------------------------
// The BERT input signature and embedding block
// ---------------------------------------------------------------------------

export const BERT_OPSET = 17; // LayerNormalization needs 17

/** Declares the three int64 [batch, sequence] inputs and the last_hidden_state output. */
export function declareBertIO(g: GraphBuilder, hidden: number): void {
  g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output('last_hidden_state', 'float32', ['batch_size', 'sequence_length', hidden]);
}

/** Per-tensor uint8 quantisation of a table (what onnxruntime's dynamic quantiser does to Gather data). */
export function quantizeUint8(values: Float32Array): { q: Uint8Array; scale: number; zeroPoint: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = (hi - lo) / 255 || 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  const q = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.min(255, Math.max(0, Math.round(values[i] / scale) + zeroPoint));
  return { q, scale, zeroPoint };
}

/** Gather rows of a table; a quantised table is gathered as uint8 and dequantised after. */
function embeddingLookup(g: GraphBuilder, name: string, table: Float32Array, dims: [number, number], ids: string, quantized: boolean): string {
  if (!quantized) return g.op('Gather', [g.initializer(name, table, dims), ids], { axis: 0 });
  const { q, scale, zeroPoint } = quantizeUint8(table);
  const rows = g.op('Gather', [g.initializer(`${name}_quantized`, q, dims), ids], { axis: 0 });
  return g.op('DequantizeLinear', [rows, g.constant(new Float32Array([scale]), [], `${name}_scale`), g.constant(new Uint8Array([zeroPoint]), [], `${name}_zero_point`)]);
}

export function layerNorm(g: GraphBuilder, x: string, prefix: string, hidden: number, rand: () => number): string {
  const gamma = new Float32Array(hidden);
  const beta = randomFloats(rand, hidden, 0.02);
  for (let i = 0; i < hidden; i++) gamma[i] = 1 + (rand() - 0.5) * 0.1;
  return g.op('LayerNormalization', [x, g.initializer(`${prefix}.weight`, gamma, [hidden]), g.initializer(`${prefix}.bias`, beta, [hidden])], {
    axis: -1,
    epsilon: { f: 1e-12 },
  });
}

/**
 * BERT embeddings: word (Gather by input_ids) + position (rows 0..S-1) +
 * token type (Gather by token_type_ids), then LayerNorm. Returns [B, S, H].
 */
export function bertEmbeddings(g: GraphBuilder, shape: BertShape, rand: () => number, opts: { quantized?: boolean } = {}): string {
  const H = shape.hidden;
  const q = opts.quantized ?? false;
  const words = embeddingLookup(g, 'embeddings.word_embeddings.weight', randomFloats(rand, shape.vocab * H, 0.5), [shape.vocab, H], 'input_ids', q);
  const types = embeddingLookup(g, 'embeddings.token_type_embeddings.weight', randomFloats(rand, 2 * H, 0.05), [2, H], 'token_type_ids', q);
  // positions 0..S-1: Slice the first S rows of the table, S read from the input's shape.
  const seqLen = g.op('Shape', ['input_ids'], { start: 1, end: 2 });
  const zero = g.constant(new BigInt64Array([0n]), [1], 'zero');
  const posTable = randomFloats(rand, shape.maxPositions * H, 0.05);
  let positions: string;
  if (q) {
    const { q: pq, scale, zeroPoint } = quantizeUint8(posTable);
    const rows = g.op('Slice', [g.initializer('embeddings.position_embeddings.weight_quantized', pq, [shape.maxPositions, H]), zero, seqLen, zero]);
    positions = g.op('DequantizeLinear', [rows, g.constant(new Float32Array([scale]), [], 'pos_scale'), g.constant(new Uint8Array([zeroPoint]), [], 'pos_zero_point')]);
  } else {
    positions = g.op('Slice', [g.initializer('embeddings.position_embeddings.weight', posTable, [shape.maxPositions, H]), zero, seqLen, zero]);
  }
  const sum = g.op('Add', [g.op('Add', [words, types]), positions]);
  return layerNorm(g, sum, 'embeddings.LayerNorm', H, rand);
}

// ---------------------------------------------------------------------------
// The tiny embedder
// ---------------------------------------------------------------------------

export interface TinyEmbedderOptions {
  /** Embedding width; default 32. */
  hidden?: number;
  /** PRNG seed; default 1. */
  seed?: number;
}

/** The shape of the tiny embedder for the given hidden width. */
export function tinyShape(hidden = 32): BertShape {
  return { layers: 0, hidden, heads: 1, intermediate: hidden, vocab: baseVocab().length, maxPositions: 512 };
}

/** The tiny embedder's ONNX graph: embeddings, LayerNorm, zeroed where attention_mask is 0. */
export function tinyEmbedderOnnx(opts: TinyEmbedderOptions = {}): Uint8Array {
  const shape = tinyShape(opts.hidden);
  const rand = seededRandom(opts.seed ?? 1);
  const g = new GraphBuilder('cvu_tiny_embedder');
  declareBertIO(g, shape.hidden);
  const x = bertEmbeddings(g, shape, rand);
  const mask = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', g.constant(new BigInt64Array([-1n]), [1], 'axes')])], { to: 1 });
  g.node('Mul', [x, mask], ['last_hidden_state']);
  return encodeModel(g, { opsets: [{ domain: '', version: BERT_OPSET }] });
}

/**
 * `count` texts of 300 words (256 tokens after truncation): a batch of 64 takes the default tiny
 * model about a tenth of a second, long enough to catch a query waiting behind it.
 */
export function longTexts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => Array.from({ length: 300 }, (_, j) => `word${(i * 31 + j) % 97}`).join(' '));
}

/**
 * Writes the tiny embedder into `dir` (created if needed) and returns the
 * absolute folder path: config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model.onnx (fp32, the file transformers.js loads for dtype 'fp32').
 */
export async function writeTinyEmbedder(dir: string, opts: TinyEmbedderOptions = {}): Promise<string> {
  const shape = tinyShape(opts.hidden);
  return writeModelFolder(dir, { shape, vocab: buildVocab(), onnx: { 'model.onnx': tinyEmbedderOnnx(opts) } });
}
