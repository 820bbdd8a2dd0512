/**
 * Issue 6, part 4 (hostile input): property-based tests of the daemon's HTTP
 * API on a real Daemon and server (127.0.0.1, port 0), a temp CVU_HOME, no
 * embedding model and no generation model. Arbitrary bodies to every POST
 * route, paths that climb out of the root, symlinks pointing out, foreign
 * Hosts, any Origin, wrong tokens and oversized bodies: each is refused with
 * the right status and code, never a 500, and the daemon keeps answering.
 * Fixed seeds; modest run counts.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { VERSION } from '../../core/version.js';
import { setEnv } from '../helpers/env.js';
import { expectError, expectErrorShape } from '../helpers/errors.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { SOURCES as SAMPLE } from '../helpers/sample-workspace.js';
import type { RawAnswer } from '../helpers/http.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';

const SEED = 0x4077;
const TOKEN = 'f'.repeat(64);
const BODY_LIMIT = 64 * 1024;
const SECRET = 'hunter2-outside-the-root';
const POST_ROUTES = ['/workspaces', '/context', '/search', '/complete', '/explain', '/refactor', '/ask', '/v1/chat/completions', '/v1/completions'] as const;
const PATH_ROUTES = ['/context', '/complete', '/explain', '/refactor'] as const;
const MODEL_ROUTES = new Set(['/complete', '/explain', '/refactor', '/ask', '/v1/chat/completions', '/v1/completions']);

type Answer = RawAnswer;

let home: string;
let root: string;
let outside: string;
let served: ServedDaemon;
/** Over a socket: for Host, Origin, token and oversized bodies. */
let call: ServedDaemon['call'];
/** Through app.inject(): for what the routes make of a body. */
let inject: ServedDaemon['inject'];
const logLines: string[] = [];
let restoreEnv: () => void;

async function expectHealthy(): Promise<void> {
  const r = await call('GET', '/health');
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ ok: true, version: VERSION });
}

/** No 5xx, except 503 CVU_ERR_MODEL_MISSING on the model routes (this daemon has no model); errors in the one shape. */
function expectSane(route: string, r: Answer): void {
  if (r.status >= 500) {
    expect(MODEL_ROUTES.has(route) && r.status === 503 && r.body?.error?.code === 'CVU_ERR_MODEL_MISSING', `${route} answered ${r.status}: ${r.text.slice(0, 300)}`).toBe(true);
  }
  if (r.status < 200 || r.status >= 300) expectErrorShape(r);
  expect(r.text).not.toContain(SECRET);
}


