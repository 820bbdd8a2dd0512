/**
 * Generated llama-family GGUF models for tests and benchmarks: random
 * (seeded, deterministic) weights behind a real SentencePiece-style (`llama`)
 * vocabulary with byte fallback, code pieces and the Qwen2.5-Coder special
 * tokens, so that node-llama-cpp loads them, tokenizes, chats, runs
 * fill-in-the-middle and caches like it would with a real code model.
 *
 * - {@link writeTinyLlama}: a tiny model (2 layers, n_embd 64) for unit tests.
 * - {@link writeLlamaTwin}: a "shape twin" with the layer count, widths and
 *   vocabulary size of a real model ({@link QWEN25_CODER_05B_SHAPE}), in Q8_0,
 *   so benchmarks pay the real model's memory and compute cost.
 *
 * Random weights produce nonsense text: assert on shapes, ids and counts, never
 * on what the model says.
 *
 * ```ts
 * const tiny = await writeTinyLlama(path.join(dir, 'tiny.gguf'));
 * const model = await llama.loadModel({ modelPath: tiny.file });
 * model.tokens.infill.prefix === tiny.special.fimPrefix; // true
 * ```
 */
import { gguf, writeGguf, type GgmlTypeName, type GgufTensor, type GgufValue } from './gguf-writer.js';

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

export interface LlamaShape {
  /**
   * llama.cpp architecture. `qwen2` is llama plus q/k/v biases, NEOX-style
   * rope and (usually) tied embeddings; `llama` has no biases and normal rope.
   */
  architecture: 'llama' | 'qwen2';
  blockCount: number;
  embeddingLength: number;
  feedForwardLength: number;
  headCount: number;
  headCountKv: number;
  /** Rows of the embedding and output matrices; the vocabulary is padded or trimmed to it. */
  vocabSize: number;
  contextLength: number;
  ropeFreqBase: number;
  rmsNormEps: number;
  /** No `output.weight`: llama.cpp reuses `token_embd.weight` for the logits. */
  tiedEmbeddings: boolean;
}

/**
 * Qwen2.5-Coder-0.5B(-Instruct) as its config.json and GGUF describe it:
 * 24 layers, hidden 896, intermediate 4864, 14 query heads of 64, 2 KV heads,
 * vocabulary 151,936, rope θ 1e6, RMS ε 1e-6, 32k context, tied embeddings.
 */
export const QWEN25_CODER_05B_SHAPE: Readonly<LlamaShape> = Object.freeze({
  architecture: 'qwen2',
  blockCount: 24,
  embeddingLength: 896,
  feedForwardLength: 4864,
  headCount: 14,
  headCountKv: 2,
  vocabSize: 151_936,
  contextLength: 32_768,
  ropeFreqBase: 1_000_000,
  rmsNormEps: 1e-6,
  tiedEmbeddings: true,
});

/** The tiny test model's shape; `vocabSize: 0` means "the generated vocabulary's natural size". */
export const TINY_LLAMA_SHAPE: Readonly<LlamaShape> = Object.freeze({
  architecture: 'llama',
  blockCount: 2,
  embeddingLength: 64,
  feedForwardLength: 128,
  headCount: 4,
  headCountKv: 2,
  vocabSize: 0,
  contextLength: 4096,
  ropeFreqBase: 10_000,
  rmsNormEps: 1e-5,
  tiedEmbeddings: false,
});

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

/** llama.cpp token types (llama_token_type). */
export const TokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/**
 * Qwen2.5's added tokens in id order (151643…151664 in the real vocabulary).
 * The FIM, repo and chat ones are what Cvu uses.
 */
export const QWEN_SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|object_ref_start|>',
  '<|object_ref_end|>',
  '<|box_start|>',
  '<|box_end|>',
  '<|quad_start|>',
  '<|quad_end|>',
  '<|vision_start|>',
  '<|vision_end|>',
  '<|vision_pad|>',
  '<|image_pad|>',
  '<|video_pad|>',
  '<tool_call>',
  '</tool_call>',
  '<|fim_prefix|>',
  '<|fim_middle|>',
  '<|fim_suffix|>',
  '<|fim_pad|>',
  '<|repo_name|>',
  '<|file_sep|>',
] as const;

/** Id of `<|endoftext|>` in Qwen2.5's vocabulary; the added tokens follow it. */
const QWEN_SPECIAL_START = 151_643;

/** SentencePiece's space marker. */
const SPACE = '\u2581';

