/**
 * Which workspace paths the index may hold.
 *
 * Four layers, checked in this order:
 *  1. secrets (`.env`, keys, credentials …): never indexed, and no ignore
 *     file can bring them back;
 *  2. built-in exclusions: VCS and dependency folders, build output, caches,
 *     lock files, minified bundles and binaries by name;
 *  3. `extraIgnore` patterns from the configuration (gitignore syntax, rooted
 *     at the workspace; they only add exclusions);
 *  4. git's own rules: `.git/info/exclude`, then every `.gitignore` and
 *     `.cvuignore` from the repository root down to the path's folder, the
 *     deeper file winning, `.cvuignore` winning over the `.gitignore` beside it.
 *     When the workspace is a folder inside a larger repository, the ignore
 *     files of the folders above it apply too (with the lowest precedence),
 *     unless they exclude the workspace itself.
 *
 * Nested ignore files are read lazily, the first time a path below their
 * folder is checked, and cached; `invalidate(dir)` forgets them.
 */
import fs from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';

export interface IgnoreOptions {
  /** Files larger than this are skipped by size, before anything reads them. */
  maxFileBytes: number;
  /** Gitignore-style patterns from the configuration, relative to the workspace root. */
  extraIgnore?: string[];
}

export type SkipReason =
  | 'ignored'
  | 'secret'
  | 'builtin'
  | 'too-large'
  | 'binary'
  | 'minified'
  | 'lockfile'
  | 'symlink-outside'
  | 'unreadable';

export interface SkippedFile {
  /** Workspace-relative posix path. */
  path: string;
  reason: SkipReason;
}

/** The per-folder ignore files, in increasing precedence. */
export const IGNORE_FILE_NAMES: readonly string[] = ['.gitignore', '.cvuignore'];

// ---------------------------------------------------------------------------
// Secrets

/**
 * Folders whose whole content is secret. `.env` is here too: a folder of that
 * name is either a Python virtualenv or a folder of env files, and neither
 * belongs in the index.
 */
const SECRET_DIRS = new Set(['.aws', '.ssh', '.gnupg', '.env']);

/** Exact file names (compared lower-cased). */
const SECRET_NAMES = new Set([
  '.env',
  // direnv files export environment variables, usually tokens.
  '.envrc',
  '.npmrc',
  '.yarnrc.yml',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.pgpass',
  '.htpasswd',
  '.git-credentials',
  'credentials',
  'credentials.json',
  'secrets.yml',
  'secrets.yaml',
  'secrets.json',
]);

/** File extensions of keys, keystores and state files that embed secrets. */
const SECRET_EXTENSIONS = new Set(['pem', 'key', 'p12', 'pfx', 'jks', 'keystore', 'ppk', 'kdbx', 'tfstate']);

/**
 * `.env.*` — every one of them, `.env.example` and `.env.sample` included:
 * such templates are routinely filled with real values by copying `.env`, a
 * leaked key costs far more than a template missing from the index, and the
 * code that reads the variables is indexed anyway.
 * `id_rsa*` & co. also match the `.pub` halves; they are harmless but useless
 * to a code assistant, so the simple prefix rule stands.
 */
const SECRET_NAME_PATTERNS: readonly RegExp[] = [
  /^\.env\./,
  /^id_(rsa|dsa|ecdsa|ed25519)/,
  /^service-account.*\.json$/,
  // terraform.tfstate.backup, *.tfstate.<timestamp>.backup
  /\.tfstate\./,
];

/**
 * Whether a workspace-relative path names a secret: a file that is never
 * indexed, whatever any ignore file says. File-name rules apply to the last
 * segment; secret folders (`.ssh/`, `.aws/`, `.gnupg/`, `.env/`) to every one.
 */
export function isSecretPath(relPath: string): boolean {
  const segments = splitRel(relPath);
  if (!segments.length) return false;
  if (segments.some(isSecretDirName)) return true;
  return isSecretFileName(segments[segments.length - 1]);
}

function isSecretDirName(name: string): boolean {
  return SECRET_DIRS.has(name.toLowerCase());
}

function isSecretFileName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_NAMES.has(lower)) return true;
  if (SECRET_EXTENSIONS.has(extensionOf(lower))) return true;
  return SECRET_NAME_PATTERNS.some((re) => re.test(lower));
}

// ---------------------------------------------------------------------------
// Built-in exclusions