beforeAll(async () => {
  home = makeTempDir('cvu-hostile-http-home-');
  root = makeTempDir('cvu-hostile-http-ws-');
  outside = makeTempDir('cvu-hostile-http-outside-');
  restoreEnv = setEnv({ CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none', CVU_MODEL: undefined });
  writeTree(root, {
    'src/config/parse-config.ts': SAMPLE['src/config/parse-config.ts'],
    'src/util/validate.ts': SAMPLE['src/util/validate.ts'],
  });
  fs.writeFileSync(path.join(outside, 'secret.ts'), `export const secret = "${SECRET}";\n`);
  fs.symlinkSync(path.join(outside, 'secret.ts'), path.join(root, 'src', 'leak.ts'));
  fs.symlinkSync(outside, path.join(root, 'linkdir'));
  served = await serveDaemon({ home, token: TOKEN, bodyLimit: BODY_LIMIT, logger: createLogger('info', (l) => logLines.push(l)) });
  ({ call, inject } = served);
  await served.register(root);
}, 60_000);

afterAll(async () => {
  await served?.close();
  for (const d of [home, root, outside]) if (d) removeDir(d);
  restoreEnv?.();
});

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

const FIELDS = ['root', 'path', 'text', 'position', 'budgetTokens', 'query', 'limit', 'language', 'maxTokens', 'prefill', 'range', 'lines', 'question', 'instruction', 'messages', 'prompt', 'suffix', 'model', 'max_tokens', 'stream', '__proto__', 'constructor'];
const hugeString = fc.integer({ min: 1, max: 40_000 }).chain((n) => fc.constantFrom('x', 'é', '😀', '\u0000', '\n').map((c) => c.repeat(Math.ceil(n / c.length))));
const weirdString = fc.oneof(fc.string({ maxLength: 30 }), fc.fullUnicodeString({ maxLength: 30 }), hugeString, fc.constantFrom('', '\u0000', 'src/\u0000/x.ts', '../../etc/passwd', '~', '.', '..', '/', 'src/util/validate.ts', 'src/util/validate.ts\u0000.png', 'C:\\Windows\\win.ini', '\\\\server\\share', 'file:///etc/passwd', '%2e%2e/%2e%2e/etc/passwd'));
const weirdNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308));
const weirdPosition = fc.oneof(
  fc.record({ line: weirdNumber, character: weirdNumber }),
  fc.record({ line: fc.nat(50), character: fc.nat(500) }),
  fc.jsonValue(),
);
const fieldValue = fc.oneof(weirdString, weirdNumber, fc.boolean(), fc.constant(null), weirdPosition, fc.record({ start: weirdPosition, end: weirdPosition }), fc.jsonValue({ maxDepth: 3 }));
/** Objects with the routes' own field names holding anything. */
const routeishBody = fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 6 });
/** A valid body of the route with one field replaced by anything, or dropped: it gets past the parser into the handler. */
function nearValid(route: string): fc.Arbitrary<unknown> {
  const pos = { line: 0, character: 0 };
  const bases: Record<string, Record<string, unknown>> = {
    '/workspaces': { root: 'relative/dir' },
    '/context': { path: 'src/util/validate.ts', position: pos },
    '/search': { root: 'ROOT', query: 'parseConfig' },
    '/complete': { path: 'src/util/validate.ts', position: pos },
    '/explain': { path: 'src/util/validate.ts', lines: { start: 1, end: 2 } },
    '/refactor': { path: 'src/config/parse-config.ts', lines: { start: 1, end: 1 }, instruction: 'rename' },
    '/ask': { question: 'where is the config parsed?' },
    '/v1/chat/completions': { messages: [{ role: 'user', content: 'where is the config parsed?' }], max_tokens: 4 },
    '/v1/completions': { prompt: 'const x = ', suffix: ';\n', max_tokens: 4 },
  };
  return fc.tuple(fc.constantFrom(...FIELDS, 'DROP'), fieldValue, fc.constantFrom(...Object.keys(bases[route]))).map(([key, value, drop]) => {
    const b: Record<string, unknown> = { ...bases[route] };
    if (b.root === 'ROOT') b.root = root;
    if (key === 'DROP') delete b[drop];
    else b[key] = value;
    return b;
  });
}

/** Arrays nested thousands deep, as a raw JSON string. */
const deepJson = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth));

/** Relative paths built from `..`, `.`, empty segments and real folders: some stay inside the root, some climb out. */
const climbingPath = fc
  .tuple(
    fc.array(fc.constantFrom('..', '.', '', 'src', 'src/util', 'src/config', '..%2f', '%2e%2e', '..\\..', '...'), { minLength: 1, maxLength: 12 }),
    fc.constantFrom('secret.ts', 'etc/passwd', 'validate.ts', 'src/util/validate.ts', 'nope.ts', ''),
    fc.boolean(),
  )
  .map(([segments, tail, viaOutside]) => [...segments, ...(viaOutside ? ['OUTSIDE'] : []), tail].join('/'));
/** Detours that come back inside the root before naming a real file. */
const returningPath = fc
  .array(fc.constantFrom('.', '', 'src/..', 'src/util/../..', 'src/config/..', './src/..'), { minLength: 1, maxLength: 6 })
  .map((segments) => [...segments, 'src/util/validate.ts'].join('/'));

