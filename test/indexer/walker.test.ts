import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isCvuError } from '../../core/errors.js';
import { IgnoreRules, isSecretPath, MAX_FOLDER_DEPTH, MAX_PATTERNS_PER_FILE, rebasePattern, sanitizePattern, type IgnoreOptions, type SkipReason } from '../../indexer/ignore-rules.js';
import { walkWorkspace, type WalkResult } from '../../indexer/walker.js';
import { readSourceFile } from '../../indexer/file-reader.js';

let tmp: string;
let root: string;

beforeEach(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cvu-walker-'));
  root = path.join(tmp, 'ws');
  await fs.promises.mkdir(root);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.promises.chmod(tmp, 0o700).catch(() => {});
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

async function write(rel: string, content: string | Uint8Array = 'x\n', base = root): Promise<string> {
  const abs = path.join(base, rel);
  await fs.promises.mkdir(path.dirname(abs), { recursive: true });
  await fs.promises.writeFile(abs, content);
  return abs;
}

async function writeAll(files: Record<string, string | Uint8Array>, base = root): Promise<void> {
  for (const [rel, content] of Object.entries(files)) await write(rel, content, base);
}

async function link(target: string, rel: string): Promise<void> {
  const abs = path.join(root, rel);
  await fs.promises.mkdir(path.dirname(abs), { recursive: true });
  await fs.promises.symlink(target, abs);
}

/**
 * Runs `before(path)` ahead of every `fs.<name>` call, callback or promise
 * flavour (whichever the walker uses); an error it returns is what the call
 * fails with.
 */
function interceptFs(name: 'readdir' | 'lstat' | 'stat', before: (p: string) => Error | void): string[] {
  const seen: string[] = [];
  const cbReal = fs[name] as unknown as (...a: unknown[]) => void;
  vi.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
    const p = String(args[0]);
    seen.push(p);
    const err = before(p);
    const cb = args[args.length - 1] as (e: Error | null) => void;
    if (err) return void process.nextTick(() => cb(err));
    return cbReal.apply(fs, args);
  }) as never);
  const promReal = fs.promises[name] as unknown as (...a: unknown[]) => Promise<unknown>;
  vi.spyOn(fs.promises, name).mockImplementation((async (...args: unknown[]) => {
    const p = String(args[0]);
    seen.push(p);
    const err = before(p);
    if (err) throw err;
    return promReal.apply(fs.promises, args);
  }) as never);
  return seen;
}

const eacces = () => Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });

const DEFAULTS: IgnoreOptions = { maxFileBytes: 1_000_000 };

async function walk(opts: Partial<IgnoreOptions> = {}, dir = root): Promise<WalkResult & { paths: string[]; reasons: Map<string, SkipReason> }> {
  const rules = await IgnoreRules.load(dir, { ...DEFAULTS, ...opts });
  const result = await walkWorkspace(dir, rules);
  return { ...result, paths: result.files.map((f) => f.path), reasons: new Map(result.skipped.map((s) => [s.path, s.reason])) };
}

