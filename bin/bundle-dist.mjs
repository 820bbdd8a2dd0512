// Bundles the parts of the build whose load time counts: `npm run build` runs it after tsc.
//
// - The parse worker, with every module of this project and every package it imports, into one
//   file beside it (dist/indexer/parse-worker.bundle.js); core/worker-entry.ts starts a worker from
//   the bundle when it is not older than the module. A worker thread loads its modules afresh: the
//   parse worker's ~90 took 70–90 ms (100 ms of CPU) per worker, the bundle ~27 ms, and on two
//   cores each worker's start is CPU taken from parsing. web-tree-sitter stays outside (it finds
//   its .wasm beside its own module); the CommonJS packages (pino, ignore) get a `require`.
// - typebox, in place: dist/core/typebox.js, compiled as `export * from 'typebox'`, becomes one
//   file holding typebox's ~680 modules (~200 ms to load one by one in every process that speaks
//   the protocol).
//
//   node bin/bundle-dist.mjs                          both, in dist/
//   node bin/bundle-dist.mjs --entry F --out O        only the parse worker, from another entry (the test
//                                                     bundles the TypeScript source)
//   node bin/bundle-dist.mjs --typebox F              only typebox, in place in F (a copy of the compiled module)
//
// Neither is needed to run: without esbuild, or when a bundle fails, the modules load one by one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { entry: { type: 'string' }, out: { type: 'string' }, typebox: { type: 'string' } } });
const only = args.entry !== undefined || args.typebox !== undefined;

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('bundle-dist: esbuild is not installed; the build loads its modules one by one');
  process.exit(0);
}

/** Bundles `entry` into `outfile`; on failure, leaves `failedLeaves` (a stale bundle must not run) and says so. */
async function bundle(entry, outfile, options, failedLeaves) {
  try {
    await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', ...options });
    console.log(`${path.relative(repo, outfile)}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB`);
  } catch (err) {
    failedLeaves();
    console.warn(`bundle-dist: ${path.relative(repo, entry)}: ${err instanceof Error ? err.message : String(err)}; its modules will load one by one`);
  }
}

if (!only || args.entry !== undefined) {
  const workerEntry = path.resolve(args.entry ?? path.join(repo, 'dist/indexer/parse-worker.js'));
  const workerBundle = path.resolve(args.out ?? workerEntry.replace(/\.[cm]?[jt]s$/, '.bundle.js'));
  await bundle(
    workerEntry,
    workerBundle,
    {
      external: ['web-tree-sitter'],
      banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    },
    () => fs.rmSync(workerBundle, { force: true }),
  );
}

if (!only || args.typebox !== undefined) {
  const typebox = path.resolve(args.typebox ?? path.join(repo, 'dist/core/typebox.js'));
  // In place: on failure the compiled re-export stays, and works.
  await bundle(typebox, typebox, { allowOverwrite: true }, () => {});
}
