/**
 * The build's modules, for benchmarks that measure the engine as users run it (`npm run bench:index`
 * builds first), its parse worker bundled. Imported from source, each parse worker loaded its modules
 * through tsx, transpiling them as it started: a cold first index of chi measured 116 files/s that
 * way, 175 from the build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchRepo } from './result.js';

/** `dist/<module>` of this repository, imported; an error that says to build when it is missing. */
export function importBuilt<T>(module: string): Promise<T> {
  const file = path.join(benchRepo, 'dist', module);
  if (!fs.existsSync(file)) throw new Error('run `npm run build` first (npm run bench:index does)');
  return import(pathToFileURL(file).href) as Promise<T>;
}