describe('walkWorkspace basics', () => {
  it('lists files sorted, with workspace-relative posix paths, absolute paths, size and mtime', async () => {
    await writeAll({ 'b.ts': 'bb\n', 'a/z.ts': 'z', 'a/b/c.ts': 'ccc', 'a.ts': '', 'A.md': '# A' });
    const { files, skipped } = await walk();
    expect(files.map((f) => f.path)).toEqual(['A.md', 'a.ts', 'a/b/c.ts', 'a/z.ts', 'b.ts']);
    const c = files.find((f) => f.path === 'a/b/c.ts')!;
    expect(c.absPath).toBe(path.join(root, 'a', 'b', 'c.ts'));
    expect(c.size).toBe(3);
    expect(c.mtimeMs).toBe((await fs.promises.stat(c.absPath)).mtimeMs);
    expect(skipped).toEqual([]);
  });

  it('throws a CvuError for a missing root', async () => {
    const rules = await IgnoreRules.load(root, DEFAULTS);
    await expect(walkWorkspace(path.join(tmp, 'nope'), rules)).rejects.toSatisfy((e) => isCvuError(e, 'CVU_ERR_NOT_FOUND'));
  });

  it('stops with CVU_ERR_ABORTED when the signal fires', async () => {
    await writeAll({ 'a/b.ts': '', 'c.ts': '' });
    const rules = await IgnoreRules.load(root, DEFAULTS);
    const ac = new AbortController();
    ac.abort();
    await expect(walkWorkspace(root, rules, { signal: ac.signal })).rejects.toSatisfy((e) => isCvuError(e, 'CVU_ERR_ABORTED'));
  });

  it('reports every skip through onSkip as well as in the result', async () => {
    await writeAll({ 'node_modules/x/index.js': '', 'yarn.lock': '', '.env': 'K=V', 'ok.ts': '' });
    const rules = await IgnoreRules.load(root, DEFAULTS);
    const seen: string[] = [];
    const r = await walkWorkspace(root, rules, { onSkip: (s) => seen.push(`${s.path}:${s.reason}`) });
    expect(seen.sort()).toEqual(['.env:secret', 'node_modules:builtin', 'yarn.lock:lockfile']);
    expect(r.skipped.map((s) => `${s.path}:${s.reason}`)).toEqual(['.env:secret', 'node_modules:builtin', 'yarn.lock:lockfile']);
    expect(r.files.map((f) => f.path)).toEqual(['ok.ts']);
  });

  it('hands each listed file to onFile, with its size, and no skipped one', async () => {
    await writeAll({ 'a/b/c.ts': 'x', 'a/d.py': 'yy', 'node_modules/x/index.js': '', '.env': 'K=V', 'big.ts': 'z'.repeat(200) });
    const rules = await IgnoreRules.load(root, { ...DEFAULTS, maxFileBytes: 100 });
    const seen: string[] = [];
    const r = await walkWorkspace(root, rules, { onFile: (f) => seen.push(`${f.path}:${f.size}`) });
    // (That it hands them over during the walk, the sync's early reads check: test/daemon/workspace.test.ts.)
    expect(seen.sort()).toEqual(['a/b/c.ts:1', 'a/d.py:2']);
    expect(r.files.map((f) => f.path)).toEqual(['a/b/c.ts', 'a/d.py']);
  });
});

