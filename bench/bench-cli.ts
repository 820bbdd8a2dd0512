/**
 * What the retrieval benchmarks (bench:context, bench:search) share: their common options (the
 * draw's seed, the held-out draw, the code bases, where the result goes) and the shape of their
 * code-base list, with the four shared corpora and npm's node-gyp Python that both use.
 *
 * ```ts
 * const o = parseBenchOptions(process.argv.slice(2), { doc: import.meta.url, corpora: CORPORA, option: (a) => … });
 * ```
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRepo } from './result.js';

/** The draw tuned on, and the held-out draw reported on (never tuned on). */
export const TUNING_SEED = 424242;
export const HELDOUT_SEED = 7;

/** ' (the tuning draw)', ' (held out)' or nothing, after a seed. */
export const seedNote = (seed: number) => (seed === TUNING_SEED ? ' (the tuning draw)' : seed === HELDOUT_SEED ? ' (held out)' : '');

/** The options every retrieval benchmark takes. */
export interface BenchOptions {
  seed: number;
  heldout: boolean;
  corpora: string[] | null;
  out: string | null;
  record: boolean;
  keep: boolean;
  /** Code bases named on the command line (`--corpus LABEL=DIR`): measured beside, or instead of, the built-in ones. */
  extra: Corpus[];
}

/** One command-line argument being read: its name (before any `=`), its value (inline or the next argument), the argument after it. */
export interface Arg {
  name: string;
  arg: string;
  value: () => string;
  next: () => string | undefined;
}

/** Prints the file's opening doc comment (its usage) and exits. */
function usage(doc: string): never {
  const text = fs.readFileSync(fileURLToPath(doc), 'utf8').split('*/')[0];
  console.log(text.replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}

/**
 * Reads the shared options (environment variables SEED, HELDOUT=1, BENCH_CORPORA first), hands
 * every other argument to `option`, which returns false for one it does not know; --help prints the
 * doc comment of the file `doc` (an import.meta.url).
 */
export function parseBenchOptions(argv: string[], how: { doc: string; corpora: readonly { label: string }[]; option: (a: Arg) => boolean }): BenchOptions {
  const env = process.env;
  const o: BenchOptions = {
    seed: env.SEED ? Number(env.SEED) : TUNING_SEED,
    heldout: env.HELDOUT === '1',
    corpora: env.BENCH_CORPORA ? env.BENCH_CORPORA.split(',') : null,
    out: null,
    record: false,
    keep: false,
    extra: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.split(/=(.*)/s);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    const a: Arg = { name, arg, value, next: () => argv[++i] };
    if (name === '--seed') o.seed = Number(value());
    else if (name === '--heldout') o.heldout = true;
    else if (name === '--corpora') o.corpora = value().split(',');
    else if (name === '--out') o.out = path.resolve(value());
    else if (name === '--record') o.record = true;
    else if (name === '--keep') o.keep = true;
    else if (name === '--corpus') o.extra.push(folderCorpus(value()));
    else if (name === '--help' || name === '-h') usage(how.doc);
    else if (!how.option(a)) throw new Error(`unknown option ${arg} (--help lists them)`);
  }
  if (o.heldout) {
    if ((env.SEED || argv.some((a) => a.startsWith('--seed'))) && o.seed !== HELDOUT_SEED) throw new Error('--heldout and --seed say different things: use one');
    o.seed = HELDOUT_SEED;
  }
  if (!Number.isInteger(o.seed)) throw new Error('the seed must be an integer');
  const known = [...how.corpora, ...o.extra];
  const unknown = (o.corpora ?? []).filter((c) => !known.some((k) => k.label === c));
  if (unknown.length) throw new Error(`unknown code base ${unknown.join(', ')}: one of ${known.map((c) => c.label).join(', ')}`);
  const clash = o.extra.find((e) => how.corpora.some((k) => k.label === e.label) || o.extra.filter((x) => x.label === e.label).length > 1);
  if (clash) throw new Error(`--corpus ${clash.label}: that name is taken; give the folder another`);
  // Named folders alone are measured unless --corpora also names built-in code bases.
  if (o.extra.length && !o.corpora) o.corpora = o.extra.map((e) => e.label);
  return o;
}

/** A code base a benchmark measures. */
export interface Corpus {
  label: string;
  language: string;
  /** Where it comes from, for the results file. */
  source: string;
  /** Puts the code base at `dest` (which does not exist yet); false when this machine lacks it. */
  materialise: (dest: string) => boolean;
}

/** Copies a tree, leaving out node_modules and .git folders and any file `keep` refuses (a path relative to `from`). */
export function copyTree(from: string, to: string, keep: (rel: string) => boolean = () => true): void {
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(from, abs);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.git') walk(abs);
      } else if (e.isFile() && keep(rel)) {
        fs.mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
        fs.copyFileSync(abs, path.join(to, rel));
      }
    }
  };
  walk(from);
}

