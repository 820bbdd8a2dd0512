import { grown, NONE, StringPool } from './columns.js';
import { hashTerm, TermPostings } from './term-postings.js';
import type { ChunkRow } from './rows.js';

/** A full-text field the index can hold: the code-aware text (`fts`), or names, signatures and docs (`fts_head`). */
export type TermField = 'fts' | 'fts_head';

/** What the index keeps of a chunk: where it is, what it defines and references, its full-text fields. */
export type TermIndexedChunk = Pick<ChunkRow, 'path' | 'start_line' | 'end_line' | 'symbol' | 'refs'> & { kind?: string | null; fts?: string | null; fts_head?: string | null };

/** A chunk found by its terms (its text is read from the file when needed). */
export interface ChunkHit {
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  /** The chunk's kind (`function`, `class`, `statements`…), null when it was not given. */
  kind: string | null;
  /** Identifiers the chunk references, space-separated. */
  refs: string;
  /** BM25 over the query's terms: comparable within one answer only. */
  score: number;
}

/** Terms matched in one field, each match's BM25 times `boost` (a term of several clauses counts in each). */
export interface FieldQuery {
  field: TermField;
  terms: readonly string[];
  boost?: number;
}

/** BM25's term-frequency saturation and length normalisation, as LanceDB's full-text search scores them (what this index replaced). */
const K1 = 1.2;
const B = 0.75;
/** A posting is `slot * TF_SPAN + tf` (a small integer in V8); counts past the span are capped. */
const TF_SPAN = 256;
/** Removed chunks are purged from the postings once they outnumber the live ones (and at least this many). */
const PURGE_MIN = 1024;
/** Tokens longer than this are not indexed (as LanceDB's `maxTokenLength` of 64 left them out). */
const MAX_TOKEN_LENGTH = 64;

/** One field of the index: its postings, and each slot's token count (0: removed or free). */
class FieldTerms {
  readonly postings = new TermPostings();
  length = new Int32Array(0);
  total = 0;
  /** Per term: 1 + the slot of the chunk that last counted it, and where (see addDocument). */
  seen = new Int32Array(0);
  at = new Int32Array(0);

  /** Indexes `text` (space-separated tokens) as slot's document, its distinct terms counted in the scratch arrays. */
  addDocument(slot: number, text: string, terms: Int32Array, counts: Int32Array): void {
    // A chunk's distinct terms and their counts, without a map per chunk: `seen[term]` says which
    // chunk last counted the term and `at[term]` where, in `terms`/`counts`.
    let distinct = 0;
    let length = 0;
    for (let start = 0; start < text.length; ) {
      let end = text.indexOf(' ', start);
      if (end < 0) end = text.length;
      if (end > start && end - start <= MAX_TOKEN_LENGTH) {
        length++;
        const [a, b] = hashTerm(text, start, end);
        const term = this.postings.intern(a, b);
        if (term >= this.seen.length) {
          this.seen = grown(this.seen, Math.max(1024, term * 2));
          this.at = grown(this.at, this.seen.length);
        }
        if (this.seen[term] === slot + 1) counts[this.at[term]]++;
        else if (distinct < terms.length) {
          this.seen[term] = slot + 1;
          this.at[term] = distinct;
          terms[distinct] = term;
          counts[distinct++] = 1;
        }
      }
      start = end + 1;
    }
    for (let i = 0; i < distinct; i++) this.postings.add(terms[i], slot * TF_SPAN + Math.min(counts[i], TF_SPAN - 1));
    // A chunk with no tokens still counts as a document (as LanceDB counts it).
    this.length[slot] = Math.max(1, length);
    this.total += this.length[slot];
  }

  remove(slot: number): void {
    this.total -= this.length[slot];
    this.length[slot] = 0;
  }

