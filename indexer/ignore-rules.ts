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
 *
 * Before any of these, two rules no ignore file can change: a name with
 * control characters or bytes that are not UTF-8 is skipped (`bad-name`),
 * and so is anything nested deeper than MAX_FOLDER_DEPTH folders (`too-deep`).
 *
 * A repository is data, and its ignore files are part of it: each is read
 * without following a link (as git does), up to MAX_IGNORE_FILE_BYTES, and
 * patterns that would make matching explode are dropped (see `sanitizePattern`),
 * as are patterns beyond MAX_PATTERNS in force in one folder. What was dropped
 * is listed in `warnings`.
 */
import fs, { constants as fsConstants } from 'node:fs';
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
  | 'unreadable'
  /** Nested deeper than MAX_FOLDER_DEPTH folders, or a path longer than the system allows. */
  | 'too-deep'
  /** A name with control characters (a newline, an escape …) or bytes that are not UTF-8. */
  | 'bad-name';

export interface SkippedFile {
  /** Workspace-relative posix path. */
  path: string;
  reason: SkipReason;
}

/** The per-folder ignore files, in increasing precedence. */
export const IGNORE_FILE_NAMES: readonly string[] = ['.gitignore', '.cvuignore'];

/**
 * Folders below the root that are walked, at most. Real source trees are
 * rarely 20 deep; a chain of thousands of folders is an attack on whatever
 * walks it, and every ignore check costs more with each level (a `**` tries
 * every split of the path).
 */
export const MAX_FOLDER_DEPTH = 64;
/** Bytes of one ignore file that are read; the rest is dropped (git stops at 100 MB, a 2 GB file must cost nothing here). */
export const MAX_IGNORE_FILE_BYTES = 1024 * 1024;
/**
 * Patterns taken from one ignore file, and patterns in force in one folder
 * (the root's, the nested ones, `.git/info/exclude`), at most. Each check
 * tests every pattern in force (about half a microsecond each), so a
 * 100,000-line ignore file would cost 50 ms per path; real ones have a few
 * hundred lines. The budget per folder is twice a file's, so that the small
 * ignore files nested below a large generated one still count.
 */
export const MAX_PATTERNS_PER_FILE = 5_000;
export const MAX_PATTERNS = 10_000;
/** Longer pattern lines are dropped: no path is that long, and a 40,000-character one is a regular expression V8 refuses to compile. */
const MAX_PATTERN_CHARS = 4096;
/** `*`, `?` and `[` per pattern, at most (each is a loop in the compiled expression). */
const MAX_PATTERN_WILDCARDS = 64;
/** `**` segments per pattern, at most: matching tries every way to split the path among them (depth^n). */
const MAX_PATTERN_GLOBSTARS = 3;
/** Warnings kept (the first ones; a hostile file could produce thousands). */
const MAX_WARNINGS = 20;

/** C0 and C1 control characters, and U+FFFD, which is what a name's invalid UTF-8 bytes decode to. */
// eslint-disable-next-line no-control-regex
const BAD_NAME = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

/**
 * Whether a file or folder name is one the index refuses: control
 * characters (a newline would break every `path:line` citation, an escape
 * sequence would reach a terminal printing the path) or bytes that are not
 * UTF-8 (the name cannot even be handed back to the file system as read).
 */
export function isBadName(name: string): boolean {
  return BAD_NAME.test(name);
}

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

/** The patterns in force in a folder: compiled, and how many (for MAX_PATTERNS). */
interface RuleSet {
  ig: Ignore;
  count: number;
}

interface DirState {
  /** Why this folder (and so everything below it) is excluded, or null. */
  excluded: SkipReason | null;
  /** Every rule that applies inside this folder, rebased to the workspace root. */
  rules: RuleSet;
}

/** Ignore files of a repository above the workspace root. */
interface OuterRules {
  ig: Ignore;
  /** The workspace root relative to that repository, with a trailing slash. */
  prefix: string;
}

/** An ignore file's text, and where it came from (for warnings). */
interface IgnoreText {
  file: string;
  text: string;
}

