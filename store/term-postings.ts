import { grown, NONE } from './columns.js';

/**
 * Postings lists of integers by term, compact enough for a monorepo: 55,000 chunks have about four
 * million (term, chunk) pairs and a few hundred thousand distinct terms. As a Map of strings to
 * JavaScript arrays they cost 19 bytes a posting (120 MB more resident set on the 12,500-file
 * bench:scale tree); here they cost about 5.
 *
 * - A term is known by a 64-bit hash of its characters (two 32-bit hashes), not by its string:
 *   nothing of the text is kept. Two terms whose hashes both collide share a list; at a million
 *   distinct terms that is expected less than once in ten thousand code bases.
 * - A term's list is a chain of blocks in one Int32Array, each twice the size of the one before
 *   (up to MAX_BLOCK), so a term seen once costs 4 ints and a long list wastes little.
 * - `rebuild(keep)` lays out every list again without the values `keep` rejects, in one block per
 *   list, and forgets terms left with none.
 */
export class TermPostings {
  /** Per term id: its hash, its first and last blocks, the values in its last block, its values in all. */
  private hashA = new Int32Array(0);
  private hashB = new Int32Array(0);
  private head = new Int32Array(0);
  private tail = new Int32Array(0);
  private fill = new Int32Array(0);
  private count = new Int32Array(0);
  private inUse = new Uint8Array(0);
  /** Term ids handed out so far (freed ones are reused first). */
  private terms = 0;
  private readonly freeTerms: number[] = [];
  /** Open addressing from a term's hash to its id (NONE: empty); a power of two, at most half full. */
  private table = new Int32Array(1024).fill(NONE);
  private live = 0;
  /** Blocks: [next block, capacity, value × capacity]. */
  private pool = new Int32Array(1 << 16);
  private poolUsed = 0;

  /** Distinct terms held. */
  get size(): number {
    return this.live;
  }

  /** The id of a term hashed by hashTerm (NONE when unknown). */
  find(a: number, b: number): number {
    const mask = this.table.length - 1;
    for (let i = mix(a, b) & mask; ; i = (i + 1) & mask) {
      const id = this.table[i];
      if (id === NONE) return NONE;
      if (this.hashA[id] === a && this.hashB[id] === b) return id;
    }
  }

  /** The id of a term, made if new. */
  intern(a: number, b: number): number {
    const known = this.find(a, b);
    if (known !== NONE) return known;
    const id = this.freeTerms.pop() ?? this.terms++;
    if (id >= this.hashA.length) this.growTerms(id + 1);
    this.hashA[id] = a;
    this.hashB[id] = b;
    this.head[id] = this.tail[id] = NONE;
    this.fill[id] = this.count[id] = 0;
    this.inUse[id] = 1;
    this.live++;
    if (this.live * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(id);
    return id;
  }

  /** How many values a term's list holds. */
  length(term: number): number {
    return this.count[term];
  }

  add(term: number, value: number): void {
    let block = this.tail[term];
    if (block === NONE || this.fill[term] === this.pool[block + 1]) {
      const next = this.allocate(block === NONE ? FIRST_BLOCK : Math.min(MAX_BLOCK, this.pool[block + 1] * 2));
      if (block === NONE) this.head[term] = next;
      else this.pool[block] = next;
      this.tail[term] = block = next;
      this.fill[term] = 0;
    }
    this.pool[block + 2 + this.fill[term]++] = value;
    this.count[term]++;
  }

  /** Calls `visit` with each value of a term's list, in the order added, until it returns false. */
  forEach(term: number, visit: (value: number) => boolean | void): void {
    const pool = this.pool;
    const last = this.tail[term];
    for (let block = this.head[term]; block !== NONE; block = pool[block]) {
      const n = block === last ? this.fill[term] : pool[block + 1];
      for (let i = 0; i < n; i++) if (visit(pool[block + 2 + i]) === false) return;
    }
  }

  /** Lays every list out again with only the values `keep` accepts; terms left with none are forgotten. */
  rebuild(keep: (value: number) => boolean): void {
    // Counted first, so that the new pool is allocated once, at its size.
    let size = 0;
    for (let term = 0; term < this.terms; term++) {
      if (!this.inUse[term]) continue;
      let n = 0;
      this.forEach(term, (v) => {
        if (keep(v)) n++;
      });
      if (n) size += 2 + Math.max(FIRST_BLOCK, n);
    }
    const pool = new Int32Array(Math.max(1 << 16, Math.ceil(size * 1.25)));
    let used = 0;
    for (let term = 0; term < this.terms; term++) {
      if (!this.inUse[term]) continue;
      const block = used;
      let n = 0;
      this.forEach(term, (v) => {
        if (keep(v)) pool[block + 2 + n++] = v;
      });
      if (n === 0) {
        this.inUse[term] = 0;
        this.freeTerms.push(term);
        this.live--;
        continue;
      }
      pool[block] = NONE;
      pool[block + 1] = Math.max(FIRST_BLOCK, n);
      used += 2 + pool[block + 1];
      this.head[term] = this.tail[term] = block;
      this.fill[term] = this.count[term] = n;
    }
    this.pool = pool;
    this.poolUsed = used;
    this.rehash(this.table.length);
  }

  private allocate(capacity: number): number {
    if (this.poolUsed + 2 + capacity > this.pool.length) this.pool = grown(this.pool, Math.max(this.pool.length * 2, this.poolUsed + 2 + capacity));
    const block = this.poolUsed;
    this.pool[block] = NONE;
    this.pool[block + 1] = capacity;
    this.poolUsed += 2 + capacity;
    return block;
  }

  private place(id: number): void {
    const mask = this.table.length - 1;
    let i = mix(this.hashA[id], this.hashB[id]) & mask;
    while (this.table[i] !== NONE) i = (i + 1) & mask;
    this.table[i] = id;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size).fill(NONE);
    for (let id = 0; id < this.terms; id++) if (this.inUse[id]) this.place(id);
  }

  private growTerms(min: number): void {
    const capacity = Math.max(1024, min, this.hashA.length * 2);
    this.hashA = grown(this.hashA, capacity);
    this.hashB = grown(this.hashB, capacity);
    this.head = grown(this.head, capacity);
    this.tail = grown(this.tail, capacity);
    this.fill = grown(this.fill, capacity);
    this.count = grown(this.count, capacity);
    this.inUse = grown(this.inUse, capacity);
  }
}

const FIRST_BLOCK = 2;
const MAX_BLOCK = 256;

/** Where a term's hash starts its probe in the table. */
function mix(a: number, b: number): number {
  return (Math.imul(a ^ (b >>> 15), 0x2c1b3c6d) ^ b) >>> 0;
}

/**
 * The two 32-bit hashes of `text[start, end)` (FNV-1a, and a multiply-rotate hash), read from the
 * string's char codes without making a substring.
 */
export function hashTerm(text: string, start: number, end: number): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ (end - start);
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b = (b << 13) | (b >>> 19);
  }
  return [a | 0, b | 0];
}