  /** Adds the BM25 of `terms` over `live` documents into `scores`, times `boost`; slots scored first are pushed to `touched`. */
  score(terms: readonly string[], boost: number, live: number, scores: Float64Array, touched: number[]): void {
    const average = this.total / live;
    for (const t of new Set(terms)) {
      const term = this.termId(t);
      if (term === NONE) continue;
      // Removed chunks still in the list make it look a little more common until the purge.
      const df = Math.min(this.postings.length(term), live);
      const idf = Math.log(1 + (live - df + 0.5) / (df + 0.5));
      this.postings.forEach(term, (posting) => {
        const slot = Math.floor(posting / TF_SPAN);
        const length = this.length[slot];
        if (length === 0) return;
        const tf = posting % TF_SPAN;
        if (scores[slot] === 0) touched.push(slot);
        scores[slot] += (boost * idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / average));
      });
    }
  }

  /** Calls `visit` with each live slot whose document has `term`, in the order indexed, until it returns false. */
  forEachSlotWith(term: string, visit: (slot: number) => boolean): void {
    const id = this.termId(term);
    if (id === NONE) return;
    this.postings.forEach(id, (posting) => {
      const slot = Math.floor(posting / TF_SPAN);
      return this.length[slot] === 0 || visit(slot);
    });
  }

  /** A term's id, NONE when no document has it (or it is too long to be indexed). */
  private termId(term: string): number {
    if (!term || term.length > MAX_TOKEN_LENGTH) return NONE;
    const [a, b] = hashTerm(term, 0, term.length);
    return this.postings.find(a, b);
  }

  /** Drops the postings of slots `live` rejects; term ids are reused from here on, so nothing may look counted already. */
  purge(live: (slot: number) => boolean): void {
    this.postings.rebuild((posting) => live(Math.floor(posting / TF_SPAN)));
    this.seen.fill(0);
  }
}

/**
 * An in-memory BM25 index of full-text fields of the chunks (store/code-text.ts): the code-aware
 * text (`fts`), the similar-code search of every keystroke's context, and the names, signatures and
 * docs (`fts_head`) that a question in words is matched against (`/search`); with `fts_head` alone,
 * the same of each definition (the symbols table). Mirrors its table as the symbol table mirrors
 * `symbols`.
 *
 * LanceDB's full-text search answers the same query in 6 ms on an idle two-core machine but hops
 * between its threads several times, and each hop waits for a core: beside two busy threads (even
 * niced ones, as the background parsing and embedding are) it took 12 ms at p50 and 34 at p95, and
 * the context waits for it. Here the query is one pass over its terms' postings on the calling
 * thread: 3 ms at p50 and 7 at p95 under the same load, on 11,000 chunks. A chunk is searchable as
 * soon as its file's commit lands, without waiting for an index build (LanceDB's builds took a
 * fifth of a first index's time, and a /search during one read 100–450 ms).
 *
 * Postings are blocks of one Int32Array, terms known by a hash (store/term-postings.ts); a chunk's
 * columns are typed arrays, its path and symbol interned: about 5 bytes a (term, chunk) pair. Removed
 * chunks stay in the postings (skipped) until they outnumber the live ones; their slots are reused
 * after that purge.
 */
export class ChunkTermIndex {
  private readonly fields: FieldTerms[];
  private readonly paths = new StringPool();
  private readonly symbols = new StringPool();
  private readonly kinds = new StringPool();
  private readonly slotsByPath = new Map<string, number[]>();
  private path = new Int32Array(0);
  private start = new Int32Array(0);
  private end = new Int32Array(0);
  private symbol = new Int32Array(0);
  private kind = new Int32Array(0);
  private refs: string[] = [];
  private used = 0;
  private readonly free: number[] = [];
  /** Removed slots still named by postings. */
  private removed: number[] = [];
  private live = 0;
  private scores = new Float64Array(0);
  /** filesReferencing's answers until the chunks change: a typed receiver's API asks for each of its members on every keystroke. */
  private readonly fileCounts = new Map<string, number>();
  /** The chunk being added: its distinct terms and their counts (a chunk has at most 4,000 tokens). */
  private readonly chunkTerms = new Int32Array(8192);
  private readonly chunkCounts = new Int32Array(8192);

  /** `fieldNames[0]` is the field `search` matches. */
  constructor(private readonly fieldNames: readonly TermField[] = ['fts']) {
    this.fields = fieldNames.map(() => new FieldTerms());
  }