export interface SpecialTokenIds {
  unk: number;
  bos: number;
  eos: number;
  endOfText: number;
  imStart: number;
  imEnd: number;
  fimPrefix: number;
  fimMiddle: number;
  fimSuffix: number;
  fimPad: number;
  repoName: number;
  fileSep: number;
}

export interface SpmVocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
  special: SpecialTokenIds;
}

const CODE_WORDS = `
function return const let var class import export from default def self this new if else elif
for while do break continue switch case try catch finally throw throws raise async await yield
lambda static public private protected interface type enum extends implements super null
undefined None nil true false True False void int float double string str bool boolean char long
short byte list dict map set array object number any unknown never print println printf console
log error warn info debug trace parse config user users id name value values key keys index item
items data file files path dir read write open close load save get put post delete update create
remove add insert find search query request response client server http url api route handler
handle callback event emit listen message send receive buffer stream input output result test
assert expect describe it before after setup run start stop init main app module package require
include using namespace struct impl trait fn pub mut match crate use mod unsafe go func defer chan
select make len append range copy sort filter reduce join split trim replace format size length
count total sum min max first last next prev node tree root parent child children left right
width height x y z i j k n err ok fmt os sys io json time date now util utils helper helpers
options opts args argv kwargs params props state context ctx req res cb fn src dest target source
Promise Error String Number Object Array Map Set Date Math JSON React Component useState useEffect
self.assertEqual __init__ __name__ __main__ typeof instanceof of in is not and or as with pass
global local match where select from order group by limit offset table column row schema model
view controller service repository store cache queue worker thread lock mutex retry timeout
upload download token auth login logout session cookie header headers body status code
`;

const PUNCTUATION_PIECES = [
  '()', '{}', '[]', '();', ');', '),', '))', '({', '})', '});', '=>', '->', '::', '==', '===', '!=',
  '!==', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '*=', '/=', '//', '/*', '*/', '**', '...',
  '\n', '\n\n', '\t', '\t\t', '\n\t', `${SPACE}${SPACE}`, `${SPACE}${SPACE}${SPACE}${SPACE}`,
  `${SPACE}${SPACE}${SPACE}${SPACE}${SPACE}${SPACE}${SPACE}${SPACE}`, `${SPACE}=`, `${SPACE}==`,
  `${SPACE}===`, `${SPACE}=>`, `${SPACE}{`, `${SPACE}}`, `${SPACE}(`, `${SPACE}+`, `${SPACE}-`,
  `${SPACE}*`, `${SPACE}/`, `${SPACE}//`, `${SPACE}<`, `${SPACE}>`, `${SPACE}&&`, `${SPACE}||`,
  `${SPACE}:`, `${SPACE}?`, `${SPACE}"`, `${SPACE}'`, `${SPACE}#`, `${SPACE}@`, `${SPACE}[`,
  `${SPACE}!`, `${SPACE}!=`, `${SPACE}->`, `${SPACE}0`, `${SPACE}1`, '0x', '00', '10', '\'s', '",',
  '":', '\',', '\');', '");', '`,', '${',
];

/**
 * Builds an SPM vocabulary: `<unk>`, `<s>`, `</s>`, the 256 byte-fallback
 * tokens, single characters, code pieces (each reachable by pairwise merges
 * because its prefixes are pieces too) and, up to `size`, generated letter
 * pieces; the Qwen2.5 added tokens sit at their real ids when `size` is
 * Qwen's (≥ 151,665), else at the end. `size: 0` gives the natural size.
 */
