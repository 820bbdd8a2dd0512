/**
 * The daemon keeps its contract (protocol/routes.ts): it serves every route
 * of the table, answers a malformed body of every POST route with the
 * documented error, and every answer — JSON, each event of a stream, and
 * the errors — fits its schema with no field the schema (and docs/api.md)
 * leaves out. On a real daemon over a small workspace written here, with the
 * generated tiny GGUF (random weights: only shapes are checked).
 */
import path from 'node:path';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventStream } from '../../protocol/event-stream.js';
import type { StreamContract } from '../../protocol/events.js';
import { errorsOf, INVALID_BODY, ROUTES, type RouteContract, type RouteName } from '../../protocol/routes.js';
import { contractErrors } from '../helpers/contract.js';
import { expectError } from '../helpers/errors.js';
import type { RawAnswer } from '../helpers/http.js';
import { SOURCES as SAMPLE } from '../helpers/sample-workspace.js';
import { serveDaemon, serveWithTinyModel, type ServedDaemon, type TinyModelDaemon } from '../helpers/served-daemon.js';

const TOKEN = 'e'.repeat(64);
const SOURCES = {
  'src/config/parse-config.ts': SAMPLE['src/config/parse-config.ts'],
  'src/util/validate.ts': SAMPLE['src/util/validate.ts'],
  'src/upload/retry_upload.py': SAMPLE['src/upload/retry_upload.py'],
};

let fixture: TinyModelDaemon;
let tmp: string;
let root: string;
let served: ServedDaemon;

const routes = Object.entries(ROUTES) as [RouteName, RouteContract][];
const postRoutes = routes.filter(([, r]) => r.body);

function expectFits(schema: TSchema, value: unknown, what: string): void {
  expect(contractErrors(schema, value), `${what}: ${JSON.stringify(value).slice(0, 400)}`).toEqual([]);
}

/** Every event of a stream fits its schema, in the order its contract gives; the data of each, by event name. */
function expectStreamFits(stream: StreamContract, r: RawAnswer, what: string): Map<string, unknown[]> {
  expect(r.status, r.text.slice(0, 300)).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
  const byName = new Map<string, unknown[]>();
  const events = parseEventStream(r.text);
  expect(events.length).toBeGreaterThan(0);
  events.forEach(({ event, data }, i) => {
    if (stream.end && i === events.length - 1) {
      expect(data, `${what}: its last event`).toBe(stream.end.data);
      return;
    }
    const contract = stream.events[event];
    expect(contract, `${what}: event ${event} is not in its contract`).toBeDefined();
    const value = JSON.parse(data) as unknown;
    expectFits(contract.data, value, `${what}, event ${event}`);
    byName.set(event, [...(byName.get(event) ?? []), value]);
  });
  return byName;
}

