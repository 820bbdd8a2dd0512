import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { VERSION } from '../../core/version.js';
import type { Daemon } from '../../daemon/daemon.js';
import { DaemonClient } from '../../clients/daemon-client.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { SOURCES as SAMPLE } from '../helpers/sample-workspace.js';
import { expectError } from '../helpers/errors.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { until } from '../helpers/wait.js';

const SOURCES = {
  'src/config/parse-config.ts': SAMPLE['src/config/parse-config.ts'],
  'src/util/validate.ts': SAMPLE['src/util/validate.ts'],
};

const TOKEN = 'a'.repeat(64);
const BODY_LIMIT = 256 * 1024;

let home: string;
let root: string;
let outside: string;
let served: ServedDaemon;
let daemon: Daemon;
let port: number;
/** One raw request to the daemon under test over a socket (test/helpers/http.ts): for what the socket carries (Host, Origin, token, a closed connection). */
let call: ServedDaemon['call'];
/** The same through app.inject(): for what a route does. */
let inject: ServedDaemon['inject'];
const logLines: string[] = [];

async function expectHealthy(): Promise<void> {
  const r = await call('GET', '/health');
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ ok: true, version: VERSION });
}


/** Fills the retrieval lane (concurrency 4) so that the next /context requests queue behind it. */
function blockRetrievalLane(): { release(): void; done: Promise<unknown> } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const done = Promise.all(Array.from({ length: 4 }, () => daemon.scheduler.interactiveTask(() => gate)));
  return { release, done };
}

beforeAll(async () => {
  process.env.CVU_EMBEDDING_MODEL = 'none';
  home = makeTempDir('cvu-server-home-');
  root = makeTempDir('cvu-server-ws-');
  outside = makeTempDir('cvu-server-outside-');
  writeTree(root, SOURCES);
  fs.writeFileSync(path.join(outside, 'secret.ts'), 'export const secret = "hunter2";\n');
  fs.symlinkSync(path.join(outside, 'secret.ts'), path.join(root, 'src', 'leak.ts'));
  served = await serveDaemon({
    home,
    token: TOKEN,
    parseWorkers: 1,
    bodyLimit: BODY_LIMIT,
    logger: createLogger('info', (l) => logLines.push(l)),
    // A route that fails the way a bug would, to see the error handler answer 500 and log it.
    routes: (app) =>
      app.get('/test/boom', async () => {
        throw new TypeError('kaboom in a handler');
      }),
  });
  ({ daemon, port, call, inject } = served);
});

afterAll(async () => {
  await served?.close();
  for (const d of [home, root, outside]) if (d) removeDir(d);
});

