import crypto from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import type { FileChange } from '../store/index-store.js';
import type { ChunkRow } from '../store/rows.js';
import { codeSearchText, stemmedSearchText } from '../store/code-text.js';
import { analyzeFile, type Chunk, type ChunkOptions, type SymbolDef } from './chunker.js';
import { languageForPath } from './languages.js';
import { readSourceFile, readSourceFileSync } from './file-reader.js';
import type { SkipReason } from './ignore-rules.js';
import type { WalkedFile } from './walker.js';

export interface PrepareOptions {
  maxFileBytes: number;
  chunk: ChunkOptions;
}

export type Prepared =
  | { kind: 'change'; change: FileChange; warnings: string[] }
  /** Same content as the indexed version: only the file's stat moved. */
  | { kind: 'same'; hash: string }
  | { kind: 'skip'; reason: SkipReason; message: string };

/**
 * Everything CPU-heavy about indexing one file — read, decode, hash, parse,
 * chunk, derive the full-text field — as a pure function of the file, so it
 * can run in a worker thread (indexer/parse-pool.ts).
 */
export async function prepareFile(f: WalkedFile, knownHash: string | null, opts: PrepareOptions): Promise<Prepared> {
  // A parse worker reads blocking (cheaper, and it has nothing else to do); the main thread must not.
  const read = isMainThread ? await readSourceFile(f.absPath, { maxFileBytes: opts.maxFileBytes }) : readSourceFileSync(f.absPath, { maxFileBytes: opts.maxFileBytes });
  if (!read.ok) return { kind: 'skip', reason: read.reason, message: read.message };
  const hash = sha1(read.text);
  if (hash === knownHash) return { kind: 'same', hash };
  const analysis = await analyzeFile(f.path, read.text, languageForPath(f.path), opts.chunk);
  const defs = analysis.symbols.filter((s) => s.kind !== 'local');
  const chunks = analysis.chunks.map((ch) => chunkRow(ch, defs, analysis.docs));
  return {
    kind: 'change',
    warnings: read.warnings,
    change: {
      file: {
        path: f.path, hash, size: f.size, mtime_ms: f.mtimeMs, language: analysis.language,
        imports: JSON.stringify(analysis.imports), chunk_hashes: chunks.map((ch) => ch.hash).join(' '),
      },
      chunks,
      symbols: analysis.symbols.map((s) => ({
        name: s.name, kind: s.kind, path: s.path, start_line: s.startLine, end_line: s.endLine,
        container: s.container, signature: s.signature, exported: s.exported,
        // A local is no answer to a question: only definitions are searched by what they say about themselves.
        fts_head: s.kind === 'local' ? null : stemmedSearchText(definitionHead(s, analysis.docs)),
      })),
    },
  };
}

function chunkRow(ch: Chunk, defs: SymbolDef[], docs: ReadonlyMap<number, string>): ChunkRow {
  // The path's words are searchable too: "walker ignore" finds indexer/ignore-rules.ts.
  const searchable = [ch.path, ch.container, ch.symbol, ch.header, ch.text].filter(Boolean).join('\n');
  return {
    id: `${ch.path}:${ch.startLine}-${ch.endLine}:${ch.hash.slice(0, 8)}`,
    path: ch.path, language: ch.language, start_line: ch.startLine, end_line: ch.endLine, text: ch.text,
    symbol: ch.symbol, kind: ch.kind, container: ch.container, header: ch.header,
    refs: ch.refs.join(' '), hash: ch.hash, fts: codeSearchText(searchable), fts_head: stemmedSearchText(chunkHead(ch, defs, docs)),
  };
}

/**
 * What a chunk's definitions say about themselves, for the names field of the index: the file's
 * name and folder (`middleware/throttle.go`), the container and symbol, and the signatures and
 * doc comments of the definitions that start in the chunk.
 */
function chunkHead(ch: Chunk, defs: SymbolDef[], docs: ReadonlyMap<number, string>): string {
  const inside = defs.filter((d) => d.startLine >= ch.startLine && d.startLine <= ch.endLine);
  return [fileWords(ch.path), ch.container, ch.symbol, ...inside.flatMap((d) => [d.signature, docs.get(d.startLine)])].filter(Boolean).join('\n');
}

/** The same for one definition: its file, container, signature (its name in it) and doc. */
function definitionHead(d: SymbolDef, docs: ReadonlyMap<number, string>): string {
  return [fileWords(d.path), d.container, d.name, d.signature, docs.get(d.startLine)].filter(Boolean).join('\n');
}

/** A path's last folder and file name without its extension: what a reader calls the file. */
function fileWords(p: string): string {
  return p.split('/').slice(-2).join(' ').replace(/\.[^.]*$/, '');
}

export function sha1(text: string): string {
  return crypto.createHash('sha1').update(text).digest('hex');
}
