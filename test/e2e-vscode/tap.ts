/**
 * A recording pass-through in front of the daemon, for the end-to-end test:
 * the extension talks to it exactly as to the daemon (it finds it through a
 * daemon.json of its own), every request goes through unchanged — streams
 * included — and the test reads what the daemon answered, so that it can
 * check the editor against the real answers (the model's text is random)
 * instead of guessing. It can pace streams to a real model's speed (the tiny
 * test model answers in milliseconds), so that the editor's rendering of a
 * stream is seen.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  status: number;
  request: unknown;
  /** The JSON answer; for a server-sent-events stream, the `done` event's data. */
  response: unknown;
  /** Server-sent events seen (streams only). */
  events: { event: string; data: string }[];
  at: number;
}

export interface Tap {
  port: number;
  exchanges: Exchange[];
  /** Exchanges of one path (e.g. '/complete'), oldest first. */
  of(path: string): Exchange[];
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseSse(text: string): { event: string; data: string }[] {
  const out: { event: string; data: string }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) out.push({ event, data: data.join('\n') });
  }
  return out;
}

export interface TapOptions {
  /**
   * Streams: forward one server-sent event every this many ms (0: as they
   * come). The tiny test model writes a whole answer in a few milliseconds;
   * a real one takes seconds, and that is what the editor must show.
   */
  ssePaceMs?: number;
}

/** Writes complete SSE events (blocks ending in a blank line) one per `paceMs`, in order. */
function pacedWriter(res: http.ServerResponse, paceMs: number) {
  let pending = '';
  const queue: string[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let ended = false;
  const pump = () => {
    timer = null;
    const next = queue.shift();
    if (next !== undefined) res.write(next);
    if (queue.length) timer = setTimeout(pump, paceMs);
    else if (ended) res.end();
  };
  return {
    write(chunk: Buffer) {
      pending += chunk.toString('utf8');
      let i: number;
      while ((i = pending.indexOf('\n\n')) >= 0) {
        queue.push(pending.slice(0, i + 2));
        pending = pending.slice(i + 2);
      }
      if (!timer && queue.length) timer = setTimeout(pump, paceMs);
    },
    end() {
      if (pending) queue.push(pending);
      pending = '';
      ended = true;
      if (!timer) {
        if (queue.length) timer = setTimeout(pump, paceMs);
        else res.end();
      }
    },
  };
}

export async function startTap(daemonPort: number, opts: TapOptions = {}): Promise<Tap> {
  const exchanges: Exchange[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, host: `127.0.0.1:${daemonPort}` };
      const upstream = http.request({ host: '127.0.0.1', port: daemonPort, method: req.method, path: req.url, headers, agent: false }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const sse = String(up.headers['content-type'] ?? '').includes('text/event-stream');
        const out = sse && opts.ssePaceMs ? pacedWriter(res, opts.ssePaceMs) : { write: (c: Buffer) => res.write(c), end: () => res.end() };
        const got: Buffer[] = [];
        up.on('data', (c: Buffer) => {
          got.push(c);
          out.write(c);
        });
        up.on('end', () => {
          out.end();
          const text = Buffer.concat(got).toString('utf8');
          const events = sse ? parseSse(text) : [];
          const done = events.find((e) => e.event === 'done');
          exchanges.push({
            method: req.method ?? 'GET',
            path: (req.url ?? '').split('?')[0],
            status: up.statusCode ?? 0,
            request: body.length ? parseJson(body.toString('utf8')) : undefined,
            response: sse ? (done ? parseJson(done.data) : undefined) : parseJson(text),
            events,
            at: Date.now(),
          });
        });
        up.on('error', () => res.destroy());
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      // A client that goes away aborts its request upstream too (the daemon stops generating).
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    exchanges,
    of: (p) => exchanges.filter((e) => e.path === p),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