/**
 * Folders never walked: VCS metadata, dependencies, build output, caches.
 * Deliberately absent:
 *  - `bin/`: it usually holds real scripts (this repository's CLI lives there);
 *  - `obj/`: a common name for real code outside .NET, whose projects ignore it
 *    in their own `.gitignore` anyway;
 *  - `.vscode/`: a handful of small, hand-written files (launch, tasks,
 *    settings) that answer "how do I run / debug this"; `.idea/` on the other
 *    hand is mostly generated XML and is excluded.
 * `vendor/` is third-party code (Go modules, Composer, Bundler) and excluded.
 */
const BUILTIN_DIRS = new Set([
  // version control
  '.git', '.hg', '.svn', '.jj', '.bzr', '_darcs',
  // dependencies
  'node_modules', 'bower_components', 'jspm_packages', 'vendor', '.yarn', '.pnpm-store', 'Pods', '.bundle',
  // build output
  'dist', 'build', 'out', 'target', '.next', '.nuxt', '.svelte-kit', '.output', '.angular', '.docusaurus',
  '.expo', '.vercel', '.netlify', '.serverless', '.terraform', '.dart_tool', 'DerivedData', '.eggs',
  // caches, coverage, tool state
  'coverage', '.nyc_output', '.cache', '.parcel-cache', '.turbo', '.nx', '.gradle', '.idea', '.vs',
  '__pycache__', '.venv', 'venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.hypothesis',
  '.ipynb_checkpoints', '.sass-cache', '.cvu',
]);
const BUILTIN_DIR_PATTERNS: readonly RegExp[] = [/\.egg-info$/];

const LOCKFILE_NAMES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock',
  'cargo.lock', 'poetry.lock', 'pipfile.lock', 'gemfile.lock', 'composer.lock', 'go.sum', 'go.work.sum',
  'packages.lock.json', 'gradle.lockfile', 'flake.lock', 'uv.lock', 'pdm.lock', 'deno.lock', 'mix.lock',
  'podfile.lock', 'pubspec.lock', 'package.resolved', 'shrinkwrap.yaml',
]);
const LOCKFILE_EXTENSIONS = new Set(['lock', 'lockb', 'lockfile']);

const MINIFIED_NAME_PATTERNS: readonly RegExp[] = [
  /[.-]min\.(js|mjs|cjs|css)$/,
  /\.bundle\.(js|mjs|cjs)$/,
  /\.map$/,
];

/** Extensions of files that are binary by nature (compared lower-cased). */
const BINARY_EXTENSIONS = new Set([
  // images
  'png', 'jpg', 'jpeg', 'jpe', 'jfif', 'gif', 'bmp', 'ico', 'icns', 'cur', 'tif', 'tiff', 'webp', 'avif', 'heic',
  'heif', 'jxl', 'psd', 'xcf', 'ai', 'eps', 'raw', 'cr2', 'nef', 'dng', 'svgz', 'exr', 'hdr', 'tga', 'dds', 'ktx',
  // archives and packages
  'zip', 'tar', 'gz', 'tgz', 'bz2', 'tbz', 'tbz2', 'xz', 'txz', 'lz', 'lz4', 'lzma', 'zst', 'zstd', '7z', 'rar',
  'cab', 'arj', 'jar', 'war', 'ear', 'aar', 'apk', 'aab', 'ipa', 'xapk', 'deb', 'rpm', 'dmg', 'iso', 'img', 'msi',
  'msix', 'pkg', 'whl', 'egg', 'nupkg', 'crx', 'xpi', 'vsix', 'gem', 'appimage',
  // fonts
  'ttf', 'otf', 'ttc', 'woff', 'woff2', 'eot', 'fon', 'pfb', 'pfm',
  // audio and video
  'mp3', 'mp4', 'm4a', 'm4v', 'wav', 'flac', 'ogg', 'oga', 'ogv', 'opus', 'aac', 'wma', 'wmv', 'avi', 'mov',
  'mkv', 'webm', 'flv', 'mpg', 'mpeg', '3gp', 'mid', 'midi', 'aiff', 'caf',
  // executables, libraries, object and byte code
  'exe', 'dll', 'so', 'dylib', 'a', 'lib', 'o', 'obj', 'ko', 'elf', 'bin', 'class', 'dex', 'pyc', 'pyo', 'pyd',
  'beam', 'wasm', 'node', 'pdb', 'ilk', 'exp', 'idb', 'rlib', 'rmeta', 'gch', 'pch', 'elc',
  // documents
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'odg', 'epub', 'mobi',
  'pages', 'numbers', 'xps',
  // databases and data blobs
  'sqlite', 'sqlite3', 'db', 'db3', 'mdb', 'accdb', 'dbf', 'ibd', 'myd', 'myi', 'rdb', 'ldb', 'realm',
  'parquet', 'avro', 'orc', 'feather', 'arrow', 'npy', 'npz', 'pkl', 'pickle', 'joblib', 'h5', 'hdf5', 'nc',
  'mat', 'sav', 'dta', 'rds', 'rdata', 'tfrecord', 'lmdb', 'pack', 'idx',
  // model weights
  'onnx', 'pt', 'pth', 'ckpt', 'safetensors', 'gguf', 'ggml', 'tflite', 'mlmodel', 'pb', 'caffemodel',
  // 3D, design, games, flash
  'blend', 'fbx', '3ds', 'max', 'glb', 'dwg', 'skp', 'unitypackage', 'swf', 'fla', 'sketch', 'fig',
]);
const BINARY_NAMES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);

