import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { writeTinyLlama } from '../../fixtures/models/tiny-llama.js';
import type { Logger } from '../../core/log.js';
import { Daemon } from '../../daemon/daemon.js';
import { buildServer, type CvuApp } from '../../daemon/server.js';
import { injectRequest, rawRequest, type RawAnswer, type RawRequestOptions } from './http.js';
import { makeTempDir, removeDir, writeTree } from './temp.js';
import { until } from './wait.js';

/** A real daemon behind its HTTP server on a loopback port, as the route tests drive it. */
export interface ServedDaemon {
  daemon: Daemon;
  app: CvuApp;
  port: number;
  /** One raw request over a socket, with the server's token unless `opts.token` says otherwise. */
  call(method: string, url: string, opts?: RawRequestOptions): Promise<RawAnswer>;
  /** The same request through `app.inject()`, without a socket: for what a route does. */
  inject(method: string, url: string, opts?: RawRequestOptions): Promise<RawAnswer>;
  /** Registers the roots through the API and waits until each is indexed. */
  register(...roots: string[]): Promise<void>;
  /** Closes the server, then the daemon (writes finish, watchers close). */
  close(): Promise<void>;
}

export interface ServeOptions {
  home: string;
  token: string;
  /** 0 parses on the main thread: quicker to start for a small workspace. */
  parseWorkers?: number;
  /** For both the daemon and the server. */
  logger?: Logger;
  bodyLimit?: number;
  /** Adds test-only routes before the server listens. */
  routes?: (app: CvuApp) => void;
}

export async function serveDaemon(opts: ServeOptions): Promise<ServedDaemon> {
  const daemon = new Daemon({ home: opts.home, parseWorkers: opts.parseWorkers ?? 0, logger: opts.logger });
  const app = buildServer(daemon, { token: opts.token, bodyLimit: opts.bodyLimit, logger: opts.logger });
  opts.routes?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const call = (method: string, url: string, o: RawRequestOptions = {}) => rawRequest(port, opts.token, method, url, o);
  const inject = (method: string, url: string, o: RawRequestOptions = {}) => injectRequest(app, opts.token, method, url, o);
  return {
    daemon,
    app,
    port,
    call,
    inject,
    async register(...roots) {
      for (const root of roots) {
        const r = await inject('POST', '/workspaces', { body: { root } });
        expect(r.status, r.text).toBe(200);
      }
      await until(async () => {
        const { workspaces = [] } = (await inject('GET', '/status')).body as { workspaces?: { root: string; state: string; lastIndexedAt: string | null }[] };
        return roots.every((root) => workspaces.some((w) => w.root === root && w.state === 'ready' && w.lastIndexedAt));
      }, `${roots.join(', ')} to be indexed`);
    },
    async close() {
      await app.close();
      await daemon.close();
    },
  };
}

/**
 * A CVU_HOME at `dir/home` whose user config names the generated tiny GGUF
 * (`dir/tiny.gguf`; the model is the user's choice, never a workspace's), on
 * one thread; with `installedAs`, also installed under that name, so that
 * GET /v1/models lists it and a request can name it.
 */
export async function homeWithTinyModel(dir: string, opts: { installedAs?: string } = {}): Promise<string> {
  const home = path.join(dir, 'home');
  const tiny = await writeTinyLlama(path.join(dir, 'tiny.gguf'));
  fs.mkdirSync(home, { recursive: true });
  if (opts.installedAs) {
    fs.mkdirSync(path.join(home, 'models', 'llm'), { recursive: true });
    fs.copyFileSync(tiny.file, path.join(home, 'models', 'llm', `${opts.installedAs}.gguf`));
  }
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ threads: 1, model: { path: tiny.file, contextSize: 2048 } }));
  return home;
}

/** A daemon on the tiny model serving one indexed workspace, in a temp folder of its own. */
export interface TinyModelDaemon {
  /** The temp folder: the home, the model and the workspace are inside. */
  tmp: string;
  /** The workspace, `tmp/demo` (a fixed name: prompts name the repository). */
  root: string;
  served: ServedDaemon;
  /** Closes the daemon and removes the folder. */
  close(): Promise<void>;
}

/**
 * A daemon whose user config names the tiny GGUF (homeWithTinyModel), with
 * `files` written as a workspace, registered and indexed without an
 * embedding model.
 */
export async function serveWithTinyModel(opts: { prefix: string; files: Record<string, string>; token: string; installedAs?: string }): Promise<TinyModelDaemon> {
  process.env.CVU_EMBEDDING_MODEL = 'none';
  delete process.env.CVU_MODEL;
  const tmp = makeTempDir(opts.prefix);
  const home = await homeWithTinyModel(tmp, opts.installedAs ? { installedAs: opts.installedAs } : {});
  const root = path.join(tmp, 'demo');
  writeTree(root, opts.files);
  const served = await serveDaemon({ home, token: opts.token });
  await served.register(root);
  return {
    tmp,
    root,
    served,
    async close() {
      await served.close();
      removeDir(tmp);
    },
  };
}