// Host headers: anything but the loopback names.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
function hostNameOf(h: string): string {
  const v = h.trim().toLowerCase();
  if (v.startsWith('[')) return v.indexOf(']') < 0 ? v : v.slice(0, v.indexOf(']') + 1);
  return v.lastIndexOf(':') < 0 ? v : v.slice(0, v.lastIndexOf(':'));
}
const foreignHost = fc
  .tuple(
    fc.oneof(
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((ip) => `[${ip}]`),
      fc.constantFrom('127.0.0.1.evil.example', 'localhost.evil.example', 'evil-localhost', '127.0.0.2', '0.0.0.0', '127.1', '2130706433', '[::ffff:127.0.0.1]', '[0:0:0:0:0:0:0:1]', 'LOCALHOST.', 'localhost..', 'xn--lcalhost-0ya', '[::1', 'evil.example@localhost'),
    ),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  )
  .map(([h, p]) => (p === undefined ? h : `${h}:${p}`))
  .filter((h) => !LOOPBACK.has(hostNameOf(h)));

const headerSafe = (min: number, max: number) =>
  fc.stringOf(fc.char().filter((c) => c >= ' ' && c <= '~'), { minLength: min, maxLength: max }).map((s) => s.trim()).filter((s) => s.length >= min);

/** A body that is valid but for its path, so that the path is what the route judges. */
function pathBody(route: string, p: string): Record<string, unknown> {
  if (route === '/context' || route === '/complete') return { path: p, position: { line: 0, character: 0 } };
  return { path: p, lines: { start: 1, end: 1 }, ...(route === '/refactor' ? { instruction: 'rename' } : { question: 'what?' }) };
}

// ---------------------------------------------------------------------------