describe('gitignore semantics', () => {
  it('applies nested .gitignore files with anchors, negations and folder-only patterns', async () => {
    await writeAll({
      '.gitignore': ['# comment', '*.log', '!important.log', '/only-root.txt', 'build-out/', 'cache-dir/', 'shelf/', '!shelf/keep.ts', ''].join('\n'),
      'a.log': '', 'important.log': '', 'only-root.txt': '', 'build-out/x.ts': '', 'gen/c.ts': '', 'a.tmp': '',
      'cache-dir/x.ts': '', 'shelf/keep.ts': '', 'shelf/other.ts': '', 'shelf/.gitignore': '!*\n',
      'pkg/.gitignore': ['gen/', '/local.ts', '!keep.log', '*.tmp', 'deep/x.ts', '!cache-dir/', 'build-out'].join('\r\n'),
      'pkg/only-root.txt': '', 'pkg/gen/a.ts': '', 'pkg/sub/gen/b.ts': '', 'pkg/local.ts': '', 'pkg/sub/local.ts': '',
      'pkg/keep.log': '', 'pkg/other.log': '', 'pkg/deep/x.ts': '', 'pkg/q/deep/x.ts': '', 'pkg/a.tmp': '',
      'pkg/cache-dir/x.ts': '', 'pkg/sub/build-out': 'a file, ignored by the un-slashed pattern',
      'pkg/sub/.gitignore': '!a.tmp\n', 'pkg/sub/a.tmp': '', 'pkg/sub/b.tmp': '',
      'other/build-out': 'a file named like a folder-only pattern',
    });
    const readFile = vi.spyOn(fs.promises, 'readFile');
    const { paths, reasons } = await walk();
    // The ignore file of an excluded folder is never read (git never sees it either).
    expect(readFile.mock.calls.map((c) => String(c[0])).filter((p) => p.includes('shelf'))).toEqual([]);
    expect(paths).toEqual([
      '.gitignore', 'a.tmp', 'gen/c.ts', 'important.log', 'other/build-out',
      'pkg/.gitignore', 'pkg/cache-dir/x.ts', 'pkg/keep.log', 'pkg/only-root.txt', 'pkg/q/deep/x.ts',
      'pkg/sub/.gitignore', 'pkg/sub/a.tmp', 'pkg/sub/local.ts',
    ]);
    for (const p of ['a.log', 'only-root.txt', 'build-out', 'cache-dir', 'shelf', 'pkg/gen', 'pkg/sub/gen', 'pkg/local.ts',
      'pkg/other.log', 'pkg/deep/x.ts', 'pkg/a.tmp', 'pkg/sub/build-out', 'pkg/sub/b.tmp']) {
      expect(reasons.get(p), p).toBe('ignored');
    }
    // Excluded folders are reported once, not file by file.
    expect(reasons.has('shelf/keep.ts')).toBe(false);
  });

  it('check() works for any path without a walk, ancestors included', async () => {
    await writeAll({
      '.gitignore': 'gen/\n',
      'pkg/.gitignore': 'secret-ish/\n!gen/\n',
      'pkg/secret-ish/.gitignore': '!*\n',
    });
    const rules = await IgnoreRules.load(root, DEFAULTS);
    // Ignore files are opened (without following links) and read up to a bound.
    const readSync = vi.spyOn(fs, 'openSync');
    expect(rules.check('gen/a.ts', false)).toBe('ignored');
    expect(rules.check('gen', true)).toBe('ignored');
    expect(rules.check('gen', false)).toBe(null); // a file named gen: the pattern is folder-only
    expect(rules.check('pkg/gen/a.ts', false)).toBe(null); // re-included by the deeper file
    // The nested "!*" is never consulted: its folder is excluded, as in git.
    expect(rules.check('pkg/secret-ish/a.ts', false)).toBe('ignored');
    const read = readSync.mock.calls.map((c) => path.relative(root, String(c[0])));
    expect(read).toContain(path.join('pkg', '.gitignore'));
    expect(read).not.toContain(path.join('pkg', 'secret-ish', '.gitignore'));
    expect(rules.check('./pkg/x.ts', false)).toBe(null);
    expect(rules.check('../outside.ts', false)).toBe('ignored');
    expect(rules.check('', true)).toBe(null);
    expect(rules.check('node_modules/a/b.js', false)).toBe('builtin');
  });

  it('preload() reads the ignore files of a folder, but never those of an excluded one', async () => {
    await writeAll({ '.gitignore': 'gen/\n', 'gen/.gitignore': '!*\n', 'src/.gitignore': 'x.ts\n' });
    const rules = await IgnoreRules.load(root, DEFAULTS);
    const readFile = vi.spyOn(fs.promises, 'open');
    const readSync = vi.spyOn(fs, 'openSync');
    await rules.preload('gen', ['.gitignore']);
    await rules.preload('node_modules');
    await rules.preload('src', ['.gitignore', 'x.ts']);
    const read = [...readFile.mock.calls, ...readSync.mock.calls].map((c) => path.relative(root, String(c[0])));
    expect(read).toEqual([path.join('src', '.gitignore')]);
    expect(rules.check('src/x.ts', false)).toBe('ignored');
    expect(rules.check('gen/y.ts', false)).toBe('ignored');
    expect(readSync).not.toHaveBeenCalled();
  });

  it('matches folders whose names contain glob characters literally', async () => {
    await writeAll({
      'app/[id]/.gitignore': '*.gen.ts\n',
      'app/[id]/page.gen.ts': '', 'app/[id]/page.ts': '', 'app/i/page.gen.ts': '',
    });
    const { paths } = await walk();
    expect(paths).toEqual(['app/[id]/.gitignore', 'app/[id]/page.ts', 'app/i/page.gen.ts']);
    expect(rebasePattern('*.gen.ts', 'app/[id]')).toBe('app/\\[id\\]/**/*.gen.ts');
    expect(rebasePattern('/a/b/', 'x')).toBe('x/a/b/');
    expect(rebasePattern('!keep', 'x/y')).toBe('!x/y/**/keep');
    expect(rebasePattern('# c', 'x')).toBe(null);
    expect(rebasePattern('   ', 'x')).toBe(null);
    expect(rebasePattern('foo  ', '')).toBe('foo');
  });

  it('applies .cvuignore at every level, over the .gitignore beside it', async () => {
    await writeAll({
      '.gitignore': 'generated.ts\n',
      '.cvuignore': 'docs/\n!generated.ts\n',
      'generated.ts': '', 'docs/a.md': '', 'src/a.ts': '',
      'src/.cvuignore': '*.snap\n', 'src/a.snap': '', 'a.snap': '',
    });
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['.cvuignore', '.gitignore', 'a.snap', 'generated.ts', 'src/.cvuignore', 'src/a.ts']);
    expect(reasons.get('docs')).toBe('ignored');
    expect(reasons.get('src/a.snap')).toBe('ignored');
  });

  it('applies .git/info/exclude, and skips .git itself', async () => {
    await writeAll({
      '.git/info/exclude': 'scratch/\n*.local.ts\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'scratch/x.ts': '', 'a.local.ts': '', 'a.ts': '',
    });
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['a.ts']);
    expect(reasons.get('.git')).toBe('builtin');
    expect(reasons.get('scratch')).toBe('ignored');
    expect(reasons.get('a.local.ts')).toBe('ignored');
  });

  it('follows a .git file (worktree, submodule) to its info/exclude', async () => {
    await write('gitdir/info/exclude', 'wip.ts\n', tmp);
    await writeAll({ '.git': 'gitdir: ../gitdir\n', 'wip.ts': '', 'a.ts': '' });
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['a.ts']);
    expect(reasons.get('wip.ts')).toBe('ignored');
  });

  it('applies the ignore files of an enclosing repository, unless they exclude the workspace', async () => {
    await writeAll({
      '.git/HEAD': '', '.gitignore': '*.gen.ts\n/ws/top.ts\nprojects/b/\n',
      'ws/.gitignore': '!keep.gen.ts\n', 'ws/a.gen.ts': '', 'ws/keep.gen.ts': '', 'ws/top.ts': '', 'ws/a.ts': '',
    }, tmp);
    let r = await walk();
    expect(r.paths).toEqual(['.gitignore', 'a.ts', 'keep.gen.ts']);
    expect(r.reasons.get('a.gen.ts')).toBe('ignored');
    expect(r.reasons.get('top.ts')).toBe('ignored');
    // The workspace opened inside an excluded folder: the outer rules step aside.
    const b = path.join(tmp, 'projects', 'b');
    await writeAll({ 'x.gen.ts': '', 'y.ts': '' }, b);
    r = await walk({}, b);
    expect(r.paths).toEqual(['x.gen.ts', 'y.ts']);
  });

  it('adds exclusions from the configuration (extraIgnore)', async () => {
    await writeAll({ 'fixtures/big.json': '{}', 'src/a.ts': '', 'src/a.test.ts': '' });
    const { paths, reasons } = await walk({ extraIgnore: ['fixtures/', '*.test.ts', '# comment', ''] });
    expect(paths).toEqual(['src/a.ts']);
    expect(reasons.get('fixtures')).toBe('ignored');
    expect(reasons.get('src/a.test.ts')).toBe('ignored');
  });

  it('keeps nested ignore files cached until invalidate()', async () => {
    await writeAll({ 'pkg/.gitignore': 'a.ts\n', 'pkg/a.ts': '', 'pkg/b.ts': '', 'pkg/sub/c.ts': '' });
    const rules = await IgnoreRules.load(root, DEFAULTS);
    expect(rules.check('pkg/a.ts', false)).toBe('ignored');
    expect(rules.check('pkg/b.ts', false)).toBe(null);
    expect(rules.check('pkg/sub/c.ts', false)).toBe(null);
    await write('pkg/.gitignore', 'b.ts\nsub/\n');
    expect(rules.check('pkg/b.ts', false)).toBe(null); // cached
    rules.invalidate('pkg');
    expect(rules.check('pkg/a.ts', false)).toBe(null);
    expect(rules.check('pkg/b.ts', false)).toBe('ignored');
    expect(rules.check('pkg/sub/c.ts', false)).toBe('ignored');
    await write('.gitignore', 'pkg/\n');
    rules.invalidate();
    expect(rules.check('pkg/sub/x.ts', false)).toBe('ignored');
    expect(rules.check('other.ts', false)).toBe(null);
  });
});