/** VCS metadata: excluded whether a folder or a file (a worktree's or submodule's `.git` is a file). */
const VCS_NAMES = new Set(['.git', '.hg', '.svn', '.jj', '.bzr', '_darcs']);

function isBuiltinDirName(name: string): boolean {
  return BUILTIN_DIRS.has(name) || BUILTIN_DIR_PATTERNS.some((re) => re.test(name));
}

/** The built-in verdict on a file name alone, or null. */
export function builtinFileReason(name: string): SkipReason | null {
  const lower = name.toLowerCase();
  const ext = extensionOf(lower);
  if (LOCKFILE_NAMES.has(lower) || LOCKFILE_EXTENSIONS.has(ext)) return 'lockfile';
  if (MINIFIED_NAME_PATTERNS.some((re) => re.test(lower))) return 'minified';
  if (BINARY_EXTENSIONS.has(ext) || BINARY_NAMES.has(lower)) return 'binary';
  return null;
}

// ---------------------------------------------------------------------------
// The rules

type Ignore = ignore.Ignore;

/** Git matches case-sensitively except where the file system folds case. */
const IGNORE_CASE = process.platform === 'darwin' || process.platform === 'win32';
const newIgnore = (): Ignore => ignore({ ignorecase: IGNORE_CASE });

interface DirState {
  /** Why this folder (and so everything below it) is excluded, or null. */
  excluded: SkipReason | null;
  /** Every rule that applies inside this folder, rebased to the workspace root. */
  ig: Ignore;
}

/** Ignore files of a repository above the workspace root. */
interface OuterRules {
  ig: Ignore;
  /** The workspace root relative to that repository, with a trailing slash. */
  prefix: string;
}

export class IgnoreRules {
  readonly root: string;
  readonly maxFileBytes: number;
  private readonly extra: Ignore | null;
  private readonly outer: OuterRules | null;
  private readonly dirs = new Map<string, DirState>();

  private constructor(root: string, opts: IgnoreOptions, outer: OuterRules | null, rootState: DirState) {
    this.root = root;
    this.maxFileBytes = opts.maxFileBytes;
    const extra = (opts.extraIgnore ?? []).filter((p) => p.trim() && !p.trim().startsWith('#'));
    this.extra = extra.length ? newIgnore().add(extra) : null;
    this.outer = outer;
    this.dirs.set('', rootState);
  }

  static async load(root: string, opts: IgnoreOptions): Promise<IgnoreRules> {
    const abs = path.resolve(root);
    const [rootIg, outer] = await Promise.all([readRootRules(abs), readOuterRules(abs)]);
    return new IgnoreRules(abs, opts, outer, { excluded: null, ig: rootIg });
  }

  /**
   * Why `relPath` is not indexed, or null when it is. `relPath` is
   * workspace-relative with `/` separators; `isDir` says whether it names a
   * folder (folder-only patterns such as `build/` need to know).
   */
  check(relPath: string, isDir: boolean): SkipReason | null {
    const segments = splitRel(relPath);
    if (!segments.length) return null; // the root itself
    if (segments.some((s) => s === '..')) return 'ignored'; // not inside the workspace
    const rel = segments.join('/');
    const name = segments[segments.length - 1];
    // Secrets first: whatever else happens, they are reported as secrets.
    if (isDir ? segments.some(isSecretDirName) : isSecretPath(rel)) return 'secret';
    const dirCount = isDir ? segments.length : segments.length - 1;
    for (let i = 0; i < dirCount; i++) if (isBuiltinDirName(segments[i])) return 'builtin';
    if (!isDir) {
      if (VCS_NAMES.has(name)) return 'builtin';
      const byName = builtinFileReason(name);
      if (byName) return byName;
    }
    const parent = this.state(segments.slice(0, -1).join('/'));
    if (parent.excluded) return parent.excluded;
    return this.ignoredBy(parent.ig, rel, isDir) ? 'ignored' : null;
  }

