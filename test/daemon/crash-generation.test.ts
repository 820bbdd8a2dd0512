import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../daemon/lifecycle.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';
import { until } from '../helpers/wait.js';

const SOURCES = {
  'src/pricing.ts': `/** The price of an order line, tax included. */
export function linePrice(quantity: number, unitPrice: number, taxRate: number): number {
  return quantity * unitPrice * (1 + taxRate);
}
`,
  'src/cart.ts': `import { linePrice } from './pricing.js';

export function cartTotal(lines: { quantity: number; unitPrice: number }[]): number {
  return lines.reduce((sum, l) => sum + linePrice(l.quantity, l.unitPrice, 0.2), 0);
}
`,
};

let home: string;
let root: string;
let models: string;
let env: NodeJS.ProcessEnv;

function daemonInfo(): { port: number; token: string; pid: number } {
  return JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8'));
}

async function api(route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const { port, token } = daemonInfo();
  return fetch(`http://127.0.0.1:${port}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}


const ready = async () => {
  const { workspaces } = (await (await api('/status')).json()) as { workspaces: { root: string; state: string }[] };
  return workspaces.some((w) => w.root === root && w.state === 'ready');
};

beforeAll(async () => {
  home = makeTempDir('cvu-crashgen-home-');
  root = makeTempDir('cvu-crashgen-ws-');
  models = makeTempDir('cvu-crashgen-models-');
  writeTree(root, SOURCES);
  const tiny = await writeTinyLlama(path.join(models, 'tiny.gguf'));
  env = { CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none', CVU_MODEL: tiny.file, CVU_LOG_LEVEL: 'info' };
  // One inference thread: the test machine has two cores and the test runner uses the other.
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ threads: 1, model: { contextSize: 2048 } }));
});

afterAll(() => {
  try {
    const { pid } = daemonInfo();
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  } catch {
    // no daemon left
  }
  for (const d of [home, root, models]) removeDir(d);
});

describe('a daemon killed while generating', () => {
  it('restarts with its workspaces, finds what changed while it was down, and serves again', async () => {
    expect(runCli(['daemon', 'start', '--json'], { env }).code).toBe(0);
    const first = daemonInfo();
    expect((await api('/workspaces', { root })).status).toBe(200);
    await until(ready, 'the daemon to be ready');

    // Stream an explanation and kill the daemon with SIGKILL once tokens flow.
    const res = await api('/explain', { path: 'src/cart.ts', maxTokens: 400 }, { accept: 'text/event-stream' });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('event: token')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toContain('event: token');
    process.kill(first.pid, 'SIGKILL');
    await reader.read().catch(() => undefined);
    await until(async () => !isAlive(first.pid), 'the killed daemon to be gone', 30_000);

    // While it is down: a file added, one deleted.
    writeTree(root, { 'src/discount.ts': 'export function applyDiscountCode(total: number, code: string): number {\n  return code === "TEN" ? total * 0.9 : total;\n}\n' });
    fs.rmSync(path.join(root, 'src/pricing.ts'));

    // The stale daemon.json does not block a new start, which restores the workspace and catches up.
    expect(runCli(['daemon', 'start', '--json'], { env }).code).toBe(0);
    expect(daemonInfo().pid).not.toBe(first.pid);
    await until(ready, 'the daemon to be ready');
    await until(async () => {
      const { results } = (await (await api('/search', { root, query: 'applyDiscountCode' })).json()) as { results: { path: string }[] };
      return results[0]?.path === 'src/discount.ts';
    }, 'the file added while down to be found');
    const { results } = (await (await api('/search', { root, query: 'linePrice' })).json()) as { results: { path: string }[] };
    expect(results.some((r) => r.path === 'src/pricing.ts')).toBe(false);
    // And the model path works again.
    const again = await api('/complete', { path: 'src/cart.ts', position: { line: 3, character: 2 }, maxTokens: 2 });
    expect(again.status).toBe(200);
    expect(runCli(['daemon', 'stop', '--json'], { env }).code).toBe(0);
  });
});