export function buildSpmVocab(size = 0): SpmVocab {
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TokenType.unknown, TokenType.control, TokenType.control];
  const seen = new Set<string>(tokens);
  for (let b = 0; b < 256; b++) {
    const t = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    tokens.push(t);
    types.push(TokenType.byte);
    seen.add(t);
  }
  const pieces: string[] = [];
  const addPiece = (p: string): void => {
    if (p.length === 0 || seen.has(p)) return;
    seen.add(p);
    pieces.push(p);
  };
  const addWithPrefixes = (p: string): void => {
    const chars = [...p];
    for (let i = 2; i <= chars.length; i++) addPiece(chars.slice(0, i).join(''));
  };
  addPiece(SPACE);
  for (let c = 0x21; c < 0x7f; c++) addPiece(String.fromCharCode(c));
  addPiece('\n');
  addPiece('\t');
  for (const w of CODE_WORDS.split(/\s+/).filter(Boolean)) {
    addWithPrefixes(`${SPACE}${w}`);
    addWithPrefixes(w);
  }
  for (const p of PUNCTUATION_PIECES) addWithPrefixes(p);
  const natural = tokens.length + pieces.length + QWEN_SPECIAL_TOKENS.length;
  const total = size > 0 ? size : natural;
  const minimum = tokens.length + 1 + QWEN_SPECIAL_TOKENS.length;
  if (total < minimum) throw new Error(`vocabulary size ${total} is below the minimum ${minimum}`);

  const qwenLayout = total >= QWEN_SPECIAL_START + QWEN_SPECIAL_TOKENS.length;
  const specialStart = qwenLayout ? QWEN_SPECIAL_START : total - QWEN_SPECIAL_TOKENS.length;
  const pieceSlots = specialStart - tokens.length;
  if (pieces.length > pieceSlots) pieces.length = pieceSlots;
  // Fill with generated lowercase pieces: ▁ab, ab, ▁abc, abc, … (each reachable from a shorter one).
  for (let len = 2; pieces.length < pieceSlots; len++) {
    const count = 26 ** len;
    for (let i = 0; i < count && pieces.length < pieceSlots; i++) {
      let s = '';
      for (let k = 0, v = i; k < len; k++, v = Math.floor(v / 26)) s = String.fromCharCode(97 + (v % 26)) + s;
      addPiece(`${SPACE}${s}`);
      if (pieces.length < pieceSlots) addPiece(s);
    }
  }
  for (const p of pieces) {
    tokens.push(p);
    types.push(TokenType.normal);
  }
  for (const t of QWEN_SPECIAL_TOKENS) {
    tokens.push(t);
    types.push(t === '<tool_call>' || t === '</tool_call>' ? TokenType.userDefined : TokenType.control);
  }
  while (tokens.length < total) {
    tokens.push(`[PAD${tokens.length}]`);
    types.push(TokenType.unused);
  }
  // SPM merges the adjacent pair whose merged piece scores highest: earlier pieces win.
  const scores = new Float32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) scores[i] = types[i] === TokenType.normal ? -i : 0;
  const id = (t: string): number => specialStart + QWEN_SPECIAL_TOKENS.indexOf(t as (typeof QWEN_SPECIAL_TOKENS)[number]);
  return {
    tokens,
    scores,
    types: Int32Array.from(types),
    special: {
      unk: 0,
      bos: 1,
      eos: 2,
      endOfText: id('<|endoftext|>'),
      imStart: id('<|im_start|>'),
      imEnd: id('<|im_end|>'),
      fimPrefix: id('<|fim_prefix|>'),
      fimMiddle: id('<|fim_middle|>'),
      fimSuffix: id('<|fim_suffix|>'),
      fimPad: id('<|fim_pad|>'),
      repoName: id('<|repo_name|>'),
      fileSep: id('<|file_sep|>'),
    },
  };
}

/** Qwen2.5-Instruct's ChatML template, without the tool-calling branches. */
export const QWEN_CHAT_TEMPLATE =
  "{%- if messages[0]['role'] == 'system' %}" +
  "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}" +
  '{%- else %}' +
  "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}" +
  '{%- endif %}' +
  '{%- for message in messages %}' +
  '{%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant") %}' +
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}" +
  '{%- endif %}' +
  '{%- endfor %}' +
  '{%- if add_generation_prompt %}' +
  "{{- '<|im_start|>assistant\\n' }}" +
  '{%- endif %}';

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/** Which FIM token-id keys go into the metadata. */
export type FimKeys =
  /** `tokenizer.ggml.fim_{pre,suf,mid,pad,rep,sep}_token_id` (llama.cpp since late 2024). */
  | 'current'
  /** `tokenizer.ggml.{prefix,suffix,middle}_token_id` (deprecated; still read). */
  | 'legacy'
  /** None: llama.cpp then finds the FIM tokens by their text. */
  | 'none';

export interface LlamaWriteOptions {
  /** Seed of all random weights (default 1). */
  seed?: number;
  /** Type of the matrices (norms and biases stay F32). */
  weightType?: GgmlTypeName;
  /** Standard deviation of the random weights (default 0.02). */
  std?: number;
  /** `general.name`. */
  name?: string;
  /** `tokenizer.chat_template`; `null` leaves it out (default: {@link QWEN_CHAT_TEMPLATE}). */
  chatTemplate?: string | null;
  /** Default `'current'`. */
  fimKeys?: FimKeys;
  /** Override ids written under the FIM keys (to check that llama.cpp reads them). */
  fimTokenIds?: Partial<Record<'pre' | 'suf' | 'mid' | 'pad' | 'rep' | 'sep', number>>;
  /** `tokenizer.ggml.add_bos_token` (default true). */
  addBosToken?: boolean;
  /**
   * `tokenizer.ggml.add_space_prefix`: SentencePiece's dummy `▁` before the
   * text. Default false, so that like Qwen's byte-level BPE `tokenize("x")`
   * is `x`, not `▁x`, and the pieces of a prompt tokenize like the whole.
   */
  addSpacePrefix?: boolean;
  /** Extra metadata, written last (overrides keys of the same name). */
  metadata?: Record<string, GgufValue>;
}