const LANGUAGES: Record<string, string> = { '.go': 'Go', '.java': 'Java', '.rs': 'Rust', '.py': 'Python', '.js': 'JavaScript', '.mjs': 'JavaScript', '.cjs': 'JavaScript', '.ts': 'TypeScript', '.tsx': 'TypeScript', '.cs': 'C#' };

/** A source file's language by its extension, or the extension itself. */
export const languageOf = (file: string): string => LANGUAGES[path.extname(file)] ?? path.extname(file);

/**
 * `LABEL=DIR` from the command line: a checkout anywhere on this machine (your own code base),
 * copied like the others; its language is that of most of its source files.
 */
export function folderCorpus(spec: string): Corpus {
  const m = /^([\w.-]+)=(.+)$/.exec(spec);
  if (!m) throw new Error(`--corpus ${spec}: write LABEL=DIR (LABEL of letters, digits, '.', '_' or '-')`);
  const [, label, dir] = m;
  const root = path.resolve(dir);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--corpus ${label}: ${root} is not a folder`);
  const counts = new Map<string, number>();
  const count = (d: string, depth: number) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && depth < 12 && e.name !== 'node_modules' && e.name !== '.git') count(path.join(d, e.name), depth + 1);
      else if (e.isFile() && LANGUAGES[path.extname(e.name)]) counts.set(languageOf(e.name), (counts.get(languageOf(e.name)) ?? 0) + 1);
    }
  };
  count(root, 0);
  const language = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!language) throw new Error(`--corpus ${label}: no source file the benchmark reads under ${root}`);
  return { label, language, source: root, materialise: (dest) => (copyTree(root, dest), true) };
}

const sharedCorpora = path.resolve(benchRepo, '../shared/bench/corpora');

/** A shared corpus: its tarball holds one folder named after it. */
export function fromTarball(label: string): (dest: string) => boolean {
  return (dest) => {
    const tarball = path.join(sharedCorpora, `${label}.tar.gz`);
    if (!fs.existsSync(tarball)) throw new Error(`${tarball} is missing: the shared corpora live in ../shared/bench/corpora`);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const into = fs.mkdtempSync(`${dest}.x-`);
    execFileSync('tar', ['xzf', tarball, '-C', into]);
    const [top, ...more] = fs.readdirSync(into);
    fs.renameSync(more.length ? into : path.join(into, top), dest);
    fs.rmSync(into, { recursive: true, force: true });
    return true;
  };
}

/** The four code bases of ../shared/bench/corpora, one language each. */
export const SHARED_CORPORA: Corpus[] = [
  { label: 'chi', language: 'Go', source: 'go-chi/chi @ 735ae2b (../shared/bench/corpora/chi.tar.gz)', materialise: fromTarball('chi') },
  { label: 'gson', language: 'Java', source: 'google/gson @ 9835b6f (../shared/bench/corpora/gson.tar.gz)', materialise: fromTarball('gson') },
  { label: 'reqwest', language: 'Rust', source: 'seanmonstar/reqwest @ 065a5ae (../shared/bench/corpora/reqwest.tar.gz)', materialise: fromTarball('reqwest') },
  { label: 'click', language: 'Python', source: 'pallets/click @ 2c8cd3a (../shared/bench/corpora/click.tar.gz)', materialise: fromTarball('click') },
];

/** node-gyp's gyp (Python), from npm's own install; null when it is not there. */
export function nodeGypPython(): string | null {
  const roots: string[] = [path.resolve(path.dirname(process.execPath), '../lib/node_modules')];
  try {
    roots.unshift(execFileSync('npm', ['root', '-g'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // npm not on PATH: the folder beside node is the usual place
  }
  for (const r of roots) {
    const gyp = path.join(r, 'npm/node_modules/node-gyp/gyp');
    if (fs.existsSync(gyp)) return gyp;
  }
  return null;
}

/** Times a benchmark's phases: each is announced on stderr, and its seconds are kept in `timings`. */
export function phaseTimer(bench: string) {
  const timings: Record<string, number> = {};
  async function phase<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    process.stderr.write(`[bench:${bench}] ${name}…\n`);
    try {
      return await fn();
    } finally {
      timings[name] = Number(((performance.now() - t0) / 1000).toFixed(1));
      process.stderr.write(`[bench:${bench}] ${name}: ${timings[name]} s\n`);
    }
  }
  return { timings, phase };
}
