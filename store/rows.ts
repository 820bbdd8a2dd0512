import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';

// The CommonJS build that LanceDB loads: importing the ES build as well loaded a second copy of
// Arrow's modules (about 60 ms in every process that opens an index).
const { Bool, Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } = createRequire(import.meta.url)('apache-arrow') as typeof Arrow;

/** Bump when a table's shape or the meaning of a column changes: older indexes are rebuilt. */
export const SCHEMA_VERSION = 7; // 7: imports carry the names they bind under another name (`import {a as b}`); 6: chunks and symbols carry `fts_head` (file name, names, signatures, doc comments, stemmed: a full-text field for questions); 5: imports carry the members reached through each module binding, and a Go package is bound to its name without a major version; 4: Rust's imports name what `use a::b::Name` brings in, and a module reached by path is an import; 3: imports carry the module binding)

export interface FileRow {
  path: string;
  hash: string;
  size: number;
  mtime_ms: number;
  language: string;
  /** Raw imports, JSON (ImportRef[]); resolved against the file set when needed. */
  imports: string;
  /** Content hashes of the file's chunks, space-separated: the embedding queue is derived from them. */
  chunk_hashes: string;
}

export interface ChunkRow {
  id: string;
  path: string;
  language: string;
  start_line: number;
  end_line: number;
  text: string;
  symbol: string | null;
  kind: string | null;
  container: string | null;
  header: string | null;
  /** Identifiers the chunk references, space-separated. */
  refs: string;
  hash: string;
  /** Code-aware full-text field (store/code-text.ts): path, names and the whole text. */
  fts: string;
  /**
   * The same for what a definition says about itself: the file's name, the names and signatures
   * of the definitions the chunk starts, their doc comments. A question's words weigh more here.
   */
  fts_head: string;
}

export interface SymbolRow {
  name: string;
  kind: string;
  path: string;
  start_line: number;
  end_line: number;
  container: string | null;
  signature: string;
  exported: boolean;
  /**
   * A definition's code-aware full-text field (its file, container, name, signature, doc): written
   * to the table for searchQuestion, never kept in memory; null for locals.
   */
  fts_head?: string | null;
}

export interface EmbeddingRow {
  hash: string;
  vector: number[] | Float32Array;
}

const str = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
const i32 = (name: string) => new Field(name, new Int32(), false);

export const fileSchema = new Schema([str('path'), str('hash'), new Field('size', new Float64(), false), new Field('mtime_ms', new Float64(), false), str('language'), str('imports'), str('chunk_hashes')]);

export const chunkSchema = new Schema([
  str('id'), str('path'), str('language'), i32('start_line'), i32('end_line'), str('text'),
  str('symbol', true), str('kind', true), str('container', true), str('header', true),
  str('refs'), str('hash'), str('fts'), str('fts_head'),
]);

export const symbolSchema = new Schema([str('name'), str('kind'), str('path'), i32('start_line'), i32('end_line'), str('container', true), str('signature'), new Field('exported', new Bool(), false), str('fts_head', true)]);

export function embeddingSchema(dims: number): Arrow.Schema {
  return new Schema([str('hash'), new Field('vector', new FixedSizeList(dims, new Field('item', new Float32(), true)), false)]);
}

/** A SQL string literal for LanceDB filters (DataFusion: quotes doubled, no backslash escapes). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function sqlIn(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}
