import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The URL a Worker starts from for the module `name` beside `base` (an
 * `import.meta.url`): the compiled `name.js` next to it, or, when running
 * from source (tests, benchmarks), a bootstrap that registers tsx in the
 * worker first, since workers do not inherit `--import` loaders.
 */
export function workerEntry(base: string, name: string): URL {
  if (!base.endsWith('.ts')) return new URL(`./${name}.js`, base);
  const require = createRequire(base);
  const tsxDir = path.dirname(require.resolve('tsx/package.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(tsxDir, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(tsxDir, pkg.exports['./esm/api'].import.default)).href;
  const entry = new URL(`./${name}.ts`, base).href;
  const code = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