describe('built-in exclusions', () => {
  it('skips dependency, VCS, build and cache folders without entering them', async () => {
    const builtins = ['node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', 'target', '.next', '.nuxt', 'coverage',
      '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', 'vendor', '.gradle', '.cache', '.idea', 'foo.egg-info'];
    for (const b of builtins) await write(`${b}/inner/file.ts`);
    await writeAll({ 'pkg/node_modules/x/index.js': '', 'pkg/dist/a.js': '', 'bin/run.sh': '#!/bin/sh\n', '.vscode/launch.json': '{}', 'src/out.ts': '', 'src/build.ts': '' });
    const listed = interceptFs('readdir', () => undefined);
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['.vscode/launch.json', 'bin/run.sh', 'src/build.ts', 'src/out.ts']);
    for (const b of [...builtins, 'pkg/node_modules', 'pkg/dist']) expect(reasons.get(b), b).toBe('builtin');
    const entered = listed.map((d) => path.relative(root, d));
    expect(entered).toContain('pkg');
    expect(entered.filter((d) => /node_modules|dist|\.git\b/.test(d))).toEqual([]);
  });

  it('skips lock files', async () => {
    const locks = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'Cargo.lock', 'poetry.lock',
      'Pipfile.lock', 'Gemfile.lock', 'composer.lock', 'go.sum', 'flake.lock', 'sub/anything.lock'];
    for (const l of locks) await write(l);
    await writeAll({ 'package.json': '{}', 'lockfile.ts': '', 'Cargo.toml': '' });
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['Cargo.toml', 'lockfile.ts', 'package.json']);
    for (const l of locks) expect(reasons.get(l), l).toBe('lockfile');
  });

  it('skips minified bundles and source maps by name', async () => {
    const minified = ['app.min.js', 'style.min.css', 'vendor.bundle.js', 'app.js.map', 'lib/jquery-min.js'];
    for (const m of minified) await write(m);
    await writeAll({ 'app.js': '', 'mint.js': '', 'bundle.ts': '' });
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['app.js', 'bundle.ts', 'mint.js']);
    for (const m of minified) expect(reasons.get(m), m).toBe('minified');
  });

  it('skips binaries by extension (case-insensitive), but not text that merely looks odd', async () => {
    const binaries = ['logo.png', 'photo.JPG', 'icon.ico', 'font.woff2', 'font.ttf', 'archive.zip', 'a.tar.gz', 'clip.mp4', 'song.mp3',
      'app.exe', 'lib.so', 'lib.dylib', 'x.dll', 'main.o', 'Main.class', 'mod.wasm', 'doc.pdf', 'data.sqlite', 'model.onnx', '.DS_Store'];
    for (const b of binaries) await write(b);
    await writeAll({ 'icon.svg': '<svg/>', 'notes.txt': '', 'Makefile': '' });
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['Makefile', 'icon.svg', 'notes.txt']);
    for (const b of binaries) expect(reasons.get(b), b).toBe('binary');
  });

  it('lists a text-named binary file (the reader rejects it by content)', async () => {
    const nul = Buffer.alloc(4096, 0);
    await writeAll({ 'evil.ts': nul });
    const { files } = await walk();
    expect(files.map((f) => f.path)).toEqual(['evil.ts']);
    const read = await readSourceFile(files[0].absPath, { maxFileBytes: 1_000_000 });
    expect(read).toMatchObject({ ok: false, reason: 'binary' });
  });

  it('skips files over the size bound by stat, without reading them', async () => {
    await writeAll({ 'small.ts': 'x'.repeat(1000), 'big.ts': 'x'.repeat(1001) });
    const huge = await write('huge.ts', '');
    await fs.promises.truncate(huge, 50 * 1024 * 1024); // sparse: instant
    const handle = await fs.promises.open(huge, 'r');
    const proto = Object.getPrototypeOf(handle) as { read: (...a: unknown[]) => unknown };
    await handle.close();
    const read = vi.spyOn(proto, 'read');
    const readFile = vi.spyOn(fs.promises, 'readFile');
    const { paths, reasons } = await walk({ maxFileBytes: 1000 });
    expect(paths).toEqual(['small.ts']);
    expect(reasons.get('big.ts')).toBe('too-large');
    expect(reasons.get('huge.ts')).toBe('too-large');
    const r = await readSourceFile(huge, { maxFileBytes: 1000 });
    expect(r).toMatchObject({ ok: false, reason: 'too-large' });
    expect(read).not.toHaveBeenCalled();
    expect(readFile.mock.calls.filter((c) => String(c[0]).endsWith('huge.ts'))).toEqual([]);
  });
});

