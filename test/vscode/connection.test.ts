import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { Daemon } from '../../daemon/daemon.js';
import { buildServer } from '../../daemon/server.js';
import { Connection, type ConnectionState } from '../../clients/vscode/src/connection.js';
import { resolveEndpoint } from '../../clients/vscode/src/discovery.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

let home: string;
let root: string;
let daemon: Daemon;
let app: FastifyInstance | null = null;

async function serve(token: string): Promise<number> {
  app = buildServer(daemon, { token, logger: createLogger('error', () => {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  fs.writeFileSync(path.join(home, 'daemon.json'), JSON.stringify({ port, token, pid: process.pid, version: 'test' }), { mode: 0o600 });
  return port;
}

async function until(fn: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  process.env.CVU_EMBEDDING_MODEL = 'none';
  home = makeTempDir('cvu-vscode-home-');
  root = makeTempDir('cvu-vscode-ws-');
  writeTree(root, { 'src/a.ts': 'export function add(a: number, b: number) {\n  return a + b;\n}\n' });
  daemon = new Daemon({ home, parseWorkers: 1, logger: createLogger('error', () => {}) });
});

afterAll(async () => {
  await app?.close();
  await daemon?.close();
  for (const d of [home, root]) if (d) removeDir(d);
});

describe('connection state machine', () => {
  it('connects through daemon.json, registers the folders, polls, and reconnects after a restart', async () => {
    const port1 = await serve('a'.repeat(64));
    const states: ConnectionState['kind'][] = [];
    const conn = new Connection({
      resolveEndpoint: () => resolveEndpoint({ serverUrl: '', token: '' }, home),
      workspaceFolders: () => [root],
      pollMs: 50,
      backoffMs: { initial: 20, max: 200 },
    });
    conn.onChange((s) => states.push(s.kind));
    await conn.connect();
    expect(conn.state.kind).toBe('connected');
    expect(conn.rootFor(root)).toBe(fs.realpathSync(root));
    expect(states.slice(0, 2)).toEqual(['connecting', 'connected']);
    const st = conn.state.kind === 'connected' ? conn.state.status : null;
    expect(st?.workspaces.map((w) => w.root)).toContain(fs.realpathSync(root));

    // The daemon restarts on another port with another token.
    await app!.close();
    await until(() => conn.state.kind === 'disconnected' || conn.state.kind === 'connecting', 'the poll to notice');
    const port2 = await serve('b'.repeat(64));
    expect(port2).not.toBe(port1);
    await until(() => conn.state.kind === 'connected', 'reconnecting');
    expect(conn.state.kind === 'connected' && conn.state.endpoint.baseUrl).toBe(`http://127.0.0.1:${port2}`);
    expect(states).toContain('disconnected');
    const health = await conn.call((c) => c.health());
    expect(health.ok).toBe(true);
    conn.dispose();
  });

  it('starts the daemon when none answers, and backs off exponentially while it cannot', async () => {
    await app?.close();
    app = null;
    fs.rmSync(path.join(home, 'daemon.json'), { force: true });
    let starts = 0;
    const conn = new Connection({
      resolveEndpoint: () => resolveEndpoint({ serverUrl: '', token: '' }, home),
      startDaemon: async () => {
        starts++;
        await serve('c'.repeat(64));
      },
      workspaceFolders: () => [root],
      pollMs: 10_000,
    });
    const seen: ConnectionState['kind'][] = [];
    conn.onChange((s) => seen.push(s.kind));
    await conn.connect();
    expect(starts).toBe(1);
    expect(seen).toEqual(['connecting', 'starting', 'connected']);
    conn.dispose();

    // A configured URL where nothing listens: never started, retried with growing delays.
    const delays: number[] = [];
    const off = new Connection({
      resolveEndpoint: () => resolveEndpoint({ serverUrl: 'http://127.0.0.1:9', token: 'x' }, home),
      startDaemon: async () => {
        throw new Error('must not start');
      },
      workspaceFolders: () => [],
      backoffMs: { initial: 10, max: 40 },
    });
    off.onChange((s) => s.kind === 'disconnected' && delays.push(s.retryInMs));
    await off.connect();
    await until(() => delays.length >= 4, 'four retries');
    off.dispose();
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 40]);
  });

  it('a refused configured token needs the user: error state, no retry loop', async () => {
    const port = (app!.server.address() as { port: number }).port;
    const conn = new Connection({
      resolveEndpoint: () => resolveEndpoint({ serverUrl: `http://127.0.0.1:${port}`, token: 'wrong' }, home),
      workspaceFolders: () => [],
    });
    await conn.connect();
    expect(conn.state.kind).toBe('error');
    expect(conn.state.kind === 'error' && conn.state.error.code).toBe('CVU_ERR_UNAUTHORIZED');
    conn.dispose();
  });
});

describe('resolveEndpoint', () => {
  it("sends daemon.json's token to a configured loopback URL only, never to another host", () => {
    const dir = makeTempDir('cvu-vscode-endpoint-');
    try {
      fs.writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify({ port: 7070, token: 'local-secret', pid: 1, version: 'test' }), { mode: 0o600 });
      expect(resolveEndpoint({ serverUrl: 'http://127.0.0.1:7070/', token: '' }, dir)).toMatchObject({ baseUrl: 'http://127.0.0.1:7070', token: 'local-secret' });
      expect(resolveEndpoint({ serverUrl: 'http://localhost:7070', token: '' }, dir)?.token).toBe('local-secret');
      expect(resolveEndpoint({ serverUrl: 'http://[::1]:7070', token: '' }, dir)?.token).toBe('local-secret');
      expect(resolveEndpoint({ serverUrl: 'http://gpu-box.example:7070', token: '' }, dir)?.token).toBe('');
      expect(resolveEndpoint({ serverUrl: 'http://127.0.0.1.attacker.example:7070', token: '' }, dir)?.token).toBe('');
      expect(resolveEndpoint({ serverUrl: 'http://gpu-box.example:7070', token: 'theirs' }, dir)?.token).toBe('theirs');
    } finally {
      removeDir(dir);
    }
  });
});
