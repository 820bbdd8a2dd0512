import { splitIdentifier } from './code-text.js';
import type { SymbolRow } from './rows.js';

/**
 * The definitions of a workspace, in memory: "where is `parseConfig` defined"
 * is a map lookup, not a search. Mirrors the `symbols` table.
 */
export class SymbolTable {
  private readonly byName = new Map<string, SymbolRow[]>();
  private readonly byLower = new Map<string, Set<string>>();
  private readonly byWord = new Map<string, Set<string>>();
  private readonly byPath = new Map<string, SymbolRow[]>();
  /** Folder (`src/cmd/`, or '' at the root) → its files that define something. */
  private readonly byFolder = new Map<string, Set<string>>();

  get size(): number {
    let n = 0;
    for (const rows of this.byPath.values()) n += rows.length;
    return n;
  }

  add(rows: Iterable<SymbolRow>): void {
    for (const row of rows) {
      push(this.byName, row.name, row);
      push(this.byPath, row.path, row);
      addTo(this.byFolder, folderOf(row.path), row.path);
      addTo(this.byLower, row.name.toLowerCase(), row.name);
      for (const w of splitIdentifier(row.name)) addTo(this.byWord, w, row.name);
    }
  }

  removePaths(paths: Iterable<string>): void {
    for (const p of paths) {
      const rows = this.byPath.get(p);
      if (!rows) continue;
      this.byPath.delete(p);
      const folder = this.byFolder.get(folderOf(p));
      folder?.delete(p);
      if (folder?.size === 0) this.byFolder.delete(folderOf(p));
      for (const row of rows) {
        const list = this.byName.get(row.name);
        if (!list) continue;
        const kept = list.filter((r) => r.path !== p);
        if (kept.length) this.byName.set(row.name, kept);
        else {
          this.byName.delete(row.name);
          this.byLower.get(row.name.toLowerCase())?.delete(row.name);
          for (const w of splitIdentifier(row.name)) this.byWord.get(w)?.delete(row.name);
        }
      }
    }
  }

  /** Exact-name definitions. */
  lookup(name: string): readonly SymbolRow[] {
    return this.byName.get(name) ?? [];
  }

  /** Case-insensitive definitions (`parseconfig` finds `parseConfig`). */
  lookupInsensitive(name: string): SymbolRow[] {
    const names = this.byLower.get(name.toLowerCase());
    return names ? [...names].flatMap((n) => this.byName.get(n) ?? []) : [];
  }

  /** Names containing every given word (`["parse","config"]` → parseConfig, ConfigParser…). */
  namesWithWords(words: string[]): string[] {
    if (!words.length) return [];
    const sets: Set<string>[] = [];
    for (const w of words) {
      const s = this.byWord.get(w);
      if (!s) return [];
      sets.push(s);
    }
    sets.sort((a, b) => a.size - b.size);
    return [...sets[0]].filter((n) => sets.every((s) => s.has(n)));
  }

  /** Every defined name, once. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  inFile(p: string): readonly SymbolRow[] {
    return this.byPath.get(p) ?? [];
  }

  /** The files directly in a folder (`src/cmd/`; '' for the root) that define something. */
  filesIn(folder: string): ReadonlySet<string> {
    return this.byFolder.get(folder) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** The folder part of a workspace path, with its trailing slash: `src/cmd/run.ts` → `src/cmd/`. */
export function folderOf(p: string): string {
  return p.slice(0, p.lastIndexOf('/') + 1);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s) s.add(v);
  else m.set(k, new Set([v]));
}