/** Collects what was dropped from the ignore files, once per message and MAX_WARNINGS at most. */
class Warnings {
  readonly list: string[] = [];
  add(msg: string): void {
    if (this.list.length < MAX_WARNINGS && !this.list.includes(msg)) this.list.push(msg);
  }
}

export class IgnoreRules {
  readonly root: string;
  readonly maxFileBytes: number;
  private readonly extra: Ignore | null;
  private readonly outer: OuterRules | null;
  private readonly dirs = new Map<string, DirState>();
  private readonly notes: Warnings;

  private constructor(root: string, opts: IgnoreOptions, outer: OuterRules | null, rootState: DirState, notes: Warnings) {
    this.root = root;
    this.maxFileBytes = opts.maxFileBytes;
    this.notes = notes;
    // The configuration is the workspace's too (its cvu.config.ts): the same limits apply.
    const extra = extend(noRules(), '', [{ file: 'the configuration (index.ignore)', text: (opts.extraIgnore ?? []).join('\n') }], notes);
    this.extra = extra.count ? extra.ig : null;
    this.outer = outer;
    this.dirs.set('', rootState);
  }

  static async load(root: string, opts: IgnoreOptions): Promise<IgnoreRules> {
    const abs = path.resolve(root);
    const notes = new Warnings();
    const [rootRules, outer] = await Promise.all([readRootRules(abs, notes), readOuterRules(abs, notes)]);
    return new IgnoreRules(abs, opts, outer, { excluded: null, rules: rootRules }, notes);
  }

  /**
   * What was left out of the ignore files and why (a file cut at
   * MAX_IGNORE_FILE_BYTES, patterns dropped): the first MAX_WARNINGS, once each.
   */
  get warnings(): readonly string[] {
    return this.notes.list;
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
    if (segments.some(isBadName)) return 'bad-name';
    const dirCount = isDir ? segments.length : segments.length - 1;
    // Before any pattern runs: pattern matching costs grow with the depth.
    if (dirCount > MAX_FOLDER_DEPTH) return 'too-deep';
    for (let i = 0; i < dirCount; i++) if (isBuiltinDirName(segments[i])) return 'builtin';
    if (!isDir) {
      if (VCS_NAMES.has(name)) return 'builtin';
      const byName = builtinFileReason(name);
      if (byName) return byName;
    }
    const parent = this.state(segments.slice(0, -1).join('/'));
    if (parent.excluded) return parent.excluded;
    return this.ignoredBy(parent.rules.ig, rel, isDir) ? 'ignored' : null;
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
      this.dirs.set(key, { excluded, rules: parent.rules });
      return;
    }
    const present = names ? IGNORE_FILE_NAMES.filter((n) => names.includes(n)) : IGNORE_FILE_NAMES;
    const files = present.map((n) => path.join(this.root, key, n));
    const texts = await Promise.all(files.map((file) => readIgnoreFile(file, this.notes)));
    if (!this.dirs.has(key)) this.dirs.set(key, { excluded: null, rules: extend(parent.rules, key, withFiles(files, texts), this.notes) });
  }

  private state(key: string): DirState {
    const cached = this.dirs.get(key);
    if (cached) return cached;
    let state: DirState;
    if (key === '') {
      state = { excluded: null, rules: readRootRulesSync(this.root, this.notes) };
    } else {
      const parent = this.state(parentOf(key));
      const excluded = parent.excluded ?? this.check(key, true);
      if (excluded) state = { excluded, rules: parent.rules };
      else {
        const files = IGNORE_FILE_NAMES.map((n) => path.join(this.root, key, n));
        const texts = files.map((file) => readIgnoreFileSync(file, this.notes));
        state = { excluded: null, rules: extend(parent.rules, key, withFiles(files, texts), this.notes) };
      }
    }
    this.dirs.set(key, state);
    return state;
  }

  private ignoredBy(ig: Ignore, rel: string, isDir: boolean): boolean {
    const target = isDir ? rel + '/' : rel;
    try {
      if (this.extra?.ignores(target)) return true;
      const r = ig.test(target);
      if (r.ignored) return true;
      if (r.unignored || !this.outer) return false;
      return this.outer.ig.ignores(this.outer.prefix + target);
    } catch (err) {
      // A pattern the matcher cannot compile after all (sanitizePattern should
      // have dropped it): the path counts as not ignored, and the walk goes on.
      this.notes.add(`an ignore pattern could not be matched (${(err as Error).message.slice(0, 200)}); paths it should exclude are indexed`);
      return false;
    }
  }
}

