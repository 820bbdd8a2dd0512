/**
 * The OpenAI-compatible routes (/v1/models, /v1/chat/completions,
 * /v1/completions) on a real Daemon, a real index and the generated tiny
 * GGUF (random weights: shapes, streams, usage and status codes are checked,
 * never what the model says).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventStream } from '../../protocol/event-stream.js';
import { SOURCES } from '../helpers/sample-workspace.js';
import { expectError } from '../helpers/errors.js';
import { serveWithTinyModel, type ServedDaemon, type TinyModelDaemon } from '../helpers/served-daemon.js';

const TOKEN = 'd'.repeat(64);
let fixture: TinyModelDaemon;
/** Over a socket: for streams. */
let call: ServedDaemon['call'];
/** Through app.inject(): for what a route answers. */
let inject: ServedDaemon['inject'];

/** The `data:` payloads of an OpenAI stream, in order (`[DONE]` as the string); every event is unnamed, as OpenAI's clients expect. */
function chunks(text: string): any[] {
  return parseEventStream(text).map(({ event, data }) => {
    expect(event).toBe('message');
    return data === '[DONE]' ? data : JSON.parse(data);
  });
}

beforeAll(async () => {
  // Also installed (a file in the models folder), so /v1/models lists it and a request can name it.
  fixture = await serveWithTinyModel({ prefix: 'cvu-openai-', files: SOURCES, token: TOKEN, installedAs: 'tiny-installed' });
  ({ call, inject } = fixture.served);
});

afterAll(async () => {
  await fixture?.close();
});

describe('OpenAI-compatible routes', () => {
  it('GET /v1/models lists the installed models', async () => {
    const r = await inject('GET', '/v1/models');
    expect(r.status).toBe(200);
    expect(r.body.object).toBe('list');
    expect(r.body.data).toContainEqual({ id: 'tiny-installed', object: 'model', created: expect.any(Number), owned_by: 'cvu' });
  });

  it('POST /v1/chat/completions answers in OpenAI\'s shape, with the repository code it added', async () => {
    const body = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'How is the config parsed?' }], max_tokens: 8, temperature: 0 };
    const r = await inject('POST', '/v1/chat/completions', { body });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ id: expect.stringMatching(/^chatcmpl-/), object: 'chat.completion', created: expect.any(Number), model: 'tiny' });
    expect(r.body.choices).toHaveLength(1);
    expect(r.body.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: expect.stringMatching(/^(stop|length)$/) });
    const { prompt_tokens, completion_tokens, total_tokens } = r.body.usage;
    expect(prompt_tokens).toBeGreaterThan(10);
    expect(completion_tokens).toBeLessThanOrEqual(8);
    expect(total_tokens).toBe(prompt_tokens + completion_tokens);
    expect(r.body.cvu.sources.length).toBeGreaterThan(0);
    expect(r.body.cvu.sources.map((s: { path: string }) => s.path)).toContain('src/config/parse-config.ts');

    // The same request streamed: a role chunk, content deltas, a finish chunk with usage, [DONE]; the same text (temperature 0).
    const s = await call('POST', '/v1/chat/completions', { body: { ...body, stream: true } });
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = chunks(s.text);
    expect(events.at(-1)).toBe('[DONE]');
    const data = events.slice(0, -1);
    expect(data[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    for (const c of data) expect(c).toMatchObject({ id: data[0].id, object: 'chat.completion.chunk' });
    const last = data.at(-1);
    expect(last.choices[0].finish_reason).toMatch(/^(stop|length)$/);
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
    const streamed = data.map((c: any) => c.choices[0].delta.content ?? '').join('');
    expect(streamed).toBe(r.body.choices[0].message.content);

    // A conversation with an earlier answer, content as parts, and a model named by its installed name.
    const turn = await inject('POST', '/v1/chat/completions', {
      body: {
        model: 'tiny-installed',
        messages: [{ role: 'user', content: 'What does validateOptions check?' }, { role: 'assistant', content: 'The port.' }, { role: 'user', content: [{ type: 'text', text: 'And what else?' }] }],
        max_tokens: 4,
      },
    });
    expect(turn.status, turn.text).toBe(200);
    expect(turn.body.model).toBe('tiny-installed');
  });

  it('POST /v1/completions continues a prompt, or fills in the middle with a suffix', async () => {
    const plain = await inject('POST', '/v1/completions', { body: { prompt: 'export function parseConfig(', max_tokens: 6 } });
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body).toMatchObject({ id: expect.stringMatching(/^cmpl-/), object: 'text_completion', model: 'tiny' });
    expect(plain.body.choices[0]).toMatchObject({ index: 0, text: expect.any(String), finish_reason: expect.stringMatching(/^(stop|length)$/) });
    expect(plain.body.usage.completion_tokens).toBeLessThanOrEqual(6);
    expect(plain.body.cvu.sources).toEqual([]);

    const fim = await inject('POST', '/v1/completions', { body: { prompt: 'import { validateOptions } from "./util/validate";\nconst options = validate', suffix: '\n', path: 'src/config/new.ts', max_tokens: 6 } });
    expect(fim.status, fim.text).toBe(200);
    expect(fim.body.cvu.sources.length).toBeGreaterThan(0);
    const s = await call('POST', '/v1/completions', { body: { prompt: 'const x = ', suffix: ';\n', max_tokens: 6, stream: true } });
    const events = chunks(s.text);
    expect(events.at(-1)).toBe('[DONE]');
    for (const c of events.slice(0, -1)) expect(c).toMatchObject({ object: 'text_completion', choices: [{ index: 0, text: expect.any(String) }] });
    expect(events.at(-2).choices[0].finish_reason).toMatch(/^(stop|length)$/);
  });

  it('refuses what it cannot serve, in the daemon\'s error shape', async () => {
    expectError(await inject('POST', '/v1/chat/completions', { body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } }), 404, 'CVU_ERR_MODEL_MISSING', /gpt-4o is not installed/);
    const noUser = await inject('POST', '/v1/chat/completions', { body: { messages: [{ role: 'system', content: 'x' }] } });
    expectError(noUser, 400, 'CVU_ERR_BAD_REQUEST', /user message/);
    expect(noUser.body.error.field).toBe('body.messages');
    expectError(await inject('POST', '/v1/chat/completions', { body: { messages: [{ role: 'tool', content: 'x' }] } }), 400, 'CVU_ERR_BAD_REQUEST', /body\.messages\.0\.role/);
    const image = await inject('POST', '/v1/chat/completions', { body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] } });
    expectError(image, 400, 'CVU_ERR_BAD_REQUEST', /only text content/);
    expect(image.body.error.field).toBe('body.messages[0].content[0].type');
    expectError(await inject('POST', '/v1/completions', { body: { prompt: 'x', path: '/etc/passwd' } }), 403, 'CVU_ERR_PATH_OUTSIDE_ROOT');
    expectError(await inject('POST', '/v1/completions', { body: { prompt: 'word '.repeat(5000), max_tokens: 4 } }), 400, 'CVU_ERR_BAD_REQUEST', /tokens/);
    expect((await inject('GET', '/health')).status).toBe(200);
  });
});
