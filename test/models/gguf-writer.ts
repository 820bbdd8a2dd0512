/**
 * A small GGUF v3 writer: enough of the format for llama.cpp (through
 * node-llama-cpp) to load models that tests and benchmarks build themselves
 * instead of downloading.
 *
 * Layout (ggml/docs/gguf.md): header (magic `GGUF`, version 3, tensor count,
 * metadata count), metadata key/values, tensor infos (name, dims innermost
 * first, type, offset into the data section), padding to `general.alignment`
 * (32 unless the metadata says otherwise), then each tensor's data padded to
 * the alignment. Everything is little-endian.
 *
 * Tensor data is streamed to the file tensor by tensor in bounded chunks, so
 * a 500 MB shape twin never needs 500 MB of JS heap. Random tensors are
 * generated from a seeded PRNG keyed by the tensor's name: the same inputs
 * write byte-identical files.
 *
 * ```ts
 * await writeGguf('/tmp/m.gguf', {
 *   metadata: {
 *     'general.architecture': 'llama',
 *     'llama.context_length': gguf.u32(4096),
 *     'tokenizer.ggml.tokens': gguf.array('string', ['<unk>', '<s>', '</s>']),
 *   },
 *   tensors: [
 *     { name: 'token_embd.weight', type: 'Q8_0', dims: [64, 3], data: { random: { std: 0.02 } } },
 *     { name: 'output_norm.weight', type: 'F32', dims: [64], data: { constant: 1 } },
 *   ],
 * });
 * ```
 */
import { open } from 'node:fs/promises';

// ---------------------------------------------------------------------------
// Metadata values
// ---------------------------------------------------------------------------

/** GGUF metadata value types (gguf_type). */
export const GgufValueType = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigType = 'u64' | 'i64';
export type GgufScalarType = GgufNumberType | GgufBigType | 'bool' | 'string';

/**
 * A metadata value. Plain strings and booleans are STRING and BOOL; numbers
 * must say their type (llama.cpp rejects e.g. an INT32 where it reads a
 * UINT32), so build them with the {@link gguf} helpers.
 */
export type GgufValue =
  | string
  | boolean
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: GgufBigType; readonly value: number | bigint }
  | GgufArray;

export interface GgufArray {
  readonly type: 'array';
  readonly of: GgufScalarType | 'array';
  readonly values: ArrayLike<number | bigint | string | boolean | GgufArray>;
}

/** Typed metadata value constructors. */
export const gguf = {
  u8: (value: number) => ({ type: 'u8', value }) as const,
  i8: (value: number) => ({ type: 'i8', value }) as const,
  u16: (value: number) => ({ type: 'u16', value }) as const,
  i16: (value: number) => ({ type: 'i16', value }) as const,
  u32: (value: number) => ({ type: 'u32', value }) as const,
  i32: (value: number) => ({ type: 'i32', value }) as const,
  f32: (value: number) => ({ type: 'f32', value }) as const,
  f64: (value: number) => ({ type: 'f64', value }) as const,
  u64: (value: number | bigint) => ({ type: 'u64', value }) as const,
  i64: (value: number | bigint) => ({ type: 'i64', value }) as const,
  /** An array of one element type; `of: 'array'` nests arrays. */
  array: (
    of: GgufScalarType | 'array',
    values: ArrayLike<number | bigint | string | boolean | GgufArray>,
  ): GgufArray => ({ type: 'array', of, values }),
};

// ---------------------------------------------------------------------------
// Tensors
// ---------------------------------------------------------------------------

/** ggml_type ids of the tensor types this writer encodes. */
export const GgmlType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlTypeName = keyof typeof GgmlType;

/** Q8_0 block: an f16 scale followed by 32 int8 quants. */
const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

/**
 * Where a tensor's values come from, in flat order (innermost dim fastest):
 * - a Float32Array holding all of them;
 * - `{ constant }`: every element the same (norm weights: 1);
 * - `{ random: { std, seed? } }`: uniform noise with that standard deviation,
 *   seeded from the file seed, `seed` and the tensor name; Q8_0 tensors get
 *   random quants under one scale directly (no float pass), which is what
 *   makes a 500 MB twin fast to write;
 * - a function filling `out` with the elements starting at flat `offset`
 *   (called with chunks whose length is a multiple of 32).
 */
