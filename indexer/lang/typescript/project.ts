/**
 * What a TypeScript or JavaScript project's own configuration says about import specifiers:
 * tsconfig.json (or jsconfig.json) `compilerOptions.paths` and `baseUrl`, followed through a
 * relative `extends`, and a workspace package's package.json `exports`. Files are read through
 * `ctx.readText` as data (JSON with comments and trailing commas), once per file set.
 */
import { dirOf, join } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';

export interface PathMapping {
  /** The folder `paths` targets and bare specifiers resolve from (baseUrl, else the tsconfig's folder). */
  base: string;
  /** Whether baseUrl was set: bare specifiers then also resolve under it. */
  baseUrl: boolean;
  /** Pattern (at most one `*`) → its targets, relative to `base`. */
  paths: Array<[string, string[]]>;
}

const configsByCtx = new WeakMap<ImportContext, Map<string, PathMapping | null>>();

/** A JSON text with `//` and block comments and trailing commas; null when it is no JSON object. */
export function readJsonc(text: string | null | undefined): Record<string, unknown> | null {
  if (!text || text.length > 1_000_000) return null;
  // comments out, strings kept (a `//` inside a string, as in a URL, stays)
  const stripped = text.replace(/("(?:[^"\\\n]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str: string | undefined) => str ?? '').replace(/,(\s*[}\]])/g, '$1');
  try {
    const v = JSON.parse(stripped) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The path mapping of the nearest tsconfig.json / jsconfig.json at or above `from`'s folder; null when none maps anything. */
export function pathMappingFor(from: string, ctx: ImportContext): PathMapping | null {
  if (!ctx.readText) return null;
  let cache = configsByCtx.get(ctx);
  if (!cache) configsByCtx.set(ctx, (cache = new Map()));
  let dir = dirOf(from);
  const visited: string[] = [];
  for (let depth = 0; depth < 64; depth++) {
    if (cache.has(dir)) {
      const hit = cache.get(dir)!;
      for (const v of visited) cache.set(v, hit);
      return hit;
    }
    visited.push(dir);
    const config = ['tsconfig.json', 'jsconfig.json'].map((n) => join(dir, n)!).find((f) => ctx.files.has(f));
    if (config) {
      const mapping = readMapping(config, ctx, 0);
      for (const v of visited) cache.set(v, mapping);
      return mapping;
    }
    if (dir === '') break;
    dir = dirOf(dir);
  }
  for (const v of visited) cache.set(v, null);
  return null;
}

/** A tsconfig's baseUrl and paths, its own over those of the config it extends (a relative `extends`, 4 deep). */
function readMapping(file: string, ctx: ImportContext, depth: number): PathMapping | null {
  const json = readJsonc(ctx.readText?.(file));
  if (!json) return null;
  const dir = dirOf(file);
  let inherited: PathMapping | null = null;
  const ext = json.extends;
  for (const e of typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext : []) {
    if (typeof e !== 'string' || depth >= 4 || !/^\.\.?\//.test(e)) continue;
    const target = join(dir, e);
    const f = target && (ctx.files.has(target) ? target : ctx.files.has(`${target}.json`) ? `${target}.json` : null);
    if (f) inherited = readMapping(f, ctx, depth + 1) ?? inherited;
  }
  const opts = (json.compilerOptions ?? {}) as Record<string, unknown>;
  const baseUrl = typeof opts.baseUrl === 'string' ? join(dir, opts.baseUrl) : null;
  const paths = opts.paths && typeof opts.paths === 'object' && !Array.isArray(opts.paths) ? (opts.paths as Record<string, unknown>) : null;
  if (baseUrl === null && !paths) return inherited;
  const base = baseUrl ?? (paths ? dir : inherited?.base ?? dir);
  const list: Array<[string, string[]]> = paths
    ? Object.entries(paths).map(([k, v]) => [k, (Array.isArray(v) ? v : []).filter((t): t is string => typeof t === 'string')])
    : inherited?.paths ?? [];
  return { base, baseUrl: baseUrl !== null || !!inherited?.baseUrl, paths: list };
}

/** The workspace paths (before extension probing) a specifier maps to through `paths`, best pattern first. */
export function mappedPaths(spec: string, m: PathMapping): string[] {
  const hits: Array<{ prefix: number; targets: string[] }> = [];
  for (const [pattern, targets] of m.paths) {
    const star = pattern.indexOf('*');
    if (star < 0) {
      if (pattern === spec) hits.push({ prefix: Infinity, targets });
      continue;
    }
    const pre = pattern.slice(0, star);
    const post = pattern.slice(star + 1);
    if (spec.length >= pre.length + post.length && spec.startsWith(pre) && spec.endsWith(post)) {
      const middle = spec.slice(pre.length, spec.length - post.length);
      hits.push({ prefix: pre.length, targets: targets.map((t) => t.replace('*', middle)) });
    }
  }
  hits.sort((a, b) => b.prefix - a.prefix);
  return hits.flatMap((h) => h.targets.map((t) => join(m.base, t)).filter((p): p is string => p !== null));
}

/**
 * The file a workspace package's package.json `exports` names for a subpath ('.' or './sub'),
 * its conditions read in the order a TypeScript reader would want them (types and source first);
 * [] when it has no `exports` or none matches.
 */
export function exportedPath(folder: string, subpath: string, ctx: ImportContext): string[] {
  const pkgFile = join(folder, 'package.json');
  if (!pkgFile || !ctx.files.has(pkgFile)) return [];
  const json = readJsonc(ctx.readText?.(pkgFile));
  const exp = json?.exports;
  if (exp === undefined || exp === null) return [];
  let target: unknown;
  if (typeof exp === 'string' || Array.isArray(exp) || !Object.keys(exp as object).some((k) => k.startsWith('.'))) {
    target = subpath === '.' ? exp : undefined;
  } else {
    const map = exp as Record<string, unknown>;
    if (subpath in map) target = map[subpath];
    else {
      // `./*` and `./features/*.js` patterns: the longest prefix wins
      let best = -1;
      for (const [k, v] of Object.entries(map)) {
        const star = k.indexOf('*');
        if (star < 0) continue;
        const pre = k.slice(0, star);
        const post = k.slice(star + 1);
        if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= pre.length + post.length && pre.length > best) {
          best = pre.length;
          const middle = subpath.slice(pre.length, subpath.length - post.length);
          target = substitute(v, middle);
        }
      }
    }
  }
  return conditionTargets(target)
    .map((t) => join(folder, t))
    .filter((p): p is string => p !== null);
}

function substitute(v: unknown, middle: string): unknown {
  if (typeof v === 'string') return v.replace(/\*/g, middle);
  if (Array.isArray(v)) return v.map((x) => substitute(x, middle));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, middle)]));
  return v;
}

/** Condition names in the order the targets are tried (declarations and sources before builds). */
const CONDITIONS = ['types', 'source', 'import', 'module', 'default', 'require', 'node', 'browser'];

function conditionTargets(v: unknown, depth = 0): string[] {
  if (depth > 8 || v === null || v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap((x) => conditionTargets(x, depth + 1));
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = [...CONDITIONS.filter((c) => c in o), ...Object.keys(o).filter((k) => !CONDITIONS.includes(k))];
    return keys.flatMap((k) => conditionTargets(o[k], depth + 1));
  }
  return [];
}
