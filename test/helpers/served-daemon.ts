import { expect } from 'vitest';
import type { Logger } from '../../core/log.js';
import { Daemon } from '../../daemon/daemon.js';
import { buildServer, type CvuApp } from '../../daemon/server.js';
import { injectRequest, rawRequest, type RawAnswer, type RawRequestOptions } from './http.js';
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