  /**
   * Forgets cached ignore files: those of `dirRel` and every folder below it,
   * or all of them (the root's and `.git/info/exclude` included) without an
   * argument or with a path inside `.git`. Call it when an ignore file is
   * created, changed or deleted. The ignore files of an enclosing repository
   * (above the root) are read once, by `load`.
   */
  invalidate(dirRel?: string): void {
    const segments = dirRel === undefined ? [] : splitRel(dirRel);
    if (!segments.length || segments[0] === '.git') {
      this.dirs.clear();
      return;
    }
    const key = segments.join('/');
    for (const k of [...this.dirs.keys()]) {
      if (k === key || k.startsWith(key + '/')) this.dirs.delete(k);
    }
  }

  /**
   * Reads the ignore files of a folder asynchronously, ahead of `check`ing
   * its entries (the walker calls it; `check` would otherwise read them
   * synchronously). `names` — the folder's listing — saves looking for files
   * that are not there. The folder's ancestors should be loaded already.
   */
  async preload(dirRel: string, names?: readonly string[]): Promise<void> {
    const key = splitRel(dirRel).join('/');
    if (this.dirs.has(key)) return;
    if (key === '') {
      this.state('');
      return;
    }
    const parent = this.state(parentOf(key));
    const excluded = parent.excluded ?? this.check(key, true);
    if (excluded) {
      this.dirs.set(key, { excluded, ig: parent.ig });
      return;
    }
    const present = names ? IGNORE_FILE_NAMES.filter((n) => names.includes(n)) : IGNORE_FILE_NAMES;
    const texts = await Promise.all(present.map((n) => readTextOrEmpty(path.join(this.root, key, n))));
    if (!this.dirs.has(key)) this.dirs.set(key, { excluded: null, ig: extend(parent.ig, key, texts) });
  }

  private state(key: string): DirState {
    const cached = this.dirs.get(key);
    if (cached) return cached;
    let state: DirState;
    if (key === '') {
      state = { excluded: null, ig: readRootRulesSync(this.root) };
    } else {
      const parent = this.state(parentOf(key));
      const excluded = parent.excluded ?? this.check(key, true);
      if (excluded) state = { excluded, ig: parent.ig };
      else {
        const texts = IGNORE_FILE_NAMES.map((n) => readTextOrEmptySync(path.join(this.root, key, n)));
        state = { excluded: null, ig: extend(parent.ig, key, texts) };
      }
    }
    this.dirs.set(key, state);
    return state;
  }

  private ignoredBy(ig: Ignore, rel: string, isDir: boolean): boolean {
    const target = isDir ? rel + '/' : rel;
    if (this.extra?.ignores(target)) return true;
    const r = ig.test(target);
    if (r.ignored) return true;
    if (r.unignored || !this.outer) return false;
    return this.outer.ig.ignores(this.outer.prefix + target);
  }
}

// ---------------------------------------------------------------------------
// Reading and rebasing ignore files

/** `.git/info/exclude`, then the root's `.gitignore` and `.cvuignore`. */
async function readRootRules(root: string): Promise<Ignore> {
  const excludes = gitExcludeFiles(root);
  const texts = await Promise.all([...excludes, ...IGNORE_FILE_NAMES.map((n) => path.join(root, n))].map(readTextOrEmpty));
  return extend(newIgnore(), '', texts);
}

function readRootRulesSync(root: string): Ignore {
  const excludes = gitExcludeFiles(root);
  const texts = [...excludes, ...IGNORE_FILE_NAMES.map((n) => path.join(root, n))].map(readTextOrEmptySync);
  return extend(newIgnore(), '', texts);
}

/**
 * The `info/exclude` files of the repository whose `.git` sits in `dir`:
 * a folder, or a file (worktrees, submodules) pointing at one.
 */
