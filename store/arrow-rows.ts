/**
 * Rows to an Arrow table, column by column: each string column is one buffer written by Node's own
 * UTF-8 encoder, each number column one typed array. Arrow's row builders (what LanceDB's
 * makeArrowTable runs) append value by value: on a first index of 12,500 files they took about
 * 4 s of the thread that also answers requests, the largest share of its work.
 *
 * The table is built with the Arrow that LanceDB loads (its CommonJS build): LanceDB recognises
 * its own classes, and this module's import of `apache-arrow` may be the ES build, another copy.
 */
import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';

const arrow = createRequire(import.meta.url)('apache-arrow') as typeof Arrow;

/** The column types built here. */
type Kind = 'utf8' | 'int32' | 'float64' | 'bool';

/** A column type's kind when it is one built here (an Int32's typeId says Int, whatever its width). */
function kindOf(type: Arrow.DataType): Kind | null {
  const t = type as Arrow.DataType & { bitWidth?: number; isSigned?: boolean; precision?: number };
  if (arrow.DataType.isUtf8(t)) return 'utf8';
  if (arrow.DataType.isBool(t)) return 'bool';
  if (arrow.DataType.isInt(t) && t.bitWidth === 32 && t.isSigned) return 'int32';
  if (arrow.DataType.isFloat(t) && t.precision === arrow.Precision.DOUBLE) return 'float64';
  return null;
}


/**
 * The rows as a table of the schema (LanceDB's Arrow classes). A missing value of a nullable column
 * is null; of a non-nullable one, an error (as LanceDB would say); a column of another type than
 * these four (a vector), an error: LanceDB converts those.
 */
export function rowsToArrow(rows: readonly object[], schema: Arrow.Schema): Arrow.Table {
  const fields = schema.fields.map((f) => new arrow.Field(f.name, ownType(f.type), f.nullable));
  const own = new arrow.Schema(fields);
  const children = fields.map((f) => column(rows as readonly Record<string, unknown>[], f));
  const data = arrow.makeData({ type: new arrow.Struct(fields), length: rows.length, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(own, data)]);
}

function ownType(type: Arrow.DataType): Arrow.DataType {
  switch (kindOf(type)) {
    case 'utf8':
      return new arrow.Utf8();
    case 'int32':
      return new arrow.Int32();
    case 'float64':
      return new arrow.Float64();
    case 'bool':
      return new arrow.Bool();
    default:
      throw new Error(`rowsToArrow does not build ${String(type)} columns`);
  }
}

function column(rows: readonly Record<string, unknown>[], field: Arrow.Field): Arrow.Data {
  const n = rows.length;
  // Validity: a bit per row, set when the value is there (built only when one is missing).
  let validity: Uint8Array | undefined;
  let nulls = 0;
  const missing = (i: number) => {
    if (!field.nullable) throw new Error(`column ${field.name}: row ${i} has no value`);
    if (!validity) validity = new Uint8Array((n + 7) >> 3).fill(0xff);
    validity[i >> 3] &= ~(1 << (i & 7));
    nulls++;
  };
  const name = field.name;
  switch (kindOf(field.type)) {
    case 'utf8': {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; written once, then trimmed.
      let capacity = 0;
      for (let i = 0; i < n; i++) {
        const v = rows[i][name];
        if (typeof v === 'string') capacity += v.length * 3;
      }
      const bytes = Buffer.allocUnsafe(capacity);
      const offsets = new Int32Array(n + 1);
      let at = 0;
      for (let i = 0; i < n; i++) {
        const v = rows[i][name];
        if (typeof v === 'string') at += bytes.write(v, at, 'utf8');
        else if (v === null || v === undefined) missing(i);
        else throw new Error(`column ${name}: row ${i} is not a string`);
        offsets[i + 1] = at;
      }
      // A copy of the bytes written: the rest of the worst-case buffer is not kept alive with it.
      const data = new Uint8Array(at);
      data.set(bytes.subarray(0, at));
      return arrow.makeData({ type: field.type as Arrow.Utf8, length: n, nullCount: nulls, nullBitmap: validity, valueOffsets: offsets, data });
    }
    case 'int32':
    case 'float64': {
      const values = kindOf(field.type) === 'int32' ? new Int32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i][name];
        if (typeof v === 'number') values[i] = v;
        else if (v === null || v === undefined) missing(i);
        else throw new Error(`column ${name}: row ${i} is not a number`);
      }
      return arrow.makeData({ type: field.type as Arrow.Int32, length: n, nullCount: nulls, nullBitmap: validity, data: values as Int32Array });
    }
    case 'bool': {
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) {
        const v = rows[i][name];
        if (v === true) bits[i >> 3] |= 1 << (i & 7);
        else if (v === null || v === undefined) missing(i);
        else if (v !== false) throw new Error(`column ${name}: row ${i} is not a boolean`);
      }
      return arrow.makeData({ type: field.type as Arrow.Bool, length: n, nullCount: nulls, nullBitmap: validity, data: bits });
    }
    default:
      throw new Error(`rowsToArrow does not build ${String(field.type)} columns`);
  }
}

/** What `plainRows` reads of a record batch (LanceDB's own Arrow classes, whichever copy). */
export interface ColumnBatch {
  numRows: number;
  getChild(name: string): { toArray(): ArrayLike<unknown> } | null;
}

/**
 * A record batch's rows as plain objects of the named columns, each column decoded once. Arrow's
 * `toArray()` rows read each field through a proxy that decodes it again at every access: opening
 * the 12,500-file tree's index spent about a second there.
 */
export function plainRows<T>(batch: ColumnBatch, columns: readonly string[]): T[] {
  const values = columns.map((c) => batch.getChild(c)?.toArray() ?? []);
  const rows: Record<string, unknown>[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) row[columns[c]] = values[c][i] ?? null;
    rows[i] = row;
  }
  return rows as T[];
}
