import fs from 'node:fs';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Table as ArrowTable, Schema } from 'apache-arrow';
import { CvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { codeSearchQuery, codeSearchText, questionQuery } from './code-text.js';
import { plainRows, rowsToArrow, type ColumnBatch } from './arrow-rows.js';
import { ChunkTermIndex, type ChunkHit, type TermIndexedChunk } from './chunk-terms.js';
import { SymbolTable } from './symbol-table.js';
import {
  chunkSchema, embeddingSchema, fileSchema, symbolSchema, sqlIn, sqlString, SCHEMA_VERSION,
  type ChunkRow, type EmbeddingRow, type FileRow, type SymbolRow,
} from './rows.js';

interface Meta {
  schemaVersion: number;
  /** The embedding model the vectors came from; vectors of another model are dropped. */
  embedding: { model: string; dims: number } | null;
  createdAt: string;
}

export interface FileChange {
  file: FileRow;
  chunks: ChunkRow[];
  symbols: SymbolRow[];
}

export interface VectorHit {
  hash: string;
  distance: number;
}

/** Filters with thousands of paths are split so each SQL statement stays small. */
const IN_BATCH = 400;
/**
 * A delete scans the table once whatever its filter holds, so deletes take
 * as many paths per statement as stay within these bounds: removing a
 * 50,000-file folder is a handful of scans, not hundreds.
 */
const DELETE_BATCH = 8192;
const DELETE_BATCH_CHARS = 512 * 1024;
/**
 * Commits (each a new fragment per table written) after which the tables
 * are compacted and the path indexes brought up to date. Every commit
 * rewrites a manifest listing all fragments, and every delete and table
 * read visits them all, so without this a long stream of updates (a day
 * of saves, a storm of thousands of files) gets slower with every commit.
 */
const COMPACT_EVERY_COMMITS = 64;
/**
 * Chunks added since the path indexes were built beyond which a long pass builds them again (once
 * they also outnumber the rows the indexes hold): a delete reads the unindexed rows' paths one by one.
 */
const UNINDEXED_ROWS = 2000;
/**
 * LanceDB full-text indexes that stores written before the in-memory search had (store/chunk-terms.ts
 * searches both fields now): dropped on open, or each compaction would keep them up for nothing.
 */
const LEGACY_FTS_INDEXES = new Set(['fts_idx', 'fts_head_idx']);
/**
 * A B-tree over each table's `path`: a commit deletes a file's rows by path before writing them
 * again, and without it each delete scanned the table's whole path column (on 12,500 files, 36 of a
 * save's 60 ms went to the three deletes; with it, 10; the three indexes take 0.1 s to build).
 */
const PATH_INDEX = 'path_idx';
/** Chunks added to the in-memory term index between turns of the event loop (about 2 ms of work). */
const TERM_SLICE = 64;
/**
 * Rows converted to Arrow between turns of the event loop: a few ms of work for chunks, by columns
 * (store/arrow-rows.ts); by Arrow's row builders, a tenth as many took as long.
 */
const ARROW_SLICE = 2048;
/** Columns of the chunks table that the in-memory term index keeps or reads. */
const TERM_COLUMNS = ['path', 'start_line', 'end_line', 'symbol', 'kind', 'refs', 'fts', 'fts_head'];
/** Columns of the symbols table kept in memory: the symbol table's, and the full-text field its term index reads. */
const SYMBOL_COLUMNS = ['name', 'kind', 'path', 'start_line', 'end_line', 'container', 'signature', 'exported', 'fts_head'];
/** Terms of a full-text query at most (a cursor window has 50 to 100). */
const MAX_QUERY_TERMS = 32;
/**
 * How much more a question's word counts in a chunk's names, signatures and doc (`fts_head`) than
 * in its text: a function named for what was asked, or documented so, is the answer; a body that
 * merely mentions the words is likely a caller. Tuned on bench:search's tuning draw.
 */
const HEAD_BOOST = 2;
/** What a definition's own match in names, signature and doc adds to its chunk's score, per point of its BM25. */
const DEFINITION_BOOST = 2;

/**
 * The on-disk index of one workspace: LanceDB tables `files`, `chunks`,
 * `symbols` and `embeddings` (vectors keyed by chunk content hash, so a chunk
 * whose text is known is never embedded again, wherever it moves).
 *
 * Crash safety comes from the write order in `apply`: a file's row is removed
 * first and written last, so after a kill at any point the file either still
 * matches its row or has no row and is re-indexed; chunks and symbols whose
 * file has no row are orphans and are dropped on open.
 */
export class IndexStore {
  private readonly fileMap = new Map<string, FileRow>();
  private readonly embedded = new Set<string>();
  /** Paths whose last apply did not finish in this process: they may have rows without a file row. */
  private readonly unclean = new Set<string>();
  /** Searches reading the tables now (see reading()). */
  private readonly reads = new Set<Promise<unknown>>();
  /** In-memory mirror of the `symbols` table. */
  readonly symbols = new SymbolTable();
  /**
   * In-memory mirror of the chunks' full-text fields: the cursor's similar-code search (searchText)
   * and, with the definitions' own, the search for a question (searchQuestion).
   */
  private readonly chunkTerms = new ChunkTermIndex(['fts', 'fts_head']);
  private readonly symbolTerms = new ChunkTermIndex(['fts_head']);
  private embeddings: lancedb.Table | null = null;
  /**
   * Rows written or removed since the indexes last caught up (a build or an optimize): none, and an
   * optimize has nothing to do. A build counts: a pass that built them leaves compaction for later.
   */
  private changedRows = 0;
  /** Rows (chunks) the path indexes held when last built, and rows added since: a first index rebuilds them as it doubles. */
  private indexedRows = 0;
  private rowsSinceBuild = 0;
  /** Whether the pass of commits running now built the path indexes (refreshIndexes). */
  private builtInPass = false;
  /** Commits since the last optimize (see COMPACT_EVERY_COMMITS). */
  private commits = 0;
  /** Bumped whenever files or their rows change: caches derived from the index key on it. */
  version = 0;
  /**
   * The last mutation queued that runs alone (exclusive): compaction, index builds, embeddings.
   * Commits of files (apply) wait for it, and it for every commit in flight.
   */
  private mutating: Promise<unknown> = Promise.resolve();
  /**
   * Commits of files in flight, by their paths. A save's update may commit while a long sync's
   * commit is in flight (workspace/workspace.ts): it waits only for commits that write one of its
   * files (a commit is several table operations on a file's rows that must not interleave with
   * another's on the same file), not for a background commit of 512 others (50–250 ms).
   */
  private readonly committing = new Set<{ paths: ReadonlySet<string>; done: Promise<unknown> }>();

  private constructor(
    readonly dir: string,
    private readonly db: lancedb.Connection,
    private readonly filesTable: lancedb.Table,
    private readonly chunksTable: lancedb.Table,
    private readonly symbolsTable: lancedb.Table,
    private meta: Meta,
    private readonly log: Logger,
  ) {}

  static async open(dir: string, opts: { logger?: Logger } = {}): Promise<IndexStore> {
    const log = opts.logger ?? silentLogger;
    fs.mkdirSync(dir, { recursive: true });
    const metaPath = path.join(dir, 'meta.json');
    let meta = readMeta(metaPath);
    if (meta && meta.schemaVersion !== SCHEMA_VERSION) {
      log.warn(`index at ${dir} has schema ${meta.schemaVersion}, this Cvu uses ${SCHEMA_VERSION}: rebuilding it`);
      meta = null;
    }
    try {
      if (meta) {
        try {
          return await IndexStore.connect(dir, meta, log, false);
        } catch (err) {
          // A table torn by a kill (say, mid-creation): the index is rebuilt from the workspace, which is the truth.
          log.warn(`index at ${dir} is damaged (${(err as Error).message.split('\n')[0]}): rebuilding it`);
        }
      }
      // No index, an old one or a damaged one: start over. meta.json is written last, so a
      // kill during creation leaves no meta and the next start begins again here.
      for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
      const fresh: Meta = { schemaVersion: SCHEMA_VERSION, embedding: null, createdAt: new Date().toISOString() };
      const store = await IndexStore.connect(dir, fresh, log, true);
      writeMeta(metaPath, fresh);
      return store;
    } catch (err) {
      if (err instanceof CvuError) throw err;
      throw new CvuError('CVU_ERR_INDEX', `cannot open the index at ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }

  private static async connect(dir: string, meta: Meta, log: Logger, create: boolean): Promise<IndexStore> {
    const db = await lancedb.connect(dir, {}, sharedSession());
    const names = new Set(await db.tableNames());
    const open = async (name: string, schema: typeof fileSchema) => {
      if (names.has(name)) return db.openTable(name);
      if (!create) throw new Error(`table ${name} is missing`);
      return db.createEmptyTable(name, schema, { existOk: true });
    };
    // Opened (or created) side by side: each is a round of LanceDB's own threads and file reads. All
    // settle before a failure is thrown: the caller then wipes the folder, with none still reading it.
    const opened = await Promise.allSettled([open('files', fileSchema), open('chunks', chunkSchema), open('symbols', symbolSchema)]);
    const failed = opened.find((r) => r.status === 'rejected');
    if (failed) {
      for (const r of opened) if (r.status === 'fulfilled') r.value.close();
      db.close();
      throw failed.reason;
    }
    const [files, chunks, symbols] = opened.map((r) => (r as PromiseFulfilledResult<lancedb.Table>).value);
    const store = new IndexStore(dir, db, files, chunks, symbols, meta, log);
    if (names.has('embeddings')) {
      try {
        store.embeddings = await db.openTable('embeddings');
      } catch (err) {
        // Vectors are derived data: drop a damaged table and embed again.
        log.warn(`dropping a damaged vector table: ${(err as Error).message.split('\n')[0]}`);
        fs.rmSync(path.join(dir, 'embeddings.lance'), { recursive: true, force: true });
      }
    }
    // Tables just created hold nothing to load (each query of one: a few ms of a first registration).
    if (!create) await store.load();
    return store;
  }

  /** Loads the file table and embedded hashes into memory and drops orphans left by a crash. */
  private async load(): Promise<void> {
    for (const row of (await this.filesTable.query().toArray()) as FileRow[]) {
      // Duplicate rows cannot be written by `apply`, but a torn history must still not count twice.
      this.fileMap.set(row.path, { ...row, size: Number(row.size), mtime_ms: Number(row.mtime_ms) });
    }
    const orphans = new Set<string>();
    for (const table of [this.chunksTable, this.symbolsTable]) {
      for await (const batch of table.query().select(['path']) as AsyncIterable<ColumnBatch>) {
        for (const row of plainRows<{ path: string }>(batch, ['path'])) if (!this.fileMap.has(row.path)) orphans.add(row.path);
      }
    }
    if (orphans.size) {
      this.log.info(`dropping rows of ${orphans.size} files left half-written`);
      await this.deleteWhere([this.chunksTable, this.symbolsTable], [...orphans]);
    }
    if (this.embeddings) {
      for (const row of await this.embeddings.query().select(['hash']).toArray()) this.embedded.add(row.hash);
    }
    // Batch by batch: a whole table at once would hold every definition's doc, or every chunk's text, twice over.
    for await (const batch of this.symbolsTable.query().select(SYMBOL_COLUMNS) as AsyncIterable<ColumnBatch>) {
      const symbols = plainRows<SymbolRow>(batch, SYMBOL_COLUMNS);
      this.symbols.add(symbols.map(normalizeSymbol));
      await this.addTerms([], symbols);
    }
    for await (const batch of this.chunksTable.query().select(TERM_COLUMNS) as AsyncIterable<ColumnBatch>) await this.addTerms(plainRows<TermIndexedChunk>(batch, TERM_COLUMNS), []);
    await this.dropLegacyIndexes();
  }

  /** See LEGACY_FTS_INDEXES. A failure leaves them (they cost time, not answers). */
  private async dropLegacyIndexes(): Promise<void> {
    for (const table of [this.chunksTable, this.symbolsTable]) {
      try {
        for (const index of await table.listIndices()) if (LEGACY_FTS_INDEXES.has(index.name)) await table.dropIndex(index.name);
      } catch (err) {
        this.log.warn(`could not drop an old full-text index: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }

  /** Rows for a table's add(): as Arrow built a slice at a time, or as they are if that fails (LanceDB converts them). */
  private async arrowRows(rows: readonly object[], schema: Schema): Promise<ArrowTable | Record<string, unknown>[]> {
    try {
      return await arrowInSlices(rows, schema);
    } catch (err) {
      this.log.warn(`converting ${rows.length} rows to Arrow in slices failed (${(err as Error).message}); LanceDB converts them`);
      return rows as Record<string, unknown>[];
    }
  }

  /**
   * Adds chunks and definitions to the in-memory term indexes a slice at a time, letting requests
   * in between: a commit of a first index brings 2,000 chunks, 60–80 ms of work on this thread in one piece.
   */
  private async addTerms(chunks: readonly TermIndexedChunk[], symbols: readonly SymbolRow[]): Promise<void> {
    for (let i = 0; i < chunks.length; i += TERM_SLICE) {
      if (i) await nextTurn();
      this.chunkTerms.add(chunks.slice(i, i + TERM_SLICE));
    }
    // A definition's document: its own names, signature and doc (locals have none and are left out).
    const heads = symbols.filter((s) => s.fts_head);
    for (let i = 0; i < heads.length; i += TERM_SLICE * 4) {
      await nextTurn();
      this.symbolTerms.add(heads.slice(i, i + TERM_SLICE * 4).map((s) => ({ path: s.path, start_line: s.start_line, end_line: s.end_line, symbol: s.name, refs: '', fts_head: s.fts_head })));
    }
  }

  get files(): ReadonlyMap<string, FileRow> {
    return this.fileMap;
  }

  get embeddingInfo(): Meta['embedding'] {
    return this.meta.embedding;
  }

  async countChunks(): Promise<number> {
    return this.chunksTable.countRows();
  }

  /**
   * Replaces what the index holds for some files and removes others, in the
   * crash-safe order described on the class.
   */
  apply(changes: FileChange[], removals: string[] = []): Promise<void> {
    const paths = new Set([...changes.map((c) => c.file.path), ...removals]);
    return this.committingPaths(paths, () => this.applyNow(changes, [...paths]));
  }

  private async applyNow(changes: FileChange[], paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    // Only paths that may have rows need a delete (a scan of the table): files the
    // index knows, and files of an apply that failed half-way. Orphans from
    // another process's crash were dropped on open.
    const known = paths.filter((p) => this.fileMap.has(p));
    const stale = paths.filter((p) => this.fileMap.has(p) || this.unclean.has(p));
    for (const p of paths) this.unclean.add(p);
    await this.deleteWhere([this.filesTable], known);
    for (const p of paths) this.fileMap.delete(p);
    // Chunks and symbols are written side by side, between the file row's removal and its return
    // (the order crash safety needs): each LanceDB write of a save is a few ms of its own threads,
    // and one after another they were most of a save's commit.
    await Promise.all([this.deleteWhere([this.chunksTable], stale), this.deleteWhere([this.symbolsTable], stale)]);
    const chunks = changes.flatMap((c) => c.chunks);
    const symbols = changes.flatMap((c) => c.symbols);
    await Promise.all([
      chunks.length ? this.arrowRows(chunks, chunkSchema).then((rows) => this.chunksTable.add(rows)) : null,
      symbols.length ? this.arrowRows(symbols, symbolSchema).then((rows) => this.symbolsTable.add(rows)) : null,
    ]);
    if (changes.length) await this.filesTable.add(await this.arrowRows(changes.map((c) => c.file), fileSchema));
    for (const c of changes) this.fileMap.set(c.file.path, c.file);
    for (const p of paths) this.unclean.delete(p);
    this.symbols.removePaths(paths);
    this.symbols.add(symbols);
    this.chunkTerms.removePaths(paths);
    this.symbolTerms.removePaths(paths);
    this.changedRows += chunks.length + paths.length;
    this.rowsSinceBuild += chunks.length;
    this.commits++;
    this.version++;
    // Last, as it lets requests run between its slices: they see the rest of the commit whole. The
    // term index is derived data: a failure there is logged and must not fail a commit that landed.
    try {
      await this.addTerms(chunks, symbols);
    } catch (err) {
      this.log.warn(`the in-memory full-text index missed ${chunks.length} chunks: ${(err as Error).message}`);
    }
  }

  /** A file whose content is unchanged but whose stat moved (touch, checkout): only its row is rewritten. */
  touchFiles(rows: FileRow[]): Promise<void> {
    if (!rows.length) return Promise.resolve();
    return this.exclusive(() => this.touchNow(rows));
  }

  private async touchNow(rows: FileRow[]): Promise<void> {
    await this.deleteWhere([this.filesTable], rows.map((r) => r.path));
    await this.filesTable.add(await this.arrowRows(rows, fileSchema));
    for (const r of rows) this.fileMap.set(r.path, r);
    this.commits++;
  }

  private async deleteWhere(tables: lancedb.Table[], paths: string[]): Promise<void> {
    for (let i = 0; i < paths.length; ) {
      let end = i;
      for (let chars = 0; end < paths.length && end - i < DELETE_BATCH && chars < DELETE_BATCH_CHARS; end++) chars += paths[end].length + 4;
      const filter = sqlIn('path', paths.slice(i, end));
      for (const t of tables) await t.delete(filter);
      i = end;
    }
  }

  /** Compacts once enough commits have piled up since the last optimize (see COMPACT_EVERY_COMMITS); true when it did. */
  async compactIfFragmented(): Promise<boolean> {
    if (this.commits < COMPACT_EVERY_COMMITS) return false;
    await this.exclusive(() => (this.commits < COMPACT_EVERY_COMMITS ? Promise.resolve() : this.optimizeNow(true)));
    return true;
  }

  /**
   * Keeps the path indexes current and compacts small fragments. New rows
   * are searchable before this (the term indexes are in memory), so it can
   * wait for a quiet moment.
   */
  optimize(force = false): Promise<void> {
    return this.exclusive(() => this.optimizeNow(force));
  }

  /**
   * During a long pass of commits (a first index), builds the path indexes again once the rows they
   * miss are more than UNINDEXED_ROWS and as many as they hold (so all the builds of a pass cost at
   * most twice the last), or, with `final`, whenever they miss more than UNINDEXED_ROWS; a pass that
   * added fewer ends with `optimize`. Compaction waits (COMPACT_EVERY_COMMITS): done during a first
   * index, it cost a tenth of the time and most of the peak memory.
   */
  async refreshIndexes(final = false): Promise<void> {
    const big = this.rowsSinceBuild > UNINDEXED_ROWS;
    if (!final) {
      if (big && this.rowsSinceBuild >= this.indexedRows) {
        // Beside the commit chain, not in it: a save must not wait for a build (LanceDB commits
        // appends and deletes beside an index build; the rows they write are the build's unindexed rows).
        await this.buildPathIndexes(false);
        this.builtInPass = true;
      }
      return;
    }
    return this.exclusive(async () => {
      // The end of a pass: one that built the indexes as it went builds them once more rather than
      // compacting everything it wrote; a small one (a restart's catch-up) is optimized as before.
      if (big || (this.builtInPass && this.rowsSinceBuild > 0)) {
        await this.buildPathIndexes(false);
        this.commits = 0;
      } else await this.optimizeNow(false);
      this.builtInPass = false;
    });
  }

  /**
   * Builds the tables' path indexes (`missingOnly`: those not there yet), side by side. What was
   * committed before it started is then indexed; what was committed meanwhile is still counted as not.
   */
  private async buildPathIndexes(missingOnly: boolean): Promise<void> {
    const before = { changed: this.changedRows, rows: this.rowsSinceBuild };
    let built = false;
    // Every build settled before anything fails: an exclusive mutation must not leave builds running.
    const builds = await Promise.allSettled([this.chunksTable, this.symbolsTable, this.filesTable].map(async (table) => {
      if ((missingOnly && (await table.listIndices()).some((i) => i.name === PATH_INDEX)) || (await table.countRows()) === 0) return;
      await table.createIndex('path', { name: PATH_INDEX, replace: true, config: lancedb.Index.btree() });
      if (table === this.chunksTable) built = true;
    }));
    const failed = builds.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) throw failed.reason;
    // What the bookkeeping counts is the chunks' rows.
    if (built) {
      this.changedRows = Math.max(0, this.changedRows - before.changed);
      this.rowsSinceBuild = Math.max(0, this.rowsSinceBuild - before.rows);
      this.indexedRows = (await this.chunksTable.countRows()) - this.rowsSinceBuild;
    }
  }

  private async optimizeNow(force: boolean): Promise<void> {
    await this.buildPathIndexes(true);
    if (force || this.changedRows > 0) {
      for (const t of [this.filesTable, this.chunksTable, this.symbolsTable, this.embeddings]) {
        if (t) await t.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
      }
      this.changedRows = 0;
      this.rowsSinceBuild = 0;
      this.commits = 0;
    }
  }

  /**
   * The chunks most like a piece of code (the cursor's window): BM25 over the code-aware field, in
   * memory (store/chunk-terms.ts), current as of the last commit.
   */
  searchText(query: string, limit: number, opts: { excludePaths?: string[]; keepPath?: (path: string) => boolean } = {}): ChunkHit[] {
    const q = codeSearchQuery(query, MAX_QUERY_TERMS);
    if (!q) return [];
    return this.chunkTerms.search(q.split(' '), limit, new Set(opts.excludePaths), opts.keepPath);
  }

  /**
   * Full-text search for a question in words: its content words (stop words dropped) over the
   * chunks' two full-text fields, a match in the names, signatures and docs (`fts_head`) weighing
   * HEAD_BOOST times one in the text; and over each definition's own names, signature and doc
   * (the symbols' `fts_head`), whose best match in a chunk found adds DEFINITION_BOOST times its
   * score: a small function merged into a chunk with its neighbours is still its own document there.
   * The scores are BM25 sums, from the in-memory term indexes (no table is read: beside a first
   * index, reading the answer's rows from LanceDB took 45–125 ms): comparable within one answer only.
   */
  searchQuestion(query: string, limit: number): ChunkHit[] {
    const q = questionQuery(query, MAX_QUERY_TERMS);
    if (!q.words) return [];
    const stems = q.stems.split(' ');
    // The text field is matched by the words as written (it serves the cursor's search too), the names-and-docs fields by their stems.
    const chunks = this.chunkTerms.searchFields([{ field: 'fts_head', terms: stems, boost: HEAD_BOOST }, { field: 'fts', terms: q.words.split(' ') }], limit);
    const defs = this.symbolTerms.searchFields([{ field: 'fts_head', terms: stems }], limit);
    // Each definition counts for the chunk that holds its first line, among the chunk matches (a chunk
    // outside them did not reach the answer's first places in bench:search even with the boost).
    return chunks
      .map((c) => ({ ...c, score: c.score + DEFINITION_BOOST * Math.max(0, ...defs.filter((d) => holds(c, d)).map((d) => d.score)) }))
      .sort((a, b) => b.score - a.score);
  }

  /** The chunks of a file as the index holds them (where, what they define, their kind), in line order, from memory. */
  chunkSpansOf(p: string): ChunkHit[] {
    return this.chunkTerms.chunksOf(p);
  }

  async chunksByHash(hashes: string[]): Promise<ChunkRow[]> {
    const out: ChunkRow[] = [];
    for (let i = 0; i < hashes.length; i += IN_BATCH) {
      out.push(...((await this.reading(() => this.chunksTable.query().where(sqlIn('hash', hashes.slice(i, i + IN_BATCH))).toArray())) as ChunkRow[]));
    }
    return out;
  }

  /**
   * Chunks whose references include `name` (a whole identifier), at most `limit`, from the
   * in-memory term index: no table is read, so a keystroke's context may ask too.
   */
  chunksReferencing(name: string, limit: number): ChunkHit[] {
    const token = referenceToken(name);
    return token ? this.chunkTerms.referencing(name, token, limit) : [];
  }

  /** How many files the first `limit` chunks referencing `name` lie in: chunksReferencing's files, counted without listing them. */
  filesReferencing(name: string, limit: number): number {
    const token = referenceToken(name);
    return token ? this.chunkTerms.filesReferencing(name, token, limit) : 0;
  }

  async allChunks(columns?: (keyof ChunkRow)[]): Promise<ChunkRow[]> {
    const q = this.chunksTable.query();
    return (await (columns ? q.select(columns as string[]) : q).toArray()) as ChunkRow[];
  }

  // ---- vectors -------------------------------------------------------------

  /** Sets the embedding model; vectors of a different model or width are dropped. */
  useEmbedding(model: string, dims: number): Promise<void> {
    return this.exclusive(() => this.useEmbeddingNow(model, dims));
  }

  private async useEmbeddingNow(model: string, dims: number): Promise<void> {
    const cur = this.meta.embedding;
    if (cur && cur.model === model && cur.dims === dims) return;
    if (this.embeddings) {
      this.log.info(`embedding model changed (${cur?.model ?? 'none'} → ${model}): dropping old vectors`);
      await this.db.dropTable('embeddings');
      this.embeddings = null;
      this.embedded.clear();
    }
    this.meta = { ...this.meta, embedding: { model, dims } };
    writeMeta(path.join(this.dir, 'meta.json'), this.meta);
  }

  /** Chunk hashes that have no vector yet, in file order. */
  pendingHashes(): string[] {
    const out = new Set<string>();
    for (const f of this.fileMap.values()) {
      for (const h of f.chunk_hashes.split(' ')) if (h && !this.embedded.has(h)) out.add(h);
    }
    return [...out];
  }

  hasVectors(): boolean {
    return this.embedded.size > 0;
  }

  addEmbeddings(rows: EmbeddingRow[]): Promise<void> {
    return this.exclusive(() => this.addEmbeddingsNow(rows));
  }

  private async addEmbeddingsNow(rows: EmbeddingRow[]): Promise<void> {
    const fresh = rows.filter((r) => !this.embedded.has(r.hash));
    if (!fresh.length) return;
    const dims = this.meta.embedding?.dims;
    if (!dims) throw new CvuError('CVU_ERR_INDEX', 'addEmbeddings before useEmbedding');
    const data = fresh.map((r) => ({ hash: r.hash, vector: Array.from(r.vector) }));
    if (!this.embeddings) {
      this.embeddings = await this.db.createEmptyTable('embeddings', embeddingSchema(dims), { existOk: true });
    }
    await this.embeddings.add(data);
    for (const r of fresh) this.embedded.add(r.hash);
    this.commits++;
  }

  async searchVector(vector: Float32Array, limit: number): Promise<VectorHit[]> {
    if (!this.embeddings || this.embedded.size === 0) return [];
    const table = this.embeddings;
    const rows = await this.reading(() => table.vectorSearch(Array.from(vector)).distanceType('cosine').select(['hash', '_distance']).limit(limit).toArray());
    return rows.map((r) => ({ hash: r.hash as string, distance: r._distance as number }));
  }

  /** Vectors whose chunks are gone; removed once they are a noticeable share. */
  collectGarbage(): Promise<number> {
    return this.exclusive(() => this.collectGarbageNow());
  }

  private async collectGarbageNow(): Promise<number> {
    if (!this.embeddings) return 0;
    const live = new Set<string>();
    for (const f of this.fileMap.values()) for (const h of f.chunk_hashes.split(' ')) if (h) live.add(h);
    const dead = [...this.embedded].filter((h) => !live.has(h));
    if (dead.length < Math.max(64, this.embedded.size * 0.2)) return 0;
    for (let i = 0; i < dead.length; i += IN_BATCH) await this.embeddings.delete(sqlIn('hash', dead.slice(i, i + IN_BATCH)));
    for (const h of dead) this.embedded.delete(h);
    return dead.length;
  }

  /** Runs one mutation alone: after those already queued and every commit of files in flight (see `mutating`). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.allWrites().then(fn);
    this.mutating = run.catch(() => {});
    return run;
  }

  /** Runs a commit of `paths` after the exclusive mutation queued last and the commits in flight that share a path. */
  private committingPaths<T>(paths: ReadonlySet<string>, fn: () => Promise<T>): Promise<T> {
    const before = [this.mutating, ...[...this.committing].filter((c) => [...c.paths].some((p) => paths.has(p))).map((c) => c.done)];
    const run = Promise.allSettled(before).then(fn);
    const entry = { paths, done: run.catch(() => {}) };
    this.committing.add(entry);
    void entry.done.then(() => this.committing.delete(entry));
    return run;
  }

  /** Settles when the exclusive mutation queued last and every commit of files in flight have. */
  private allWrites(): Promise<unknown> {
    return Promise.allSettled([this.mutating, ...[...this.committing].map((c) => c.done)]);
  }

  /**
   * A search's read of the tables, counted until it settles: cursor retrieval stops waiting for a
   * search that misses its deadline, and the store must not close under it.
   */
  private reading<T>(read: () => Promise<T>): Promise<T> {
    const p = read();
    this.reads.add(p);
    const settled = () => this.reads.delete(p);
    p.then(settled, settled);
    return p;
  }

  async close(): Promise<void> {
    await this.allWrites();
    await Promise.allSettled([...this.reads]);
    this.db.close();
  }
}

/**
 * LanceDB's caches default to 6 GB (indexes) and 1 GB (metadata) per session;
 * a daemon beside an editor on an 8 GB laptop gets a bounded share, shared
 * by every workspace's index.
 */
const INDEX_CACHE_BYTES = 64n * 1024n * 1024n;
const METADATA_CACHE_BYTES = 32n * 1024n * 1024n;
let session: lancedb.Session | null = null;
function sharedSession(): lancedb.Session {
  session ??= new lancedb.Session(INDEX_CACHE_BYTES, METADATA_CACHE_BYTES);
  return session;
}

/** Whether a chunk holds a definition's first line. */
function holds(c: { path: string; start_line: number; end_line: number }, d: { path: string; start_line: number }): boolean {
  return c.path === d.path && c.start_line <= d.start_line && d.start_line <= c.end_line;
}

/** Arrow rows carry extra prototype fields; keep plain objects in memory. */
function normalizeSymbol(r: SymbolRow): SymbolRow {
  return { name: r.name, kind: r.kind, path: r.path, start_line: r.start_line, end_line: r.end_line, container: r.container ?? null, signature: r.signature, exported: Boolean(r.exported) };
}

function readMeta(p: string): Meta | null {
  try {
    const m = JSON.parse(fs.readFileSync(p, 'utf8')) as Meta;
    return typeof m.schemaVersion === 'number' ? m : null;
  } catch {
    return null;
  }
}

function writeMeta(p: string, meta: Meta): void {
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(meta, null, 2));
  fs.renameSync(tmp, p);
}

/**
 * Rows as an Arrow table of `schema`, converted a slice at a time with the event loop turning in
 * between. Given an array, LanceDB converts it in one piece on this thread: a first index's commit
 * of 2,000 chunks held it about 65 ms, and a request that arrived meanwhile waited for all of it.
 */
async function arrowInSlices(rows: readonly object[], schema: Schema): Promise<ArrowTable> {
  const parts = [rowsToArrow(rows.slice(0, ARROW_SLICE), schema)];
  for (let i = ARROW_SLICE; i < rows.length; i += ARROW_SLICE) {
    await nextTurn();
    parts.push(rowsToArrow(rows.slice(i, i + ARROW_SLICE), schema));
  }
  // Joined by the parts' own class: LanceDB's Arrow is the package's CommonJS build, not the module this file imports.
  return parts[0].concat(...parts.slice(1));
}

/** Lets the event loop run what is waiting (a request) before going on. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A whole identifier's token as the chunks' code-aware text has it (its first), or null for anything else. */
function referenceToken(name: string): string | null {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return null;
  return codeSearchText(name, 1).split(' ')[0] || null;
}