// ---------------------------------------------------------------------------
// Reading and rebasing ignore files

/** No rules (a fresh matcher each time: a matcher caches every path it is asked about). */
function noRules(): RuleSet {
  return { ig: newIgnore(), count: 0 };
}

/** `.git/info/exclude`, then the root's `.gitignore` and `.cvuignore`. */
async function readRootRules(root: string, notes: Warnings): Promise<RuleSet> {
  const files = [...gitExcludeFiles(root, notes), ...IGNORE_FILE_NAMES.map((n) => path.join(root, n))];
  const texts = await Promise.all(files.map((file) => readIgnoreFile(file, notes)));
  return extend(noRules(), '', withFiles(files, texts), notes);
}

function readRootRulesSync(root: string, notes: Warnings): RuleSet {
  const files = [...gitExcludeFiles(root, notes), ...IGNORE_FILE_NAMES.map((n) => path.join(root, n))];
  return extend(noRules(), '', withFiles(files, files.map((file) => readIgnoreFileSync(file, notes))), notes);
}

function withFiles(files: string[], texts: string[]): IgnoreText[] {
  return files.map((file, i) => ({ file, text: texts[i] }));
}

/**
 * The `info/exclude` files of the repository whose `.git` sits in `dir`:
 * a folder, or a file (worktrees, submodules) pointing at one.
 */
function gitExcludeFiles(dir: string, notes: Warnings): string[] {
  const dotGit = path.join(dir, '.git');
  let st: fs.Stats;
  try {
    st = fs.statSync(dotGit);
  } catch {
    return [];
  }
  if (st.isDirectory()) return [path.join(dotGit, 'info', 'exclude')];
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readIgnoreFileSync(dotGit, notes));
  if (!m) return [];
  const gitDir = path.resolve(dir, m[1]);
  const out = [path.join(gitDir, 'info', 'exclude')];
  const common = readIgnoreFileSync(path.join(gitDir, 'commondir'), notes).trim();
  if (common) out.unshift(path.join(path.resolve(gitDir, common), 'info', 'exclude'));
  return out;
}

/**
 * When the workspace is a folder inside a git repository, the ignore files
 * from the repository root down to the workspace's parent. Null when there is
 * no such repository, or when its rules exclude the workspace itself (the
 * user opened that folder on purpose).
 */
async function readOuterRules(root: string, notes: Warnings): Promise<OuterRules | null> {
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
  const excludes = gitExcludeFiles(repo, notes);
  let rules = extend(noRules(), '', withFiles(excludes, await Promise.all(excludes.map((f) => readIgnoreFile(f, notes)))), notes);
  for (const dir of rootDirs) {
    const rel = toPosix(path.relative(repo, dir));
    const files = IGNORE_FILE_NAMES.map((n) => path.join(dir, n));
    rules = extend(rules, rel, withFiles(files, await Promise.all(files.map((f) => readIgnoreFile(f, notes)))), notes);
  }
  const prefix = toPosix(path.relative(repo, root)) + '/';
  try {
    if (rules.ig.ignores(prefix)) return null;
  } catch {
    return null;
  }
  return { ig: rules.ig, prefix };
}

/**
 * `base` plus the patterns of the ignore files of folder `dirRel`; `base`
 * itself when they add none. Patterns that `sanitizePattern` refuses, and
 * those past MAX_PATTERNS in force, are dropped with a warning.
 */
