import fs from 'node:fs';
import path from 'node:path';
import { decodeSource } from '../indexer/file-reader.js';
import { isSecretPath } from '../indexer/ignore-rules.js';

interface Entry {
  mtimeMs: number;
  size: number;
  lines: string[];
  /** When the file was last stat'ed to check this entry (performance.now()). */
  checkedAt: number;
}

/**
 * An entry checked this recently is used without a stat: one context request reads twenty to forty
 * definitions, and on a machine busy indexing each synchronous stat costs 50 µs or more on the
 * thread that answers. Changes the index learns of (a save, the watcher) drop the entry at once
 * (`forget`); an edit it has not seen yet is a moment stale, as the index's line numbers are.
 */
const RECHECK_MS = 1000;

/**
 * Current lines of workspace files for snippets, cached by (mtime, size):
 * a retrieval reads the few definitions it shows from here in microseconds
 * instead of querying the store.
 */
export class FileLines {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly root: string, private readonly maxFileBytes: number, private readonly capacity = 512) {}

  get(rel: string): string[] | null {
    if (isSecretPath(rel)) return null;
    const now = performance.now();
    const recent = this.cache.get(rel);
    if (recent && now - recent.checkedAt < RECHECK_MS) return recent.lines;
    const abs = path.join(this.root, rel);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      this.cache.delete(rel);
      return null;
    }
    if (!st.isFile() || st.size > this.maxFileBytes) return null;
    const hit = this.cache.get(rel);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) {
      // Refresh its place in the LRU order.
      this.cache.delete(rel);
      this.cache.set(rel, hit);
      hit.checkedAt = now;
      return hit.lines;
    }
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(abs);
    } catch {
      return null;
    }
    const decoded = decodeSource(bytes);
    if (!decoded.ok) return null;
    const lines = decoded.text.split('\n');
    this.cache.set(rel, { mtimeMs: st.mtimeMs, size: st.size, lines, checkedAt: now });
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return lines;
  }

  /** Files known to have changed or gone: read again on their next use. */
  forget(rels: Iterable<string>): void {
    for (const rel of rels) this.cache.delete(rel);
  }

  /** Everything read again (the tree was synced: a branch switch may have changed any file). */
  clear(): void {
    this.cache.clear();
  }
}
