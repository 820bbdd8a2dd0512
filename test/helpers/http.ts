import http from 'node:http';

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

/**
 * One raw HTTP request to a daemon on loopback (node:http, so that Host,
 * Origin and broken bodies go out exactly as written).
 */
export function rawRequest(port: number, defaultToken: string, method: string, url: string, opts: RawRequestOptions = {}): Promise<RawAnswer> {
  const payload = opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? defaultToken}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, opts.headers);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON (an event stream)
        }
        resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
      });
    });
    // A server that answers 413 early may close the socket while a big body is still going out.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(payload);
  });
}
