import { createHash } from 'node:crypto';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import type { CommandIO } from '../../clients/cli/io.js';
import { CATALOGUE, DEFAULT_MODEL_NAME, findCatalogueEntry } from '../../models/catalogue.js';
import { llmModelsDir, ModelManager, type PullProgress } from '../../models/model-manager.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { writeTinyLlama, type WrittenLlama } from '../../fixtures/models/tiny-llama.js';
import { rejection } from '../helpers/errors.js';

let tmp: string;
let tiny: WrittenLlama;
/** Over ipull's 5 MB chunk, so that a cut download leaves a resumable partial file. */
let mid: WrittenLlama;
const homes: string[] = [];

function freshHome(): string {
  const h = makeTempDir('cvu-models-home-');
  homes.push(h);
  return h;
}


beforeAll(async () => {
  tmp = makeTempDir('cvu-models-');
  tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
  mid = await writeTinyLlama(path.join(tmp, 'mid.gguf'), { shape: { blockCount: 4, embeddingLength: 256, feedForwardLength: 1024 } });
});

afterAll(() => {
  for (const h of homes) removeDir(h);
  removeDir(tmp);
});

describe('catalogue', () => {
  it('lists FIM-capable Qwen2.5-Coder base models that fit 8 GB, by name and alias', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(4);
    for (const e of CATALOGUE) {
      expect(e.uri).toMatch(/^hf:Qwen\/Qwen2\.5-Coder-(0\.5|1\.5)B-GGUF\/qwen2\.5-coder-(0\.5|1\.5)b-(q8_0|q4_k_m)\.gguf$/);
      expect(e.fim).toBe(true);
      expect(e.ramAt4k).toBeGreaterThan(e.bytes);
      expect(e.ramAt4k).toBeLessThan(4e9);
    }
    expect(findCatalogueEntry(DEFAULT_MODEL_NAME)?.name).toBe(DEFAULT_MODEL_NAME);
    expect(findCatalogueEntry('Qwen2.5-Coder-1.5B')?.quantization).toBe('Q4_K_M');
    expect(findCatalogueEntry('nope')).toBeNull();
  });
});

describe('local files', () => {
  it('registers a local file by reference, lists, resolves and removes it (the file stays)', async () => {
    const models = new ModelManager(freshHome());
    expect(await models.list()).toEqual([]);
    const { model, downloaded } = await models.pull(tiny.file);
    expect(downloaded).toBe(false);
    expect(model).toMatchObject({ name: 'tiny', file: tiny.file, bytes: tiny.bytes, kind: 'linked', present: true });

    const listed = await models.list();
    expect(listed.map((m) => [m.name, m.bytes, m.file])).toEqual([['tiny', tiny.bytes, tiny.file]]);

    expect(await models.resolve('tiny')).toMatchObject({ name: 'tiny', file: tiny.file, via: 'name' });
    expect(await models.resolve({ model: { path: 'TINY' } } as never)).toMatchObject({ file: tiny.file });
    expect(await models.resolve(tiny.file)).toMatchObject({ name: 'tiny', via: 'path' });
    expect(await models.resolve('./tiny.gguf', { cwd: tmp })).toMatchObject({ file: tiny.file });
    // Nothing configured: the only installed model.
    expect(await models.resolve(null)).toMatchObject({ name: 'tiny', via: 'default' });

    // Same file again: idempotent. Another file under the same name: refused.
    await models.pull(tiny.file);
    expect((await models.list()).length).toBe(1);
    const clash = await rejection(models.pull(mid.file, { name: 'tiny' }));
    expect(clash.code).toBe('CVU_ERR_USAGE');
    expect(clash.message).toContain('--name');

    const removed = await models.rm('tiny');
    expect(removed.kind).toBe('linked');
    expect(fs.existsSync(tiny.file)).toBe(true);
    expect(await models.list()).toEqual([]);
    const missing = await rejection(models.resolve('tiny'));
    expect(missing.code).toBe('CVU_ERR_MODEL_MISSING');
    expect(missing.message).toContain('cvu models pull');
    expect((await rejection(models.rm('tiny'))).code).toBe('CVU_ERR_NOT_FOUND');
  });

  it('refuses a file that is not a GGUF model', async () => {
    const models = new ModelManager(freshHome());
    const bad = path.join(tmp, 'notes.gguf');
    fs.writeFileSync(bad, 'not a model');
    expect((await rejection(models.pull(bad))).code).toBe('CVU_ERR_MODEL_LOAD');
    expect((await rejection(models.pull(path.join(tmp, 'absent.gguf')))).code).toBe('CVU_ERR_MODEL_MISSING');
    expect((await rejection(models.pull('no-such-model'))).code).toBe('CVU_ERR_USAGE');
  });

  it('lists and removes a stray .gguf dropped into the models folder', async () => {
    const home = freshHome();
    const models = new ModelManager(home);
    fs.mkdirSync(llmModelsDir(home), { recursive: true });
    const stray = path.join(llmModelsDir(home), 'My-Model.Q8_0.gguf');
    fs.copyFileSync(tiny.file, stray);
    expect((await models.list()).map((m) => [m.name, m.kind, m.file])).toEqual([['my-model.q8_0', 'downloaded', stray]]);
    expect((await models.resolve('my-model.q8_0')).file).toBe(stray);
    await models.rm('my-model.q8_0');
    expect(fs.existsSync(stray)).toBe(false);
  });

  it('a catalogue name that is not pulled is MODEL_MISSING with its pull command', async () => {
    const models = new ModelManager(freshHome());
    const err = await rejection(models.resolve('qwen2.5-coder-1.5b'));
    expect(err.code).toBe('CVU_ERR_MODEL_MISSING');
    expect(err.message).toContain('`cvu models pull qwen2.5-coder-1.5b`');
    const uri = await rejection(models.resolve('hf:Qwen/Qwen2.5-Coder-0.5B-GGUF/qwen2.5-coder-0.5b-q8_0.gguf'));
    expect(uri.message).toContain('`cvu models pull hf:Qwen/Qwen2.5-Coder-0.5B-GGUF/qwen2.5-coder-0.5b-q8_0.gguf`');
    const none = await rejection(models.resolve(null));
    expect(none.message).toContain(`\`cvu models pull ${DEFAULT_MODEL_NAME}\``);
  });
});

