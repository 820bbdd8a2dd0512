/**
 * Hostile trees (DESIGN.md, "A repository is data"): a real daemon on a
 * loopback port registers workspaces full of symlink loops, links out of the
 * root, a 2 GB sparse file, odd names, a chain of folders 5,000 deep, binary
 * and minified files and ignore-file bombs, each next to ordinary source.
 * Throughout, GET /health answers within HEALTH_LIMIT_MS; afterwards the
 * ordinary files are indexed and searchable, nothing from outside the root
 * is in the index (the outside files carry a marker that must never come
 * back), and /status (and `cvu status`) says what was skipped and why.
 *
 * Linux only where it counts: the names are raw bytes (Buffer paths), and
 * the tests run as root in CI, so nothing relies on permission bits.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { printWorkspace } from '../../clients/cli/commands/status-cmd.js';
import type { WorkspaceStatus } from '../../clients/daemon-client.js';
import { createLogger, silentLogger } from '../../core/log.js';
import { Daemon } from '../../daemon/daemon.js';
import { createWatchFactory } from '../../daemon/watcher.js';
import { MAX_FOLDER_DEPTH, MAX_IGNORE_FILE_BYTES } from '../../indexer/ignore-rules.js';
import { makeTempDir } from '../helpers/temp.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'h'.repeat(64);
/** Longest a /health answer may take while a hostile tree is being indexed. */
const HEALTH_LIMIT_MS = 2000;
/** In every file outside the roots: it must never be found in an index. */
const MARKER = `OUTSIDE_MARKER_${randomBytes(6).toString('hex')}`;

let home: string;
let served: ServedDaemon;
const logLines: string[] = [];
const savedEmbedding = process.env.CVU_EMBEDDING_MODEL;

beforeAll(async () => {
  process.env.CVU_EMBEDDING_MODEL = 'none';
  home = makeTempDir('cvu-hostile-home-');
  served = await serveDaemon({ home, token: TOKEN, parseWorkers: 0, logger: createLogger('info', (l) => logLines.push(l)) });
});

afterAll(async () => {
  await served?.close();
  if (home) removeTree(home);
  if (savedEmbedding === undefined) delete process.env.CVU_EMBEDDING_MODEL;
  else process.env.CVU_EMBEDDING_MODEL = savedEmbedding;
});

// ---------------------------------------------------------------------------
// Helpers

/** A temp folder holding `root/` (the workspace) and `outside/`, removed when the test ends. */
function hostileDirs(): { root: string; outside: string } {
  const tmp = makeTempDir('cvu-hostile-');
  onTestFinished(() => removeTree(tmp));
  const root = path.join(tmp, 'root');
  const outside = path.join(tmp, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  return { root, outside };
}

/** fs.rmSync recurses on the stack and overflows on a 5,000-deep chain; rm -rf (fts) does not. */
function removeTree(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    execFileSync('rm', ['-rf', dir]);
  }
}

function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** Ordinary source with a name of its own, to find with /search. */
function source(name: string): string {
  return `export function ${name}(input: number): number {\n  const doubled = input * 2;\n  return doubled + 1;\n}\n`;
}

/**
 * A chain of `depth` folders named `seg` with `bottom.ts` in the last one,
 * built without a path longer than a few thousand bytes ever reaching a
 * system call (PATH_MAX is 4096 on Linux, and the chain is ~10,000 bytes
 * long): chains of `chunk` folders are made one after another, each moved
 * into the bottom of the next, so every step names a short path.
 */
function deepChain(parent: string, name: string, depth: number, seg = 'd', chunk = 1000): void {
  let built: string | null = null;
  for (let made = 0, k = 0; made < depth; k++) {
    const take = Math.min(chunk, depth - made);
    const top = path.join(parent, `.chain-${k}`);
    let bottom = top;
    fs.mkdirSync(top);
    for (let i = 1; i < take; i++) fs.mkdirSync((bottom = path.join(bottom, seg)));
    if (built === null) fs.writeFileSync(path.join(bottom, 'bottom.ts'), source('deepestFunction'));
    else fs.renameSync(built, path.join(bottom, seg));
    built = top;
    made += take;
  }
  fs.renameSync(built!, path.join(parent, name));
}

