import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The URL a Worker starts from for the module `name` beside `base` (an
 * `import.meta.url`): the compiled `name.js` next to it — or its bundle,
 * `name.bundle.js`, when the build made one (bin/bundle-dist.mjs: one
 * file loads in a third of the time its modules take one by one) and it is
 * not older than `name.js` (a bundle left behind by an earlier build would
 * run old code) — or, when running from source (tests, benchmarks), a
 * bootstrap that registers tsx in the worker first, since workers do not
 * inherit `--import` loaders.
 */
export function workerEntry(base: string, name: string): URL {
  if (!base.endsWith('.ts')) {
    const plain = new URL(`./${name}.js`, base);
    const bundle = new URL(`./${name}.bundle.js`, base);
    return bundleIsCurrent(bundle, plain) ? bundle : plain;
  }
  const require = createRequire(base);
  const tsxDir = path.dirname(require.resolve('tsx/package.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(tsxDir, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(tsxDir, pkg.exports['./esm/api'].import.default)).href;
  const entry = new URL(`./${name}.ts`, base).href;
  const code = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

function bundleIsCurrent(bundle: URL, plain: URL): boolean {
  try {
    return fs.statSync(bundle).mtimeMs >= fs.statSync(plain).mtimeMs;
  } catch {
    return false;
  }
}