export interface WrittenLlama {
  file: string;
  /** File size in bytes. */
  bytes: number;
  /** Milliseconds the write took. */
  ms: number;
  shape: LlamaShape;
  /** Parameter count (all tensors). */
  parameters: number;
  tokens: string[];
  special: SpecialTokenIds;
}

/** GGUF `general.file_type` (llama_ftype) of a model whose matrices are `type`. */
const FILE_TYPE: Record<GgmlTypeName, number> = { F32: 0, F16: 1, Q8_0: 7 };

function metadataFor(shape: LlamaShape, vocab: SpmVocab, opts: LlamaWriteOptions, weightType: GgmlTypeName): Record<string, GgufValue> {
  const a = shape.architecture;
  const headDim = shape.embeddingLength / shape.headCount;
  const s = vocab.special;
  const fim = {
    pre: opts.fimTokenIds?.pre ?? s.fimPrefix,
    suf: opts.fimTokenIds?.suf ?? s.fimSuffix,
    mid: opts.fimTokenIds?.mid ?? s.fimMiddle,
    pad: opts.fimTokenIds?.pad ?? s.fimPad,
    rep: opts.fimTokenIds?.rep ?? s.repoName,
    sep: opts.fimTokenIds?.sep ?? s.fileSep,
  };
  const md: Record<string, GgufValue> = {
    'general.architecture': a,
    'general.type': 'model',
    'general.name': opts.name ?? 'cvu-test-llama',
    'general.file_type': gguf.u32(FILE_TYPE[weightType]),
    'general.quantization_version': gguf.u32(2),
    [`${a}.context_length`]: gguf.u32(shape.contextLength),
    [`${a}.embedding_length`]: gguf.u32(shape.embeddingLength),
    [`${a}.block_count`]: gguf.u32(shape.blockCount),
    [`${a}.feed_forward_length`]: gguf.u32(shape.feedForwardLength),
    [`${a}.attention.head_count`]: gguf.u32(shape.headCount),
    [`${a}.attention.head_count_kv`]: gguf.u32(shape.headCountKv),
    [`${a}.attention.layer_norm_rms_epsilon`]: gguf.f32(shape.rmsNormEps),
    [`${a}.rope.dimension_count`]: gguf.u32(headDim),
    [`${a}.rope.freq_base`]: gguf.f32(shape.ropeFreqBase),
    [`${a}.vocab_size`]: gguf.u32(vocab.tokens.length),
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': gguf.array('string', vocab.tokens),
    'tokenizer.ggml.scores': gguf.array('f32', vocab.scores),
    'tokenizer.ggml.token_type': gguf.array('i32', vocab.types),
    'tokenizer.ggml.bos_token_id': gguf.u32(s.bos),
    'tokenizer.ggml.eos_token_id': gguf.u32(s.eos),
    'tokenizer.ggml.unknown_token_id': gguf.u32(s.unk),
    'tokenizer.ggml.padding_token_id': gguf.u32(s.endOfText),
    'tokenizer.ggml.add_bos_token': opts.addBosToken ?? true,
    'tokenizer.ggml.add_eos_token': false,
    'tokenizer.ggml.add_space_prefix': opts.addSpacePrefix ?? false,
  };
  const fimKeys = opts.fimKeys ?? 'current';
  if (fimKeys === 'current') {
    for (const [k, v] of Object.entries(fim)) md[`tokenizer.ggml.fim_${k}_token_id`] = gguf.u32(v);
  } else if (fimKeys === 'legacy') {
    md['tokenizer.ggml.prefix_token_id'] = gguf.u32(fim.pre);
    md['tokenizer.ggml.suffix_token_id'] = gguf.u32(fim.suf);
    md['tokenizer.ggml.middle_token_id'] = gguf.u32(fim.mid);
  }
  const template = opts.chatTemplate === undefined ? QWEN_CHAT_TEMPLATE : opts.chatTemplate;
  if (template !== null) md['tokenizer.chat_template'] = template;
  return { ...md, ...opts.metadata };
}