  get size(): number {
    return this.live;
  }

  add(chunks: Iterable<TermIndexedChunk>): void {
    this.fileCounts.clear();
    for (const c of chunks) {
      const slot = this.alloc();
      for (let f = 0; f < this.fields.length; f++) this.fields[f].addDocument(slot, c[this.fieldNames[f]] ?? '', this.chunkTerms, this.chunkCounts);
      this.path[slot] = this.paths.id(c.path);
      this.start[slot] = c.start_line;
      this.end[slot] = c.end_line;
      this.symbol[slot] = c.symbol === null || c.symbol === undefined ? NONE : this.symbols.id(c.symbol);
      this.kind[slot] = c.kind === null || c.kind === undefined ? NONE : this.kinds.id(c.kind);
      this.refs[slot] = c.refs;
      this.live++;
      const p = this.paths.at(this.path[slot]);
      const list = this.slotsByPath.get(p);
      if (list) list.push(slot);
      else this.slotsByPath.set(p, [slot]);
    }
  }

  removePaths(paths: Iterable<string>): void {
    this.fileCounts.clear();
    for (const p of paths) {
      const slots = this.slotsByPath.get(p);
      if (!slots) continue;
      this.slotsByPath.delete(p);
      for (const slot of slots) {
        for (const f of this.fields) f.remove(slot);
        this.refs[slot] = '';
        this.live--;
        this.removed.push(slot);
      }
    }
    if (this.removed.length >= PURGE_MIN && this.removed.length > this.live) this.purge();
  }

  /**
   * The chunks that best match `terms` (each counted once) in the first field, by BM25, best first;
   * chunks of `excludePaths`, and of paths `keepPath` turns down, are left out.
   */
  search(terms: readonly string[], limit: number, excludePaths: ReadonlySet<string> = new Set(), keepPath?: (path: string) => boolean): ChunkHit[] {
    return this.searchFields([{ field: this.fieldNames[0], terms }], limit, excludePaths, keepPath);
  }

  /**
   * The chunks that best match any of the queries, by the sum of their BM25 scores times their
   * boosts (LanceDB's boolean query of `should` clauses), best first.
   */
  searchFields(queries: readonly FieldQuery[], limit: number, excludePaths: ReadonlySet<string> = new Set(), keepPath?: (path: string) => boolean): ChunkHit[] {
    if (this.live === 0 || limit <= 0) return [];
    const scores = this.scores;
    const touched: number[] = [];
    for (const q of queries) {
      const f = this.fieldNames.indexOf(q.field);
      if (f < 0) throw new Error(`no ${q.field} field in this term index`);
      this.fields[f].score(q.terms, q.boost ?? 1, this.live, scores, touched);
    }
    const excluded = new Set<number>();
    for (const p of excludePaths) {
      const id = this.paths.find(p);
      if (id !== undefined) excluded.add(id);
    }
    // The best `limit` by a heap: a query with `const` or `return` touches most chunks, and sorting
    // them all took tens of ms on 50,000 chunks (a storm of new files, /context asked meanwhile).
    const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
    const heap: number[] = [];
    // Asked once per file, the first time one of its chunks matches.
    const kept = new Map<number, boolean>();
    const keep = (id: number) => {
      let k = kept.get(id);
      if (k === undefined) kept.set(id, (k = keepPath!(this.paths.at(id))));
      return k;
    };
    for (const s of touched) {
      if (excluded.has(this.path[s]) || (keepPath && !keep(this.path[s]))) continue;
      if (heap.length < limit) heapPush(heap, s, better);
      else if (better(s, heap[0])) heapReplaceTop(heap, s, better);
    }
    const best = heap.sort((a, b) => (better(a, b) ? -1 : 1));
    const hits = best.map((s) => this.hit(s, scores[s]));
    for (const s of touched) scores[s] = 0;
    return hits;
  }