describe('secrets', () => {
  const SECRET_FILES = [
    '.env', '.env.local', '.env.production', '.env.example', 'config/.env.test',
    'certs/server.pem', 'server.key', 'cert.p12', 'cert.pfx', 'release.jks', 'app.keystore',
    'id_rsa', 'id_rsa.pub', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'keys/id_ed25519_work', 'putty.ppk',
    '.npmrc', '.pypirc', '.netrc', '.pgpass', '.htpasswd', 'credentials', 'credentials.json', 'vault.kdbx',
    '.aws/config', '.aws/credentials', '.ssh/config', '.ssh/known_hosts', '.gnupg/pubring.kbx',
    'secrets.yml', 'secrets.yaml', 'config/secrets.json', 'service-account.json', 'deploy/service-account-prod.json',
    'infra/terraform.tfstate', 'infra/terraform.tfstate.backup', '.git-credentials', 'sub/.npmrc', 'CERT.PEM',
  ];

  it('recognises every secret pattern, and nothing else', () => {
    for (const s of SECRET_FILES) expect(isSecretPath(s), s).toBe(true);
    for (const ok of ['src/env.ts', 'environment.ts', 'src/credentials/index.ts', 'keys.ts', 'keyboard.ts', 'src/pem.ts', 'README.md',
      'service.json', 'secrets.ts', 'id.ts', 'docs/ssh.md', 'aws/handler.ts', 'tfstate.md', 'my.env.ts']) {
      expect(isSecretPath(ok), ok).toBe(false);
    }
  });

  it('never indexes a secret, and no negation brings one back', async () => {
    for (const s of SECRET_FILES) await write(s, 'TOKEN=hunter2\n');
    await writeAll({
      '.gitignore': '!.env\n!*.pem\n!.ssh/\n!credentials\n',
      '.cvuignore': '!.env*\n!*.key\n!.aws/\n!**/*\n',
      'config/.gitignore': '!.env.test\n!secrets.json\n',
      'src/a.ts': '',
    });
    const rules = await IgnoreRules.load(root, { ...DEFAULTS, extraIgnore: ['!.env'] });
    const { files, skipped } = await walkWorkspace(root, rules);
    expect(files.map((f) => f.path)).toEqual(['.cvuignore', '.gitignore', 'config/.gitignore', 'src/a.ts']);
    const reasons = new Map(skipped.map((s) => [s.path, s.reason]));
    for (const s of SECRET_FILES) {
      const reported = reasons.get(s) ?? reasons.get(s.split('/')[0]);
      expect(reported, s).toBe('secret');
      expect(rules.check(s, false), s).toBe('secret');
    }
    expect(rules.check('.ssh', true)).toBe('secret');
    expect(rules.check('src/credentials', true)).toBe(null); // a folder of code may be named so
  });
});

