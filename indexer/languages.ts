/**
 * Languages: which language a path holds, and the tree-sitter grammar that
 * parses it. Grammars are WebAssembly files from `@vscode/tree-sitter-wasm`,
 * loaded lazily, once per process, on the first file that needs them.
 *
 * ```ts
 * languageForPath('src/app.tsx');   // 'tsx'
 * languageForPath('Dockerfile');    // 'dockerfile'
 * hasGrammar('markdown');           // false: chunked by headings / line windows
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';
import { Parser, type Language } from 'web-tree-sitter';
import { createLogger, type Logger } from '../core/log.js';
import { bundledGrammarPath, loadGrammarFile } from '../core/tree-sitter.js';
import { compileBaselineOnly } from '../core/v8-flags.js';

/** Every language told apart, as named in the index; each has its support in `lang/registry.ts`. */
export const languageIds = [
  'typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'csharp', 'cpp', 'c',
  'ruby', 'php', 'bash', 'css', 'powershell', 'ini',
  'markdown', 'json', 'yaml', 'toml', 'html', 'xml', 'sql',
  'scss', 'less', 'vue', 'svelte', 'kotlin', 'swift', 'scala', 'lua', 'dart', 'elixir',
  'haskell', 'perl', 'r', 'zig', 'graphql', 'protobuf', 'terraform', 'dockerfile', 'makefile',
  'text',
] as const;

export type LanguageId = (typeof languageIds)[number];

const byExtension: Record<string, LanguageId> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  py: 'python', pyi: 'python', pyw: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  cs: 'csharp', csx: 'csharp',
  c: 'c', h: 'c',
  cc: 'cpp', cpp: 'cpp', cxx: 'cpp', 'c++': 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp', 'h++': 'cpp', ipp: 'cpp', tpp: 'cpp', ino: 'cpp', cu: 'cpp', cuh: 'cpp',
  rb: 'ruby', rake: 'ruby', gemspec: 'ruby', ru: 'ruby',
  php: 'php', phtml: 'php',
  sh: 'bash', bash: 'bash', zsh: 'bash', ksh: 'bash',
  css: 'css',
  ps1: 'powershell', psm1: 'powershell', psd1: 'powershell',
  ini: 'ini', cfg: 'ini', editorconfig: 'ini', gitconfig: 'ini',
  md: 'markdown', markdown: 'markdown', mdx: 'markdown', mdown: 'markdown',
  json: 'json', jsonc: 'json', json5: 'json', geojson: 'json', webmanifest: 'json',
  yml: 'yaml', yaml: 'yaml',
  toml: 'toml',
  html: 'html', htm: 'html', xhtml: 'html',
  xml: 'xml', xsd: 'xml', xsl: 'xml', xslt: 'xml', svg: 'xml', plist: 'xml', csproj: 'xml', fsproj: 'xml', vbproj: 'xml', props: 'xml', targets: 'xml', resx: 'xml',
  sql: 'sql',
  scss: 'scss', sass: 'scss', less: 'less',
  vue: 'vue', svelte: 'svelte',
  kt: 'kotlin', kts: 'kotlin', swift: 'swift', scala: 'scala', sc: 'scala', lua: 'lua', dart: 'dart',
  ex: 'elixir', exs: 'elixir', hs: 'haskell', pl: 'perl', pm: 'perl', r: 'r', zig: 'zig',
  graphql: 'graphql', gql: 'graphql', proto: 'protobuf', tf: 'terraform', tfvars: 'terraform', hcl: 'terraform',
  dockerfile: 'dockerfile', mk: 'makefile', mak: 'makefile',
  txt: 'text', rst: 'text', adoc: 'text',
};

const byBasename: Record<string, LanguageId> = {
  dockerfile: 'dockerfile', containerfile: 'dockerfile',
  makefile: 'makefile', gnumakefile: 'makefile',
  rakefile: 'ruby', gemfile: 'ruby', guardfile: 'ruby', podfile: 'ruby', vagrantfile: 'ruby', brewfile: 'ruby', fastfile: 'ruby',
  '.bashrc': 'bash', '.bash_profile': 'bash', '.bash_aliases': 'bash', '.bash_logout': 'bash', '.profile': 'bash',
  '.zshrc': 'bash', '.zprofile': 'bash', '.zshenv': 'bash', '.zlogin': 'bash', pkgbuild: 'bash', apkbuild: 'bash',
  '.babelrc': 'json', '.eslintrc': 'json', '.prettierrc': 'json', '.swcrc': 'json', 'tsconfig.json': 'json',
  '.editorconfig': 'ini', '.gitconfig': 'ini', '.npmrc': 'ini', '.pylintrc': 'ini', 'setup.cfg': 'ini', 'tox.ini': 'ini',
  'cmakelists.txt': 'text', 'go.mod': 'text', 'go.sum': 'text',
};

