// The build's bundling step (bin/bundle-dist.mjs), run as `npm run build` runs it, on files a test places.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './temp.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A temp folder where a bundle resolves packages as in the repository (its node_modules linked in). */
export function bundleDir(): string {
  const dir = makeTempDir();
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/**
 * Runs bin/bundle-dist.mjs with `args` (paths relative to the repository resolved by the caller).
 * It exits 0 even when a bundle fails (the build must not), so a warning on stderr fails here.
 */
export function runBundleDist(args: string[]): void {
  const r = spawnSync(process.execPath, [path.join(repo, 'bin/bundle-dist.mjs'), ...args], { encoding: 'utf8' });
  if (r.status !== 0 || r.stderr.trim()) throw new Error(`bin/bundle-dist.mjs ${args.join(' ')}: status ${r.status}: ${r.stderr}`);
}

export const repoRoot = repo;