function tensorsFor(shape: LlamaShape, vocabSize: number, weightType: GgmlTypeName, std: number): GgufTensor[] {
  const e = shape.embeddingLength;
  const headDim = e / shape.headCount;
  const q = headDim * shape.headCount;
  const kv = headDim * shape.headCountKv;
  const f = shape.feedForwardLength;
  const w = (name: string, dims: number[]): GgufTensor => ({ name, dims, type: weightType, data: { random: { std } } });
  const ones = (name: string, n: number): GgufTensor => ({ name, dims: [n], type: 'F32', data: { constant: 1 } });
  const bias = (name: string, n: number): GgufTensor => ({ name, dims: [n], type: 'F32', data: { random: { std } } });
  const tensors: GgufTensor[] = [w('token_embd.weight', [e, vocabSize])];
  for (let i = 0; i < shape.blockCount; i++) {
    const b = `blk.${i}`;
    tensors.push(ones(`${b}.attn_norm.weight`, e));
    tensors.push(w(`${b}.attn_q.weight`, [e, q]));
    tensors.push(w(`${b}.attn_k.weight`, [e, kv]));
    tensors.push(w(`${b}.attn_v.weight`, [e, kv]));
    if (shape.architecture === 'qwen2') {
      tensors.push(bias(`${b}.attn_q.bias`, q));
      tensors.push(bias(`${b}.attn_k.bias`, kv));
      tensors.push(bias(`${b}.attn_v.bias`, kv));
    }
    tensors.push(w(`${b}.attn_output.weight`, [q, e]));
    tensors.push(ones(`${b}.ffn_norm.weight`, e));
    tensors.push(w(`${b}.ffn_gate.weight`, [e, f]));
    tensors.push(w(`${b}.ffn_up.weight`, [e, f]));
    tensors.push(w(`${b}.ffn_down.weight`, [f, e]));
  }
  tensors.push(ones('output_norm.weight', e));
  if (!shape.tiedEmbeddings) tensors.push(w('output.weight', [e, vocabSize]));
  return tensors;
}

function checkShape(shape: LlamaShape, weightType: GgmlTypeName): void {
  const { embeddingLength: e, headCount: h, headCountKv: kv, feedForwardLength: f } = shape;
  if (e % h !== 0) throw new Error(`embeddingLength ${e} is not a multiple of headCount ${h}`);
  if (h % kv !== 0) throw new Error(`headCount ${h} is not a multiple of headCountKv ${kv}`);
  if ((e / h) % 2 !== 0) throw new Error('the head dimension must be even (rope)');
  if (weightType === 'Q8_0' && (e % 32 !== 0 || f % 32 !== 0)) {
    throw new Error('Q8_0 needs embeddingLength and feedForwardLength to be multiples of 32');
  }
}

/**
 * Writes a GGUF model of `shape` with random weights and the generated SPM
 * vocabulary (padded or trimmed to `shape.vocabSize`, or its natural size if
 * that is 0). Weights default to Q8_0.
 */
export async function writeLlamaTwin(file: string, shape: LlamaShape, opts: LlamaWriteOptions = {}): Promise<WrittenLlama> {
  const weightType = opts.weightType ?? 'Q8_0';
  checkShape(shape, weightType);
  const vocab = buildSpmVocab(shape.vocabSize);
  const fullShape: LlamaShape = { ...shape, vocabSize: vocab.tokens.length };
  const tensors = tensorsFor(fullShape, vocab.tokens.length, weightType, opts.std ?? 0.02);
  const result = await writeGguf(
    file,
    { metadata: metadataFor(fullShape, vocab, opts, weightType), tensors },
    { seed: opts.seed ?? 1 },
  );
  return {
    file,
    bytes: result.bytes,
    ms: result.ms,
    shape: fullShape,
    parameters: tensors.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0),
    tokens: vocab.tokens,
    special: vocab.special,
  };
}

/**
 * Writes the tiny test model ({@link TINY_LLAMA_SHAPE}, F16 by default): a
 * 2,400-token vocabulary, under 1 MB, written in ~50 ms, loads and generates
 * in milliseconds on one thread.
 */
export async function writeTinyLlama(
  file: string,
  opts: LlamaWriteOptions & { shape?: Partial<LlamaShape> } = {},
): Promise<WrittenLlama> {
  const { shape, ...rest } = opts;
  return writeLlamaTwin(file, { ...TINY_LLAMA_SHAPE, ...shape }, { weightType: 'F16', name: 'cvu-tiny-llama', ...rest });
}