describe('symbolic links', () => {
  it('skips links that leave the workspace, for files and folders', async () => {
    const outsideDir = path.join(tmp, 'outside');
    await writeAll({ 'secret.ts': 'outside', 'dir/a.ts': '' }, outsideDir);
    await write('a.ts');
    await link(path.join(outsideDir, 'secret.ts'), 'file-link.ts');
    await link(path.join(outsideDir, 'dir'), 'dir-link');
    await link('../../outside/dir', 'src/relative-dir-link');
    await link('..', 'parent-link');
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['a.ts']);
    expect(reasons.get('file-link.ts')).toBe('symlink-outside');
    expect(reasons.get('dir-link')).toBe('symlink-outside');
    expect(reasons.get('src/relative-dir-link')).toBe('symlink-outside');
    expect(reasons.get('parent-link')).toBe('symlink-outside');
  });

  it('lists nothing twice through links inside the workspace, and never leaks an excluded target', async () => {
    await writeAll({ 'src/a.ts': 'a', 'src/b/c.ts': 'c', '.env': 'K=V', 'node_modules/m/index.js': '' });
    await link('a.ts', 'src/alias.ts');
    await link('b', 'src/b-alias');
    await link('../.env', 'src/config.ts');
    await link('../node_modules/m', 'src/m');
    const { paths, skipped } = await walk();
    expect(paths).toEqual(['src/a.ts', 'src/b/c.ts']);
    expect(skipped.map((s) => s.path)).toEqual(['.env', 'node_modules']);
  });

  it('survives link loops', async () => {
    await writeAll({ 'a/b/file.ts': '', 'top.ts': '' });
    await link('.', 'self');
    await link('../..', 'a/b/up');
    await link('y', 'x');
    await link('x', 'y');
    await link('loop', 'loop');
    const { paths } = await walk();
    expect(paths).toEqual(['a/b/file.ts', 'top.ts']);
  });

  it('drops a dangling link quietly', async () => {
    await write('a.ts');
    await link('does-not-exist.ts', 'dangling.ts');
    await link(path.join(tmp, 'gone'), 'dangling-dir');
    const { paths, skipped } = await walk();
    expect(paths).toEqual(['a.ts']);
    expect(skipped).toEqual([]);
  });

  it('works when the root itself is reached through a link', async () => {
    await writeAll({ 'a.ts': '', 'sub/b.ts': '' });
    const alias = path.join(tmp, 'alias');
    await fs.promises.symlink(root, alias);
    const { paths, files } = await walk({}, alias);
    expect(paths).toEqual(['a.ts', 'sub/b.ts']);
    expect(files[0].absPath).toBe(path.join(alias, 'a.ts'));
  });
});