/**
 * Polls GET /health back to back while the tree is indexed. Each answer must
 * come within HEALTH_LIMIT_MS (measured, since the daemon runs in this
 * process: a blocked event loop delays the timeout too).
 */
function probeHealth(): { stop(): Promise<{ answers: number; slowestMs: number; failures: string[] }> } {
  let stopped = false;
  let answers = 0;
  let slowestMs = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      try {
        const status = await healthOnce(served.port);
        const ms = performance.now() - started;
        slowestMs = Math.max(slowestMs, ms);
        answers++;
        if (status !== 200) failures.push(`/health answered ${status}`);
        else if (ms > HEALTH_LIMIT_MS) failures.push(`/health took ${Math.round(ms)} ms`);
      } catch (err) {
        failures.push(`/health failed after ${Math.round(performance.now() - started)} ms: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { answers, slowestMs: Math.round(slowestMs), failures };
    },
  };
}

function healthOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'GET', path: '/health', headers: { authorization: `Bearer ${TOKEN}` }, agent: false, timeout: HEALTH_LIMIT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${HEALTH_LIMIT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Registers `root` and waits for its first index, with /health polled all the while. */
async function registerWhileProbing(root: string): Promise<void> {
  const probe = probeHealth();
  try {
    await served.register(root);
  } finally {
    const health = await probe.stop();
    expect(health.failures, `slowest /health: ${health.slowestMs} ms`).toEqual([]);
    expect(health.answers).toBeGreaterThan(0);
  }
}

async function statusOf(root: string): Promise<WorkspaceStatus & { skipped: NonNullable<WorkspaceStatus['skipped']> }> {
  const r = await served.call('GET', '/status');
  expect(r.status).toBe(200);
  const w = (r.body.workspaces as WorkspaceStatus[]).find((x) => x.root === root);
  expect(w, `${root} in /status`).toBeDefined();
  expect(w!.skipped, 'the skip report').toBeDefined();
  return w as WorkspaceStatus & { skipped: NonNullable<WorkspaceStatus['skipped']> };
}

async function search(root: string, query: string): Promise<{ path: string; text: string }[]> {
  const r = await served.call('POST', '/search', { body: { root, query, limit: 20 } });
  expect(r.status, r.text).toBe(200);
  return r.body.results;
}

/**
 * Everything the index holds for `root` stays inside it: every path is a
 * plain relative one whose real location is under the root, and no chunk
 * and no search answer carries the outside marker.
 */
async function expectNothingFromOutside(root: string): Promise<void> {
  const ws = served.daemon.workspaceAt(root);
  for (const p of ws.store.files.keys()) {
    expect(path.isAbsolute(p) || p.split('/').includes('..'), p).toBe(false);
    const real = fs.realpathSync(path.join(root, p));
    expect(real.startsWith(root + path.sep), `${p} is really ${real}`).toBe(true);
  }
  for (const c of await ws.store.allChunks(['path', 'text'])) expect(c.text.includes(MARKER), c.path).toBe(false);
  const found = await search(root, MARKER);
  expect(found.filter((s) => s.text.includes(MARKER))).toEqual([]);
}

async function expectIndexed(root: string, rel: string, fn: string): Promise<void> {
  expect(served.daemon.workspaceAt(root).store.files.has(rel), `${rel} indexed`).toBe(true);
  const found = await search(root, fn);
  expect(found.map((s) => s.path), `search for ${fn}`).toContain(rel);
}

function reasonOf(status: { skipped: NonNullable<WorkspaceStatus['skipped']> }, p: string): string | undefined {
  return status.skipped.sample.find((s) => s.path === p)?.reason;
}

/** Raw bytes of the JSON-free view: no control character may reach a terminal or a log. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// ---------------------------------------------------------------------------

describe('a hostile repository', () => {
  it('follows no link: loops, links to folders and files outside, a linked .gitignore and .cvuignore', async () => {
    const { root, outside } = hostileDirs();
    write(outside, {
      'leak-dir/inside.ts': `export const leaked = "${MARKER}";\n`,
      'leak-file.ts': `export const leakedToo = "${MARKER}";\n`,
      // Followed, this would exclude every file of the workspace.
      'outside.gitignore': `# ${MARKER}\n*\n`,
    });
    write(root, {
      'src/normal.ts': source('ordinaryLinkNeighbour'),
      'ping/a.ts': source('pingSideFunction'),
      'pong/b.ts': source('pongSideFunction'),
    });
    const link = (target: string, rel: string) => fs.symlinkSync(target, path.join(root, rel));
    link('..', 'src/up'); // a folder linking to its parent
    link('../pong', 'ping/to-pong'); // two folders linking to each other
    link('../ping', 'pong/to-ping');
    link('self', 'self'); // a link to itself
    link('y', 'x'); // two links to each other
    link('x', 'y');
    link(path.join(outside, 'leak-dir'), 'out-dir');
    link(path.join(outside, 'leak-file.ts'), 'out-file.ts');
    link('../../outside/leak-file.ts', 'src/relative-out.ts');
    link(path.join(outside, 'outside.gitignore'), '.gitignore');
    link(path.join(outside, 'outside.gitignore'), 'src/.cvuignore');

    await registerWhileProbing(root);

    await expectIndexed(root, 'src/normal.ts', 'ordinaryLinkNeighbour');
    await expectIndexed(root, 'ping/a.ts', 'pingSideFunction');
    await expectIndexed(root, 'pong/b.ts', 'pongSideFunction');
    expect([...served.daemon.workspaceAt(root).store.files.keys()].sort()).toEqual(['ping/a.ts', 'pong/b.ts', 'src/normal.ts']);
    await expectNothingFromOutside(root);
    const status = await statusOf(root);
    for (const p of ['out-dir', 'out-file.ts', 'src/relative-out.ts', '.gitignore', 'src/.cvuignore']) expect(reasonOf(status, p), p).toBe('symlink-outside');
    expect(status.skipped.byReason['symlink-outside']).toBe(5);
  });

  it('reads no cvu.config.ts that links out of the root, and says so', async () => {
    const { root, outside } = hostileDirs();
    // Followed, this config would exclude every file of the workspace.
    write(outside, { 'cvu.config.ts': `// ${MARKER}\nexport default { index: { ignore: ['**'] } };\nexport const leaked = "${MARKER}";\n` });
    write(root, { 'src/normal.ts': source('configNeighbourFunction') });
    fs.symlinkSync(path.join(outside, 'cvu.config.ts'), path.join(root, 'cvu.config.ts'));

    await registerWhileProbing(root);
    await expectIndexed(root, 'src/normal.ts', 'configNeighbourFunction');
    await expectNothingFromOutside(root);
    const status = await statusOf(root);
    expect(reasonOf(status, 'cvu.config.ts')).toBe('symlink-outside');
    expect(status.config?.errors).toEqual([{ file: path.join(root, 'cvu.config.ts'), line: 0, column: 0, key: '', message: expect.stringMatching(/is a link to .*outside the workspace; not read/) }]);
  });

  it('runs no code from a cvu.config.ts, however it tries, and reads a 50 MB or 100,000-deep one as nothing', async () => {
    const ran = path.join(hostileDirs().outside, 'ran');
    const touch = (how: string) => `require('node:fs').writeFileSync(${JSON.stringify(ran)}, '${how}')`;
    const configs: Record<string, string> = {
      // Every way a module runs code, one per key, around a literal that must still apply.
      tricks: [
        `import fs from 'node:fs';`,
        `fs.writeFileSync(${JSON.stringify(ran)}, 'top-level statement');`,
        `const { execSync } = require('node:child_process');`,
        `export default defineConfig({`,
        `  index: { ignore: ['generated/**'] },`,
        `  completion: { maxTokens: (() => { ${touch('iife')}; return 8; })() },`,
        `  prompts: {`,
        `    get system() { ${touch('getter')}; return 's'; },`,
        `    explain: { toString() { ${touch('toString trap')}; return 'e'; } },`,
        `    ask: await import('data:text/javascript;base64,${Buffer.from(touch('import()')).toString('base64')}'),`,
        `    refactor: require('./payload.cjs'),`,
        `  },`,
        `  [execSync('touch ${ran}').toString()]: 1,`,
        `  ...new Proxy({}, { ownKeys() { ${touch('proxy')}; return []; } }),`,
        `});`,
        ``,
      ].join('\n'),
      big: `export default { prompts: { system: '${'x'.repeat(50 * 1024 * 1024)}' } };\n`,
      deep: `export default ${'['.repeat(100_000)}${']'.repeat(100_000)};\n`,
    };
    const roots: Record<string, string> = {};
    for (const [name, config] of Object.entries(configs)) {
      const { root } = hostileDirs();
      write(root, { 'cvu.config.ts': config, 'payload.cjs': `${touch('require')};\nmodule.exports = 'r';\n`, 'src/normal.ts': source(`${name}ConfigNeighbour`), 'generated/out.ts': source(`${name}GeneratedFunction`) });
      roots[name] = root;
      await registerWhileProbing(root);
      await expectIndexed(root, 'src/normal.ts', `${name}ConfigNeighbour`);
    }
    expect(fs.existsSync(ran), `${ran} was written: a config ran`).toBe(false);

    // The literal part of the tricky config applies; each trick is an error naming its line.
    const tricks = await statusOf(roots.tricks);
    expect(served.daemon.workspaceAt(roots.tricks).store.files.has('generated/out.ts')).toBe(false);
    const errors = tricks.config!.errors.map((e) => `${e.line}:${e.key}`);
    expect(errors).toEqual(expect.arrayContaining(['2:', '3:', '6:completion.maxTokens', '8:prompts', '9:prompts.explain', '10:prompts.ask', '11:prompts.refactor', '13:', '14:']));
    // The two that cannot be read at all: nothing of them applied, the workspace indexed as usual.
    expect((await statusOf(roots.big)).config!.errors[0].message).toMatch(/over the 65536-byte limit/);
    expect((await statusOf(roots.deep)).config!.errors[0].message).toMatch(/over the 65536-byte limit/);
    for (const name of ['big', 'deep']) expect(served.daemon.workspaceAt(roots[name]).store.files.has('generated/out.ts')).toBe(true);
  });

  it('skips a 2 GB sparse big.ts, a 50 MB one-line bundle, a minified file and binaries named .ts', async () => {
    const { root } = hostileDirs();
    write(root, {
      'src/normal.ts': source('besideTheGiants'),
      // One line, 50 MB: over the size bound, so never read.
      'dist-like/bundle.js': Buffer.alloc(50 * 1024 * 1024, 'a=1;'),
      // One line under the bound: read, and refused as minified.
      'lib/small.js': 'var q=function(a){return a+1};'.repeat(20_000),
      // A PNG named .ts, and a file named just ".ts" full of NUL bytes.
      'src/image.ts': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(4096)]),
      '.ts': Buffer.alloc(4096, 0),
    });
    // 2 GB that cost no disk: a hole.
    const fd = fs.openSync(path.join(root, 'big.ts'), 'w');
    fs.ftruncateSync(fd, 2 * 1024 ** 3);
    fs.closeSync(fd);
    const rssBefore = process.memoryUsage().rss;

    await registerWhileProbing(root);

    await expectIndexed(root, 'src/normal.ts', 'besideTheGiants');
    expect([...served.daemon.workspaceAt(root).store.files.keys()]).toEqual(['src/normal.ts']);
    const status = await statusOf(root);
    expect(reasonOf(status, 'big.ts')).toBe('too-large');
    expect(reasonOf(status, 'dist-like/bundle.js')).toBe('too-large');
    expect(reasonOf(status, 'lib/small.js')).toBe('minified');
    expect(reasonOf(status, 'src/image.ts')).toBe('binary');
    expect(reasonOf(status, '.ts')).toBe('binary');
    expect(status.skipped.byReason).toEqual({ 'too-large': 2, minified: 1, binary: 2 });
    // Neither giant was read into memory (2 GB would not even fit in a string).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
  });

  it('skips names with newlines, control characters and invalid UTF-8, and shows them escaped', async () => {
    const { root } = hostileDirs();
    write(root, { 'src/normal.ts': source('plainNamedFunction'), 'src/ünïcødé-ok.ts': source('unicodeNamedFunction') });
    const names: Buffer[] = [
      Buffer.from('line\nbreak.ts'),
      Buffer.from('esc\x1b[31mred.ts'),
      Buffer.from('tab\there.ts'),
      Buffer.from('bell\x07\x7f.ts'),
      Buffer.concat([Buffer.from('bad-'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('.ts')]),
    ];
    for (const name of names) fs.writeFileSync(Buffer.concat([Buffer.from(root + '/src/'), name]), source('oddlyNamedFunction'));
    // A folder whose name is not UTF-8, with a file in it.
    const badDir = Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x80, 0x81]), Buffer.from('-dir')]);
    fs.mkdirSync(badDir);
    fs.writeFileSync(Buffer.concat([badDir, Buffer.from('/inner.ts')]), source('oddlyNamedFunction'));

    const logFrom = logLines.length;
    await registerWhileProbing(root);

    await expectIndexed(root, 'src/normal.ts', 'plainNamedFunction');
    await expectIndexed(root, 'src/ünïcødé-ok.ts', 'unicodeNamedFunction');
    expect(served.daemon.workspaceAt(root).store.files.size).toBe(2);
    expect((await search(root, 'oddlyNamedFunction')).filter((r) => r.text.includes('oddlyNamedFunction'))).toEqual([]);
    const status = await statusOf(root);
    expect(status.skipped.byReason).toEqual({ 'bad-name': 6 });
    const shown = status.skipped.sample.map((s) => s.path).sort();
    expect(shown).toEqual(
      [
        '\\ufffd\\ufffd-dir',
        'src/bad-\\ufffd\\ufffd\\ufffd.ts',
        'src/bell\\x07\\x7f.ts',
        'src/esc\\x1b[31mred.ts',
        'src/line\\nbreak.ts',
        'src/tab\\there.ts',
      ].sort(),
    );
    for (const p of shown) expect(CONTROL.test(p), p).toBe(false);
    // Nor in the log: a newline in a path would forge a log line.
    for (const line of logLines.slice(logFrom)) expect(CONTROL.test(line), line).toBe(false);
  });

  it(`stops ${MAX_FOLDER_DEPTH} folders down a 5,000-deep chain, next to ignore patterns built to backtrack`, async () => {
    const { root } = hostileDirs();
    const a255 = 'a'.repeat(250) + '.ts';
    write(root, {
      'src/normal.ts': source('shallowNeighbour'),
      // Legitimately deep: 12 levels.
      'pkg/a/b/c/d/e/f/g/h/i/j/k/deep-ok.ts': source('reasonablyDeepFunction'),
      [`src/${a255}`]: source('longNamedFunction'),
      'debug.log': 'ignored by an ordinary pattern in the same file\n',
      '.gitignore': [
        '*.log',
        // Each `**` tries every split of a path: over a chain of `d/` folders, backtracking without end.
        'd/**/d/**/d/**/d/**/d/**/d/**/never-there.ts',
        '**/d/**/d/**/d/**/d/**/x',
        // Three are allowed: over at most MAX_FOLDER_DEPTH folders, few enough splits.
        'd/**/d/**/d/**/never-there-either.ts',
        '**/**/**/**/**/**/a*a*a*a*a*a*a*a*b',
        `${'a*'.repeat(2000)}b`,
        `${'x'.repeat(100_000)}`, // does not even compile as a regular expression
        '[',
        '[[[[[',
        '\\',
        '\\\\\\',
        'foo\\',
        '[z-a]',
        '!',
        '/',
        '',
      ].join('\n'),
    });
    deepChain(root, 'chain', 5000);

    await registerWhileProbing(root);

    await expectIndexed(root, 'src/normal.ts', 'shallowNeighbour');
    await expectIndexed(root, 'pkg/a/b/c/d/e/f/g/h/i/j/k/deep-ok.ts', 'reasonablyDeepFunction');
    await expectIndexed(root, `src/${a255}`, 'longNamedFunction');
    const status = await statusOf(root);
    expect(status.skipped.byReason['too-deep']).toBe(1);
    const deep = status.skipped.sample.find((s) => s.reason === 'too-deep')!;
    expect(deep.path).toBe(['chain', ...Array(MAX_FOLDER_DEPTH).fill('d')].join('/'));
    expect(reasonOf(status, 'debug.log')).toBe('ignored');
    expect((await search(root, 'deepestFunction')).filter((r) => r.text.includes('deepestFunction'))).toEqual([]);
    // The dropped patterns are named in the log.
    expect(logLines.some((l) => l.includes(root) && /pattern/.test(l) && /dropped/.test(l))).toBe(true);
  });

  it('survives a .gitignore of 100,000 lines and nested ignore files below it', async () => {
    const { root } = hostileDirs();
    const lines = ['generated-*.ts'];
    for (let i = 0; i < 100_000; i++) lines.push(i % 3 === 0 ? `gen/file${i}.ts` : i % 3 === 1 ? `*.gen${i}` : `/build${i}/**/x${i}*`);
    const files: Record<string, string> = { '.gitignore': lines.join('\n') };
    for (let i = 0; i < 40; i++) {
      files[`src/m${i}.ts`] = source(`moduleFunction${i}`);
      files[`nested${i}/.gitignore`] = `tmp-*\n!keep-${i}.ts\n`;
      files[`nested${i}/n.ts`] = source(`nestedFunction${i}`);
      files[`nested${i}/tmp-${i}.ts`] = source(`tempFunction${i}`);
    }
    files['generated-1.ts'] = source('generatedFunction');
    write(root, files);
    expect(Buffer.byteLength(files['.gitignore'])).toBeGreaterThan(MAX_IGNORE_FILE_BYTES);

    await registerWhileProbing(root);

    await expectIndexed(root, 'src/m0.ts', 'moduleFunction0');
    await expectIndexed(root, 'nested7/n.ts', 'nestedFunction7');
    const indexed = served.daemon.workspaceAt(root).store.files;
    for (let i = 0; i < 40; i++) {
      expect(indexed.has(`src/m${i}.ts`)).toBe(true);
      expect(indexed.has(`nested${i}/n.ts`)).toBe(true);
      // The nested files' own patterns still apply below the giant.
      expect(indexed.has(`nested${i}/tmp-${i}.ts`)).toBe(false);
    }
    // So do the giant's first patterns.
    expect(indexed.has('generated-1.ts')).toBe(false);
    const status = await statusOf(root);
    // The 40 temp files and generated-1.ts; the .gitignore itself is too large to index.
    expect(status.skipped.byReason).toEqual({ ignored: 41, 'too-large': 1 });
    expect(logLines.some((l) => l.includes(root) && /only its first \d+ bytes were read/.test(l))).toBe(true);
  });

  it('reports what it skipped in /status and `cvu status`, kept current by updates', async () => {
    const { root, outside } = hostileDirs();
    write(outside, { 'o.ts': `export const o = "${MARKER}";\n` });
    write(root, { 'src/normal.ts': source('reportedNeighbour'), 'asset.ts': Buffer.alloc(64, 0) });
    fs.symlinkSync(path.join(outside, 'o.ts'), path.join(root, 'link.ts'));
    fs.writeFileSync(Buffer.from(`${root}/odd\x1bname.ts`), 'x');
    const fd = fs.openSync(path.join(root, 'big.ts'), 'w');
    fs.ftruncateSync(fd, 64 * 1024 ** 2);
    fs.closeSync(fd);

    await registerWhileProbing(root);

    let status = await statusOf(root);
    expect(status.skipped).toEqual({
      total: 4,
      byReason: { 'bad-name': 1, binary: 1, 'symlink-outside': 1, 'too-large': 1 },
      // The sample leads with the unusual reasons.
      sample: [
        { path: 'odd\\x1bname.ts', reason: 'bad-name' },
        { path: 'link.ts', reason: 'symlink-outside' },
        { path: 'big.ts', reason: 'too-large' },
        { path: 'asset.ts', reason: 'binary' },
      ],
    });
    // Small enough for every poll of /status.
    expect(JSON.stringify(status.skipped).length).toBeLessThan(4096);
    const out: string[] = [];
    printWorkspace(status, { cwd: root, out: (l) => out.push(l), err: () => {} });
    expect(out).toContain('  skipped 4 paths: bad-name 1, binary 1, symlink-outside 1, too-large 1');

    // An update (a save, a watcher batch) keeps the report current.
    fs.writeFileSync(path.join(root, 'big2.ts'), Buffer.alloc(2 * 1024 * 1024, 'a'));
    fs.writeFileSync(path.join(root, 'asset.ts'), source('assetNowSource'));
    served.daemon.filesChanged(root, ['big2.ts', 'asset.ts']);
    status = await until(async () => {
      const s = await statusOf(root);
      return s.skipped.byReason['too-large'] === 2 && s.skipped.total === 4 && s;
    }, 'the update to reach the skip report');
    expect(status.skipped.byReason).toEqual({ 'bad-name': 1, 'symlink-outside': 1, 'too-large': 2 });
    await expectIndexed(root, 'asset.ts', 'assetNowSource');
    fs.rmSync(path.join(root, 'big2.ts'));
    served.daemon.filesChanged(root, ['big2.ts']);
    await until(async () => (await statusOf(root)).skipped.total === 3, 'the deleted file to leave the report');
    await expectNothingFromOutside(root);

    // The sample is bounded, however much is skipped.
    for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(root, `blob${i}.ts`), Buffer.alloc(32, 0));
    served.daemon.filesChanged(root, Array.from({ length: 60 }, (_, i) => `blob${i}.ts`));
    status = await until(async () => {
      const s = await statusOf(root);
      return s.skipped.total === 63 && s;
    }, 'sixty more binaries in the report');
    expect(status.skipped.sample).toHaveLength(20);
    expect(JSON.stringify(status.skipped).length).toBeLessThan(4096);
  });

  it('watches a hostile tree without following its links or descending the whole chain, and keeps indexing saves', async () => {
    const { root, outside } = hostileDirs();
    write(outside, { 'leak-dir/inside.ts': `export const leaked = "${MARKER}";\n` });
    write(root, { 'src/normal.ts': source('watchedNeighbour') });
    fs.symlinkSync('..', path.join(root, 'src/up'));
    fs.symlinkSync(path.join(outside, 'leak-dir'), path.join(root, 'out-dir'));
    fs.writeFileSync(Buffer.from(`${root}/src/new\nline.ts`), 'x');
    deepChain(root, 'chain', 5000);
    const watchHome = makeTempDir('cvu-hostile-watch-home-');
    onTestFinished(() => removeTree(watchHome));
    // A daemon of its own, with the real watcher. It shares this process with
    // the served one, so the served /health measures this one's event loop too.
    const daemon = new Daemon({ home: watchHome, parseWorkers: 0, logger: silentLogger, watch: createWatchFactory({ quietMs: 50, maxWaitMs: 300 }) });
    const probe = probeHealth();
    try {
      const ws = await daemon.register(root);
      await until(() => ws.state === 'ready' && ws.lastIndexedAt, 'the watched workspace to be indexed');
      expect([...ws.store.files.keys()]).toEqual(['src/normal.ts']);
      // A save is indexed; a file appearing outside, behind the link, is not.
      write(root, { 'src/later.ts': source('savedAfterwards') });
      write(outside, { 'leak-dir/later.ts': `export const late = "${MARKER}";\n` });
      await until(() => ws.store.files.has('src/later.ts'), 'the saved file to be indexed');
      await new Promise((r) => setTimeout(r, 400));
      expect([...ws.store.files.keys()].sort()).toEqual(['src/later.ts', 'src/normal.ts']);
      expect(ws.status().skipped.byReason).toMatchObject({ 'too-deep': 1, 'bad-name': 1, 'symlink-outside': 1 });
    } finally {
      await daemon.close();
      const health = await probe.stop();
      expect(health.failures, `slowest /health: ${health.slowestMs} ms`).toEqual([]);
    }
  });
});