beforeAll(async () => {
  // Installed too, so that /v1/models lists one.
  fixture = await serveWithTinyModel({ prefix: 'cvu-contract-', files: SOURCES, token: TOKEN, installedAs: 'tiny-installed' });
  ({ tmp, root, served } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

describe('the daemon keeps its contract', () => {
  it('serves every route of the table, with its method', () => {
    for (const [name, route] of routes) expect(served.app.hasRoute({ method: route.method, url: route.url }), name).toBe(true);
  });

  it('answers a malformed body of every POST route with the documented error, naming the field', async () => {
    /** A valid body of each route, so that each case below breaks one thing. */
    const valid: Record<string, Record<string, unknown>> = {
      registerWorkspace: { root: path.join(tmp, 'missing') },
      context: { path: 'src/util/validate.ts', position: { line: 0, character: 0 } },
      search: { root, query: 'parseConfig' },
      complete: { path: 'src/util/validate.ts', position: { line: 0, character: 0 } },
      explain: { path: 'src/util/validate.ts' },
      refactor: { path: 'src/util/validate.ts', lines: { start: 1, end: 1 } },
      ask: { question: 'where is the config parsed?' },
      chatCompletions: { messages: [{ role: 'user', content: 'hi' }] },
      completions: { prompt: 'const x = ' },
    };
    expect(Object.keys(valid).sort()).toEqual(postRoutes.map(([name]) => name).sort());
    for (const [name, route] of postRoutes) {
      const documented = errorsOf(route).filter((e) => e.status === INVALID_BODY.status && e.code === INVALID_BODY.code);
      expect(documented, `${name} documents its answer to a malformed body`).toContainEqual(INVALID_BODY);
      const base = valid[name];
      expect(Value.Check(route.body!, base), `${name}'s valid body`).toBe(true);
      const send = (opts: { body?: unknown; raw?: string }) => served.inject(route.method, route.url, opts);

      for (const raw of ['{"not": json', '[]', '"a string"', 'null', '42']) {
        expectError(await send({ raw }), INVALID_BODY.status, INVALID_BODY.code);
      }
      const schema = route.body as { properties: Record<string, TSchema>; required?: string[] };
      for (const field of schema.required ?? []) {
        const { [field]: _dropped, ...rest } = base;
        const r = await send({ body: rest });
        expectError(r, INVALID_BODY.status, INVALID_BODY.code, new RegExp(`body\\.${field} is required`));
        expect(r.body.error.field).toBe(`body.${field}`);
      }
      for (const [field, fieldSchema] of Object.entries(schema.properties)) {
        // A JSON value of a type the field does not take.
        const wrong = [42, 'x', true, {}, [], null].find((v) => !Value.Check(fieldSchema, v));
        const r = await send({ body: { ...base, [field]: wrong } });
        expectError(r, INVALID_BODY.status, INVALID_BODY.code, new RegExp(`body\\.${field}\\b`));
      }
    }
    expect((await served.inject('GET', '/health')).status).toBe(200);
  });

  it('answers every route, and streams every event, as its schema says', async () => {
    const file = 'src/config/parse-config.ts';
    /** A request of every route (typed by the table: a route added to it needs one here). */
    const requests: Record<RouteName, Record<string, unknown> | undefined> = {
      health: undefined,
      status: undefined,
      registerWorkspace: { root },
      context: { path: file, position: { line: 10, character: 4 } },
      search: { root, query: 'parseConfig' },
      complete: { path: file, position: { line: 10, character: 4 }, maxTokens: 4 },
      explain: { path: file, lines: { start: 10, end: 13 }, maxTokens: 8 },
      refactor: { path: 'src/util/validate.ts', lines: { start: 2, end: 3 }, maxTokens: 12 },
      ask: { root, question: 'where do we retry failed uploads?', maxTokens: 8 },
      models: undefined,
      chatCompletions: { messages: [{ role: 'user', content: 'How is the config parsed?' }], max_tokens: 6 },
      completions: { prompt: 'import { validateOptions } from "./util/validate";\nconst options = validate', suffix: '\n', path: 'src/config/new.ts', max_tokens: 6 },
    };
    for (const [name, route] of routes) {
      const body = requests[name];
      if (route.body) expect(Value.Check(route.body, body), `${name}'s request`).toBe(true);
      const r = await served.inject(route.method, route.url, body ? { body } : {});
      expect(r.status, `${name}: ${r.text.slice(0, 300)}`).toBe(200);
      expectFits(route.response, r.body, name);
      if (!route.stream) continue;
      // Over a socket: the stream as a client reads it.
      const streamed = route.stream.end
        ? await served.call(route.method, route.url, { body: { ...body, stream: true } })
        : await served.call(route.method, route.url, { body, headers: { accept: 'text/event-stream' } });
      const events = expectStreamFits(route.stream, streamed, `${name} streamed`);
      if (!route.stream.end) expect([...events.keys()].slice(-2), name).toEqual(['sources', 'done']);
    }
  });

  it('answers /ask without a model with the locations, as its schema says, in JSON and streamed', async () => {
    const bare = await serveDaemon({ home: path.join(tmp, 'bare-home'), token: TOKEN });
    try {
      await bare.register(root);
      const body = { root, question: 'where is the config parsed?' };
      const r = await bare.inject('POST', '/ask', { body });
      expect(r.status, r.text).toBe(200);
      expect(r.body.answer).toBeNull();
      expectFits(ROUTES.ask.response, r.body, 'ask without a model');
      const events = expectStreamFits(ROUTES.ask.stream, await bare.call('POST', '/ask', { body, headers: { accept: 'text/event-stream' } }), 'ask without a model, streamed');
      expect([...events.keys()]).toEqual(['sources', 'done']);
      // The model routes refuse, in the documented error.
      const refused = await bare.inject('POST', '/complete', { body: { path: path.join(root, 'src/util/validate.ts'), position: { line: 0, character: 0 } } });
      expectError(refused, 503, 'CVU_ERR_MODEL_MISSING');
      expect(errorsOf(ROUTES.complete)).toContainEqual(expect.objectContaining({ status: 503, code: 'CVU_ERR_MODEL_MISSING' }));
    } finally {
      await bare.close();
    }
  });
});
