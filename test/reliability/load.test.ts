/**
 * Load: 200 concurrent /context requests and 20 concurrent /complete
 * requests, many superseded by newer ones from the same client. Nothing
 * crashes, superseded work is aborted (499), the rest answers, memory stays
 * bounded, and the daemon serves normally afterwards. Figures are printed;
 * nothing here asserts a latency.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';

const TOKEN = 'd'.repeat(64);
let tmp: string;
let root: string;
let served: ServedDaemon;

/** A request as one client (the daemon supersedes a client's older request with its newer one). */
async function post(url: string, body: unknown, client: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const { status } = await served.call('POST', url, { body, headers: { 'x-cvu-client': client } });
  return { status, ms: performance.now() - started };
}

const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];

beforeAll(async () => {
  process.env.CVU_EMBEDDING_MODEL = 'none';
  delete process.env.CVU_MODEL;
  tmp = makeTempDir('cvu-load-');
  root = path.join(tmp, 'ws');
  const tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
  // The model and threads are the user's settings, in the daemon's home.
  writeTree(path.join(tmp, 'home'), { 'config.json': JSON.stringify({ threads: 1, model: { path: tiny.file, contextSize: 2048 } }) });
  const files: Record<string, string> = {};
  for (let i = 0; i < 120; i++) {
    files[`src/mod${i}.ts`] = `import { helper${(i + 1) % 120} } from './mod${(i + 1) % 120}.js';\n\nexport function helper${i}(x: number): number {\n  return helper${(i + 1) % 120}(x) + ${i};\n}\n`;
  }
  writeTree(root, files);
  served = await serveDaemon({ home: path.join(tmp, 'home'), token: TOKEN, logger: silentLogger });
  await served.register(root);
});

afterAll(async () => {
  await served?.close();
  if (tmp) removeDir(tmp);
});

describe('load', () => {
  it('200 concurrent /context requests from 20 clients: answered or superseded, memory bounded', async () => {
    const rssBefore = process.memoryUsage().rss;
    const requests = Array.from({ length: 200 }, (_, i) =>
      post('/context', { path: `src/mod${i % 120}.ts`, position: { line: 3, character: 2 }, budgetTokens: 512 }, `editor-${i % 20}`),
    );
    const results = await Promise.all(requests);
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    // Each client's last request always answers; earlier ones may be superseded (499) — nothing else.
    expect([...statuses.keys()].every((s) => s === 200 || s === 499)).toBe(true);
    expect(statuses.get(200) ?? 0).toBeGreaterThanOrEqual(20);
    const ok = results.filter((r) => r.status === 200).map((r) => r.ms);
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.log(`200 concurrent /context: ${statuses.get(200) ?? 0} answered, ${statuses.get(499) ?? 0} superseded; p50 ${pct(ok, 50).toFixed(0)} ms, p95 ${pct(ok, 95).toFixed(0)} ms, max ${Math.max(...ok).toFixed(0)} ms; RSS +${grownMb.toFixed(0)} MB`);
    expect(grownMb).toBeLessThan(300);
    expect((await post('/context', { path: 'src/mod1.ts', position: { line: 3, character: 2 } }, 'after')).status).toBe(200);
  });

  it('20 concurrent /complete requests from 4 clients: every client gets an answer, superseded ones are aborted', async () => {
    const requests = Array.from({ length: 20 }, (_, i) =>
      post('/complete', { path: `src/mod${i}.ts`, position: { line: 3, character: 9 }, maxTokens: 8 }, `typist-${i % 4}`),
    );
    const results = await Promise.all(requests);
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 499)).toBe(true);
    // Whichever request of a client arrives last is never superseded: every client gets an answer.
    for (let c = 0; c < 4; c++) expect(statuses.filter((s, i) => i % 4 === c && s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 499).length).toBeGreaterThan(0);
    const ok = results.filter((r) => r.status === 200).map((r) => r.ms);
    console.log(`20 concurrent /complete: ${ok.length} answered, ${statuses.filter((s) => s === 499).length} superseded; p50 ${pct(ok, 50).toFixed(0)} ms, max ${Math.max(...ok).toFixed(0)} ms`);
    expect((await served.call('GET', '/health')).status).toBe(200);
  });
});
