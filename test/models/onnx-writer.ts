/**
 * A minimal ONNX writer: enough of the protobuf wire format to emit a
 * ModelProto that onnxruntime loads, so tests and benchmarks can build their
 * own models instead of downloading them.
 *
 * Field numbers follow onnx/onnx.proto (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto, TypeProto.Tensor,
 * TensorShapeProto, OperatorSetIdProto). Tensors are stored as little-endian
 * `raw_data`.
 *
 * ```ts
 * const g = new GraphBuilder('tiny');
 * g.input('x', 'float32', ['batch', 4]);
 * const w = g.initializer('W', new Float32Array(8), [4, 2]);
 * g.node('MatMul', ['x', w], ['y']);
 * g.output('y', 'float32', ['batch', 2]);
 * const bytes = encodeModel(g, { opsets: [{ domain: '', version: 17 }] });
 * ```
 */

/** TensorProto.DataType values for the element types this writer supports. */
export const ElemType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
} as const;
export type ElemTypeName = keyof typeof ElemType;

export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/**
 * An attribute value. A plain integer is an INT, a plain non-integer a FLOAT,
 * a number[] INTS, a string STRING; use `{ f }` / `{ floats }` to force floats
 * (e.g. `epsilon: { f: 1 }`) and `{ t }` for a tensor.
 */
export type AttrValue =
  | number
  | number[]
  | string
  | { f: number }
  | { floats: number[] }
  | { i: number }
  | { ints: number[] }
  | { t: Tensor };

export interface Tensor {
  name: string;
  data: TensorData;
  dims: readonly number[];
}

export interface OpsetId {
  domain: string;
  version: number;
}

// ---------------------------------------------------------------------------
// Protobuf wire encoding
// ---------------------------------------------------------------------------

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/**
 * An encoded message as a list of byte chunks (so large tensors are never
 * copied until the final concatenation).
 */
class Msg {
  readonly parts: Uint8Array[] = [];
  length = 0;
  private scratch: number[] = [];

  private flushScratch(): void {
    if (this.scratch.length) {
      this.parts.push(Uint8Array.from(this.scratch));
      this.length += this.scratch.length;
      this.scratch = [];
    }
  }

  private raw(bytes: Uint8Array): void {
    this.flushScratch();
    if (bytes.length) {
      this.parts.push(bytes);
      this.length += bytes.length;
    }
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    if (v < 0x80n) {
      this.scratch.push(Number(v));
      return;
    }
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int32, int64, enum and bool fields (negative numbers as 10-byte two's complement). */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.scratch.push(...b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Msg): this {
    this.tag(field, WIRE_LEN);
    value.flushScratch();
    this.varint(value.length);
    this.flushScratch();
    for (const p of value.parts) this.parts.push(p);
    this.length += value.length;
    return this;
  }

  /** A packed repeated varint field. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new Msg();
    for (const v of values) inner.varint(v);
    inner.flushScratch();
    return this.message(field, inner);
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  finish(): this {
    this.flushScratch();
    return this;
  }

  toBytes(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (a view, not a copy, on LE hosts). */
function littleEndianBytes(data: TensorData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return view;
  const out = new Uint8Array(view.length);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += w) for (let j = 0; j < w; j++) out[i + j] = view[i + w - 1 - j];
  return out;
}

export function elemTypeOf(data: TensorData): ElemTypeName {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  throw new TypeError('unsupported tensor data type');
}

// TensorProto: dims=1, data_type=2, name=8, raw_data=9
function encodeTensor(t: Tensor): Msg {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new RangeError(`tensor ${t.name}: dims [${t.dims.join(',')}] hold ${count} values, data has ${t.data.length}`);
  }
  const m = new Msg();
  if (t.dims.length) m.packedInts(1, t.dims);
  m.int(2, ElemType[elemTypeOf(t.data)]);
  m.string(8, t.name);
  m.bytes(9, littleEndianBytes(t.data));
  return m.finish();
}

// AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20
function encodeAttribute(name: string, value: AttrValue): Msg {
  const m = new Msg().string(1, name);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) m.int(3, value).int(20, AttrType.INT);
    else m.float(2, value).int(20, AttrType.FLOAT);
  } else if (typeof value === 'string') {
    m.string(4, value).int(20, AttrType.STRING);
  } else if (Array.isArray(value)) {
    m.packedInts(8, value).int(20, AttrType.INTS);
  } else if ('f' in value) {
    m.float(2, value.f).int(20, AttrType.FLOAT);
  } else if ('floats' in value) {
    m.packedFloats(7, value.floats).int(20, AttrType.FLOATS);
  } else if ('i' in value) {
    m.int(3, value.i).int(20, AttrType.INT);
  } else if ('ints' in value) {
    m.packedInts(8, value.ints).int(20, AttrType.INTS);
  } else {
    m.message(5, encodeTensor(value.t)).int(20, AttrType.TENSOR);
  }
  return m.finish();
}

