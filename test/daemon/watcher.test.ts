import { spawn } from 'node:child_process';
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/log.js';
import { Daemon, type WatchFactory, type WorkspaceWatch } from '../../daemon/daemon.js';
import type { Workspace } from '../../workspace/workspace.js';
import { createWatchFactory, watchWorkspace } from '../../daemon/watcher.js';
import { walkWorkspace } from '../../indexer/walker.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { until } from '../helpers/wait.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Generous: the machine is small and shared; nothing here asserts how fast it is. */
const TIMEOUT = 20_000;


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function paths(ws: Workspace, query: string): Promise<string[]> {
  return (await ws.search(query)).map((s) => s.path);
}

function indexed(ws: Workspace): string[] {
  return [...ws.store.files.keys()].sort();
}

async function onDisk(ws: Workspace): Promise<string[]> {
  return (await walkWorkspace(ws.root, ws.ignoreRules)).files.map((f) => f.path).sort();
}

/** The index settles on exactly the indexable files on disk (while it rewrites a file, the file is briefly absent). */
async function consistent(ws: Workspace): Promise<void> {
  await until(async () => indexed(ws).join('\n') === (await onDisk(ws)).join('\n'), 'index equals disk', TIMEOUT);
}

// ---------------------------------------------------------------------------
// fs.watch, seen from chokidar: every path it watches is recorded, and it can
// be made to fail the way Linux does when inotify runs out of watches. chokidar
// imports `watch` from 'fs'; syncBuiltinESMExports carries the patch over.

const realFsWatch = fs.watch;
const fsWatchCalls: string[] = [];
/** Returns the error fs.watch should throw for a path, or null to let it through. */
let watchFault: ((p: string) => NodeJS.ErrnoException | null) | null = null;
/** True for an event (the folder watched, the entry named) the kernel should lose, as when its queue overflows. */
let lostEvent: ((folder: string, name: string) => boolean) | null = null;

