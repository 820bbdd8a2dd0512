/**
 * The model routes of the daemon (/complete, /explain, /refactor, /ask) on a
 * real Daemon, a real index and the generated tiny GGUF (random weights:
 * nothing here asserts on what the model says, only on shapes, events,
 * status codes and that the text came from the model).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../clients/daemon-client.js';
import { parseEventStream } from '../../protocol/event-stream.js';
import { applyUnifiedDiff } from '../../core/diff.js';
import { createLogger } from '../../core/log.js';
import type { Daemon } from '../../daemon/daemon.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { SOURCES as SAMPLE } from '../helpers/sample-workspace.js';
import { expectError } from '../helpers/errors.js';
import type { RawAnswer } from '../helpers/http.js';
import { homeWithTinyModel, serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { until } from '../helpers/wait.js';

const SOURCES = {
  'src/config/parse-config.ts': SAMPLE['src/config/parse-config.ts'],
  'src/util/validate.ts': SAMPLE['src/util/validate.ts'],
  'src/upload/retry_upload.py': SAMPLE['src/upload/retry_upload.py'],
  '.env': 'API_TOKEN=super-secret-value\n',
};

const TOKEN = 'c'.repeat(64);

type Answer = RawAnswer;

let tmp: string;
let home: string;
let root: string;
let bare: string;
let served: ServedDaemon;
let daemon: Daemon;
let port: number;
/** Over a socket: for streams and a closed connection. */
let call: ServedDaemon['call'];
/** Through app.inject(): for what a route answers. */
let inject: ServedDaemon['inject'];
const logLines: string[] = [];

/** Parses a whole event stream into its events (data JSON-decoded). */
function events(text: string): { event: string; data: any }[] {
  return parseEventStream(text).map(({ event, data }) => ({ event, data: JSON.parse(data) }));
}


/** Every snippet names a workspace file and a line range inside it. */
function expectRealRanges(sources: any[], base: string): void {
  for (const s of sources) {
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['path', 'startLine', 'endLine', 'text', 'score', 'source']));
    const lines = fs.readFileSync(path.join(base, s.path), 'utf8').split('\n');
    expect(s.startLine).toBeGreaterThanOrEqual(1);
    expect(s.endLine).toBeGreaterThanOrEqual(s.startLine);
    expect(s.endLine).toBeLessThanOrEqual(lines.length);
  }
}

beforeAll(async () => {
  process.env.CVU_EMBEDDING_MODEL = 'none';
  delete process.env.CVU_MODEL;
  tmp = makeTempDir('cvu-assistant-routes-');
  home = await homeWithTinyModel(tmp);
  // A fixed folder name: the completion prompt names the repository.
  root = path.join(tmp, 'demo');
  bare = path.join(tmp, 'no-model');
  writeTree(root, SOURCES);
  writeTree(bare, { 'src/config/parse-config.ts': SOURCES['src/config/parse-config.ts'], 'src/util/validate.ts': SOURCES['src/util/validate.ts'] });
  served = await serveDaemon({ home, token: TOKEN, logger: createLogger('info', (l) => logLines.push(l)) });
  ({ daemon, port, call, inject } = served);
  await served.register(root, bare);
});

afterAll(async () => {
  await served?.close();
  if (tmp) removeDir(tmp);
});