function gitExcludeFiles(dir: string): string[] {
  const dotGit = path.join(dir, '.git');
  let st: fs.Stats;
  try {
    st = fs.statSync(dotGit);
  } catch {
    return [];
  }
  if (st.isDirectory()) return [path.join(dotGit, 'info', 'exclude')];
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readTextOrEmptySync(dotGit));
  if (!m) return [];
  const gitDir = path.resolve(dir, m[1]);
  const out = [path.join(gitDir, 'info', 'exclude')];
  const common = readTextOrEmptySync(path.join(gitDir, 'commondir')).trim();
  if (common) out.unshift(path.join(path.resolve(gitDir, common), 'info', 'exclude'));
  return out;
}

/**
 * When the workspace is a folder inside a git repository, the ignore files
 * from the repository root down to the workspace's parent. Null when there is
 * no such repository, or when its rules exclude the workspace itself (the
 * user opened that folder on purpose).
 */
async function readOuterRules(root: string): Promise<OuterRules | null> {
  const rootDirs: string[] = [];
  let repo: string | null = null;
  if (fs.existsSync(path.join(root, '.git'))) return null;
  for (let dir = path.dirname(root), i = 0; i < 64; dir = path.dirname(dir), i++) {
    rootDirs.unshift(dir);
    if (fs.existsSync(path.join(dir, '.git'))) {
      repo = dir;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  if (!repo) return null;
  let ig = extend(newIgnore(), '', await Promise.all(gitExcludeFiles(repo).map(readTextOrEmpty)));
  for (const dir of rootDirs) {
    const rel = toPosix(path.relative(repo, dir));
    const texts = await Promise.all(IGNORE_FILE_NAMES.map((n) => readTextOrEmpty(path.join(dir, n))));
    ig = extend(ig, rel, texts);
  }
  const prefix = toPosix(path.relative(repo, root)) + '/';
  if (ig.ignores(prefix)) return null;
  return { ig, prefix };
}

/** `base` plus the patterns of the ignore files of folder `dirRel`; `base` itself when they add none. */
function extend(base: Ignore, dirRel: string, texts: string[]): Ignore {
  const patterns: string[] = [];
  for (const text of texts) {
    for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n|\r/)) {
      const p = rebasePattern(line, dirRel);
      if (p !== null) patterns.push(p);
    }
  }
  if (!patterns.length) return base;
  return newIgnore().add(base).add(patterns);
}

/**
 * Rewrites one line of the ignore file in folder `dirRel` into a pattern
 * relative to the workspace root, keeping git's meaning:
 *  - a pattern with a slash at its start or middle is anchored to its folder;
 *  - one without matches at any depth below its folder;
 *  - a trailing slash (folders only) and a leading `!` are kept.
 * Returns null for blank lines and comments.
 */
export function rebasePattern(line: string, dirRel: string): string | null {
  let p = trimTrailingSpaces(line);
  if (!p || p.startsWith('#')) return null;
  let negation = '';
  if (p.startsWith('!')) {
    negation = '!';
    p = p.slice(1);
  }
  if (!dirRel) return p ? negation + p : null;
  const dirOnly = p.endsWith('/') && !p.endsWith('\\/');
  const body = dirOnly ? p.replace(/\/+$/, '') : p;
  if (!body) return null;
  const prefix = escapeGlob(dirRel);
  const rebased = body.includes('/') ? `${prefix}/${body.replace(/^\/+/, '')}` : `${prefix}/**/${body}`;
  return negation + rebased + (dirOnly ? '/' : '');
}

/** Git drops trailing spaces unless the last one is escaped with a backslash. */
function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ') end--;
  if (end < line.length && end > 0 && line[end - 1] === '\\') end++;
  return line.slice(0, end);
}

/** A folder path as a literal glob: a folder named `[id]` matches only itself. */
function escapeGlob(s: string): string {
  const escaped = s.replace(/[\\*?[\]]/g, (c) => '\\' + c);
  return /^[!#]/.test(escaped) ? '\\' + escaped : escaped;
}

async function readTextOrEmpty(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return '';
  }
}

function readTextOrEmptySync(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------
// Paths

/** Segments of a workspace-relative path; tolerates `./`, `\` on Windows, and leading or trailing slashes. */
function splitRel(relPath: string): string[] {
  const p = path.sep === '\\' ? relPath.replace(/\\/g, '/') : relPath;
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

function parentOf(key: string): string {
  const i = key.lastIndexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

function extensionOf(lowerName: string): string {
  const i = lowerName.lastIndexOf('.');
  return i <= 0 ? '' : lowerName.slice(i + 1);
}

function toPosix(p: string): string {
  return path.sep === '\\' ? p.replace(/\\/g, '/') : p;
}