function fsError(code: string, errno: number, message: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, watch '${p}'`), { code, errno, syscall: 'watch', path: p });
}

const isUnder = (dir: string) => (p: string) => p === dir || p.startsWith(dir + path.sep);

beforeAll(() => {
  fs.watch = ((p: fs.PathLike, ...rest: unknown[]) => {
    const s = String(p);
    fsWatchCalls.push(s);
    const err = watchFault?.(s);
    if (err) throw err;
    const listener = rest.findIndex((a) => typeof a === 'function');
    if (listener >= 0) {
      const deliver = rest[listener] as (event: string, name: string | null) => void;
      rest[listener] = (event: string, name: string | null) => {
        if (!(name && lostEvent?.(s, name))) deliver(event, name);
      };
    }
    return (realFsWatch as (...a: unknown[]) => fs.FSWatcher)(p, ...rest);
  }) as typeof fs.watch;
  module.syncBuiltinESMExports();
});
afterAll(() => {
  fs.watch = realFsWatch;
  module.syncBuiltinESMExports();
});

// ---------------------------------------------------------------------------

const SOURCES: Record<string, string> = {
  'src/alpha.ts': 'export function alphaWidget(n: number): number {\n  return n + 1;\n}\n',
  'src/beta.ts': 'export function betaGadget(s: string): string {\n  return s.trim();\n}\n',
  'lib/gamma.py': 'def gamma_sprocket(x):\n    return x * 2\n',
  'tools/logs/debug_tool.ts': 'export function debugToolkitEntry() {\n  return 42;\n}\n',
  '.gitignore': 'gen/\n',
};

interface Harness {
  daemon: Daemon;
  handles: Map<string, WorkspaceWatch>;
  /** Every batch the watcher handed to the daemon, per root. */
  batches: Map<string, string[][]>;
  gone: string[];
  warnings: string[];
  errors: string[];
}

let harness: Harness | null = null;
const tempDirs: string[] = [];

async function startDaemon(factory: WatchFactory = watchWorkspace): Promise<Harness> {
  const home = makeTempDir('cvu-watch-home-');
  tempDirs.push(home);
  const h: Harness = { daemon: null as unknown as Daemon, handles: new Map(), batches: new Map(), gone: [], warnings: [], errors: [] };
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (m) => h.warnings.push(m),
    error: (m) => h.errors.push(m),
  };
  const watch: WatchFactory = async (ws, handlers) => {
    const batches: string[][] = [];
    h.batches.set(ws.root, batches);
    const w = await factory(ws, {
      ...handlers,
      onChange: (p) => {
        batches.push(p);
        handlers.onChange(p);
      },
      onRootGone: () => {
        h.gone.push(ws.root);
        handlers.onRootGone();
      },
    });
    h.handles.set(ws.root, w);
    return w;
  };
  h.daemon = new Daemon({ home, logger, watch, parseWorkers: 1 });
  harness = h;
  return h;
}

async function addWorkspace(h: Harness, files: Record<string, string> = SOURCES): Promise<Workspace> {
  const root = makeTempDir('cvu-watch-ws-');
  tempDirs.push(root);
  writeTree(root, files);
  const ws = await h.daemon.register(root);
  await consistent(ws);
  return ws;
}

const savedModelEnv = process.env.CVU_EMBEDDING_MODEL;
afterAll(() => {
  if (savedModelEnv === undefined) delete process.env.CVU_EMBEDDING_MODEL;
  else process.env.CVU_EMBEDDING_MODEL = savedModelEnv;
});
beforeEach(() => {
  // No embedding model: the lexical and symbol tiers are what these tests search.
  process.env.CVU_EMBEDDING_MODEL = 'none';
  delete process.env.CVU_WATCH_POLLING;
  fsWatchCalls.length = 0;
  watchFault = null;
  lostEvent = null;
});
afterEach(async () => {
  await harness?.daemon.close();
  harness = null;
  delete process.env.CVU_WATCH_POLLING;
  watchFault = null;
  for (const d of tempDirs.splice(0)) removeDir(d);
});

describe('watchWorkspace', () => {
  it('re-indexes files edited, added, deleted and renamed on disk', async () => {
    const h = await startDaemon();
    const ws = await addWorkspace(h);
    expect(h.handles.get(ws.root)!.mode).toBe('native');
    const file = (rel: string) => path.join(ws.root, rel);

    fs.writeFileSync(file('src/alpha.ts'), 'export function alphaWidgetRenamedFn(n: number): number {\n  return n + 2;\n}\n');
    await until(async () => (await paths(ws, 'alphaWidgetRenamedFn')).includes('src/alpha.ts'), 'edit indexed', TIMEOUT);

    writeTree(ws.root, { 'src/delta/delta.ts': 'export class DeltaEngine {\n  run() {}\n}\n' });
    await until(async () => (await paths(ws, 'DeltaEngine')).includes('src/delta/delta.ts'), 'new file in a new folder indexed', TIMEOUT);

    fs.rmSync(file('src/beta.ts'));
    await until(async () => !ws.store.files.has('src/beta.ts') && (await paths(ws, 'betaGadget')).length === 0, 'deletion indexed', TIMEOUT);

    fs.renameSync(file('lib/gamma.py'), file('lib/gamma_renamed.py'));
    await until(async () => (await paths(ws, 'gamma_sprocket')).join() === 'lib/gamma_renamed.py' && !ws.store.files.has('lib/gamma.py'), 'rename indexed', TIMEOUT);

    // A folder renamed: its files move in the index.
    fs.renameSync(file('src/delta'), file('src/epsilon'));
    await until(() => ws.store.files.has('src/epsilon/delta.ts') && !ws.store.files.has('src/delta/delta.ts'), 'folder rename indexed', TIMEOUT);

    await consistent(ws);
    // Every reported path is workspace-relative and posix.
    for (const batch of h.batches.get(ws.root)!) for (const p of batch) expect(p).toMatch(/^[^/\\][^\\]*$/);
    expect(h.errors).toEqual([]);
  });

  it('a search asked right after a save waits for it and finds it, and waits for nothing when nothing was saved', async () => {
    // A long quiet period: the search surely comes before the watcher hands the save on.
    const h = await startDaemon(createWatchFactory({ quietMs: 400 }));
    const ws = await addWorkspace(h);
    const watch = h.handles.get(ws.root)!;
    const seesPending = async () => {
      let settled = false;
      void watch.settled().then(() => (settled = true));
      await new Promise((r) => setImmediate(r));
      return !settled;
    };
    expect(await seesPending()).toBe(false);
    for (const [i, token] of ['savedrightawaymarkerone', 'savedrightawaymarkertwo'].entries()) {
      fs.appendFileSync(path.join(ws.root, 'src/alpha.ts'), `\nexport const ${token} = ${i};\n`);
      await until(seesPending, 'the watcher saw the save', TIMEOUT, 2);
      expect(await paths(ws, token)).toEqual([]);
      // (Waiting longer than a search would: on a loaded machine the quiet period and the update can pass 500 ms.)
      await h.daemon.savesLanded(ws, TIMEOUT);
      expect(await paths(ws, token)).toEqual(['src/alpha.ts']);
    }
    expect(await seesPending()).toBe(false);
    expect(h.errors).toEqual([]);
  });

  it('picks up atomic saves and never indexes editor temp files', async () => {
    const h = await startDaemon();
    const ws = await addWorkspace(h);
    const file = (rel: string) => path.join(ws.root, rel);

    // Write-to-temp-then-rename (VS Code, JetBrains, many libraries).
    fs.writeFileSync(file('src/alpha.ts.tmp'), 'export function atomicSaveMarker() {\n  return 1;\n}\n');
    fs.renameSync(file('src/alpha.ts.tmp'), file('src/alpha.ts'));
    await until(async () => (await paths(ws, 'atomicSaveMarker')).includes('src/alpha.ts'), 'atomic save indexed', TIMEOUT);

    // vim with `backupcopy=no`: probe file 4913, swap file, original renamed to a backup, new file written, backup removed.
    fs.writeFileSync(file('src/4913'), '');
    fs.rmSync(file('src/4913'));
    fs.writeFileSync(file('src/.beta.ts.swp'), 'swap');
    fs.renameSync(file('src/beta.ts'), file('src/beta.ts~'));
    fs.writeFileSync(file('src/beta.ts'), 'export function vimSaveMarker() {\n  return 2;\n}\n');
    fs.rmSync(file('src/beta.ts~'));
    fs.rmSync(file('src/.beta.ts.swp'));
    await until(async () => (await paths(ws, 'vimSaveMarker')).includes('src/beta.ts'), 'vim save indexed', TIMEOUT);

    // A temp file that vanishes before the batch is handed over is never reported.
    for (let i = 0; i < 20; i++) {
      fs.writeFileSync(file(`src/alpha.ts.${i}.tmp`), 'export const transient = 1;\n');
      fs.rmSync(file(`src/alpha.ts.${i}.tmp`));
    }
    writeTree(ws.root, { 'src/sentinel.ts': 'export const sentinelAfterTemps = 1;\n' });
    await until(() => ws.store.files.has('src/sentinel.ts'), 'sentinel indexed', TIMEOUT);

    const reported = h.batches.get(ws.root)!.flat();
    expect(reported.filter((p) => /\.tmp$|~$|\.swp$|(^|\/)4913$/.test(p))).toEqual([]);
    expect(indexed(ws).filter((p) => /\.tmp$|~$|\.swp$|(^|\/)4913$/.test(p))).toEqual([]);
    await consistent(ws);
    expect(h.errors).toEqual([]);
    expect(h.warnings).toEqual([]);
  });

  it('never watches or indexes ignored folders, and follows .gitignore changes', async () => {
    const h = await startDaemon();
    const ws = await addWorkspace(h, {
      ...SOURCES,
      'node_modules/dep/index.ts': 'export function dependencyInternals() {}\n',
      'gen/out.ts': 'export function generatedOutput() {}\n',
      'pkg/gen/lib.ts': 'export function nestedGenerated() {}\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    const under = (dir: string) => isUnder(path.join(ws.root, dir));

    writeTree(ws.root, {
      'node_modules/dep/more.ts': 'export function dependencyMore() {}\n',
      'node_modules/other/deep/x.ts': 'export function dependencyDeep() {}\n',
      'gen/out2.ts': 'export function generatedMore() {}\n',
      '.git/refs/heads/main': 'abc\n',
      'src/visible.ts': 'export function visibleAfterIgnored() {}\n',
    });
    await until(() => ws.store.files.has('src/visible.ts'), 'visible file indexed', TIMEOUT);
    await sleep(500); // let any stray event for the ignored files arrive
    expect(indexed(ws).filter((p) => /^(node_modules|gen|\.git)\//.test(p))).toEqual([]);
    expect(h.batches.get(ws.root)!.flat().filter((p) => /^(node_modules|gen|\.git)\//.test(p))).toEqual([]);
    // chokidar never put a watch on them (that is what exhausts inotify on real projects).
    expect(fsWatchCalls.length).toBeGreaterThan(0);
    expect(fsWatchCalls.filter(under('node_modules'))).toEqual([]);
    expect(fsWatchCalls.filter(under('gen'))).toEqual([]);
    expect(fsWatchCalls.filter(under('.git'))).toEqual([]);

    // A new rule removes files from the index.
    expect(ws.store.files.has('tools/logs/debug_tool.ts')).toBe(true);
    fs.writeFileSync(path.join(ws.root, '.gitignore'), 'gen/\ntools/logs/\n');
    await until(async () => !ws.store.files.has('tools/logs/debug_tool.ts') && (await paths(ws, 'debugToolkitEntry')).length === 0, 'newly ignored file removed', TIMEOUT);

    // Dropping a rule brings the folder back.
    fs.writeFileSync(path.join(ws.root, '.gitignore'), 'gen/\n');
    await until(() => ws.store.files.has('tools/logs/debug_tool.ts'), 'un-ignored file back', TIMEOUT);
    // A folder excluded from the start was never watched: once un-ignored, it is indexed and watched from then on.
    expect(fsWatchCalls.filter(under('pkg/gen'))).toEqual([]);
    fs.writeFileSync(path.join(ws.root, '.gitignore'), '# nothing ignored\n');
    await until(() => ws.store.files.has('pkg/gen/lib.ts') && ws.store.files.has('gen/out.ts'), 'never-watched folder indexed', TIMEOUT);
    const seen = h.batches.get(ws.root)!.length;
    fs.writeFileSync(path.join(ws.root, 'pkg/gen/lib.ts'), 'export function nestedGeneratedRevised() {}\n');
    // Reported by the watcher itself (not merely caught by the re-sync the ignore file started).
    await until(() => h.batches.get(ws.root)!.slice(seen).flat().includes('pkg/gen/lib.ts'), 'watcher reports the edit', TIMEOUT);
    await until(async () => (await paths(ws, 'nestedGeneratedRevised')).includes('pkg/gen/lib.ts'), 'edit in un-ignored folder indexed', TIMEOUT);

    // A nested ignore file works the same way.
    fs.writeFileSync(path.join(ws.root, 'src/.cvuignore'), 'alpha.ts\n');
    await until(() => !ws.store.files.has('src/alpha.ts'), 'nested .cvuignore applied', TIMEOUT);
    await consistent(ws);
    expect(h.errors).toEqual([]);
  });

  it('turns a 500-file folder appearing and disappearing into a few batches, ending consistent', async () => {
    const h = await startDaemon();
    const ws = await addWorkspace(h);
    const before = indexed(ws);
    const big: Record<string, string> = {};
    for (let i = 0; i < 500; i++) big[`big/d${i % 10}/sub${i % 3}/m${i}.ts`] = `export function bulkFn${i}(): number {\n  return ${i};\n}\n`;
    big['big/node_modules/x/index.ts'] = 'export const hidden = 1;\n';
    writeTree(ws.root, big);
    await until(() => indexed(ws).filter((p) => p.startsWith('big/')).length === 500, '500 files indexed', TIMEOUT);
    await consistent(ws);
    expect((await paths(ws, 'bulkFn377'))[0]).toBe('big/d7/sub2/m377.ts');
    const afterAdd = h.batches.get(ws.root)!.length;

    fs.rmSync(path.join(ws.root, 'big'), { recursive: true, force: true });
    await until(() => !indexed(ws).some((p) => p.startsWith('big/')), '500 files removed', TIMEOUT);
    await until(() => indexed(ws).join('\n') === before.join('\n'), 'back to the files before', TIMEOUT);
    await consistent(ws);

    // Thousands of events (adds, dirs, removals) became a handful of calls, not one per file.
    const batches = h.batches.get(ws.root)!;
    expect(afterAdd).toBeLessThan(50);
    expect(batches.length - afterAdd).toBeLessThan(50);
    for (const b of batches) expect(new Set(b).size).toBe(b.length);
  });

  it('polls when CVU_WATCH_POLLING=1', async () => {
    process.env.CVU_WATCH_POLLING = '1';
    const h = await startDaemon(createWatchFactory({ pollIntervalMs: 200 }));
    const ws = await addWorkspace(h);
    expect(h.handles.get(ws.root)!.mode).toBe('polling');
    expect(fsWatchCalls.filter((p) => p.startsWith(ws.root))).toEqual([]);

    fs.writeFileSync(path.join(ws.root, 'src/alpha.ts'), 'export function polledEditMarker() {\n  return 5;\n}\n');
    writeTree(ws.root, { 'src/polled/new.ts': 'export function polledNewFile() {}\n' });
    fs.rmSync(path.join(ws.root, 'lib/gamma.py'));
    await until(async () => (await paths(ws, 'polledEditMarker')).includes('src/alpha.ts'), 'polled edit', TIMEOUT);
    await until(async () => (await paths(ws, 'polledNewFile')).includes('src/polled/new.ts'), 'polled add', TIMEOUT);
    await until(() => !ws.store.files.has('lib/gamma.py'), 'polled delete', TIMEOUT);
    await consistent(ws);

    await h.daemon.close();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'StatWatcher')).toEqual([]);
  });

  it('falls back to polling, with one warning, when the system runs out of watchers', async () => {
    const h = await startDaemon(createWatchFactory({ pollIntervalMs: 200 }));
    const root = makeTempDir('cvu-watch-ws-');
    tempDirs.push(root);
    writeTree(root, { ...SOURCES, 'src/deep/a/b.ts': 'export const deep = 1;\n', 'docs/guide.md': '# Guide\n' });
    // The first two folders get a watch, the rest hit the limit.
    let allowed = 2;
    watchFault = (p) => (isUnder(root)(p) && allowed-- <= 0 ? fsError('ENOSPC', -28, 'System limit for number of file watchers reached', p) : null);
    const ws = await h.daemon.register(root);
    await consistent(ws);
    const handle = h.handles.get(ws.root)!;
    await until(() => handle.mode === 'polling', 'switched to polling', TIMEOUT);

    fs.writeFileSync(path.join(ws.root, 'src/deep/a/b.ts'), 'export function afterFallbackMarker() {}\n');
    writeTree(ws.root, { 'docs/new_notes.md': '# Notes about fallbackNotesMarker\n' });
    await until(async () => (await paths(ws, 'afterFallbackMarker')).includes('src/deep/a/b.ts'), 'change seen after fallback', TIMEOUT);
    await until(() => ws.store.files.has('docs/new_notes.md'), 'add seen after fallback', TIMEOUT);
    await consistent(ws);

    const fallbackWarnings = h.warnings.filter((w) => /ENOSPC/.test(w));
    expect(fallbackWarnings).toHaveLength(1);
    expect(fallbackWarnings[0]).toMatch(/polling/);
    expect(h.errors).toEqual([]);
  });

  it('logs other watch failures and keeps watching the rest', async () => {
    const h = await startDaemon();
    const root = makeTempDir('cvu-watch-ws-');
    tempDirs.push(root);
    writeTree(root, SOURCES);
    watchFault = (p) => (isUnder(path.join(root, 'lib'))(p) ? fsError('EIO', -5, 'i/o error', p) : null);
    const ws = await h.daemon.register(root);
    await consistent(ws);
    expect(h.handles.get(ws.root)!.mode).toBe('native');
    fs.writeFileSync(path.join(ws.root, 'src/alpha.ts'), 'export function stillWatchedMarker() {}\n');
    await until(async () => (await paths(ws, 'stillWatchedMarker')).includes('src/alpha.ts'), 'other folders still watched', TIMEOUT);
    // One warning per path that failed (the folder and its file), each logged, none thrown.
    const eio = h.warnings.filter((w) => /EIO/.test(w));
    expect(eio.length).toBeGreaterThan(0);
    for (const w of eio) expect(w).toContain(path.join(root, 'lib'));
    expect(h.errors).toEqual([]);
  });

  it('catches up, once its watches are up, with a file saved in a folder chokidar had not reached when the first index read it', async () => {
    const h = await startDaemon();
    const root = makeTempDir('cvu-watch-ws-');
    tempDirs.push(root);
    writeTree(root, { ...SOURCES, 'outer/slow/a.ts': 'export function firstVersion() {}\n' });
    // chokidar lists `outer` 7 s late, as its initial scan of a big tree reaches folders late:
    // `outer/slow` gets no watch until then, and the first index starts after 5 s without waiting.
    const realReaddir = fs.promises.readdir;
    const outer = path.join(root, 'outer');
    fs.promises.readdir = (async (p: fs.PathLike, ...rest: unknown[]) => {
      if (String(p) === outer && /readdirp|chokidar/.test(new Error().stack ?? '')) await sleep(7000);
      return (realReaddir as (...a: unknown[]) => Promise<unknown>)(p, ...rest);
    }) as typeof fs.promises.readdir;
    module.syncBuiltinESMExports();
    try {
      const ws = await h.daemon.register(root);
      await until(() => ws.store.symbols.lookup('firstVersion').length === 1, 'the first version indexed', TIMEOUT);
      fs.writeFileSync(path.join(root, 'outer/slow/a.ts'), 'export function savedBeforeItsWatch() {}\n');
      await until(() => ws.store.symbols.lookup('savedBeforeItsWatch').length === 1, 'the save found once the watches are up', TIMEOUT);
      await consistent(ws);
    } finally {
      fs.promises.readdir = realReaddir;
      module.syncBuiltinESMExports();
    }
  }, 60_000);

  it('after a storm of events, finds the files whose events were lost', async () => {
    const h = await startDaemon(createWatchFactory({ stormEvents: 300 }));
    const ws = await addWorkspace(h);
    // Every event about these two is lost, as a storm's are when the kernel's queue overflows.
    lostEvent = (_folder, name) => name === 'lost.ts' || name === 'alpha.ts';
    fs.writeFileSync(path.join(ws.root, 'src/lost.ts'), 'export function writtenDuringTheStorm() {}\n');
    fs.writeFileSync(path.join(ws.root, 'src/alpha.ts'), 'export function editedDuringTheStorm() {}\n');
    // A few events: no storm, nothing looked at again.
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(ws.root, `src/calm${i}.ts`), `export const calm${i} = ${i};\n`);
    await until(() => ws.store.files.has('src/calm4.ts'), 'the calm files indexed', TIMEOUT);
    await sleep(2500);
    expect(ws.store.files.has('src/lost.ts')).toBe(false);
    // Indexing lags the storm by seconds, as on a busy machine: the catch-up must wait for it.
    const update = ws.update.bind(ws);
    ws.update = (async (...args: Parameters<typeof update>) => {
      await sleep(3000);
      return update(...args);
    }) as typeof ws.update;
    // A storm: 200 files of an existing folder, three events each.
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(ws.root, `src/storm${i}.ts`), `export const storm${i} = ${i};\n`);
    await until(() => ws.store.symbols.lookup('writtenDuringTheStorm').length === 1, 'the lost new file found after the storm', TIMEOUT);
    await until(() => ws.store.symbols.lookup('editedDuringTheStorm').length === 1 && ws.store.symbols.lookup('alphaWidget').length === 0, 'the lost edit found', TIMEOUT);
    // The catch-up waited for the storm's files to be indexed: it reported the two, nothing else.
    const caughtUp = h.batches.get(ws.root)!.filter((b) => b.includes('src/lost.ts'));
    expect(caughtUp.map((b) => [...b].sort())).toEqual([['src/alpha.ts', 'src/lost.ts']]);
    await consistent(ws);
    expect(h.errors).toEqual([]);
  }, 60_000);

  it('keeps listing a new folder whose watch is not up, however many batches go by, and finds every file written into it', async () => {
    const h = await startDaemon();
    const ws = await addWorkspace(h);
    const late = path.join(ws.root, 'late');
    // The folder gets no watch (as when chokidar is slow to set one up under load): only listing it finds its files.
    watchFault = (p) => (isUnder(late)(p) ? fsError('EIO', -5, 'i/o error', p) : null);
    fs.mkdirSync(late);
    // Ten seconds of files, one at a time: more batches than the forty tries after which listing used to stop.
    const names: string[] = [];
    for (let i = 0; i < 50; i++) {
      fs.writeFileSync(path.join(late, `l${i}.ts`), `export const lateFile${i} = ${i};\n`);
      names.push(`late/l${i}.ts`);
      await sleep(200);
    }
    await until(() => names.every((n) => ws.store.files.has(n)), 'every file of the unwatched folder indexed', TIMEOUT);
    await consistent(ws);
    expect(h.errors).toEqual([]);
  }, 60_000);

  it('reports a deleted root once and keeps serving the other workspaces', async () => {
    const h = await startDaemon();
    const doomed = await addWorkspace(h);
    const kept = await addWorkspace(h);

    fs.rmSync(doomed.root, { recursive: true, force: true });
    await until(() => h.gone.length > 0, 'onRootGone called', TIMEOUT);
    expect(h.gone).toEqual([doomed.root]);
    expect(doomed.status()).toMatchObject({ state: 'error', error: expect.stringMatching(/gone/) });

    fs.writeFileSync(path.join(kept.root, 'src/alpha.ts'), 'export function survivorMarker() {}\n');
    await until(async () => (await paths(kept, 'survivorMarker')).includes('src/alpha.ts'), 'other workspace still indexed', TIMEOUT);
    // Re-creating a folder at the old path does not revive the old watcher, nor call onRootGone again.
    fs.mkdirSync(doomed.root);
    writeTree(kept.root, { 'src/later.ts': 'export function laterMarker() {}\n' });
    await until(() => kept.store.files.has('src/later.ts'), 'later change indexed', TIMEOUT);
    expect(h.gone).toEqual([doomed.root]);
    expect(h.daemon.status().workspaces).toHaveLength(2);
    expect(h.errors).toEqual([]);
  });

  it('renaming the root away counts as gone too', async () => {
    const h = await startDaemon();
    const ws = await addWorkspace(h);
    fs.renameSync(ws.root, ws.root + '-moved');
    tempDirs.push(ws.root + '-moved');
    await until(() => h.gone.length > 0, 'onRootGone called', TIMEOUT);
    expect(h.gone).toEqual([ws.root]);
  });

  it('closes cleanly: no watcher handles left, and a daemon process exits by itself', async () => {
    const h = await startDaemon();
    const ws = await addWorkspace(h);
    fs.writeFileSync(path.join(ws.root, 'src/alpha.ts'), 'export function beforeCloseMarker() {}\n');
    await until(async () => (await paths(ws, 'beforeCloseMarker')).includes('src/alpha.ts'), 'edit indexed', TIMEOUT);
    const handle = h.handles.get(ws.root)!;
    await h.daemon.close();
    await handle.close(); // twice is harmless
    expect(process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap' || r === 'StatWatcher')).toEqual([]);

    // In a process of its own: register, watch, see a change, close — and the process must end without process.exit.
    const dir = makeTempDir('cvu-watch-exit-');
    tempDirs.push(dir);
    const root = path.join(dir, 'ws');
    writeTree(root, SOURCES);
    const script = path.join(dir, 'run.mts');
    const imp = (rel: string) => JSON.stringify(pathToFileURL(path.join(repo, rel)).href);
    fs.writeFileSync(
      script,
      `import fs from 'node:fs';
import path from 'node:path';
import { Daemon } from ${imp('daemon/daemon.ts')};
import { watchWorkspace } from ${imp('daemon/watcher.ts')};
const [home, root] = process.argv.slice(2);
const daemon = new Daemon({ home, watch: watchWorkspace, parseWorkers: 1 });
const ws = await daemon.register(root);
const end = Date.now() + 20000;
while (ws.store.files.size < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
fs.writeFileSync(path.join(root, 'src/exit_probe.ts'), 'export function exitProbe() {}\\n');
while (!ws.store.files.has('src/exit_probe.ts') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
console.log(ws.store.files.has('src/exit_probe.ts') ? 'seen' : 'missed');
await daemon.close();
console.log('closed');
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script, path.join(dir, 'home'), root], {
      cwd: repo,
      env: { ...process.env, CVU_EMBEDDING_MODEL: 'none', CVU_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = await new Promise<number | null | 'hung'>((resolve) => {
      const t = setTimeout(() => resolve('hung'), 45_000);
      child.on('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
    if (exited === 'hung') child.kill('SIGKILL');
    expect(exited, stderr).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(['seen', 'closed']);
  });
});