/** The language of a workspace path, by basename then extension; unknown → 'text'. */
export function languageForPath(relPath: string): LanguageId {
  const base = relPath.slice(relPath.replace(/\\/g, '/').lastIndexOf('/') + 1).toLowerCase();
  const named = byBasename[base];
  if (named) return named;
  if (base.endsWith('.dockerfile') || base.startsWith('dockerfile.')) return 'dockerfile';
  if (base.startsWith('makefile.')) return 'makefile';
  const dot = base.lastIndexOf('.');
  if (dot < 0 || dot === base.length - 1) return 'text';
  return byExtension[base.slice(dot + 1)] ?? 'text';
}

/**
 * Languages whose code names one another's definitions directly: a TypeScript file calls JavaScript
 * and Svelte code, C++ calls C, Kotlin calls Java. Across families code meets only through a binding
 * or a protocol, so in a polyglot repository a `.enabled` in TypeScript is not a C++ struct's field.
 */
const families: Partial<Record<LanguageId, string>> = {
  typescript: 'web', tsx: 'web', javascript: 'web', vue: 'web', svelte: 'web',
  c: 'c', cpp: 'c',
  java: 'jvm', kotlin: 'jvm', scala: 'jvm',
  python: 'python', go: 'go', rust: 'rust', csharp: 'csharp', ruby: 'ruby', php: 'php',
  swift: 'swift', dart: 'dart', lua: 'lua', elixir: 'elixir', haskell: 'haskell', perl: 'perl', r: 'r', zig: 'zig',
  bash: 'shell', powershell: 'powershell',
};

/** The family of languages whose definitions code in `lang` names directly; null for data and prose (json, markdown, text). */
export function languageFamily(lang: string): string | null {
  return families[lang as LanguageId] ?? null;
}

/** The language named by a `#!` line (`#!/usr/bin/env python3`), or null. */
export function languageForShebang(firstLine: string): LanguageId | null {
  const m = /^#!\s*(\S+)(?:\s+(?:-\S+\s+)*(\S+))?/.exec(firstLine);
  if (!m) return null;
  let prog = path.posix.basename(m[1]);
  if (prog === 'env' && m[2]) prog = path.posix.basename(m[2]);
  prog = prog.replace(/[\d.]+$/, '');
  if (/^(ba|z|k|da|a)?sh$/.test(prog)) return 'bash';
  if (prog === 'python' || prog === 'pypy') return 'python';
  if (prog === 'node' || prog === 'nodejs' || prog === 'deno' || prog === 'bun') return 'javascript';
  if (prog === 'tsx' || prog === 'ts-node') return 'typescript';
  if (prog === 'ruby') return 'ruby';
  if (prog === 'php') return 'php';
  if (prog === 'pwsh' || prog === 'powershell') return 'powershell';
  if (prog === 'perl') return 'perl';
  return null;
}

const grammarFiles: Partial<Record<LanguageId, string>> = {
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  python: 'tree-sitter-python.wasm',
  go: 'tree-sitter-go.wasm',
  rust: 'tree-sitter-rust.wasm',
  java: 'tree-sitter-java.wasm',
  csharp: 'tree-sitter-c-sharp.wasm',
  cpp: 'tree-sitter-cpp.wasm',
  c: 'tree-sitter-cpp.wasm', // no C grammar ships; C parses well enough as C++
  ruby: 'tree-sitter-ruby.wasm',
  php: 'tree-sitter-php.wasm',
  bash: 'tree-sitter-bash.wasm',
  css: 'tree-sitter-css.wasm',
  powershell: 'tree-sitter-powershell.wasm',
  ini: 'tree-sitter-ini.wasm',
};

/**
 * Grammars whose lexer is one WebAssembly function so large that V8's optimising compiler, which
 * its tiering sends it to within the first file or two, takes out of all proportion to the gain:
 * bash's 161 KB function 0.44–0.52 s of a core, PowerShell's 372 KB one 14 s and 75 MB (measured
 * with `--trace-wasm-compilation-times`; the other grammars' largest functions, 106 KB and under,
 * 0.2 s and under). Nearly every repository has a shell script or two, so a first index paid it on a
 * core the parse workers needed (this repository's tree: ready 1.7 s with its three shell scripts,
 * 1.45 without them), and `cvu index` waited for it before exiting. Left on the baseline compiler,
 * a file of theirs parses 10–25% slower, as any grammar's does there.
 */