// ---------------------------------------------------------------------------
// Downloads against a local server that answers like the Hugging Face Hub
// ---------------------------------------------------------------------------

interface Hub {
  endpoint: string;
  requests: string[];
  /** 'ok'; 'stall': ranges after the first chunk hang; 'bad-sha': the announced sha256 is wrong. */
  mode: 'ok' | 'stall' | 'bad-sha';
  close(): Promise<void>;
}

async function startHub(file: string): Promise<Hub> {
  const data = fs.readFileSync(file);
  const sha = createHash('sha256').update(data).digest('hex');
  const hub: Hub = { endpoint: '', requests: [], mode: 'ok', close: async () => {} };
  const server = http.createServer((req, res) => {
    hub.requests.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`.trim());
    const url = new URL(req.url ?? '/', 'http://hub');
    if (url.pathname === '/test/Tiny-GGUF/resolve/main/tiny.gguf') {
      const etag = hub.mode === 'bad-sha' ? '0'.repeat(64) : sha;
      res.writeHead(302, { location: '/blobs/tiny', 'x-linked-etag': `"${etag}"`, 'x-linked-size': String(data.length) });
      res.end();
      return;
    }
    if (url.pathname !== '/blobs/tiny') {
      res.writeHead(404);
      res.end();
      return;
    }
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : data.length - 1;
    res.writeHead(range ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-length': String(end - start + 1),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${data.length}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    if (hub.mode === 'stall' && start > 0) return void res.write(data.subarray(start, start + 1000));
    res.end(data.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
  hub.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return hub;
}

describe('downloads', () => {
  let hub: Hub | null = null;
  afterEach(async () => {
    await hub?.close();
    hub = null;
  });

  it('downloads an hf: URI with progress, verifies its sha256, registers it, and does not fetch it twice', async () => {
    hub = await startHub(tiny.file);
    const home = freshHome();
    const models = new ModelManager(home, undefined, { HF_ENDPOINT: hub.endpoint });
    const progress: PullProgress[] = [];
    const uri = 'hf:test/Tiny-GGUF/tiny.gguf';
    const { model, downloaded } = await models.pull(uri, { onProgress: (p) => progress.push(p) });
    expect(downloaded).toBe(true);
    expect(model).toMatchObject({ name: 'tiny', kind: 'downloaded', source: uri, bytes: tiny.bytes, present: true });
    expect(model.sha256).toBe(createHash('sha256').update(fs.readFileSync(tiny.file)).digest('hex'));
    expect(path.dirname(model.file)).toBe(llmModelsDir(home));
    expect(fs.readFileSync(model.file).equals(fs.readFileSync(tiny.file))).toBe(true);
    expect(progress[0].phase).toBe('connecting');
    const last = progress.filter((p) => p.phase === 'downloading').at(-1)!;
    expect(last).toMatchObject({ downloadedBytes: tiny.bytes, totalBytes: tiny.bytes });
    expect(progress.some((p) => p.phase === 'verifying')).toBe(true);

    expect(await models.resolve(uri)).toMatchObject({ file: model.file, via: 'uri' });
    expect(await models.resolve('tiny')).toMatchObject({ file: model.file });

    const before = hub.requests.length;
    expect((await models.pull(uri)).downloaded).toBe(false);
    expect(hub.requests.length).toBe(before);

    await models.rm('tiny');
    expect(fs.existsSync(model.file)).toBe(false);
  });

  it('refuses a download whose name is taken, before fetching anything', async () => {
    hub = await startHub(tiny.file);
    const models = new ModelManager(freshHome(), undefined, { HF_ENDPOINT: hub.endpoint });
    await models.pull(tiny.file);
    const err = await rejection(models.pull('hf:test/Tiny-GGUF/tiny.gguf'));
    expect(err.code).toBe('CVU_ERR_USAGE');
    expect(err.message).toContain('--name');
    expect(hub.requests).toEqual([]);
    const renamed = await models.pull('hf:test/Tiny-GGUF/tiny.gguf', { name: 'tiny-hub' });
    expect(renamed.model).toMatchObject({ name: 'tiny-hub', kind: 'downloaded' });
    expect((await models.list()).map((m) => m.name)).toEqual(['tiny', 'tiny-hub']);
  });

  it('removes a download whose sha256 does not match', async () => {
    hub = await startHub(tiny.file);
    hub.mode = 'bad-sha';
    const home = freshHome();
    const models = new ModelManager(home, undefined, { HF_ENDPOINT: hub.endpoint });
    const err = await rejection(models.pull('hf:test/Tiny-GGUF/tiny.gguf'));
    expect(err.code).toBe('CVU_ERR_MODEL_DOWNLOAD');
    expect(err.message).toMatch(/sha256/);
    expect(fs.readdirSync(llmModelsDir(home)).filter((f) => f.endsWith('.gguf'))).toEqual([]);
    expect(await models.list()).toEqual([]);
  });

  it('turns a stalled download into an error and resumes it on the next pull', async () => {
    hub = await startHub(mid.file);
    hub.mode = 'stall';
    const home = freshHome();
    const models = new ModelManager(home, undefined, { HF_ENDPOINT: hub.endpoint });
    const uri = 'hf:test/Tiny-GGUF/tiny.gguf';
    const started = Date.now();
    const err = await rejection(models.pull(uri, { stallTimeoutMs: 800 }));
    expect(err.code).toBe('CVU_ERR_MODEL_DOWNLOAD');
    expect(err.message).toContain('no progress');
    expect(err.message).toContain('again to resume');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(fs.readdirSync(llmModelsDir(home)).some((f) => f.endsWith('.ipull'))).toBe(true);

    hub.mode = 'ok';
    hub.requests.length = 0;
    const { model, downloaded } = await models.pull(uri, { stallTimeoutMs: 10_000 });
    expect(downloaded).toBe(true);
    expect(fs.readFileSync(model.file).equals(fs.readFileSync(mid.file))).toBe(true);
    // Only the missing part was fetched again.
    const ranges = hub.requests.filter((r) => r.startsWith('GET /blobs/') && r.includes('bytes='));
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.every((r) => !/bytes=0-/.test(r))).toBe(true);
  });

  it('fails fast and plainly when the host is unreachable or silent', async () => {
    const models = new ModelManager(freshHome());
    // A closed port.
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const refused = new ModelManager(freshHome(), undefined, { HF_ENDPOINT: `http://127.0.0.1:${closed}/` });
    let started = Date.now();
    const e1 = await rejection(refused.pull('hf:Qwen/Qwen2.5-Coder-0.5B-GGUF/qwen2.5-coder-0.5b-q8_0.gguf'));
    expect(e1.code).toBe('CVU_ERR_MODEL_DOWNLOAD');
    expect(e1.message).toMatch(/unreachable/);
    expect(e1.message).toContain('cvu models pull PATH');
    expect(Date.now() - started).toBeLessThan(5_000);

    // A host that accepts the connection and never answers.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const mute = new ModelManager(freshHome(), undefined, { HF_ENDPOINT: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/` });
      started = Date.now();
      const e2 = await rejection(mute.pull('qwen2.5-coder-0.5b', { connectTimeoutMs: 300 }));
      expect(e2.code).toBe('CVU_ERR_MODEL_DOWNLOAD');
      expect(e2.message).toMatch(/did not answer within 0\.3 s/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }

    // The real Hub, when this machine is offline (as the test machines are).
    const online = await dns.lookup('huggingface.co').then(
      () => true,
      () => false,
    );
    if (!online) {
      started = Date.now();
      const e3 = await rejection(models.pull('hf:Qwen/Qwen2.5-Coder-1.5B-GGUF/qwen2.5-coder-1.5b-q4_k_m.gguf', { connectTimeoutMs: 5_000 }));
      expect(e3.code).toBe('CVU_ERR_MODEL_DOWNLOAD');
      expect(e3.message).toContain('huggingface.co');
      expect(Date.now() - started).toBeLessThan(6_000);
    }
  });

  it('an abort signal stops a pull at once', async () => {
    const models = new ModelManager(freshHome());
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(models.pull('qwen2.5-coder-0.5b', { signal: controller.signal }))).code).toBe('CVU_ERR_ABORTED');
  });
});

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