describe('unreadable and vanishing entries', () => {
  it('reports a folder that cannot be listed as unreadable and goes on (simulated EACCES)', async () => {
    await writeAll({ 'locked/a.ts': '', 'open/b.ts': '' });
    interceptFs('readdir', (p) => (p.endsWith(`${path.sep}locked`) ? eacces() : undefined));
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['open/b.ts']);
    expect(reasons.get('locked')).toBe('unreadable');
  });

  it.skipIf(process.getuid?.() === 0)('reports a folder without read permission as unreadable (real chmod; root ignores permissions)', async () => {
    await writeAll({ 'locked/a.ts': '', 'b.ts': '' });
    await fs.promises.chmod(path.join(root, 'locked'), 0);
    try {
      const { paths, reasons } = await walk();
      expect(paths).toEqual(['b.ts']);
      expect(reasons.get('locked')).toBe('unreadable');
    } finally {
      await fs.promises.chmod(path.join(root, 'locked'), 0o700);
    }
  });

  it('drops a file deleted between listing and stat', async () => {
    await writeAll({ 'a.ts': '', 'gone.ts': '' });
    const seen = ['lstat', 'stat'].map((name) =>
      interceptFs(name as 'lstat' | 'stat', (p) => {
        if (p.endsWith('gone.ts')) fs.rmSync(p, { force: true });
      }),
    );
    const { paths, skipped } = await walk();
    expect(seen.flat().some((p) => p.endsWith('gone.ts'))).toBe(true); // the hook did fire
    expect(paths).toEqual(['a.ts']);
    expect(skipped).toEqual([]);
  });

  it('drops a folder deleted between listing and entering it', async () => {
    await writeAll({ 'a.ts': '', 'gone/b.ts': '' });
    interceptFs('readdir', (p) => {
      if (p.endsWith(`${path.sep}gone`)) fs.rmSync(p, { recursive: true, force: true });
    });
    const { paths, skipped } = await walk();
    expect(paths).toEqual(['a.ts']);
    expect(skipped).toEqual([]);
  });

  it('turns a file deleted between walk and read into a skip, not a throw', async () => {
    await writeAll({ 'a.ts': 'a' });
    const { files } = await walk();
    await fs.promises.rm(files[0].absPath);
    const r = await readSourceFile(files[0].absPath, { maxFileBytes: 1000 });
    expect(r).toMatchObject({ ok: false, reason: 'unreadable' });
  });

  it('never lists a FIFO (reading one would block)', async () => {
    await write('a.ts');
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('mkfifo', [path.join(root, 'pipe.ts')]);
    } catch {
      return; // no mkfifo here (Windows)
    }
    const { paths, skipped } = await walk();
    expect(paths).toEqual(['a.ts']);
    expect(skipped).toEqual([]);
    const r = await readSourceFile(path.join(root, 'pipe.ts'), { maxFileBytes: 1000 });
    expect(r).toMatchObject({ ok: false, reason: 'unreadable' });
  });
});

describe('performance', () => {
  // How fast is for the benchmarks (bench:scale times the walk of a 50,000-file tree), not a timed assertion that a loaded machine fails.
  it('walks 5,000 files under nested ignore files, and says how long it took', async () => {
    const tasks: Promise<unknown>[] = [];
    for (let d = 0; d < 50; d++) {
      const dir = path.join(root, `pkg${d}`, d % 2 ? 'src' : 'lib');
      await fs.promises.mkdir(dir, { recursive: true });
      for (let f = 0; f < 100; f++) tasks.push(fs.promises.writeFile(path.join(dir, `file${f}.ts`), 'export {};\n'));
      if (d % 10 === 0) tasks.push(fs.promises.writeFile(path.join(root, `pkg${d}`, '.gitignore'), '*.gen.ts\n!keep.gen.ts\n'));
      await Promise.all(tasks.splice(0));
    }
    await write('.gitignore', 'node_modules\n*.log\n/tmp/\n');
    const t0 = performance.now();
    const { files } = await walk();
    const ms = performance.now() - t0;
    console.log(`walked ${files.length} files in ${ms.toFixed(0)} ms`);
    expect(files.length).toBe(5006);
  });
});