const BASELINE_ONLY_GRAMMARS = ['tree-sitter-bash.wasm', 'tree-sitter-powershell.wasm'];
/** The modules compiled for BASELINE_ONLY_GRAMMARS, kept alive: V8 reuses them while they are. */
let baselineModules: WebAssembly.Module[] | null = null;

/**
 * Compiles BASELINE_ONLY_GRAMMARS for the baseline compiler only, once per process; every later
 * load of those bundled grammars, in any thread, gets that code. Call before any worker thread
 * parses (the V8 flags it sets are process-wide): the parse pool does, when it is made. Costs
 * 20–30 ms and keeps about 4 MB.
 */
export function keepLargeGrammarsOnBaseline(): void {
  if (baselineModules) return;
  baselineModules = [];
  for (const file of BASELINE_ONLY_GRAMMARS) {
    const wasm = bundledGrammarPath(file);
    if (!wasm) continue;
    try {
      baselineModules.push(compileBaselineOnly(fs.readFileSync(wasm)));
    } catch {
      // Unreadable or invalid: loading it later reports that, as for any grammar.
    }
  }
}

/** Whether a tree-sitter grammar exists for the language (others are chunked by line windows). */
export function hasGrammar(lang: LanguageId): boolean {
  return grammarFiles[lang] !== undefined;
}

const overrides = new Map<LanguageId, string>();
const cache = new Map<string, Promise<Language | null>>(); // by wasm path
const parsers = new Map<LanguageId, Parser>();
let log: Logger = createLogger();

/** Where the daemon wants grammar warnings to go (defaults to stderr at `warn`). */
export function setLanguageLogger(logger: Logger): void {
  log = logger;
}

/**
 * Points a language at another grammar file (a newer build, a user's own), or
 * back at the bundled one with `null`. Takes effect for the next file parsed.
 */
export function setGrammarPath(lang: LanguageId, wasmPath: string | null): void {
  if (wasmPath === null) overrides.delete(lang);
  else overrides.set(lang, wasmPath);
  parsers.get(lang)?.delete();
  parsers.delete(lang);
}

function wasmPathFor(lang: LanguageId): string | null {
  const own = overrides.get(lang);
  if (own) return own;
  const file = grammarFiles[lang];
  return file ? bundledGrammarPath(file) : null;
}

function loadGrammar(lang: LanguageId, logger: Logger): Promise<Language | null> {
  const wasm = wasmPathFor(lang);
  if (!wasm) {
    const key = `missing:${lang}`;
    let missing = cache.get(key);
    if (!missing) {
      logger.warn(`grammar for ${lang} not found; falling back to line windows`);
      cache.set(key, (missing = Promise.resolve(null)));
    }
    return missing;
  }
  let p = cache.get(wasm);
  if (!p) {
    p = loadGrammarFile(wasm).catch((err: unknown) => {
      logger.warn(`grammar for ${lang} failed to load; falling back to line windows`, { path: wasm, error: String((err as Error)?.message ?? err) });
      return null;
    });
    cache.set(wasm, p);
  }
  return p;
}

/**
 * A parser set to the language's grammar, reused across files; null when the
 * language has no grammar or its grammar failed to load (warned once, to
 * `logger` or else the languages logger). Parse synchronously after
 * awaiting: a parser is shared by every caller.
 */
export async function parserFor(lang: LanguageId, logger?: Logger): Promise<Parser | null> {
  const existing = parsers.get(lang);
  if (existing) return existing;
  if (!hasGrammar(lang) && !overrides.has(lang)) return null;
  const grammar = await loadGrammar(lang, logger ?? log);
  if (!grammar) return null;
  const again = parsers.get(lang);
  if (again) return again;
  try {
    const parser = new Parser();
    parser.setLanguage(grammar);
    parsers.set(lang, parser);
    return parser;
  } catch (err) {
    (logger ?? log).warn(`grammar for ${lang} is incompatible; falling back to line windows`, { error: String((err as Error)?.message ?? err) });
    return null;
  }
}

/**
 * The parser that warms up the tree-sitter runtime (indexer/parser-warmup.ts): the runtime's code is
 * the same for every grammar, and INI's is the smallest bundled (5 KB) and cheapest to keep loaded.
 */
export function runtimeWarmUpParser(): Promise<Parser | null> {
  return parserFor('ini');
}
