import { splitIdentifier } from './code-text.js';
import { grown, IntColumns, NONE, StringPool } from './columns.js';
import type { SymbolRow } from './rows.js';

/**
 * The definitions of a workspace, in memory: "where is `parseConfig` defined"
 * is a lookup, not a search. Mirrors the `symbols` table.
 *
 * Kept in columns rather than one object per definition: a large monorepo has
 * a million definitions, and as objects (with maps of sets beside them) they
 * cost about 660 bytes each — 93 MB of heap for 140,000 definitions of 11,000
 * files, twice that in the process once the garbage collector's headroom is
 * counted. Here a definition is a row of typed arrays; names, paths, kinds,
 * containers and signatures are interned (copies of a file across packages
 * share their strings); the lists by name and by file are linked through the
 * rows. Rows come back as plain SymbolRow objects made on each lookup.
 */
export class SymbolTable {
  private readonly rows = new Rows();
  private readonly nameStrings = new StringPool();
  private readonly paths = new StringPool();
  private readonly kinds = new StringPool();
  private readonly containers = new StringPool();
  private readonly signatures = new StringPool();
  private readonly lowers = new StringPool();
  private readonly words = new StringPool();
  /** Per name id: its rows (first, last), its lower-case form's id, the next name of that form. */
  private readonly byName = new IntColumns(['head', 'tail', 'lower', 'nextSameLower']);
  /** Per lower-case form id: its first and last name ids. */
  private readonly byLower = new IntColumns(['head', 'tail']);
  /** Per path id: its rows (first, last). */
  private readonly byPath = new IntColumns(['head', 'tail']);
  /** Word postings: (word, name) pairs linked per word; a name's words are posted once, when it is first seen. */
  private readonly postings = new IntColumns(['name', 'next']);
  private readonly byWord = new IntColumns(['head', 'tail']);
  /** Folder (`src/cmd/`, or '' at the root) → its files that define something. */
  private readonly byFolder = new Map<string, Set<string>>();
  private live = 0;

  get size(): number {
    return this.live;
  }

  add(rows: Iterable<SymbolRow>): void {
    for (const r of rows) {
      const name = this.internName(r.name);
      const path = this.paths.id(r.path);
      const row = this.rows.alloc();
      const c = this.rows;
      c.name[row] = name;
      c.path[row] = path;
      c.kind[row] = this.kinds.id(r.kind);
      c.container[row] = r.container === null || r.container === undefined ? NONE : this.containers.id(r.container);
      c.signature[row] = this.signatures.id(r.signature);
      c.start[row] = r.start_line;
      c.end[row] = r.end_line;
      c.exported[row] = r.exported ? 1 : 0;
      // Appended to its name's list (doubly linked: a file's removal unlinks its rows at once) and its file's.
      c.prevSameName[row] = this.byName.get('tail', name);
      c.nextSameName[row] = NONE;
      if (c.prevSameName[row] === NONE) this.byName.set('head', name, row);
      else c.nextSameName[c.prevSameName[row]] = row;
      this.byName.set('tail', name, row);
      c.nextSamePath[row] = NONE;
      const last = this.byPath.get('tail', path);
      if (last === NONE) {
        this.byPath.set('head', path, row);
        addTo(this.byFolder, folderOf(r.path), r.path);
      } else c.nextSamePath[last] = row;
      this.byPath.set('tail', path, row);
      this.live++;
    }
  }

  removePaths(paths: Iterable<string>): void {
    const c = this.rows;
    for (const p of paths) {
      const path = this.paths.find(p);
      if (path === undefined || this.byPath.get('head', path) === NONE) continue;
      for (let row = this.byPath.get('head', path); row !== NONE; ) {
        const next = c.nextSamePath[row];
        const name = c.name[row];
        const prev = c.prevSameName[row];
        const after = c.nextSameName[row];
        if (prev === NONE) this.byName.set('head', name, after);
        else c.nextSameName[prev] = after;
        if (after === NONE) this.byName.set('tail', name, prev);
        else c.prevSameName[after] = prev;
        this.rows.free(row);
        this.live--;
        row = next;
      }
      this.byPath.set('head', path, NONE);
      this.byPath.set('tail', path, NONE);
      const folder = this.byFolder.get(folderOf(p));
      folder?.delete(p);
      if (folder?.size === 0) this.byFolder.delete(folderOf(p));
    }
  }

  /** Exact-name definitions. */
  lookup(name: string): readonly SymbolRow[] {
    const id = this.nameStrings.find(name);
    return id === undefined ? [] : this.list(this.byName.get('head', id), this.rows.nextSameName);
  }

  /** Case-insensitive definitions (`parseconfig` finds `parseConfig`). */
  lookupInsensitive(name: string): SymbolRow[] {
    const lower = this.lowers.find(name.toLowerCase());
    const out: SymbolRow[] = [];
    if (lower === undefined) return out;
    for (let n = this.byLower.get('head', lower); n !== NONE; n = this.byName.get('nextSameLower', n)) {
      out.push(...this.list(this.byName.get('head', n), this.rows.nextSameName));
    }
    return out;
  }

