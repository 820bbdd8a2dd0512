/**
 * What a real llama-server cannot be made to do, on a small fake HTTP server (the real-server
 * behaviour is test/models/remote-backends.test.ts): answer garbage, a 500, or close a stream
 * in the middle. Each is a clear CvuError and the client goes on working.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelHttp } from '../../models/model-http.js';
import { rejection } from '../helpers/errors.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/health') return res.end('{"status":"ok"}');
    if (req.url === '/garbage') return res.end('<html>proxy error</html>');
    if (req.url === '/fail') {
      res.statusCode = 500;
      return res.end(JSON.stringify({ error: { message: 'model crashed' } }));
    }
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"content":"a"}\n\n');
      setTimeout(() => res.destroy(), 20);
      return;
    }
    if (req.url === '/silent') return; // accepts, never answers
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('ModelHttp on a misbehaving server', () => {
  const client = (probePath = '/health') => new ModelHttp({ baseUrl: base, timeoutMs: 10_000, probePath, label: 'the test server' });

  it('garbage, a 500 and a stream cut off are clear errors naming the route; the next request works', async () => {
    const c = client();
    expect(await rejection(c.json('/garbage', undefined))).toMatchObject({ code: 'CVU_ERR_BACKEND_UNAVAILABLE', message: expect.stringMatching(/\/garbage with not JSON: <html>proxy error/) });
    expect(await rejection(c.json('/fail', {}))).toMatchObject({ code: 'CVU_ERR_BACKEND_UNAVAILABLE', message: expect.stringMatching(/\/fail with 500: model crashed/) });
    const seen: unknown[] = [];
    expect(await rejection(c.stream('/cut', {}, (e) => void seen.push(e)))).toMatchObject({ code: 'CVU_ERR_BACKEND_UNAVAILABLE', message: expect.stringMatching(/closed \/cut before the end/) });
    expect(seen).toEqual([{ content: 'a' }]);
    expect(await c.json('/health', undefined)).toEqual({ status: 'ok' });
    expect(c.state).toBe('ready');
  });

  it('a server that accepts but never answers, and whose probe fails too, is unavailable within 3 s', async () => {
    const c = client('/silent');
    const t0 = performance.now();
    expect(await rejection(c.json('/silent', {}))).toMatchObject({ code: 'CVU_ERR_BACKEND_UNAVAILABLE', status: 503 });
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(c.state).toBe('unavailable');
  });
});
