import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonPaths, isAlive, readDaemonInfo } from '../../daemon/lifecycle.js';
import { createFileLogger } from '../../daemon/log-file.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { setEnv } from '../helpers/env.js';
import { until } from '../helpers/wait.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

const SOURCES = {
  'src/config/parse-config.ts': `/** Reads and validates the service configuration. */
export function parseConfig(path: string): { port: number } {
  return { port: Number(path.length) };
}
`,
  'src/main.ts': `import { parseConfig } from './config/parse-config.js';

export function start(): number {
  return parseConfig('cvu.json').port;
}
`,
};

let home: string;
let root: string;
let env: NodeJS.ProcessEnv;
const pids = new Set<number>();

function cli(args: string[]) {
  const r = runCli(args, { env });
  return r;
}

function json(r: { code: number | null; stdout: string; stderr: string }): any {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function waitDead(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function spawnAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(() => {
  home = makeTempDir('cvu-life-home-');
  root = makeTempDir('cvu-life-ws-');
  writeTree(root, SOURCES);
  env = { CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none', CVU_LOG_LEVEL: 'info' };
});

afterAll(async () => {
  for (const pid of pids) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  removeDir(home);
  removeDir(root);
});

describe('daemon lifecycle (real processes through the CLI)', () => {
  it('cvu search starts the daemon when none runs, and a second start finds it', () => {
    expect(fs.existsSync(daemonPaths(home).info)).toBe(false);
    const search = json(cli(['search', 'parseConfig', '--root', root, '--json']));
    expect(search.results.some((r: { path: string }) => r.path === 'src/config/parse-config.ts')).toBe(true);

    const info = readDaemonInfo(home)!;
    expect(info).toMatchObject({ port: expect.any(Number), pid: expect.any(Number), version: expect.any(String) });
    expect(info.token).toMatch(/^[0-9a-f]{64}$/);
    pids.add(info.pid);
    expect(isAlive(info.pid)).toBe(true);
    if (process.platform !== 'win32') expect(fs.statSync(daemonPaths(home).info).mode & 0o777).toBe(0o600);

    const again = json(cli(['daemon', 'start', '--json']));
    expect(again).toMatchObject({ running: true, started: false, pid: info.pid, port: info.port });
    expect(readDaemonInfo(home)).toEqual(info);
    expect(fs.readdirSync(home).filter((f) => f.startsWith('daemon.json'))).toEqual(['daemon.json']);

    const human = cli(['daemon', 'start']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`already running \\(pid ${info.pid}`));
  });

  it('cvu daemon status reports the daemon and its workspaces', () => {
    const info = readDaemonInfo(home)!;
    const status = json(cli(['daemon', 'status', '--json']));
    expect(status).toMatchObject({ running: true, pid: info.pid, port: info.port });
    expect(status.workspaces.map((w: { root: string }) => w.root)).toContain(root);
    const human = cli(['daemon', 'status']);
    expect(human.stdout).toContain(`pid ${info.pid}`);
    expect(human.stdout).toContain(root);
  });

  it('exits cleanly on SIGTERM: daemon.json and the lock removed, the log written', async () => {
    const info = readDaemonInfo(home)!;
    process.kill(info.pid, 'SIGTERM');
    await waitDead(info.pid);
    expect(fs.existsSync(daemonPaths(home).info)).toBe(false);
    expect(fs.existsSync(daemonPaths(home).lock)).toBe(false);
    const log = fs.readFileSync(daemonPaths(home).log, 'utf8');
    expect(log).toContain(`listening on http://127.0.0.1:${info.port}`);
    // The parse workers start with the daemon, not with its first index.
    const started = log.search(/\d+ parse workers started/);
    expect(started).toBeGreaterThan(-1);
    expect(started).toBeLessThan(log.indexOf('listening on'));
    expect(log).toMatch(/POST \/search 200 [\d.]+ms/);
    expect(log).toContain('SIGTERM: shutting down');
    expect(log).toContain(`cvu daemon stopped (pid ${info.pid}, exit 0)`);
    // Code never reaches the log.
    expect(log).not.toContain('Number(path.length)');
    expect(json(cli(['daemon', 'status', '--json']))).toEqual({ running: false });
    expect(json(cli(['daemon', 'stop', '--json']))).toMatchObject({ stopped: false });
  });

  it('a stale daemon.json of a SIGKILLed daemon does not block a new start; racing starts share one daemon', async () => {
    const first = json(cli(['daemon', 'start', '--json']));
    expect(first.started).toBe(true);
    pids.add(first.pid);
    process.kill(first.pid, 'SIGKILL');
    await waitDead(first.pid);
    expect(readDaemonInfo(home)?.pid).toBe(first.pid); // stale, left behind
    expect(fs.existsSync(daemonPaths(home).lock)).toBe(true);
    expect(json(cli(['daemon', 'status', '--json']))).toEqual({ running: false });

    const [a, b] = await Promise.all([spawnAsync(['daemon', 'start', '--json']), spawnAsync(['daemon', 'start', '--json'])]);
    const ja = json(a);
    const jb = json(b);
    pids.add(ja.pid);
    pids.add(jb.pid);
    expect(ja.pid).toBe(jb.pid);
    expect(ja.pid).not.toBe(first.pid);
    expect([ja.started, jb.started].filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(readDaemonInfo(home)?.pid).toBe(ja.pid);
    expect(isAlive(ja.pid)).toBe(true);

    const stop = json(cli(['daemon', 'stop', '--json']));
    expect(stop).toMatchObject({ stopped: true, pid: ja.pid });
    expect(isAlive(ja.pid)).toBe(false);
    expect(fs.existsSync(daemonPaths(home).info)).toBe(false);
    expect(fs.readdirSync(path.join(home, 'logs'))).toContain('current.log');
  });
});

/** Threads of this process (Linux): the log's writer thread shows here while it runs. */
const threadCount = () => fs.readdirSync('/proc/self/task').length;

describe('daemon log file', () => {
  /** The numbered files in `dir`, oldest first. */
  const numbered = (dir: string) =>
    fs.readdirSync(dir).filter((f) => /^daemon\.\d+\.log$/.test(f)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const messages = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).msg as string);
  /** Resolves once a line holding `text` is in one of the files (the writer thread writes it a moment later). */
  const written = (dir: string, text: string) =>
    until(() => numbered(dir).some((f) => {
      try {
        return fs.readFileSync(path.join(dir, f), 'utf8').includes(text);
      } catch {
        return false; // dropped by the rotation meanwhile
      }
    }), `"${text}" in the log`, 10_000, 2);

  it('rotates by size, keeps a bounded number of files across restarts, and ends its writer thread', async () => {
    const dir = makeTempDir('cvu-logs-');
    const threadsBefore = threadCount();
    try {
      const log = createFileLogger({ dir, maxBytes: 2048, maxFiles: 3, level: 'info' });
      // One line at a time reaches the file, so every file stops within a line of the limit.
      for (let i = 0; i < 200; i++) {
        log.logger.info(`line ${String(i).padStart(4, '0')} ${'x'.repeat(60)}`);
        await written(dir, `line ${String(i).padStart(4, '0')} `);
      }
      expect(threadCount()).toBe(threadsBefore + 1);
      await log.close();
      expect(threadCount()).toBe(threadsBefore);

      const files = numbered(dir);
      expect(files).toHaveLength(3);
      const [first, , last] = files.map((f) => Number(f.split('.')[1]));
      expect(last - first).toBe(2);
      expect(first).toBeGreaterThan(1); // older files were dropped
      expect(fs.realpathSync(path.join(dir, 'current.log'))).toBe(fs.realpathSync(path.join(dir, files[2])));
      const lineBytes = Buffer.byteLength(fs.readFileSync(path.join(dir, files[0]), 'utf8').split('\n')[0]) + 1;
      for (const f of files.slice(0, 2)) {
        const size = fs.statSync(path.join(dir, f)).size;
        expect(size).toBeGreaterThanOrEqual(2048);
        expect(size).toBeLessThan(2048 + 2 * lineBytes);
      }
      for (const f of files) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
      // No line lost between the files kept, and the last one is the newest.
      const kept = files.flatMap((f) => messages(path.join(dir, f)));
      const numbers = kept.map((m) => Number(m.slice(5, 9)));
      expect(numbers.at(-1)).toBe(199);
      expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i));

      // A restarted log appends to the newest file, numbering goes on, and earlier files count toward the limit.
      const before = fs.readFileSync(path.join(dir, 'current.log'), 'utf8');
      const again = createFileLogger({ dir, maxBytes: 2048, maxFiles: 3, level: 'info' });
      again.logger.info('after restart');
      await written(dir, 'after restart');
      expect(fs.readFileSync(path.join(dir, files[2]), 'utf8').startsWith(before)).toBe(true);
      expect(messages(path.join(dir, files[2])).at(-1)).toBe('after restart');
      for (let i = 0; i < 40; i++) {
        again.logger.info(`more ${i} ${'y'.repeat(60)}`);
        await written(dir, `more ${i} `);
      }
      await again.close();
      const after = numbered(dir);
      expect(after).toHaveLength(3);
      expect(Number(after[0].split('.')[1])).toBeGreaterThan(last);
      expect(threadCount()).toBe(threadsBefore);
    } finally {
      removeDir(dir);
    }
  });

  it('removes the unnumbered logs an older version rotated by hand, which pino-roll would leave forever', async () => {
    const dir = makeTempDir('cvu-logs-');
    try {
      for (const f of ['daemon.log', 'daemon.log.1', 'daemon.log.2', 'notes.txt']) fs.writeFileSync(path.join(dir, f), 'old\n');
      const log = createFileLogger({ dir, level: 'info' });
      log.logger.info('first line of the new format');
      await written(dir, 'first line of the new format');
      await log.close();
      expect(fs.readdirSync(dir).filter((f) => !/^daemon\.\d+\.log$/.test(f)).sort()).toEqual(['current.log', 'notes.txt']);
    } finally {
      removeDir(dir);
    }
  });

  it('writes nothing below its level and takes a bad CVU_LOG_LEVEL as info', async () => {
    const dir = makeTempDir('cvu-logs-');
    try {
      const log = createFileLogger({ dir, level: 'warn' });
      log.logger.info('quiet');
      log.logger.warn('loud', { file: 'src/a.ts' });
      await log.close();
      const lines = fs.readFileSync(path.join(dir, 'current.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual([expect.objectContaining({ level: 'WARN', msg: 'loud', file: 'src/a.ts', pid: process.pid })]);
      expect(new Date(lines[0].time).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const restore = setEnv({ CVU_LOG_LEVEL: 'verbose' });
      try {
        const fallback = createFileLogger({ dir: path.join(dir, 'fallback') });
        fallback.logger.debug('hidden');
        fallback.logger.info('shown');
        await fallback.close();
      } finally {
        restore();
      }
      expect(messages(path.join(dir, 'fallback', 'current.log'))).toEqual(['shown']);
    } finally {
      removeDir(dir);
    }
  });
});
