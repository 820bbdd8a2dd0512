import http from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface RawAnswer {
  status: number;
  /** The body parsed as JSON, or the text when it is not JSON (an event stream). */
  body: any;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export interface RawRequestOptions {
  body?: unknown;
  /** Sent as written (broken JSON, huge bodies). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** null: no Authorization header at all. */
  token?: string | null;
}

/** The headers a request goes out with: the token unless `opts.token` says otherwise, JSON for a body, then `opts.headers`. */
function requestHeaders(defaultToken: string, payload: unknown, opts: RawRequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? defaultToken}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return Object.assign(headers, opts.headers);
}

/** The body parsed as JSON, or the text when it is not JSON (an event stream). */
function parsedBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One raw HTTP request to a daemon on loopback (node:http, so that Host,
 * Origin and broken bodies go out exactly as written).
 */
export function rawRequest(port: number, defaultToken: string, method: string, url: string, opts: RawRequestOptions = {}): Promise<RawAnswer> {
  const payload = opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  const headers = requestHeaders(defaultToken, payload, opts);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: parsedBody(text), text, headers: res.headers });
      });
    });
    // A server that answers 413 early may close the socket while a big body is still going out.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(payload);
  });
}

/**
 * The same request through `app.inject()`: no socket, for tests of what a
 * route does (the Host is `localhost:80`; Host, Origin and token checks and
 * streams read as they arrive need a real socket: rawRequest).
 */
export async function injectRequest(app: FastifyInstance, defaultToken: string, method: string, url: string, opts: RawRequestOptions = {}): Promise<RawAnswer> {
  const payload = opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  const res = await app.inject({ method: method as 'GET', url, headers: requestHeaders(defaultToken, payload, opts), ...(payload !== undefined ? { payload } : {}) });
  return { status: res.statusCode, body: parsedBody(res.body), text: res.body, headers: res.headers as http.IncomingHttpHeaders };
}