describe('daemon HTTP server', () => {
  it('answers /health with the token, and 401 without it or with a wrong one', async () => {
    await expectHealthy();
    expectError(await call('GET', '/health', { token: null }), 401, 'CVU_ERR_UNAUTHORIZED');
    expectError(await call('GET', '/health', { token: 'b'.repeat(64) }), 401, 'CVU_ERR_UNAUTHORIZED');
    expectError(await call('GET', '/health', { token: TOKEN.slice(1) }), 401, 'CVU_ERR_UNAUTHORIZED');
    expectError(await call('GET', '/health', { token: null, headers: { authorization: `Basic ${TOKEN}` } }), 401, 'CVU_ERR_UNAUTHORIZED');
    // Unknown routes are behind the token too.
    expectError(await call('GET', '/nope', { token: null }), 401, 'CVU_ERR_UNAUTHORIZED');
    expectError(await call('GET', '/nope'), 404, 'CVU_ERR_NOT_FOUND');
  });

  it('refuses a foreign Host (DNS rebinding) and any Origin, even with the token', async () => {
    expectError(await call('GET', '/health', { headers: { host: `evil.example:${port}` } }), 403, 'CVU_ERR_FORBIDDEN', /Host/);
    expectError(await call('GET', '/health', { headers: { host: `127.0.0.1.evil.example:${port}` } }), 403, 'CVU_ERR_FORBIDDEN');
    expectError(await call('GET', '/health', { headers: { host: `[::1]evil.example:${port}` } }), 403, 'CVU_ERR_FORBIDDEN');
    expectError(await call('GET', '/health', { headers: { origin: 'https://evil.example' } }), 403, 'CVU_ERR_FORBIDDEN', /Origin/);
    expectError(await call('GET', '/health', { headers: { origin: `http://127.0.0.1:${port}` } }), 403, 'CVU_ERR_FORBIDDEN');
    expectError(await call('POST', '/search', { body: { root, query: 'x' }, headers: { origin: 'null' } }), 403, 'CVU_ERR_FORBIDDEN');
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`, 'LOCALHOST']) {
      expect((await call('GET', '/health', { headers: { host } })).status).toBe(200);
    }
  });

  it('registers a workspace, indexes it and reports it in /status', async () => {
    expectError(await inject('POST', '/workspaces', { body: { root: 'relative/dir' } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.root/);
    expectError(await inject('POST', '/workspaces', { body: { root: path.join(outside, 'missing') } }), 404, 'CVU_ERR_NOT_FOUND');
    const reg = await inject('POST', '/workspaces', { body: { root } });
    expect(reg.status).toBe(200);
    expect(reg.body.root).toBe(root);
    expect(['indexing', 'ready']).toContain(reg.body.state);
    const ws = await until(async () => {
      const s = await inject('GET', '/status');
      expect(s.status).toBe(200);
      expect(s.body.model).toEqual({ name: null, loaded: false, backend: { type: 'in-process' } });
      const w = s.body.workspaces.find((x: { root: string }) => x.root === root);
      return w && w.state === 'ready' && w.lastIndexedAt ? w : undefined;
    }, 'the workspace to be indexed');
    expect(ws).toMatchObject({ root, state: 'ready', embedder: 'disabled' });
    expect(ws.files).toBeGreaterThanOrEqual(2);
    expect(ws.chunks).toBeGreaterThan(0);
    // Registering again is idempotent.
    expect((await inject('POST', '/workspaces', { body: { root } })).body.root).toBe(root);
  });

  it('searches a registered root, and 404s an unknown one', async () => {
    const r = await inject('POST', '/search', { body: { root, query: 'parseConfig', limit: 5 } });
    expect(r.status).toBe(200);
    expect(r.body.results.length).toBeGreaterThan(0);
    expect(r.body.results.length).toBeLessThanOrEqual(5);
    const top = r.body.results[0];
    expect(top).toMatchObject({ path: 'src/config/parse-config.ts' });
    expect(top.text).toContain('parseConfig');
    for (const s of r.body.results) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['path', 'startLine', 'endLine', 'text', 'score', 'source']));
    }
    expectError(await inject('POST', '/search', { body: { root: outside, query: 'parseConfig' } }), 404, 'CVU_ERR_NOT_FOUND');
    await expectHealthy();
  });

  it('answers /context with snippets and a token count, through the shared client too', async () => {
    const rel = await inject('POST', '/context', { body: { path: 'src/config/parse-config.ts', position: { line: 10, character: 4 } } });
    expect(rel.status, JSON.stringify(rel.body)).toBe(200);
    expect(Array.isArray(rel.body.snippets)).toBe(true);
    expect(typeof rel.body.tokens).toBe('number');

    const client = new DaemonClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN, clientId: 'test-client' });
    const ctx = await client.context({
      path: path.join(root, 'src/util/validate.ts'),
      text: 'export function validateOptions(raw: unknown) {\n  return parseConfig(\n',
      position: { line: 1, character: 200 }, // past the line end: clamped
      budgetTokens: 256,
    });
    // parseConfig's definition, imported by validate.ts, is what the line being written calls.
    expect(ctx.snippets.map((s) => s.path)).toContain('src/config/parse-config.ts');
    expect(ctx.tokens).toBeGreaterThan(0);
    expect(ctx.tokens).toBeLessThanOrEqual(256);
    // Where the time went, part by part (the parts run inside the total, fts and vector beside the others).
    expect(Object.keys(ctx.timings).sort()).toEqual(['anticipationMs', 'definitionsMs', 'embedMs', 'ftsMs', 'importsMs', 'late', 'queuedMs', 'totalMs', 'vectorMs']);
    expect(ctx.timings.totalMs).toBeGreaterThan(0);
    expect(ctx.timings.totalMs).toBeGreaterThanOrEqual(ctx.timings.definitionsMs);
    expect(ctx.timings.queuedMs).toBeGreaterThanOrEqual(0);
    // A buffer for a file not saved yet resolves through its folder.
    const unsaved = await inject('POST', '/context', { body: { path: 'src/new-file.ts', text: 'parseConfig(', position: { line: 0, character: 12 } } });
    expect(unsaved.status, JSON.stringify(unsaved.body)).toBe(200);

    await expect(client.search({ root: outside, query: 'x' })).rejects.toMatchObject({ code: 'CVU_ERR_NOT_FOUND', status: 404 });
  });

  it('checks positions: a line past the end is a 400, a missing file a 404', async () => {
    const r = await inject('POST', '/context', { body: { path: 'src/util/validate.ts', position: { line: 99, character: 0 } } });
    expectError(r, 400, 'CVU_ERR_BAD_REQUEST', /body\.position\.line/);
    const t = await inject('POST', '/context', { body: { path: 'src/util/validate.ts', text: 'one\ntwo', position: { line: 2, character: 0 } } });
    expectError(t, 400, 'CVU_ERR_BAD_REQUEST', /position\.line/);
    expectError(await inject('POST', '/context', { body: { path: 'src/missing.ts', position: { line: 0, character: 0 } } }), 404, 'CVU_ERR_NOT_FOUND');
    await expectHealthy();
  });

  it('refuses paths outside the roots: absolute, ../ traversal, and a symlink pointing out', async () => {
    const position = { line: 0, character: 0 };
    for (const p of [path.join(outside, 'secret.ts'), '../' + path.basename(outside) + '/secret.ts', 'src/../../' + path.basename(outside) + '/secret.ts', 'src/leak.ts', path.join(root, 'src/leak.ts'), '/etc/passwd']) {
      const r = await inject('POST', '/context', { body: { path: p, position } });
      expectError(r, 403, 'CVU_ERR_PATH_OUTSIDE_ROOT');
      expect(JSON.stringify(r.body)).not.toContain('hunter2');
    }
    await expectHealthy();
  });

  it('validates every body: malformed JSON, missing and mistyped fields, size and content type', async () => {
    expectError(await inject('POST', '/search', { raw: '{"root": ' }), 400, 'CVU_ERR_BAD_REQUEST', /JSON/);
    await expectHealthy();
    expectError(await inject('POST', '/search', { raw: '' }), 400, 'CVU_ERR_BAD_REQUEST');
    await expectHealthy();

    const missing = await inject('POST', '/context', { body: { path: 'src/util/validate.ts' } });
    expectError(missing, 400, 'CVU_ERR_BAD_REQUEST', /body\.position/);
    expect(missing.body.error.field).toBe('body.position');
    expectError(await inject('POST', '/search', { body: { root } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.query/);
    expectError(await inject('POST', '/context', { body: { path: 'src/util/validate.ts', position: { line: 0 } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.position\.character/);
    await expectHealthy();

    const wrongType = await inject('POST', '/context', { body: { path: 'src/util/validate.ts', position: { line: '3', character: 0 } } });
    expectError(wrongType, 400, 'CVU_ERR_BAD_REQUEST', /body\.position\.line must be integer/);
    expectError(await inject('POST', '/context', { body: { path: 'src/util/validate.ts', position: { line: -1, character: 0 } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.position\.line/);
    expectError(await inject('POST', '/context', { body: { path: 'src/util/validate.ts', position: { line: 1.5, character: 0 } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.position\.line/);
    expectError(await inject('POST', '/search', { body: { root, query: 'x', limit: '5' } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.limit/);
    expectError(await inject('POST', '/search', { body: { root: 42, query: 'x' } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.root/);
    expectError(await inject('POST', '/search', { body: ['not', 'an', 'object'] }), 400, 'CVU_ERR_BAD_REQUEST', /body/);
    await expectHealthy();

    const big = JSON.stringify({ path: 'src/util/validate.ts', text: 'x'.repeat(BODY_LIMIT + 1), position: { line: 0, character: 0 } });
    expectError(await inject('POST', '/context', { raw: big }), 413, 'CVU_ERR_PAYLOAD_TOO_LARGE');
    await expectHealthy();

    expectError(await inject('POST', '/search', { raw: JSON.stringify({ root, query: 'x' }), headers: { 'content-type': 'text/plain' } }), 415, 'CVU_ERR_UNSUPPORTED_MEDIA_TYPE');
    await expectHealthy();
  });

  it('answers an internal failure with 500 and a log line, and keeps serving', async () => {
    expectError(await inject('GET', '/test/boom'), 500, 'CVU_ERR_INTERNAL');
    expect(logLines.some((l) => l.includes('ERROR') && l.includes('GET /test/boom failed') && l.includes('TypeError: kaboom in a handler'))).toBe(true);
    await expectHealthy();
  });

  it('aborts a client older /context when the same client sends a newer one', async () => {
    const lane = blockRetrievalLane();
    const headers = { 'x-cvu-client': 'editor-1' };
    const body = { path: 'src/util/validate.ts', position: { line: 1, character: 2 } };
    const first = inject('POST', '/context', { body, headers });
    await until(() => daemon.scheduler.stats.retrieval.queued === 1 || undefined, 'the first request to queue');
    // Another client's request is not affected.
    const other = inject('POST', '/context', { body, headers: { 'x-cvu-client': 'editor-2' } });
    await until(() => daemon.scheduler.stats.retrieval.queued === 2 || undefined, 'the other client to queue');
    const second = inject('POST', '/context', { body, headers });
    await until(() => daemon.scheduler.stats.retrieval.queued === 3 || undefined, 'the second request to queue');
    lane.release();
    await lane.done;
    const [a, o, b] = await Promise.all([first, other, second]);
    expectError(a, 499, 'CVU_ERR_ABORTED');
    expect(o.status).toBe(200);
    expect(b.status).toBe(200);
    expect(Array.isArray(b.body.snippets)).toBe(true);
  });

  it('aborts a request whose connection closed, and never logs bodies or buffer text', async () => {
    const lane = blockRetrievalLane();
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/context', agent: false, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-cvu-client': 'closer' } });
    req.on('error', () => {});
    req.end(JSON.stringify({ path: 'src/util/validate.ts', text: 'const SECRET_MARKER_4711 = 1;\n', position: { line: 0, character: 3 } }));
    await until(() => daemon.scheduler.stats.retrieval.queued === 1 || undefined, 'the request to queue');
    req.destroy();
    await until(() => logLines.some((l) => l.includes('aborted by the client')) || undefined, 'the abort to be logged');
    lane.release();
    await lane.done;
    await until(() => daemon.scheduler.stats.retrieval.queued === 0 && daemon.scheduler.stats.retrieval.running === 0 || undefined, 'the lane to drain');
    await expectHealthy();

    const requestLines = logLines.filter((l) => / (GET|POST) \//.test(l));
    expect(requestLines.some((l) => /POST \/context 200 [\d.]+ms/.test(l))).toBe(true);
    expect(requestLines.some((l) => /GET \/health 401 /.test(l))).toBe(true);
    expect(logLines.join('\n')).not.toContain('SECRET_MARKER_4711');
    expect(logLines.join('\n')).not.toContain('hunter2');
  });
});
