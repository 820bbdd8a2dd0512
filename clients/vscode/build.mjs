// Bundles the extension into dist/extension.js (CommonJS, `vscode` external).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [path.join(here, 'src/extension.ts')],
  outfile: path.join(here, 'dist/extension.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  sourcemap: process.argv.includes('--sourcemap'),
  minify: process.argv.includes('--minify'),
  logLevel: 'warning',
});
const size = fs.statSync(path.join(here, 'dist/extension.js')).size;
console.log(`clients/vscode/dist/extension.js: ${(size / 1024).toFixed(1)} KiB`);