describe('cvu models', () => {
  const saved = { CVU_HOME: process.env.CVU_HOME, CVU_MODEL: process.env.CVU_MODEL };
  let home: string;
  let ws: string;

  async function cvu(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CommandIO = { cwd: ws, out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await main(args, io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  beforeAll(() => {
    home = freshHome();
    ws = makeTempDir('cvu-models-ws-');
    homes.push(ws);
    process.env.CVU_HOME = home;
    delete process.env.CVU_MODEL;
  });

  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('list --json, pull PATH --json, bench --json, rm --json', async () => {
    const empty = await cvu(['models', 'list', '--json']);
    expect(empty.code).toBe(0);
    const e = JSON.parse(empty.stdout);
    expect(e.models).toEqual([]);
    expect(e.dir).toBe(llmModelsDir(home));
    expect(e.default).toBe(DEFAULT_MODEL_NAME);
    expect(e.catalogue.map((c: { name: string }) => c.name)).toEqual(CATALOGUE.map((c) => c.name));
    expect(e.catalogue[0]).toMatchObject({ installed: false, bytes: expect.any(Number), ramAt4k: expect.any(Number), uri: expect.stringMatching(/^hf:/) });

    const pulled = await cvu(['models', 'pull', tiny.file, '--json']);
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ downloaded: false, model: { name: 'tiny', kind: 'linked', bytes: tiny.bytes } });

    const listed = JSON.parse((await cvu(['models', 'list', '--json'])).stdout);
    expect(listed.models).toEqual([expect.objectContaining({ name: 'tiny', file: tiny.file, bytes: tiny.bytes, present: true })]);
    const text = await cvu(['models', 'list']);
    expect(text.stdout).toContain('tiny');
    expect(text.stdout).toContain('cvu models pull NAME');

    const bench = await cvu(['models', 'bench', '--json', '--threads', '1', '--prompt-tokens', '64', '--gen-tokens', '8']);
    expect(bench.code).toBe(0);
    const b = JSON.parse(bench.stdout);
    expect(b).toMatchObject({ threads: 1, promptTokens: 64, generateTokens: 8, targetTokensPerSecond: 15, failed: [] });
    expect(b.models).toHaveLength(1);
    const row = b.models[0];
    expect(row).toMatchObject({ name: 'tiny', file: tiny.file, promptTokens: 63, generatedTokens: 8, meetsTarget: expect.any(Boolean) });
    for (const k of ['loadMs', 'promptMs', 'promptTokensPerSecond', 'generationMs', 'generationTokensPerSecond']) {
      expect(row[k], k).toEqual(expect.any(Number));
      expect(row[k], k).toBeGreaterThan(0);
    }
    expect(b.recommended === null || b.recommended === 'tiny').toBe(true);
    expect(b.fastest).toBe('tiny');
    expect(typeof b.reason).toBe('string');

    const removed = await cvu(['models', 'rm', 'tiny', '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout).removed).toMatchObject({ name: 'tiny', kind: 'linked' });
    expect(fs.existsSync(tiny.file)).toBe(true);
  });

  it('exit codes: 2 for usage, 1 for a failed request with its code', async () => {
    expect((await cvu(['models'])).code).toBe(2);
    expect((await cvu(['models', 'frob'])).code).toBe(2);
    expect((await cvu(['models', 'rm'])).code).toBe(2);
    const gone = await cvu(['models', 'rm', 'nothing-here']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('CVU_ERR_NOT_FOUND');
    const bench = await cvu(['models', 'bench', '--json']);
    expect(bench.code).toBe(1);
    expect(bench.stderr).toContain('cvu models pull');
  });
});
