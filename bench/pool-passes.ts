/**
 * A child process of `npm run bench:index` (part 6): Cvu's per-file work alone — the build's parse
 * pool reading, parsing, chunking each file and deriving its symbols, imports, local definitions and
 * full-text fields — with no store, no daemon, no walk, in a process of its own, so that its first
 * pass runs on cold workers as a fresh daemon's first index does.
 *
 * Usage: node --import tsx bench/pool-passes.ts ROOT LIST_FILE PASSES — LIST_FILE holds the
 * workspace-relative paths (JSON). The pool is started and left a second (the daemon starts its
 * pool as it starts, and part 6 registers a second later); then every file is prepared, all posted
 * at once as a first index posts them, PASSES times. Prints `{"seconds":[...]}`, one per pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as ConfigSchema from '../config/schema.js';
import type * as IndexerModule from '../indexer/indexer.js';
import type * as ParsePoolModule from '../indexer/parse-pool.js';
import { importBuilt } from './built-modules.js';

const { ParsePool } = await importBuilt<typeof ParsePoolModule>('indexer/parse-pool.js');
const { prepareOptionsFor } = await importBuilt<typeof IndexerModule>('indexer/indexer.js');
const { defaultConfig } = await importBuilt<typeof ConfigSchema>('config/schema.js');

const [root, listFile, passesArg] = process.argv.slice(2);
const passes = Number(passesArg);
if (!root || !listFile || !(passes >= 1)) {
  console.error('usage: node --import tsx bench/pool-passes.ts ROOT LIST_FILE PASSES');
  process.exit(2);
}
const files = (JSON.parse(fs.readFileSync(listFile, 'utf8')) as string[]).map((rel) => {
  const absPath = path.join(root, rel);
  const st = fs.statSync(absPath);
  return { path: rel, absPath, size: st.size, mtimeMs: st.mtimeMs };
});
const opts = prepareOptionsFor(defaultConfig());
// Its default size, as the benchmark's daemon's (no `parseWorkers` in its config).
const pool = new ParsePool();
pool.start();
await new Promise((r) => setTimeout(r, 1000));
const seconds: number[] = [];
try {
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    const prepared = await Promise.all(files.map((f) => pool.prepare(f, null, opts)));
    seconds.push((performance.now() - t0) / 1000);
    const failed = prepared.filter((x) => x.kind === 'skip');
    if (failed.length) throw new Error(`${failed.length} files were skipped, e.g. ${failed[0].kind === 'skip' ? failed[0].message : ''}`);
  }
} finally {
  await pool.close();
}
console.log(JSON.stringify({ seconds }));