  /**
   * The chunks whose references (`refs`) name `name`, a whole identifier, at most `limit` (score 0):
   * the chunks whose first field has the identifier's token (`token`, code-text.ts's form of it),
   * narrowed to those that reference the name itself. No index of the references is kept: the
   * postings find the few chunks to look at.
   */
  referencing(name: string, token: string, limit: number): ChunkHit[] {
    const out: ChunkHit[] = [];
    this.forEachReferencing(name, token, limit, (slot) => out.push(this.hit(slot, 0)));
    return out;
  }

  /** How many files have one of the first `limit` chunks that reference `name` (whose text has its `token`): referencing's files, counted without listing them. */
  filesReferencing(name: string, token: string, limit: number): number {
    const key = `${name}\0${limit}`;
    const known = this.fileCounts.get(key);
    if (known !== undefined) return known;
    const files = new Set<number>();
    this.forEachReferencing(name, token, limit, (slot) => files.add(this.path[slot]));
    if (this.fileCounts.size >= FILE_COUNTS_MAX) this.fileCounts.clear();
    this.fileCounts.set(key, files.size);
    return files.size;
  }

  /** Each of the first `limit` chunks, in the order indexed, whose text has `token` and whose refs list `name`. */
  private forEachReferencing(name: string, token: string, limit: number, visit: (slot: number) => void): void {
    if (limit <= 0) return;
    let found = 0;
    this.fields[0].forEachSlotWith(token, (slot) => {
      if (!listsWord(this.refs[slot], name)) return true;
      visit(slot);
      return ++found < limit;
    });
  }

  /** The chunks of one file, in line order (score 0). */
  chunksOf(path: string): ChunkHit[] {
    return (this.slotsByPath.get(path) ?? []).map((s) => this.hit(s, 0)).sort((a, b) => a.start_line - b.start_line);
  }

  private hit(slot: number, score: number): ChunkHit {
    return {
      path: this.paths.at(this.path[slot]),
      start_line: this.start[slot],
      end_line: this.end[slot],
      symbol: this.symbol[slot] === NONE ? null : this.symbols.at(this.symbol[slot]),
      kind: this.kind[slot] === NONE ? null : this.kinds.at(this.kind[slot]),
      refs: this.refs[slot],
      score,
    };
  }

  private alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.path.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const capacity = Math.max(1024, this.path.length * 2);
    this.path = grown(this.path, capacity);
    this.start = grown(this.start, capacity);
    this.end = grown(this.end, capacity);
    this.symbol = grown(this.symbol, capacity);
    this.kind = grown(this.kind, capacity);
    for (const f of this.fields) f.length = grown(f.length, capacity);
    this.scores = grown(this.scores, capacity);
  }

  /** Drops removed chunks from the postings (and terms no chunk has any more); their slots are free again. */
  private purge(): void {
    const first = this.fields[0];
    for (const f of this.fields) f.purge((slot) => first.length[slot] !== 0);
    for (const slot of this.removed) this.free.push(slot);
    this.removed = [];
  }
}

/** A binary heap whose top is its worst item (by `better`): the best `limit` of a stream. */
function heapPush(heap: number[], item: number, better: (a: number, b: number) => boolean): void {
  let i = heap.push(item) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!better(heap[parent], heap[i])) break;
    [heap[parent], heap[i]] = [heap[i], heap[parent]];
    i = parent;
  }
}

function heapReplaceTop(heap: number[], item: number, better: (a: number, b: number) => boolean): void {
  heap[0] = item;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let worst = i;
    if (l < heap.length && better(heap[worst], heap[l])) worst = l;
    if (r < heap.length && better(heap[worst], heap[r])) worst = r;
    if (worst === i) return;
    [heap[worst], heap[i]] = [heap[i], heap[worst]];
    i = worst;
  }
}

/** filesReferencing's answers kept at most (a few MB of short keys). */
const FILE_COUNTS_MAX = 50_000;

/** Whether a space-separated list has `word` as one of its items (no copy of the list made). */
function listsWord(list: string, word: string): boolean {
  for (let at = list.indexOf(word); at >= 0; at = list.indexOf(word, at + 1)) {
    if ((at === 0 || list.charCodeAt(at - 1) === 32) && (at + word.length === list.length || list.charCodeAt(at + word.length) === 32)) return true;
  }
  return false;
}
