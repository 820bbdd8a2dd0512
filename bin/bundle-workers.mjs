// Bundles the parse worker and every module of this project it imports into one file beside it:
// `npm run build` runs it after tsc, and core/worker-entry.ts starts a worker from the bundle when
// one is there and not older than the module. Why: a worker thread loads its modules afresh, and the
// parse worker's ~90 modules took 70–90 ms (100 ms of CPU) per worker to resolve and compile; the
// bundle loads in ~27 ms. On two cores, each parse worker's start is CPU taken from parsing: a cold
// first index of a few hundred files (bench:index) was 5–12% faster.
//
//   node bin/bundle-workers.mjs                      dist/indexer/parse-worker.js → parse-worker.bundle.js
//   node bin/bundle-workers.mjs --entry F --out O    any entry (the test bundles the TypeScript source)
//
// web-tree-sitter stays outside (it finds its .wasm beside its own module); the rest of the packages
// are inlined, with a `require` for the CommonJS ones (pino, ignore) to load node's modules through.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { entry: { type: 'string' }, out: { type: 'string' } } });
const entry = path.resolve(args.entry ?? path.join(repo, 'dist/indexer/parse-worker.js'));
const outfile = path.resolve(args.out ?? entry.replace(/\.[cm]?[jt]s$/, '.bundle.js'));

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // A build without dev dependencies still works: workers load the modules one by one.
  console.warn('bundle-workers: esbuild is not installed; parse workers will load their modules unbundled');
  process.exit(0);
}
try {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['web-tree-sitter'],
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch (err) {
  // Nor does a failed bundle fail the build (an esbuild binary this platform cannot run): no bundle
  // is left behind, and workers load the modules one by one.
  fs.rmSync(outfile, { force: true });
  console.warn(`bundle-workers: ${err instanceof Error ? err.message : String(err)}; parse workers will load their modules unbundled`);
  process.exit(0);
}
console.log(`${path.relative(repo, outfile)}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB`);
