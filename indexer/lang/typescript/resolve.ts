/**
 * Which workspace files a TypeScript or JavaScript import means: relative
 * paths probed with the extensions and `index` files Node and TypeScript
 * try (`./x.js` written for `./x.ts`), a `.js` beside its `.d.ts`, the
 * nearest tsconfig.json's `paths` and `baseUrl`, the workspace's own packages
 * by name (npm, yarn and pnpm workspaces: every package.json's `name`) through
 * their package.json `exports`, the `@/` and `~/` aliases for `src/`, and
 * other aliases (`$lib/x`, `#x/y`) by the one file their path names.
 */
import { fileIndex, firstExisting, join, dirOf, one } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';
import { exportedPath, mappedPaths, pathMappingFor } from './project.js';
import type { ImportResolver, ReexportRule } from '../language-support.js';

export const resolveTypescript: ImportResolver = ({ specifier, from, ctx }) => resolveJs(specifier, from, ctx);

/** `export { name } from './x.js'` and `export * from './x.js'` (a barrel) re-export what x defines. */
export const typescriptReexports: ReexportRule = (ref, name) => ref.kind === 'export' && name !== 'default' && (!ref.names.length || ref.names.includes(name));

const jsExts = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
const jsForTs: Record<string, string[]> = { '.js': ['.ts', '.tsx', '.d.ts'], '.jsx': ['.tsx'], '.mjs': ['.mts', '.d.mts'], '.cjs': ['.cts', '.d.cts'] };

function probeJs(base: string | null, files: ReadonlySet<string>): string | null {
  if (base === null) return null;
  if (base && files.has(base)) return base;
  const m = /\.(?:m|c)?jsx?$/.exec(base);
  if (m) {
    const stem = base.slice(0, -m[0].length);
    for (const ext of jsForTs[m[0]] ?? []) if (files.has(stem + ext)) return stem + ext;
  }
  if (base) for (const ext of jsExts) if (files.has(base + ext)) return base + ext;
  const index = base ? `${base}/index` : 'index';
  for (const ext of jsExts) if (files.has(index + ext)) return index + ext;
  return null;
}

/** The entry file a folder's package.json names, when the folder is a package. */
function packageMain(folder: string | null, ctx: ImportContext): string | null {
  if (folder === null) return null;
  const main = ctx.packageMains?.get(folder);
  return main ? probeJs(main, ctx.files) : null;
}

/**
 * A relative import of a file that exists both as code and as declarations
 * (`fastify.js` beside `fastify.d.ts`) means both: the code first for a
 * JavaScript importer (what runs), the declarations first for TypeScript.
 */
function withCounterpart(found: string | null, from: string, files: ReadonlySet<string>): string[] {
  if (!found) return [];
  const stem = found.replace(/(\.d)?\.(?:[mc]?[jt]sx?)$/, '');
  const code = ['.js', '.mjs', '.cjs', '.jsx'].map((e) => stem + e).find((f) => files.has(f));
  const types = ['.d.ts', '.d.mts', '.d.cts'].map((e) => stem + e).find((f) => files.has(f));
  if (!code || !types || (found !== code && found !== types)) return [found];
  return /\.[mc]?jsx?$/.test(from) ? [code, types] : [types, code];
}

function resolveJs(spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  const clean = spec.replace(/[?#].*$/, '');
  if (clean === '.' || clean === '..' || clean.startsWith('./') || clean.startsWith('../')) {
    const target = join(dirOf(from), clean);
    return withCounterpart(probeJs(target, files) ?? packageMain(target, ctx), from, files);
  }
  if (clean.startsWith('/')) return [];
  // tsconfig.json `paths`: `@app/*` → `src/app/*`
  const mapping = pathMappingFor(from, ctx);
  if (mapping) {
    for (const p of mappedPaths(clean, mapping)) {
      const found = probeJs(p, files);
      if (found) return withCounterpart(found, from, files);
    }
  }
  if (ctx.packages?.size) {
    let best: [string, string] | null = null;
    for (const [name, folder] of ctx.packages) {
      if ((clean === name || clean.startsWith(name + '/')) && (!best || name.length > best[0].length)) best = [name, folder];
    }
    if (best) {
      const folder = best[1].replace(/^\.\/|\/+$/g, '');
      const rest = clean.slice(best[0].length + 1);
      // package.json `exports` says which file each subpath is (a build output stands for its source)
      for (const target of exportedPath(folder, rest ? `./${rest}` : '.', ctx)) {
        const found = probeJs(target, files) ?? probeJs(sourceOf(target, folder), files);
        if (found) return [found];
      }
      if (rest) {
        return one(probeJs(join(folder, rest), files) ?? probeJs(join(folder, 'src', rest), files) ?? probeJs(join(folder, 'lib', rest), files));
      }
      return one(packageMain(folder, ctx) ?? probeJs(join(folder, 'src', 'index'), files) ?? probeJs(join(folder, 'index'), files) ?? probeJs(join(folder, 'lib', 'index'), files)
        ?? firstExisting(files, [join(folder, 'src', 'main.ts'), join(folder, 'main.js')]));
    }
  }
  // tsconfig.json `baseUrl`: bare specifiers resolve under it too
  if (mapping?.baseUrl) {
    const found = probeJs(join(mapping.base, clean), files);
    if (found) return [found];
  }
  // common path aliases: '@/x' and '~/x' for 'src/x'
  const alias = /^[@~]\/(.+)$/.exec(clean);
  if (alias) return one(probeJs(join('src', alias[1]), files) ?? probeJs(join(alias[1]), files));
  // Other aliases a bundler or framework defines in code or in generated files (SvelteKit's `$lib/x`
  // for src/lib/x, `#utils/x`, `~app/x`): the one workspace file the rest of the path names, in a
  // folder of the alias's name if there is one. (Never a bare specifier: `react-dom/client` is a
  // package's, not the workspace's client.ts.)
  const aliased = /^[$#~]([\w-]*)\/(.+)$/.exec(clean);
  if (aliased) return one(fileBySuffix(files, aliased[1], aliased[2]));
  return [];
}

/** The single file whose path ends with `folder/rest` (else `rest`), probed as probeJs does: extensions, then an index file. */
function fileBySuffix(files: ReadonlySet<string>, folder: string, rest: string): string | null {
  const { byBase } = fileIndex(files);
  const last = rest.slice(rest.lastIndexOf('/') + 1);
  for (const [tail, stem] of [[rest, last], [`${rest}/index`, 'index']]) {
    for (const ext of ['', ...jsExts]) {
      const named = byBase.get(stem + ext);
      if (!named) continue;
      const endsWith = (suffix: string) => named.filter((f) => f === suffix || f.endsWith(`/${suffix}`));
      const inFolder = folder ? endsWith(`${folder}/${tail}${ext}`) : [];
      if (inFolder.length === 1) return inFolder[0];
      const anywhere = endsWith(`${tail}${ext}`);
      if (anywhere.length === 1) return anywhere[0];
    }
  }
  return null;
}

/** A build output's source: `dist/x.js` (or lib/, build/, out/) of a package → `src/x.js`, probed as `src/x.ts`. */
function sourceOf(target: string, folder: string): string | null {
  const rel = folder ? target.slice(folder.length + 1) : target;
  const m = /^(?:dist|lib|build|out)\/(?:(?:esm|cjs|es|types|src)\/)?(.*)$/.exec(rel);
  return m ? join(folder, 'src', m[1].replace(/\.d\.([mc]?ts)$/, '.$1')) : null;
}
