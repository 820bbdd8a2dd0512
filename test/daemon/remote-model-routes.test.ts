/**
 * The daemon's model routes through a remote model server: a real daemon and
 * index whose user config points `model.backend` at a real llama-server
 * (built by .ci/llama-server) serving the generated tiny GGUF — once as
 * `llama-server`, once as `openai` on its /v1 routes. Random weights: only
 * shapes, events, counts and errors are checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventStream } from '../../protocol/event-stream.js';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';
import { SOURCES as SAMPLE } from '../helpers/sample-workspace.js';
import { expectError } from '../helpers/errors.js';
import { LLAMA_SERVER, startLlamaServer, type RunningServer } from '../helpers/llama-server.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

const FILE = 'src/config/parse-config.ts';
const TEXT = SAMPLE[FILE];
const TOKEN = 'r'.repeat(64);

function events(text: string): { event: string; data: any }[] {
  return parseEventStream(text).map(({ event, data }) => ({ event, data: JSON.parse(data) }));
}

describe.skipIf(!LLAMA_SERVER)('the daemon on a remote model server', () => {
  let tmp: string;
  let server: RunningServer;
  let root: string;
  const daemons: ServedDaemon[] = [];

  beforeAll(async () => {
    process.env.CVU_EMBEDDING_MODEL = 'none';
    delete process.env.CVU_MODEL;
    tmp = makeTempDir('cvu-remote-routes-');
    const tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
    server = await startLlamaServer({ model: tiny.file, parallel: 2, contextSize: 4096, alias: 'qwen2.5-coder-tiny' });
    root = path.join(tmp, 'demo');
    writeTree(root, { [FILE]: TEXT, 'src/util/validate.ts': SAMPLE['src/util/validate.ts'] });
  }, 60_000);

  afterAll(async () => {
    for (const d of daemons) await d.close();
    await server?.kill();
    removeDir(tmp);
  });

  async function daemonOn(type: 'llama-server' | 'openai'): Promise<ServedDaemon> {
    const home = path.join(tmp, `home-${type}`);
    fs.mkdirSync(home, { recursive: true });
    const url = type === 'openai' ? `${server.url}/v1` : server.url;
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ threads: 1, model: { contextSize: 2048, backend: { type, url } } }));
    const served = await serveDaemon({ home, token: TOKEN });
    daemons.push(served);
    await served.register(root);
    return served;
  }

  it.each(['llama-server', 'openai'] as const)('%s: /complete with the server\'s own counts; /ask, /explain and /refactor stream; down fails fast and recovers', async (type) => {
    const d = await daemonOn(type);
    const lines = TEXT.split('\n');
    const at = { line: 10, character: lines[10].length };
    const complete = (text: string, position: { line: number; character: number }) =>
      d.inject('POST', '/complete', { body: { path: FILE, text, position, maxTokens: 8 }, headers: { 'x-cvu-client': 'typist' } });
    const first = await complete(TEXT, at);
    expect(first.status, first.text).toBe(200);
    const t = first.body.timings;
    expect(t.promptTokens).toBeGreaterThan(20);
    if (type === 'llama-server') expect(t.evaluatedTokens + t.reusedTokens).toBe(t.promptTokens);
    // A keystroke: the server reuses the anchored prompt.
    const typed = lines.map((l, i) => (i === at.line ? `${l}x` : l)).join('\n');
    const next = await complete(typed, { line: at.line, character: at.character + 1 });
    expect(next.status, next.text).toBe(200);
    if (type === 'llama-server') {
      expect(next.body.timings.reusedTokens).toBeGreaterThanOrEqual(t.promptTokens - 1);
      expect(next.body.timings.evaluatedTokens).toBeLessThan(10);
    }

    for (const [route, body] of [
      ['/ask', { root, question: 'where is the config parsed?', maxTokens: 8 }],
      ['/explain', { path: FILE, lines: { start: 2, end: 6 }, maxTokens: 8 }],
      ['/refactor', { path: FILE, range: { start: { line: 1, character: 0 }, end: { line: 5, character: 0 } }, maxTokens: 8 }],
    ] as const) {
      const r = await d.call('POST', route, { body, headers: { accept: 'text/event-stream' } });
      expect(r.status, `${route}: ${r.text}`).toBe(200);
      const ev = events(r.text);
      expect(ev.filter((e) => e.event === 'token').length, `${route} streams tokens`).toBeGreaterThan(0);
      expect(ev[ev.length - 1].event, `${route}: ${r.text.slice(-300)}`).toBe('done');
    }
    const status = await d.inject('GET', '/status');
    expect(status.body.model).toMatchObject({ name: 'qwen2.5-coder-tiny', loaded: true, backend: { type, state: 'ready' } });

    await server.kill();
    const t0 = performance.now();
    const down = await complete(TEXT.replace('config', 'configs'), at);
    expect(performance.now() - t0).toBeLessThan(3_000);
    expectError(down, 503, 'CVU_ERR_BACKEND_UNAVAILABLE');
    const downStatus = await d.inject('GET', '/status');
    expect(downStatus.body.model.backend).toMatchObject({ type, state: 'unavailable', error: expect.stringMatching(/unreachable/) });
    // /ask still answers with the code locations and says why.
    const ask = await d.inject('POST', '/ask', { body: { root, question: 'where is the config parsed?' } });
    expect(ask.status).toBe(200);
    expect(ask.body).toMatchObject({ answer: null, notice: { code: 'CVU_ERR_BACKEND_UNAVAILABLE' } });

    await server.restart();
    const back = await complete(TEXT.replace('config', 'configs'), at);
    expect(back.status, back.text).toBe(200);
    expect((await d.inject('GET', '/status')).body.model.backend.state).toBe('ready');
  });
});