  /** Names containing every given word (`["parse","config"]` → parseConfig, ConfigParser…). */
  namesWithWords(words: string[]): string[] {
    if (!words.length) return [];
    const ids: number[] = [];
    for (const w of words) {
      const id = this.words.find(w);
      if (id === undefined) return [];
      ids.push(id);
    }
    const out: string[] = [];
    for (let p = this.byWord.get('head', ids[0]); p !== NONE; p = this.postings.get('next', p)) {
      const n = this.postings.get('name', p);
      if (this.byName.get('head', n) === NONE) continue;
      const name = this.nameStrings.at(n);
      if (ids.length === 1) out.push(name);
      else {
        const own = splitIdentifier(name);
        if (words.every((w) => own.includes(w))) out.push(name);
      }
    }
    return out;
  }

  /** Every defined name, once. */
  *names(): IterableIterator<string> {
    for (let n = 0; n < this.nameStrings.size; n++) if (this.byName.get('head', n) !== NONE) yield this.nameStrings.at(n);
  }

  inFile(p: string): readonly SymbolRow[] {
    const id = this.paths.find(p);
    return id === undefined ? [] : this.list(this.byPath.get('head', id), this.rows.nextSamePath);
  }

  /** The files directly in a folder (`src/cmd/`; '' for the root) that define something. */
  filesIn(folder: string): ReadonlySet<string> {
    return this.byFolder.get(folder) ?? EMPTY;
  }

  /** A name's id; a name seen for the first time is filed under its lower-case form and its words (in the order seen). */
  private internName(name: string): number {
    const known = this.nameStrings.find(name);
    if (known !== undefined) return known;
    const id = this.nameStrings.id(name);
    const lower = this.lowers.id(name.toLowerCase());
    const lastOfLower = this.byLower.get('tail', lower);
    if (lastOfLower === NONE) this.byLower.set('head', lower, id);
    else this.byName.set('nextSameLower', lastOfLower, id);
    this.byLower.set('tail', lower, id);
    for (const w of new Set(splitIdentifier(name))) {
      const word = this.words.id(w);
      const p = this.postings.length;
      this.postings.set('name', p, id);
      const lastOfWord = this.byWord.get('tail', word);
      if (lastOfWord === NONE) this.byWord.set('head', word, p);
      else this.postings.set('next', lastOfWord, p);
      this.byWord.set('tail', word, p);
    }
    return id;
  }

  private list(head: number, next: Int32Array): SymbolRow[] {
    const out: SymbolRow[] = [];
    for (let row = head; row !== NONE; row = next[row]) out.push(this.materialise(row));
    return out;
  }

  private materialise(row: number): SymbolRow {
    const c = this.rows;
    return {
      name: this.nameStrings.at(c.name[row]),
      kind: this.kinds.at(c.kind[row]),
      path: this.paths.at(c.path[row]),
      start_line: c.start[row],
      end_line: c.end[row],
      container: c.container[row] === NONE ? null : this.containers.at(c.container[row]),
      signature: this.signatures.at(c.signature[row]),
      exported: c.exported[row] === 1,
    };
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** The folder part of a workspace path, with its trailing slash: `src/cmd/run.ts` → `src/cmd/`. */
export function folderOf(p: string): string {
  return p.slice(0, p.lastIndexOf('/') + 1);
}

/** Adds v to the set m holds under k, making the set when there is none. */
export function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s) s.add(v);
  else m.set(k, new Set([v]));
}

/** The definitions' columns, with freed rows reused. */
class Rows {
  name = new Int32Array(0);
  path = new Int32Array(0);
  kind = new Int32Array(0);
  container = new Int32Array(0);
  signature = new Int32Array(0);
  start = new Int32Array(0);
  end = new Int32Array(0);
  exported = new Uint8Array(0);
  nextSameName = new Int32Array(0);
  prevSameName = new Int32Array(0);
  nextSamePath = new Int32Array(0);
  private used = 0;
  private readonly freed: number[] = [];

  alloc(): number {
    const reused = this.freed.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.name.length) this.grow();
    return this.used++;
  }

  free(row: number): void {
    this.name[row] = NONE;
    this.freed.push(row);
  }

  private grow(): void {
    const capacity = Math.max(1024, this.name.length * 2);
    this.name = grown(this.name, capacity);
    this.path = grown(this.path, capacity);
    this.kind = grown(this.kind, capacity);
    this.container = grown(this.container, capacity);
    this.signature = grown(this.signature, capacity);
    this.start = grown(this.start, capacity);
    this.end = grown(this.end, capacity);
    this.exported = grown(this.exported, capacity);
    this.nextSameName = grown(this.nextSameName, capacity);
    this.prevSameName = grown(this.prevSameName, capacity);
    this.nextSamePath = grown(this.nextSamePath, capacity);
  }
}