describe('POST /complete', () => {
  const file = 'src/config/parse-config.ts';

  it('answers with the completion and its timings; a repeat is cached; a keystroke reuses the prompt', async () => {
    const text = SOURCES[file];
    const lines = text.split('\n');
    // Positions to try until the random model suggests something (an empty suggestion is not cached).
    let first: Answer | null = null;
    let at = { line: 0, character: 0 };
    let buffer = text;
    for (const line of [10, 11, 9, 4]) {
      at = { line, character: lines[line].length };
      buffer = text;
      const r = await inject('POST', '/complete', { body: { path: file, text: buffer, position: at, maxTokens: 8 }, headers: { 'x-cvu-client': 'typist' } });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ completion: expect.any(String), cached: false });
      expect(Object.keys(r.body.timings).sort()).toEqual(['evaluatedTokens', 'firstTokenMs', 'promptTokens', 'retrievalMs', 'reusedTokens', 'totalMs']);
      for (const v of Object.values(r.body.timings)) expect(typeof v).toBe('number');
      expect(r.body.timings.promptTokens).toBeGreaterThan(20);
      first = r;
      if (r.body.completion) break;
    }
    expect(first!.body.completion, 'the model suggested nothing at any position').not.toBe('');

    const repeat = await inject('POST', '/complete', { body: { path: file, text: buffer, position: at, maxTokens: 8 }, headers: { 'x-cvu-client': 'typist' } });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ cached: true, completion: first!.body.completion });

    // Type one character that is not the suggestion's start: the model runs again, on the anchored prompt.
    const typed = first!.body.completion.startsWith('x') ? 'y' : 'x';
    const withKey = lines.map((l, i) => (i === at.line ? l + typed : l)).join('\n');
    const next = await inject('POST', '/complete', { body: { path: file, text: withKey, position: { line: at.line, character: at.character + 1 }, maxTokens: 8 }, headers: { 'x-cvu-client': 'typist' } });
    expect(next.status, next.text).toBe(200);
    expect(next.body.cached).toBe(false);
    expect(next.body.timings.reusedTokens).toBeGreaterThan(0);
    expect(next.body.timings.reusedTokens).toBeGreaterThanOrEqual(first!.body.timings.promptTokens - 1);

    const status = await inject('GET', '/status');
    expect(status.body.model).toEqual({ name: 'tiny', loaded: true, backend: { type: 'in-process' } });
  });

  it('aborts a client older completion when its newer keystroke arrives (499), and answers the newer', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Fills the model lane (concurrency 2) so that the next requests queue behind it.
    const lane = Promise.all(Array.from({ length: 2 }, () => daemon.scheduler.interactiveTask(() => gate, { lane: 'model' })));
    const headers = { 'x-cvu-client': 'editor-9' };
    const body = (character: number) => ({ path: file, position: { line: 11, character }, maxTokens: 4 });
    const older = inject('POST', '/complete', { body: body(2), headers });
    await until(() => daemon.scheduler.stats.model.queued === 1, 'the older request to queue');
    // Retrieval has a lane of its own: a context request is answered while generation waits.
    expect((await inject('POST', '/context', { body: { path: file, position: { line: 11, character: 2 } } })).status).toBe(200);
    const newer = inject('POST', '/complete', { body: body(9), headers });
    await until(() => daemon.scheduler.stats.model.queued === 2, 'the newer request to queue');
    release();
    await lane;
    const [a, b] = await Promise.all([older, newer]);
    expectError(a, 499, 'CVU_ERR_ABORTED');
    expect(b.status, b.text).toBe(200);
    expect(typeof b.body.completion).toBe('string');
  });

  it('refuses secrets and validates its body, naming the field', async () => {
    expectError(await inject('POST', '/complete', { body: { path: '.env', position: { line: 0, character: 3 } } }), 403, 'CVU_ERR_FORBIDDEN');
    const missing = await inject('POST', '/complete', { body: { path: file } });
    expectError(missing, 400, 'CVU_ERR_BAD_REQUEST', /body\.position/);
    expect(missing.body.error.field).toBe('body.position');
    expectError(await inject('POST', '/complete', { body: { path: file, position: { line: 0, character: 0 }, maxTokens: '5' } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.maxTokens/);
    expectError(await inject('POST', '/complete', { body: { path: file, position: { line: 500, character: 0 } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.position\.line/);
    expectError(await inject('POST', '/complete', { body: { path: file, position: { line: 0, character: 0 }, language: 7 } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.language/);
  });
});

describe('POST /explain', () => {
  it('answers JSON with sources citing real workspace ranges', async () => {
    const r = await inject('POST', '/explain', { body: { path: 'src/config/parse-config.ts', lines: { start: 10, end: 13 }, question: 'What does it return?', maxTokens: 16 } });
    expect(r.status, r.text).toBe(200);
    expect(typeof r.body.answer).toBe('string');
    expect(Array.isArray(r.body.sources)).toBe(true);
    // parseConfig calls validateOptions, defined in another file: cursor retrieval brings it in.
    expect(r.body.sources.some((s: { path: string }) => s.path === 'src/util/validate.ts')).toBe(true);
    expectRealRanges(r.body.sources, root);
    expect(r.body.timings.promptTokens).toBeGreaterThan(50);
  });

  it('streams server-sent events: tokens, sources, done (the tokens are the answer)', async () => {
    const r = await call('POST', '/explain', {
      body: { path: path.join(root, 'src/config/parse-config.ts'), range: { start: { line: 9, character: 0 }, end: { line: 13, character: 0 } }, maxTokens: 12 },
      headers: { accept: 'text/event-stream' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
    const ev = events(r.text);
    const names = ev.map((e) => e.event);
    expect(names.filter((n) => n === 'token').length).toBeGreaterThan(0);
    expect(names.slice(-2)).toEqual(['sources', 'done']);
    const done = ev[ev.length - 1].data;
    expect(ev.filter((e) => e.event === 'token').map((e) => e.data).join('')).toBe(done.answer);
    expect(ev[ev.length - 2].data).toEqual(done.sources);
    expectRealRanges(done.sources, root);

    // The shared client parses the same stream from fetch.
    const client = new DaemonClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN, clientId: 'stream-test' });
    const chunks: string[] = [];
    let sources: unknown = null;
    const streamed = await client.explainStream({ path: 'src/util/validate.ts', maxTokens: 10 }, { onToken: (t) => chunks.push(t), onSources: (s) => (sources = s) });
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.join('')).toBe(streamed.answer);
    expect(sources).toEqual(streamed.sources);
    const plain = await client.explain({ path: 'src/util/validate.ts', maxTokens: 4 });
    expect(typeof plain.answer).toBe('string');
  });

  it('aborts the generation when the streaming client disconnects', async () => {
    const before = logLines.length;
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/explain', agent: false, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'text/event-stream' } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => {});
      req.end(JSON.stringify({ path: 'src/config/parse-config.ts', maxTokens: 900 }));
      setTimeout(() => reject(new Error('no event arrived')), 20_000).unref();
    });
    await until(() => logLines.slice(before).some((l) => l.includes('POST /explain aborted by the client')), 'the abort to be logged');
    await until(() => daemon.scheduler.stats.model.running === 0, 'the lane to drain', 10_000);
    // The chat sequence is free again.
    const r = await inject('POST', '/explain', { body: { path: 'src/util/validate.ts', maxTokens: 4 } });
    expect(r.status, r.text).toBe(200);
  });

  it('validates its body and ranges, naming the field', async () => {
    const file = 'src/config/parse-config.ts';
    expectError(await inject('POST', '/explain', { body: { range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.path/);
    expectError(await inject('POST', '/explain', { body: { path: file, range: { start: { line: 3, character: 0 }, end: { line: 1, character: 0 } } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.range\.end/);
    expectError(await inject('POST', '/explain', { body: { path: file, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.range\.end\.line/);
    expectError(await inject('POST', '/explain', { body: { path: file, range: { start: { line: 0 } } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.range/);
    expectError(await inject('POST', '/explain', { body: { path: file, lines: { start: 0, end: 2 } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.lines\.start/);
    expectError(await inject('POST', '/explain', { body: { path: file, question: 42 } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.question/);
    expectError(await inject('POST', '/explain', { body: { path: '.env' } }), 403, 'CVU_ERR_FORBIDDEN');
    // Validation errors stay JSON when a stream was asked for.
    const sse = await call('POST', '/explain', { body: { path: file, maxTokens: 0 }, headers: { accept: 'text/event-stream' } });
    expectError(sse, 400, 'CVU_ERR_BAD_REQUEST', /body\.maxTokens/);
  });
});

describe('POST /refactor', () => {
  it('answers a replacement and a unified diff whose hunks apply to the file', async () => {
    const file = 'src/util/validate.ts';
    const before = fs.readFileSync(path.join(root, file), 'utf8');
    const r = await inject('POST', '/refactor', { body: { path: file, lines: { start: 2, end: 3 }, instruction: 'Name the check.', maxTokens: 24 } });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ replacement: expect.any(String), diff: expect.any(String), explanation: expect.any(String), path: file, startLine: 2, endLine: 3, truncated: expect.any(Boolean) });
    expectRealRanges(r.body.sources, root);
    const lines = before.split('\n');
    const expected = [...lines.slice(0, 1), r.body.replacement.replace(/\n$/, ''), ...lines.slice(3)].join('\n');
    if (r.body.diff === '') expect(expected).toBe(before);
    else {
      expect(r.body.diff).toMatch(/^--- a\/src\/util\/validate\.ts\n\+\+\+ b\/src\/util\/validate\.ts\n@@ -\d+,\d+ \+\d+,\d+ @@/);
      expect(applyUnifiedDiff(before, r.body.diff)).toBe(expected);
      // And the standard tool agrees (on a copy).
      const copy = makeTempDir('cvu-patch-');
      try {
        writeTree(copy, { [file]: before });
        const p = spawnSync('patch', ['-p1', '--batch', '--silent'], { cwd: copy, input: r.body.diff, encoding: 'utf8' });
        expect(p.status, p.stderr + p.stdout).toBe(0);
        expect(fs.readFileSync(path.join(copy, file), 'utf8')).toBe(expected);
      } finally {
        removeDir(copy);
      }
    }
    // The file itself is untouched.
    expect(fs.readFileSync(path.join(root, file), 'utf8')).toBe(before);
  });

  it('streams the code block as tokens, then sources and done', async () => {
    const r = await call('POST', '/refactor', { body: { path: 'src/util/validate.ts', range: { start: { line: 0, character: 0 }, end: { line: 4, character: 1 } }, maxTokens: 12 }, headers: { accept: 'text/event-stream' } });
    expect(r.status).toBe(200);
    const ev = events(r.text);
    expect(ev[0]).toEqual({ event: 'token', data: '```typescript\n' });
    expect(ev.map((e) => e.event).slice(-2)).toEqual(['sources', 'done']);
    expect(ev[ev.length - 1].data).toMatchObject({ replacement: expect.any(String), diff: expect.any(String), startLine: 1, endLine: 5 });
  });

  it('requires a range and refuses a bad one, naming the field', async () => {
    expectError(await inject('POST', '/refactor', { body: { path: 'src/util/validate.ts' } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.range/);
    expectError(await inject('POST', '/refactor', { body: { path: 'src/util/validate.ts', lines: { start: 4, end: 2 } } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.lines\.end/);
    expectError(await inject('POST', '/refactor', { body: { path: 'src/util/validate.ts', lines: { start: 1, end: 2 }, instruction: ['x'] } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.instruction/);
  });
});

describe('POST /ask', () => {
  it('answers JSON and server-sent events with sources from hybrid search', async () => {
    const r = await inject('POST', '/ask', { body: { root, question: 'where do we retry failed uploads?', maxTokens: 16 } });
    expect(r.status, r.text).toBe(200);
    expect(typeof r.body.answer).toBe('string');
    expect(r.body.sources.length).toBeGreaterThan(0);
    expect(r.body.sources.map((s: { path: string }) => s.path)).toContain('src/upload/retry_upload.py');
    expectRealRanges(r.body.sources, root);

    const s = await call('POST', '/ask', { body: { root, question: 'how is the config validated?', maxTokens: 10 }, headers: { accept: 'text/event-stream' } });
    expect(s.status).toBe(200);
    const ev = events(s.text);
    expect(ev.some((e) => e.event === 'token')).toBe(true);
    expect(ev.map((e) => e.event).slice(-2)).toEqual(['sources', 'done']);
    const done = ev[ev.length - 1].data;
    expect(ev.filter((e) => e.event === 'token').map((e) => e.data).join('')).toBe(done.answer);
    expectRealRanges(done.sources, root);
  });

  it('validates its body, naming the field', async () => {
    expectError(await inject('POST', '/ask', { body: { root } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.question/);
    expectError(await inject('POST', '/ask', { body: { root, question: '   ' } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.question/);
    // Two workspaces are registered: which one must be said.
    expectError(await inject('POST', '/ask', { body: { question: 'x' } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.root/);
    expectError(await inject('POST', '/ask', { body: { root: path.join(tmp, 'elsewhere'), question: 'x' } }), 404, 'CVU_ERR_NOT_FOUND');
  });
});

describe('without a model', () => {
  // The model is daemon-wide (the user's config): a daemon of a user who configured none.
  let bareServed: ServedDaemon;
  let call: ServedDaemon['call'];
  let inject: ServedDaemon['inject'];
  beforeAll(async () => {
    bareServed = await serveDaemon({ home: path.join(tmp, 'bare-home'), token: TOKEN });
    ({ call, inject } = bareServed);
    await bareServed.register(bare);
  });
  afterAll(async () => {
    await bareServed?.close();
  });

  it('refuses /complete, /explain and /refactor with MODEL_MISSING naming the command that fixes it', async () => {
    const position = { line: 1, character: 2 };
    const c = await inject('POST', '/complete', { body: { path: path.join(bare, 'src/util/validate.ts'), position } });
    expectError(c, 503, 'CVU_ERR_MODEL_MISSING', /cvu models pull/);
    expectError(await call('POST', '/explain', { body: { path: path.join(bare, 'src/util/validate.ts') }, headers: { accept: 'text/event-stream' } }), 503, 'CVU_ERR_MODEL_MISSING', /cvu models pull/);
    expectError(await inject('POST', '/refactor', { body: { path: path.join(bare, 'src/util/validate.ts'), lines: { start: 1, end: 2 } } }), 503, 'CVU_ERR_MODEL_MISSING', /cvu models pull/);
  });

  it('still answers /ask with the code locations and a notice', async () => {
    const r = await inject('POST', '/ask', { body: { root: bare, question: 'where is the config parsed?' } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.answer).toBeNull();
    expect(r.body.notice).toMatchObject({ code: 'CVU_ERR_MODEL_MISSING', message: expect.stringMatching(/cvu models pull/) });
    expect(r.body.sources.length).toBeGreaterThan(0);
    expect(r.body.sources[0].path).toBe('src/config/parse-config.ts');
    expectRealRanges(r.body.sources, bare);

    const s = await call('POST', '/ask', { body: { root: bare, question: 'validateOptions' }, headers: { accept: 'text/event-stream' } });
    const ev = events(s.text);
    expect(ev.map((e) => e.event)).toEqual(['sources', 'done']);
    expect(ev[1].data).toMatchObject({ answer: null, notice: { code: 'CVU_ERR_MODEL_MISSING' } });
  });
});