// The end-to-end view of these is test/reliability/hostile-repo.test.ts.
describe('hostile trees', () => {
  it('never reads a linked ignore file, inside the workspace or out of it (as git since 2.32)', async () => {
    await writeAll({ 'a.ts': '', 'src/b.ts': '', 'real-ignore': '*\n' });
    await link('real-ignore', '.gitignore');
    await link('../real-ignore', 'src/.cvuignore');
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['a.ts', 'real-ignore', 'src/b.ts']);
    expect(reasons.size).toBe(0);
  });

  it('skips names with control characters or invalid UTF-8 as bad-name, files and folders', async () => {
    await writeAll({ 'ok.ts': '', 'ünï.ts': '' });
    await fs.promises.writeFile(Buffer.from(`${root}/a\nb.ts`), '');
    await fs.promises.mkdir(Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0xff]), Buffer.from('dir')]));
    const { paths, reasons } = await walk();
    expect(paths).toEqual(['ok.ts', 'ünï.ts']);
    expect([...reasons]).toEqual([['a\nb.ts', 'bad-name'], ['\ufffddir', 'bad-name']].sort());
    const rules = await IgnoreRules.load(root, DEFAULTS);
    expect(rules.check('src/esc\x1b.ts', false)).toBe('bad-name');
    expect(rules.check('src/tab\there', true)).toBe('bad-name');
  });

  it(`stops ${MAX_FOLDER_DEPTH} folders down and says so`, async () => {
    const deep = Array.from({ length: MAX_FOLDER_DEPTH + 3 }, (_, i) => `d${i}`).join('/');
    await write(`${deep}/x.ts`);
    const ok = Array.from({ length: MAX_FOLDER_DEPTH }, (_, i) => `d${i}`).join('/');
    await write(`${ok}/y.ts`);
    const { paths, skipped } = await walk();
    expect(paths).toEqual([`${ok}/y.ts`]);
    expect(skipped).toEqual([{ path: `${ok}/d${MAX_FOLDER_DEPTH}`, reason: 'too-deep' }]);
    const rules = await IgnoreRules.load(root, DEFAULTS);
    expect(rules.check(`${deep}/x.ts`, false)).toBe('too-deep');
  });

  it('drops ignore patterns that would blow up the matcher, and keeps the rest', async () => {
    expect(sanitizePattern('**/**/**/a*b')).toBe('**/a*b');
    expect(sanitizePattern('!a/**/**/b/')).toBe('!a/**/b/');
    expect(sanitizePattern('a/**/b/**/c/**/d')).toBe('a/**/b/**/c/**/d');
    expect(sanitizePattern('a/**/b/**/c/**/d/**/e')).toEqual({ why: "more than 3 '**' segments" });
    expect(sanitizePattern('a*'.repeat(65))).toEqual({ why: 'more than 64 wildcards' });
    expect(sanitizePattern('\\*'.repeat(100))).toBe('\\*'.repeat(100)); // escaped: literal stars
    expect(sanitizePattern('x'.repeat(5000))).toEqual({ why: 'longer than 4096 characters' });
    await writeAll({
      '.gitignore': ['x'.repeat(100_000), 'a/**/b/**/c/**/d/**/e', '[', '\\', '*.log'].join('\n'),
      'keep.ts': '', 'drop.log': '', '[': '',
    });
    const rules = await IgnoreRules.load(root, DEFAULTS);
    expect(rules.check('drop.log', false)).toBe('ignored');
    expect(rules.check('keep.ts', false)).toBe(null);
    expect(rules.warnings.join('\n')).toMatch(/2 patterns dropped \(longer than 4096 characters\)/);
  });

  it(`takes at most ${MAX_PATTERNS_PER_FILE} patterns from one ignore file, and the nested files still count`, async () => {
    const lines = Array.from({ length: MAX_PATTERNS_PER_FILE + 10 }, (_, i) => `gen${i}.ts`);
    await writeAll({ '.gitignore': lines.join('\n'), 'sub/.gitignore': 'tmp.ts\n' });
    const rules = await IgnoreRules.load(root, DEFAULTS);
    expect(rules.check('gen0.ts', false)).toBe('ignored');
    expect(rules.check(`gen${MAX_PATTERNS_PER_FILE + 5}.ts`, false)).toBe(null);
    expect(rules.check('sub/tmp.ts', false)).toBe('ignored');
    expect(rules.warnings.join('\n')).toMatch(new RegExp(`patterns past the first ${MAX_PATTERNS_PER_FILE} were dropped`));
  });
});