describe('daemon HTTP API under hostile input (property-based)', () => {
  it('arbitrary JSON bodies on every POST route: never a 5xx, always the error shape, daemon up', async () => {
    const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3, withNullPrototype: true }), routeishBody, routeishBody, routeishBody);
    let runs = 0;
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES).chain((route) => fc.tuple(fc.constant(route), fc.oneof(body, nearValid(route), nearValid(route)))), fc.boolean(), async ([route, value], sse) => {
        let b = value;
        // Never let the fuzzer register a real absolute folder (it would index it): keep absolute roots under a missing folder.
        if (route === '/workspaces' && b && typeof b === 'object' && typeof (b as any).root === 'string' && path.isAbsolute((b as any).root)) {
          b = { ...(b as object), root: path.join(outside, 'missing', (b as any).root) };
        }
        const raw = JSON.stringify(b) ?? 'undefined'; // fc.anything can give undefined, functions are not generated
        const r = await inject('POST', route, { raw, headers: sse ? { accept: 'text/event-stream' } : {} });
        expectSane(route, r);
        seen.add(`${r.status} ${r.body?.error?.code ?? ''}`.trim());
        if (++runs % 50 === 0) await expectHealthy();
      }),
      { seed: SEED, numRuns: 400 },
    );
    await expectHealthy();
    // The generator reaches past the schemas: some bodies are valid, some fail in the handlers.
    expect([...seen]).toEqual(expect.arrayContaining(['400 CVU_ERR_BAD_REQUEST', '404 CVU_ERR_NOT_FOUND']));
    expect([...seen].some((x) => x === '200' || x.startsWith('403 ') || x.startsWith('503 '))).toBe(true);
  }, 60_000);

  it('malformed bodies: broken JSON, deep nesting, prototype keys, odd content types', async () => {
    const rawBody = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.fullUnicodeString({ maxLength: 100 }),
      deepJson,
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
      fc.constantFrom('{"__proto__": {"x": 1}, "path": "a"}', '{"constructor": {"prototype": {"x": 1}}}', '{"path": "a", "path": "b"}', '\u0000', '\ufeff{}', 'null', '[]', '"str"', '1e999', '{"root": "\\ud800"}'),
    );
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'application/json; charset=latin1');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), rawBody, contentType, async (route, raw, type) => {
        const r = await inject('POST', route, { raw, headers: { 'content-type': type } });
        expectSane(route, r);
        expect(r.status).toBeGreaterThanOrEqual(400);
        // Routes that need an object: anything that is not a valid one is a 4xx.
        expect(r.status).toBeLessThan(600);
      }),
      { seed: SEED + 1, numRuns: 250 },
    );
    await expectHealthy();
  }, 60_000);

  it('paths that climb out of the root (random `..` depths and spellings) are 403 PATH_OUTSIDE_ROOT; none leaks the file', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATH_ROUTES), fc.oneof(climbingPath, climbingPath, returningPath), fc.boolean(), async (route, template, absolute) => {
        let p = template.replace('OUTSIDE', path.basename(outside));
        if (absolute) p = path.join(root, p);
        const abs = path.resolve(root, p);
        // Lexically outside (every folder on the way is real, no links): must be refused as outside.
        const out = abs !== root && !abs.startsWith(root + path.sep);
        const body = pathBody(route, p);
        const r = await inject('POST', route, { body });
        expectSane(route, r);
        if (out) expectError(r, 403, 'CVU_ERR_PATH_OUTSIDE_ROOT');
        else expect(r.body?.error?.code, `${p} is inside the root`).not.toBe('CVU_ERR_PATH_OUTSIDE_ROOT');
        outcomes.add(`${out ? 'out' : 'in'} ${r.status}`);
      }),
      { seed: SEED + 2, numRuns: 300 },
    );
    // Both sides were exercised: climbs that escape, and paths that stay inside and reach a file.
    expect([...outcomes]).toContain('out 403');
    expect([...outcomes].some((o) => o === 'in 200' || o === 'in 503')).toBe(true);
    await expectHealthy();
  }, 60_000);

  it('absolute paths elsewhere, symlinks pointing out and NUL bytes are refused', async () => {
    const target = fc.oneof(
      fc.constantFrom('/etc/passwd', '/', '/tmp', path.join(outside, 'secret.ts'), outside, path.dirname(root), root + '-evil/x.ts', root + '..', 'src/leak.ts', path.join(root, 'src/leak.ts'), 'linkdir/secret.ts', path.join(root, 'linkdir', 'secret.ts')),
      fc.tuple(fc.constantFrom('linkdir/', path.join(root, 'linkdir') + '/', path.join(outside, '/')), fc.stringOf(fc.constantFrom(...'abc./_-'.split('')), { maxLength: 12 })).map(([a, b]) => a + b),
      fc.tuple(fc.constantFrom('src/util/validate.ts', '', 'src', path.join(root, 'src')), fc.constantFrom('\u0000', '\u0000/../../etc/passwd', 'a\u0000b')).map(([a, b]) => a + b),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATH_ROUTES), target, async (route, p) => {
        const body = pathBody(route, p);
        const r = await inject('POST', route, { body });
        expectSane(route, r);
        if (p.includes('\u0000')) expect([400, 403]).toContain(r.status);
        else expectError(r, 403, 'CVU_ERR_PATH_OUTSIDE_ROOT');
        expect(r.body.error.code).toBe('CVU_ERR_PATH_OUTSIDE_ROOT');
      }),
      { seed: SEED + 3, numRuns: 150 },
    );
    // Search and ask with a root that is not registered (or a symlink to outside) are 404s, not a way in.
    for (const r of [outside, path.join(root, 'linkdir'), '/']) {
      expectError(await inject('POST', '/search', { body: { root: r, query: 'secret' } }), 404, 'CVU_ERR_NOT_FOUND');
    }
    await expectHealthy();
  }, 60_000);

  it('a foreign Host (DNS rebinding) is 403 on every route, even with the token', async () => {
    await fc.assert(
      fc.asyncProperty(foreignHost, fc.constantFrom('GET /health', 'GET /status', ...POST_ROUTES.map((r) => `POST ${r}`)), async (host, route) => {
        const [method, url] = route.split(' ');
        const r = await call(method, url, { headers: { host }, ...(method === 'POST' ? { body: { root, path: 'src/util/validate.ts', query: 'x', question: 'x', position: { line: 0, character: 0 } } } : {}) });
        expectError(r, 403, 'CVU_ERR_FORBIDDEN');
      }),
      { seed: SEED + 4, numRuns: 150 },
    );
    await expectHealthy();
  }, 60_000);

  it('any Origin is 403, even with the token and a loopback Host', async () => {
    const origin = fc.oneof(fc.webUrl().map((u) => new URL(u).origin), fc.constantFrom('null', `http://127.0.0.1:${0}`, 'http://localhost', 'file://', 'chrome-extension://abc', 'vscode-webview://x'), headerSafe(1, 40));
    await fc.assert(
      fc.asyncProperty(origin, fc.constantFrom('GET /health', 'POST /search', 'POST /context'), async (o, route) => {
        const [method, url] = route.split(' ');
        const r = await call(method, url, { headers: { origin: o.replace(':0', `:${served.port}`) }, ...(method === 'POST' ? { body: { root, query: 'x', path: 'src/util/validate.ts', position: { line: 0, character: 0 } } } : {}) });
        expectError(r, 403, 'CVU_ERR_FORBIDDEN');
      }),
      { seed: SEED + 5, numRuns: 120 },
    );
    await expectHealthy();
  }, 60_000);

  it('a missing or wrong token is 401 on every route', async () => {
    const wrong = fc.oneof(
      fc.constant(null),
      headerSafe(0, 80).map((s) => ({ authorization: s })),
      fc.hexaString({ minLength: 64, maxLength: 64 }).map((s) => ({ authorization: `Bearer ${s}` })),
      fc.tuple(fc.nat(63), fc.constantFrom('0', 'e', 'F', ' ')).map(([i, c]) => ({ authorization: `Bearer ${TOKEN.slice(0, i)}${c}${TOKEN.slice(i + 1)}` })),
      fc.constantFrom(`Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN}x`, `Bearer x${TOKEN}`, `Basic ${TOKEN}`, `Bearer`, `Bearer ${TOKEN} ${TOKEN}`, `Token ${TOKEN}`, TOKEN, `Bearer ${TOKEN.toUpperCase()}`).map((a) => ({ authorization: a })),
    ).filter((h) => h === null || !/^Bearer\s+f{64}\s*$/i.test(h.authorization));
    await fc.assert(
      fc.asyncProperty(wrong, fc.constantFrom('GET /health', 'GET /status', 'GET /nope', ...POST_ROUTES.map((r) => `POST ${r}`)), async (auth, route) => {
        const [method, url] = route.split(' ');
        const r = await call(method, url, { token: null, headers: auth ?? {}, ...(method === 'POST' ? { body: { root, query: 'x' } } : {}) });
        expectError(r, 401, 'CVU_ERR_UNAUTHORIZED');
      }),
      { seed: SEED + 6, numRuns: 150 },
    );
    await expectHealthy();
  }, 60_000);

  it('oversized bodies are 413 PAYLOAD_TOO_LARGE on every POST route, and the daemon answers afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), fc.integer({ min: 1, max: BODY_LIMIT }), fc.boolean(), async (route, extra, json) => {
        const size = BODY_LIMIT + extra;
        const raw = json ? JSON.stringify({ root, path: 'src/util/validate.ts', text: 'x'.repeat(size), position: { line: 0, character: 0 } }) : '{'.repeat(size);
        const r = await call('POST', route, { raw });
        expectError(r, 413, 'CVU_ERR_PAYLOAD_TOO_LARGE');
      }),
      { seed: SEED + 7, numRuns: 60 },
    );
    await expectHealthy();
  }, 60_000);

  it('logged no internal error during all of the above', () => {
    const errors = logLines.filter((l) => /\bERROR\b/.test(l));
    expect(errors, errors.join('\n').slice(0, 2000)).toEqual([]);
    expect(logLines.join('\n')).not.toContain(SECRET);
  });
});
