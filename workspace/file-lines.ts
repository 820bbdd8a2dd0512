import fs from 'node:fs';
import path from 'node:path';
import { decodeSource } from '../indexer/file-reader.js';
import { isSecretPath } from '../indexer/ignore-rules.js';

interface Entry {
  mtimeMs: number;
  size: number;
  lines: string[];
}

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
    this.cache.set(rel, { mtimeMs: st.mtimeMs, size: st.size, lines });
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return lines;
  }
}