export type TensorSource =
  | Float32Array
  | { readonly constant: number }
  | { readonly random: { readonly std: number; readonly seed?: number } }
  | ((offset: number, out: Float32Array) => void);

export interface GgufTensor {
  /** llama.cpp name, e.g. `blk.0.attn_q.weight`. */
  name: string;
  /** Dimensions innermost first (GGUF order): `[n_embd, n_vocab]` for `token_embd.weight`. */
  dims: readonly number[];
  type: GgmlTypeName;
  data: TensorSource;
}

export interface GgufModel {
  /** Key/values, written in insertion order. */
  metadata: Record<string, GgufValue>;
  tensors: readonly GgufTensor[];
}

export interface GgufWriteOptions {
  /** Mixed into every random tensor's seed (default 0). */
  seed?: number;
  /** Bytes per write (default 4 MiB). */
  chunkBytes?: number;
}

export interface GgufWriteResult {
  /** Total file size in bytes. */
  bytes: number;
  /** Offset of the tensor data section. */
  dataOffset: number;
  /** Sum of tensor data sizes (without padding). */
  tensorBytes: number;
  /** Wall time of the write in milliseconds. */
  ms: number;
}

/** Element count of a tensor. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Bytes a tensor's data occupies in the file (before alignment padding). */
export function tensorByteSize(type: GgmlTypeName, dims: readonly number[]): number {
  const n = elementCount(dims);
  switch (type) {
    case 'F32':
      return n * 4;
    case 'F16':
      return n * 2;
    case 'Q8_0':
      if (dims[0] % Q8_0_BLOCK !== 0) {
        throw new Error(`Q8_0 needs the innermost dim to be a multiple of 32, got ${dims[0]}`);
      }
      return (n / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

// ---------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------

const utf8 = new TextEncoder();
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even. */
export function floatToHalf(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // may carry into exp: still correct
  return sign | half;
}

/** Growable little-endian byte builder for the header. */
class ByteBuilder {
  private buf = Buffer.allocUnsafe(1 << 16);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  i8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  i16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  u64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  i64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  string(s: string): void {
    const bytes = utf8.encode(s);
    this.u64(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function valueTypeOf(value: GgufValue): keyof typeof GgufValueType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  return value.type;
}

const INT_RANGE: Record<Exclude<GgufNumberType, 'f32' | 'f64'>, [number, number]> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

function writeScalar(b: ByteBuilder, type: GgufScalarType, v: unknown, key: string): void {
  const bad = (): never => {
    throw new Error(`GGUF key ${key}: ${String(v)} is not a valid ${type}`);
  };
  switch (type) {
    case 'string':
      if (typeof v !== 'string') bad();
      b.string(v as string);
      return;
    case 'bool':
      if (typeof v !== 'boolean') bad();
      b.u8(v ? 1 : 0);
      return;
    case 'u64':
    case 'i64':
      if (typeof v !== 'number' && typeof v !== 'bigint') bad();
      if (type === 'u64') b.u64(v as number | bigint);
      else b.i64(v as number | bigint);
      return;
    default: {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad();
      const n = v as number;
      if (type !== 'f32' && type !== 'f64') {
        const [lo, hi] = INT_RANGE[type];
        if (!Number.isInteger(n) || n < lo || n > hi) bad();
      }
      b[type](n);
    }
  }
}

function writeArray(b: ByteBuilder, arr: GgufArray, key: string): void {
  b.u32(GgufValueType[arr.of]);
  b.u64(arr.values.length);
  for (let i = 0; i < arr.values.length; i++) {
    const v = arr.values[i];
    if (arr.of === 'array') {
      if (typeof v !== 'object' || v === null || (v as GgufArray).type !== 'array') {
        throw new Error(`GGUF key ${key}: element ${i} is not an array`);
      }
      writeArray(b, v as GgufArray, key);
    } else {
      writeScalar(b, arr.of, v, key);
    }
  }
}

function writeValue(b: ByteBuilder, key: string, value: GgufValue): void {
  const type = valueTypeOf(value);
  b.u32(GgufValueType[type]);
  if (type === 'array') writeArray(b, value as GgufArray, key);
  else if (typeof value === 'string' || typeof value === 'boolean') writeScalar(b, type as GgufScalarType, value, key);
  else writeScalar(b, type as GgufScalarType, (value as { value: number | bigint }).value, key);
}

function alignmentOf(metadata: Record<string, GgufValue>): number {
  const v = metadata['general.alignment'];
  if (v === undefined) return 32;
  if (typeof v !== 'object' || v.type !== 'u32' || v.value <= 0 || v.value % 8 !== 0) {
    throw new Error('general.alignment must be gguf.u32(n) with n a positive multiple of 8');
  }
  return v.value;
}

/** FNV-1a of a string, for per-tensor seeds that do not depend on write order. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded mulberry32 stream that fills 32-bit words in bulk. */
class Prng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  fillU32(out: Uint32Array): void {
    let a = this.a;
    for (let i = 0; i < out.length; i++) {
      a = (a + 0x6d2b79f5) | 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = t ^ (t >>> 14);
    }
    this.a = a;
  }
}

// ---------------------------------------------------------------------------
// Tensor data encoding
// ---------------------------------------------------------------------------

/** Standard deviation of a uniform int8 in [-128, 127]. */
const INT8_UNIFORM_STD = Math.sqrt((256 * 256 - 1) / 12);

/**
 * Produces a tensor's bytes chunk by chunk, each chunk `elements` long (a
 * multiple of 32, except the last).
 */
class TensorEncoder {
  private readonly n: number;
  private offset = 0;
  private floats: Float32Array | undefined;
  private words: Uint32Array | undefined;
  private readonly prng: Prng | undefined;
  private readonly q8Scale: number;

  constructor(
    private readonly tensor: GgufTensor,
    fileSeed: number,
  ) {
    this.n = elementCount(tensor.dims);
    const data = tensor.data;
    if (data instanceof Float32Array && data.length !== this.n) {
      throw new Error(`tensor ${tensor.name}: ${data.length} values for ${this.n} elements`);
    }
    if (typeof data === 'object' && 'random' in data) {
      const seed = (hashString(tensor.name) ^ Math.imul(fileSeed | 0, 0x9e3779b1) ^ Math.imul((data.random.seed ?? 0) | 0, 0x85ebca6b)) >>> 0;
      this.prng = new Prng(seed);
    }
    this.q8Scale = typeof data === 'object' && 'random' in data ? data.random.std / INT8_UNIFORM_STD : 0;
  }

  get done(): boolean {
    return this.offset >= this.n;
  }

  /** Encodes the next up-to-`maxElements` elements into `out`; returns bytes written. */
  next(out: Buffer, maxElements: number): number {
    const count = Math.min(maxElements, this.n - this.offset);
    const { type, data } = this.tensor;
    let bytes: number;
    if (type === 'Q8_0' && typeof data === 'object' && 'random' in data) {
      bytes = this.randomQ8(out, count);
    } else {
      const values = this.values(count);
      bytes = encodeFloats(type, values, out);
    }
    this.offset += count;
    return bytes;
  }

  private scratchFloats(count: number): Float32Array {
    if (!this.floats || this.floats.length < count) this.floats = new Float32Array(count);
    return this.floats.subarray(0, count);
  }

  private scratchWords(count: number): Uint32Array {
    if (!this.words || this.words.length < count) this.words = new Uint32Array(count);
    return this.words.subarray(0, count);
  }

  private values(count: number): Float32Array {
    const data = this.tensor.data;
    if (data instanceof Float32Array) return data.subarray(this.offset, this.offset + count);
    const out = this.scratchFloats(count);
    if (typeof data === 'function') {
      data(this.offset, out);
    } else if ('constant' in data) {
      out.fill(data.constant);
    } else {
      // Uniform in [-a, a) with a = std·√3.
      const words = this.scratchWords(count);
      this.prng!.fillU32(words);
      const a = data.random.std * Math.sqrt(3);
      const k = (2 * a) / 4294967296;
      for (let i = 0; i < count; i++) out[i] = words[i] * k - a;
    }
    return out;
  }

  /** Random int8 quants under one f16 scale: four quants per PRNG word. */
  private randomQ8(out: Buffer, count: number): number {
    const blocks = count / Q8_0_BLOCK;
    const words = this.scratchWords(blocks * (Q8_0_BLOCK / 4));
    this.prng!.fillU32(words);
    const quants = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    const d = floatToHalf(this.q8Scale);
    for (let b = 0; b < blocks; b++) {
      const o = b * Q8_0_BLOCK_BYTES;
      out[o] = d & 0xff;
      out[o + 1] = d >>> 8;
      out.set(quants.subarray(b * Q8_0_BLOCK, (b + 1) * Q8_0_BLOCK), o + 2);
    }
    return blocks * Q8_0_BLOCK_BYTES;
  }
}

function encodeFloats(type: GgmlTypeName, values: Float32Array, out: Buffer): number {
  switch (type) {
    case 'F32': {
      const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      out.set(src, 0);
      return values.byteLength;
    }
    case 'F16': {
      for (let i = 0; i < values.length; i++) out.writeUInt16LE(floatToHalf(values[i]), i * 2);
      return values.length * 2;
    }
    case 'Q8_0': {
      // ggml's quantize_row_q8_0_ref: d = amax / 127, q = round(x / d).
      const blocks = values.length / Q8_0_BLOCK;
      for (let b = 0; b < blocks; b++) {
        const base = b * Q8_0_BLOCK;
        let amax = 0;
        for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(values[base + j]));
        const d = amax / 127;
        const id = d ? 1 / d : 0;
        const o = b * Q8_0_BLOCK_BYTES;
        out.writeUInt16LE(floatToHalf(d), o);
        for (let j = 0; j < Q8_0_BLOCK; j++) {
          const v = values[base + j] * id; // roundf: halves away from zero
          out.writeInt8(v < 0 ? -Math.round(-v) : Math.round(v), o + 2 + j);
        }
      }
      return blocks * Q8_0_BLOCK_BYTES;
    }
  }
}

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

/** Encodes the header, metadata and tensor infos (everything before the data section). */
export function encodeGgufHeader(model: GgufModel): { header: Buffer; offsets: number[]; alignment: number } {
  const alignment = alignmentOf(model.metadata);
  const b = new ByteBuilder();
  b.u32(0x46554747); // "GGUF"
  b.u32(3);
  b.u64(model.tensors.length);
  const entries = Object.entries(model.metadata);
  b.u64(entries.length);
  for (const [key, value] of entries) {
    b.string(key);
    writeValue(b, key, value);
  }
  const offsets: number[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const t of model.tensors) {
    if (names.has(t.name)) throw new Error(`duplicate tensor ${t.name}`);
    names.add(t.name);
    if (t.dims.length < 1 || t.dims.length > 4 || t.dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`tensor ${t.name}: bad dims [${t.dims.join(', ')}]`);
    }
    b.string(t.name);
    b.u32(t.dims.length);
    for (const d of t.dims) b.u64(d);
    b.u32(GgmlType[t.type]);
    b.u64(offset);
    offsets.push(offset);
    offset += tensorByteSize(t.type, t.dims);
    offset += (alignment - (offset % alignment)) % alignment;
  }
  b.pad(alignment);
  return { header: b.bytes(), offsets, alignment };
}

/**
 * Writes a GGUF v3 file, streaming tensor data in chunks of about
 * `chunkBytes`. Resolves with the file's size and layout.
 */
export async function writeGguf(file: string, model: GgufModel, options: GgufWriteOptions = {}): Promise<GgufWriteResult> {
  const started = performance.now();
  const { header, alignment } = encodeGgufHeader(model);
  const chunkBytes = Math.max(options.chunkBytes ?? 4 << 20, 4096);
  const chunk = Buffer.alloc(chunkBytes + alignment);
  const fh = await open(file, 'w');
  let position = 0;
  let tensorBytes = 0;
  try {
    await fh.write(header, 0, header.length, 0);
    position = header.length;
    for (const t of model.tensors) {
      const enc = new TensorEncoder(t, options.seed ?? 0);
      // Elements per chunk: a multiple of 32 whose encoding fits the buffer.
      const bytesPer32 = t.type === 'F32' ? 128 : t.type === 'F16' ? 64 : Q8_0_BLOCK_BYTES;
      const perChunk = Math.max(1, Math.floor(chunkBytes / bytesPer32)) * 32;
      let size = 0;
      while (!enc.done) {
        const n = enc.next(chunk, perChunk);
        await fh.write(chunk, 0, n, position);
        position += n;
        size += n;
      }
      tensorBytes += size;
      const pad = (alignment - (position % alignment)) % alignment;
      if (pad) {
        chunk.fill(0, 0, pad);
        await fh.write(chunk, 0, pad, position);
        position += pad;
      }
    }
  } finally {
    await fh.close();
  }
  return { bytes: position, dataOffset: header.length, tensorBytes, ms: performance.now() - started };
}
