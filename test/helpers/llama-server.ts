/**
 * A real llama.cpp `llama-server` for the remote-backend tests and
 * bench:remote: the binary `.ci/llama-server` builds from the llama.cpp
 * source node-llama-cpp ships, found through $CVU_LLAMA_SERVER or the build
 * cache ($CVU_LLAMA_SERVER_CACHE, default ~/.cache/cvu-llama-server/<commit>/).
 *
 * Without the binary the tests skip locally with a message that says how to
 * build it, and fail where CVU_REQUIRE_LLAMA_SERVER=1 (CI: .ci/run sets it).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BUNDLE = path.resolve(import.meta.dirname, '../../node_modules/node-llama-cpp/llama/gitRelease.bundle');

/** The llama-server binary, or null. */
export function findLlamaServer(): string | null {
  const env = process.env.CVU_LLAMA_SERVER;
  if (env) return fs.existsSync(env) ? env : null;
  const cache = process.env.CVU_LLAMA_SERVER_CACHE || path.join(os.homedir(), '.cache', 'cvu-llama-server');
  let commit = '';
  try {
    commit = execFileSync('git', ['bundle', 'list-heads', BUNDLE], { encoding: 'utf8' }).split(' ')[0].slice(0, 12);
  } catch {
    // no bundle: any build in the cache will do
  }
  const candidates = commit ? [path.join(cache, commit, 'llama-server')] : [];
  if (fs.existsSync(cache)) for (const d of fs.readdirSync(cache)) candidates.push(path.join(cache, d, 'llama-server'));
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

export const LLAMA_SERVER = findLlamaServer();
export const MISSING_LLAMA_SERVER = 'llama-server is not built: run .ci/llama-server (about 10 minutes) or set CVU_LLAMA_SERVER';
if (!LLAMA_SERVER && process.env.CVU_REQUIRE_LLAMA_SERVER === '1') throw new Error(`${MISSING_LLAMA_SERVER} (CVU_REQUIRE_LLAMA_SERVER=1)`);
if (!LLAMA_SERVER) console.warn(`skipping the real llama-server tests: ${MISSING_LLAMA_SERVER}`);

export interface RunningServer {
  url: string;
  port: number;
  /** Kills the process (SIGKILL: a crash, not a shutdown) and waits for it to end. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same arguments. */
  restart(): Promise<void>;
  /** GET a path as JSON (with the key, if it has one). */
  get<T>(p: string): Promise<T>;
  /** The value of a Prometheus counter from /metrics (needs metrics: true). */
  metric(name: string): Promise<number>;
  log(): string;
}

export interface ServerOptions {
  model: string;
  parallel?: number;
  /** Total context (shared by the slots). */
  contextSize?: number;
  threads?: number;
  apiKey?: string;
  alias?: string;
  metrics?: boolean;
  extra?: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts llama-server on a free loopback port and waits until /health answers 200. */
export async function startLlamaServer(opts: ServerOptions): Promise<RunningServer> {
  if (!LLAMA_SERVER) throw new Error(MISSING_LLAMA_SERVER);
  const port = await freePort();
  const args = [
    '-m', opts.model, '--host', '127.0.0.1', '--port', String(port),
    '--threads', String(opts.threads ?? 1), '--threads-batch', String(opts.threads ?? 1), '--threads-http', '8',
    '-c', String(opts.contextSize ?? 2048), '--parallel', String(opts.parallel ?? 1),
    '--no-webui', '--jinja',
    ...(opts.apiKey ? ['--api-key', opts.apiKey] : []),
    ...(opts.alias ? ['--alias', opts.alias] : []),
    ...(opts.metrics ? ['--metrics'] : []),
    ...(opts.extra ?? []),
  ];
  let proc: ChildProcess | null = null;
  let output = '';
  const url = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
  const start = async () => {
    output = '';
    const p = spawn(LLAMA_SERVER!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    };
    p.stdout!.on('data', keep);
    p.stderr!.on('data', keep);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`llama-server exited (${p.exitCode}):\n${output}`);
      try {
        const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`llama-server did not get ready in 30 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await start();
  const server: RunningServer = {
    url,
    port,
    kill,
    restart: start,
    async get<T>(p: string) {
      const r = await fetch(url + p, { headers });
      if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    },
    async metric(name: string) {
      const r = await fetch(`${url}/metrics`, { headers });
      const text = await r.text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      if (!line) throw new Error(`no metric ${name} in /metrics:\n${text.slice(0, 2000)}`);
      return Number(line.trim().split(/\s+/).pop());
    },
    log: () => output,
  };
  return server;
}
