/**
 * "Shape twins" of real BERT embedders: the real layer count and widths with
 * seeded random weights, so a benchmark measures the real CPU cost of the real
 * shape without downloading anything.
 *
 * The graph follows what `optimum` exports for `BertModel` (and what
 * onnxruntime then fuses): embeddings + LayerNorm, then per layer Q/K/V
 * projections, heads, scaled dot-product attention with the additive mask,
 * softmax, output projection, residual + LayerNorm, a GELU (erf form) FFN,
 * residual + LayerNorm.
 *
 * `quantized: true` writes what transformers.js's q8 files are
 * (`onnx/model_quantized.onnx`, produced by onnxruntime's `quantize_dynamic`
 * with QInt8 per-channel weights): every MatMul with a constant weight becomes
 * DynamicQuantizeLinear → MatMulInteger → Cast → Mul(scale) (onnxruntime fuses
 * it into DynamicQuantizeMatMul), the attention MatMuls stay fp32, and the
 * embedding tables are uint8 behind Gather + DequantizeLinear.
 */
import { encodeModel, GraphBuilder } from './onnx-writer.js';
import {
  BERT_OPSET,
  bertEmbeddings,
  buildVocab,
  declareBertIO,
  layerNorm,
  randomFloats,
  seededRandom,
  writeModelFolder,
  type BertShape,
} from './tiny-embedder.js';

export type { BertShape } from './tiny-embedder.js';

/** sentence-transformers/all-MiniLM-L6-v2 (Xenova/all-MiniLM-L6-v2), the Cvu default embedder. */
export const MINILM_L6_SHAPE: BertShape = Object.freeze({ layers: 6, hidden: 384, heads: 12, intermediate: 1536, vocab: 30522, maxPositions: 512 });

export interface BertTwinOptions {
  /** Write the int8 form as onnx/model_quantized.onnx instead of fp32 onnx/model.onnx. */
  quantized?: boolean;
  /** PRNG seed; default 42. */
  seed?: number;
}

/** The ONNX file name transformers.js v4 loads for the twin's dtype (q8 → `_quantized`). */
export function bertTwinFileName(quantized: boolean): string {
  return quantized ? 'model_quantized.onnx' : 'model.onnx';
}

/** Symmetric per-output-channel int8 weights with a 7-bit range (quantize_dynamic's reduce_range). */
function quantizeWeightPerChannel(w: Float32Array, rows: number, cols: number): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[r * cols + c]);
      if (a > scales[c]) scales[c] = a;
    }
  }
  for (let c = 0; c < cols; c++) scales[c] = scales[c] / 63 || 1;
  const q = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-64, Math.min(63, Math.round(w[r * cols + c] / scales[c])));
  }
  return { q, scales };
}