// ValueInfoProto: name=1, type=2; TypeProto: tensor_type=1; TypeProto.Tensor: elem_type=1, shape=2;
// TensorShapeProto: dim=1; Dimension: dim_value=1, dim_param=2
function encodeValueInfo(name: string, elem: ElemTypeName, shape: readonly (number | string)[]): Msg {
  const shapeMsg = new Msg();
  for (const d of shape) {
    const dim = typeof d === 'number' ? new Msg().int(1, d) : new Msg().string(2, d);
    shapeMsg.message(1, dim.finish());
  }
  const tensorType = new Msg().int(1, ElemType[elem]).message(2, shapeMsg.finish()).finish();
  const type = new Msg().message(1, tensorType).finish();
  return new Msg().string(1, name).message(2, type).finish();
}

// ---------------------------------------------------------------------------
// Graph builder
// ---------------------------------------------------------------------------

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  domain: string;
  attrs: Record<string, AttrValue>;
}

interface ValueSpec {
  name: string;
  elem: ElemTypeName;
  shape: (number | string)[];
}

export class GraphBuilder {
  readonly name: string;
  private readonly nodes: NodeSpec[] = [];
  private readonly inits: Tensor[] = [];
  private readonly inputs: ValueSpec[] = [];
  private readonly outputs: ValueSpec[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(name = 'graph') {
    this.name = name;
  }

  /** A fresh value name with the given prefix. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate value name: ${name}`);
    this.names.add(name);
    return name;
  }

  input(name: string, elem: ElemTypeName, shape: (number | string)[]): string {
    this.inputs.push({ name: this.claim(name), elem, shape });
    return name;
  }

  output(name: string, elem: ElemTypeName, shape: (number | string)[]): string {
    this.outputs.push({ name, elem, shape });
    return name;
  }

  /** A constant tensor stored in the model; returns its name. */
  initializer(name: string, data: TensorData, dims: readonly number[]): string {
    this.inits.push({ name: this.claim(name), data, dims: [...dims] });
    return name;
  }

  /** A scalar or 1-D constant with a generated name. */
  constant(data: TensorData, dims: readonly number[] = [], prefix = 'const'): string {
    const name = this.fresh(prefix);
    this.inits.push({ name, data, dims: [...dims] });
    return name;
  }

  /** Adds a node; `outputs` may be names or a count of fresh names. Returns the output names. */
  node(
    op: string,
    inputs: string[],
    outputs: string[] | number = 1,
    attrs: Record<string, AttrValue> = {},
    opts: { name?: string; domain?: string } = {},
  ): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op)) : outputs.map((o) => (this.names.has(o) ? o : this.claim(o)));
    this.nodes.push({ op, inputs, outputs: outs, attrs, name: opts.name ?? this.fresh(`${op}_node`), domain: opts.domain ?? '' });
    return outs;
  }

  /** Adds a single-output node and returns that output's name. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, opts: { name?: string; domain?: string; output?: string } = {}): string {
    return this.node(op, inputs, opts.output ? [opts.output] : 1, attrs, opts)[0];
  }

  // GraphProto: node=1, name=2, initializer=5, input=11, output=12
  encode(): Msg {
    const g = new Msg();
    for (const n of this.nodes) {
      // NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7
      const nm = new Msg();
      for (const i of n.inputs) nm.string(1, i);
      for (const o of n.outputs) nm.string(2, o);
      nm.string(3, n.name).string(4, n.op);
      for (const [k, v] of Object.entries(n.attrs)) nm.message(5, encodeAttribute(k, v));
      if (n.domain) nm.string(7, n.domain);
      g.message(1, nm.finish());
    }
    g.string(2, this.name);
    for (const t of this.inits) g.message(5, encodeTensor(t));
    for (const v of this.inputs) g.message(11, encodeValueInfo(v.name, v.elem, v.shape));
    for (const v of this.outputs) g.message(12, encodeValueInfo(v.name, v.elem, v.shape));
    return g.finish();
  }
}

export interface ModelOptions {
  /** Default 8 (ONNX 1.13, opset 18). */
  irVersion?: number;
  /** Default: the standard domain at opset 17. */
  opsets?: OpsetId[];
  producerName?: string;
}

// ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8; OperatorSetIdProto: domain=1, version=2
export function encodeModel(graph: GraphBuilder, opts: ModelOptions = {}): Uint8Array {
  const m = new Msg().int(1, opts.irVersion ?? 8).string(2, opts.producerName ?? 'cvu-test-onnx-writer');
  m.message(7, graph.encode());
  for (const o of opts.opsets ?? [{ domain: '', version: 17 }]) {
    const om = new Msg();
    if (o.domain) om.string(1, o.domain);
    om.int(2, o.version);
    m.message(8, om.finish());
  }
  return m.toBytes();
}
