import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonPaths, isAlive, readDaemonInfo } from '../../daemon/lifecycle.js';
import { LogFile } from '../../daemon/log-file.js';
import { runCli, spawnCli } from '../helpers/cli.js';
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
    expect(fs.readdirSync(path.join(home, 'logs'))).toContain('daemon.log');
  });
});

describe('daemon log file', () => {
  it('rotates by size and keeps a bounded number of files', () => {
    const dir = makeTempDir('cvu-logs-');
    try {
      const log = new LogFile({ dir, maxBytes: 2048, maxFiles: 3 });
      for (let i = 0; i < 200; i++) log.write(`line ${String(i).padStart(4, '0')} ${'x'.repeat(60)}`);
      log.close();
      expect(fs.readdirSync(dir).sort()).toEqual(['daemon.log', 'daemon.log.1', 'daemon.log.2']);
      for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(2048);
      const current = fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8');
      expect(current.trimEnd().split('\n').at(-1)).toMatch(/^line 0199 /);
      const older = fs.readFileSync(path.join(dir, 'daemon.log.1'), 'utf8').trimEnd().split('\n');
      expect(Number(older.at(-1)!.slice(5, 9)) + 1).toBe(Number(current.split('\n')[0].slice(5, 9)));
      // A reopened log appends.
      const again = new LogFile({ dir, maxBytes: 2048, maxFiles: 3 });
      again.write('after restart');
      again.close();
      expect(fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8')).toContain('line 0199');
    } finally {
      removeDir(dir);
    }
  });
});