/** Builds the encoder graph. */
export function bertTwinOnnx(shape: BertShape, opts: BertTwinOptions = {}): Uint8Array {
  const { layers, hidden: H, heads, intermediate: I } = shape;
  if (H % heads !== 0) throw new RangeError(`hidden ${H} is not divisible by heads ${heads}`);
  const dh = H / heads;
  const quantized = opts.quantized ?? false;
  const rand = seededRandom(opts.seed ?? 42);
  const g = new GraphBuilder(quantized ? 'bert_twin_quantized' : 'bert_twin');
  declareBertIO(g, H);

  const f32 = (v: number) => g.constant(new Float32Array([v]), [], 'f');
  const i64 = (vals: number[]) => g.constant(BigInt64Array.from(vals.map(BigInt)), [vals.length], 'shape');

  // Dynamic activation quantisation is shared by every consumer of the same tensor (as quantize_dynamic does).
  const quantizedActivations = new Map<string, [string, string, string]>();
  const quantizeActivation = (x: string): [string, string, string] => {
    let qa = quantizedActivations.get(x);
    if (!qa) {
      qa = g.node('DynamicQuantizeLinear', [x], 3) as [string, string, string];
      quantizedActivations.set(x, qa);
    }
    return qa;
  };

  /** x·W + b with W [rows, cols]. */
  const linear = (x: string, prefix: string, rows: number, cols: number): string => {
    const w = randomFloats(rand, rows * cols, 0.02);
    const b = g.initializer(`${prefix}.bias`, randomFloats(rand, cols, 0.02), [cols]);
    let y: string;
    if (!quantized) {
      y = g.op('MatMul', [x, g.initializer(`${prefix}.weight`, w, [rows, cols])]);
    } else {
      const { q, scales } = quantizeWeightPerChannel(w, rows, cols);
      const [xq, xScale, xZero] = quantizeActivation(x);
      const wq = g.initializer(`${prefix}.weight_quantized`, q, [rows, cols]);
      const wScale = g.initializer(`${prefix}.weight_scale`, scales, [cols]);
      const wZero = g.initializer(`${prefix}.weight_zero_point`, new Int8Array(cols), [cols]);
      const scale = g.op('Mul', [xScale, wScale]);
      const acc = g.op('MatMulInteger', [xq, wq, xZero, wZero]);
      y = g.op('Mul', [g.op('Cast', [acc], { to: 1 }), scale]);
    }
    return g.op('Add', [b, y]);
  };

  let x = bertEmbeddings(g, shape, rand, { quantized });

  // Additive mask [B, 1, 1, S]: 0 where attended, float32 min where padded.
  const mask4 = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', i64([1, 2])])], { to: 1 });
  const additiveMask = g.op('Mul', [g.op('Sub', [f32(1), mask4]), f32(-3.4028234663852886e38)]);

  const headsShape = i64([0, 0, heads, dh]);
  const mergedShape = i64([0, 0, H]);
  const sqrtDh = f32(Math.sqrt(dh));
  const sqrt2 = f32(Math.SQRT2);
  const one = f32(1);
  const half = f32(0.5);

  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer.${l}`;
    const toHeads = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, headsShape])], { perm });
    const q = toHeads(linear(x, `${p}.attention.self.query`, H, H), [0, 2, 1, 3]); // [B, h, S, dh]
    const k = toHeads(linear(x, `${p}.attention.self.key`, H, H), [0, 2, 3, 1]); // [B, h, dh, S]
    const v = toHeads(linear(x, `${p}.attention.self.value`, H, H), [0, 2, 1, 3]); // [B, h, S, dh]
    const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, k]), sqrtDh]), additiveMask]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), mergedShape]);
    const attnOut = linear(context, `${p}.attention.output.dense`, H, H);
    const x1 = layerNorm(g, g.op('Add', [attnOut, x]), `${p}.attention.output.LayerNorm`, H, rand);
    const h = linear(x1, `${p}.intermediate.dense`, H, I);
    const gelu = g.op('Mul', [g.op('Mul', [h, g.op('Add', [g.op('Erf', [g.op('Div', [h, sqrt2])]), one])]), half]);
    const ffnOut = linear(gelu, `${p}.output.dense`, I, H);
    x = layerNorm(g, g.op('Add', [ffnOut, x1]), `${p}.output.LayerNorm`, H, rand);
  }
  g.node('Identity', [x], ['last_hidden_state']);
  return encodeModel(g, { opsets: [{ domain: '', version: BERT_OPSET }] });
}

/**
 * Writes a shape twin into `dir` and returns the absolute folder path:
 * config.json and a WordPiece tokenizer padded to `shape.vocab` entries, plus
 * onnx/model.onnx (fp32) or onnx/model_quantized.onnx (q8).
 */
export async function writeBertTwin(dir: string, shape: BertShape = MINILM_L6_SHAPE, opts: BertTwinOptions = {}): Promise<string> {
  const quantized = opts.quantized ?? false;
  const vocab = buildVocab(shape.vocab);
  return writeModelFolder(dir, { shape, vocab, onnx: { [bertTwinFileName(quantized)]: bertTwinOnnx(shape, opts) } });
}