function extend(base: RuleSet, dirRel: string, texts: IgnoreText[], notes: Warnings): RuleSet {
  const patterns: string[] = [];
  for (const { file, text } of texts) {
    if (!text) continue;
    let dropped = 0;
    let why = '';
    let taken = 0;
    let full = false;
    for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n|\r/)) {
      if (full) continue;
      const problem = sanitizePattern(line);
      if (typeof problem === 'object') {
        dropped++;
        why ||= problem.why;
        continue;
      }
      const p = rebasePattern(problem, dirRel);
      if (p === null) continue;
      if (taken >= MAX_PATTERNS_PER_FILE || base.count + patterns.length >= MAX_PATTERNS) {
        full = true;
        notes.add(`${file}: patterns past the first ${taken} were dropped (at most ${MAX_PATTERNS_PER_FILE} per file, ${MAX_PATTERNS} in force in a folder)`);
        continue;
      }
      patterns.push(p);
      taken++;
    }
    if (dropped) notes.add(`${file}: ${dropped} pattern${dropped === 1 ? '' : 's'} dropped (${why})`);
  }
  if (!patterns.length) return base;
  return { ig: newIgnore().add(base.ig).add(patterns), count: base.count + patterns.length };
}

/**
 * One ignore-file line as it can be matched safely — or why it cannot. The
 * matcher compiles each pattern to a regular expression, and a few shapes
 * make those blow up: `**` segments each try every split of the path (so
 * `a/**\/b/**\/c/**\/d/**\/e` over a deep path takes minutes), and lines tens of
 * thousands of characters long do not compile at all. Consecutive `**`
 * segments are merged (`**\/**\/x` means `**\/x`); lines still too long or with
 * too many wildcards or `**` are dropped. No real ignore file has one.
 */
export function sanitizePattern(line: string): string | { why: string } {
  if (line.length > MAX_PATTERN_CHARS) return { why: `longer than ${MAX_PATTERN_CHARS} characters` };
  const negation = line.startsWith('!') ? '!' : '';
  let p = line.slice(negation.length);
  if (p.includes('**')) {
    p = p.replace(/(^|\/)\*\*(?:\/\*\*)+(?=\/|$)/g, '$1**');
    const globstars = p.split('/').filter((s) => s === '**').length;
    if (globstars > MAX_PATTERN_GLOBSTARS) return { why: `more than ${MAX_PATTERN_GLOBSTARS} '**' segments` };
  }
  let wildcards = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') wildcards++;
  }
  if (wildcards > MAX_PATTERN_WILDCARDS) return { why: `more than ${MAX_PATTERN_WILDCARDS} wildcards` };
  return negation + p;
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

/**
 * Flags for reading an ignore file: never through a link (git stopped
 * following `.gitignore` links in 2.32; one could point anywhere, and what it
 * points at would decide what the index holds), and never blocking on a FIFO.
 */
const IGNORE_OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

/** An ignore file's text, '' when there is none (or it is a link, a folder, unreadable); at most MAX_IGNORE_FILE_BYTES of it. */
async function readIgnoreFile(file: string, notes: Warnings): Promise<string> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, IGNORE_OPEN_FLAGS);
    const st = await handle.stat();
    if (!st.isFile()) return '';
    const buf = Buffer.allocUnsafe(Math.min(st.size, MAX_IGNORE_FILE_BYTES));
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return decodeIgnoreText(file, buf.subarray(0, length), st.size, notes);
  } catch {
    return '';
  } finally {
    await handle?.close().catch(() => {});
  }
}

function readIgnoreFileSync(file: string, notes: Warnings): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, IGNORE_OPEN_FLAGS);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return '';
    const buf = Buffer.allocUnsafe(Math.min(st.size, MAX_IGNORE_FILE_BYTES));
    let length = 0;
    while (length < buf.length) {
      const n = fs.readSync(fd, buf, length, buf.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return decodeIgnoreText(file, buf.subarray(0, length), st.size, notes);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The text of an ignore file read up to the limit: a file cut there loses its last, partial line too. */
function decodeIgnoreText(file: string, bytes: Buffer, size: number, notes: Warnings): string {
  const text = bytes.toString('utf8');
  if (size <= MAX_IGNORE_FILE_BYTES) return text;
  notes.add(`${file}: only its first ${MAX_IGNORE_FILE_BYTES} bytes were read (${size} bytes)`);
  const cut = text.lastIndexOf('\n');
  return cut < 0 ? '' : text.slice(0, cut);
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
