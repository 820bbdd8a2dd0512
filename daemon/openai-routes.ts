/**
 * The OpenAI-compatible surface (API.md): `GET /v1/models`,
 * `POST /v1/chat/completions` and `POST /v1/completions`, so that tools made
 * for OpenAI's API can use Cvu as a repo-aware local model. The shapes are
 * OpenAI's; the difference is the repository: a chat gets the workspace code
 * most relevant to its last user message, a fill-in-the-middle completion the
 * code most like its prompt's last lines. The workspace is `root` in the body,
 * else the one registered. Errors keep the daemon's one shape
 * (`{ error: { code, message } }`), which OpenAI clients read as theirs.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CvuError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ChatResult } from '../assistant/assistant.js';
import type { ChatMessage } from '../prompts/index.js';
import type { Daemon } from './daemon.js';
import { abortedError, badField, clientId, connectionSignal, pathSchema, toErrorBody } from './http-support.js';
import type { Workspace } from '../workspace/workspace.js';

const common = {
  model: { type: 'string', minLength: 1, maxLength: 512 },
  max_tokens: { type: 'integer', minimum: 1, maximum: 32768 },
  stream: { type: 'boolean' },
  root: pathSchema,
} as const;

const chatBody = {
  type: 'object',
  required: ['messages'],
  properties: {
    ...common,
    max_completion_tokens: { type: 'integer', minimum: 1, maximum: 32768 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant'] },
          // A string, or OpenAI's list of content parts (the text parts are used).
          content: { anyOf: [{ type: 'string' }, { type: 'array', maxItems: 1000, items: { type: 'object', properties: { type: { type: 'string' }, text: { type: 'string' } } } }] },
        },
      },
    },
  },
} as const;

const completionBody = {
  type: 'object',
  required: ['prompt'],
  properties: {
    ...common,
    prompt: { type: 'string' },
    suffix: { type: 'string' },
    path: pathSchema,
  },
} as const;

interface ChatBody {
  model?: string;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  stream?: boolean;
  root?: string;
  messages: { role: 'system' | 'developer' | 'user' | 'assistant'; content: string | { type?: string; text?: string }[] }[];
}

interface CompletionBody {
  model?: string;
  max_tokens?: number;
  stream?: boolean;
  root?: string;
  prompt: string;
  suffix?: string;
  path?: string;
}

export function registerOpenAiRoutes(app: FastifyInstance, daemon: Daemon, log: Logger): void {
  app.get('/v1/models', async () => {
    const models = await daemon.assistant.runtime.manager.list();
    return {
      object: 'list',
      data: models
        .filter((m) => m.present)
        .map((m) => ({ id: m.name, object: 'model', created: m.addedAt ? Math.floor(Date.parse(m.addedAt) / 1000) : 0, owned_by: 'cvu' })),
    };
  });

  app.post<{ Body: ChatBody }>('/v1/chat/completions', { schema: { body: chatBody } }, async (request, reply) => {
    const body = request.body;
    const ws = workspaceFor(body.root);
    const model = await installedModel(body.model);
    const messages: ChatMessage[] = body.messages.map((m, i) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: typeof m.content === 'string' ? m.content : m.content.map((p, j) => {
        if (p.type !== undefined && p.type !== 'text') throw badField(`body.messages[${i}].content[${j}].type`, `only text content is supported, not ${String(p.type).slice(0, 50)}`);
        return p.text ?? '';
      }).join(''),
    }));
    if (!messages.some((m) => m.role === 'user')) throw badField('body.messages', 'body.messages needs a user message');
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    return run(request, reply, 'chat.completion', body.stream === true, (signal, onToken) =>
      daemon.assistant.chat(ws, { messages, ...(model ? { model } : {}), ...(maxTokens !== undefined ? { maxTokens } : {}), ...(body.temperature !== undefined ? { temperature: body.temperature } : {}) }, { signal, ...(onToken ? { onToken } : {}) }),
    );
  });

  app.post<{ Body: CompletionBody }>('/v1/completions', { schema: { body: completionBody } }, async (request, reply) => {
    const body = request.body;
    const ws = workspaceFor(body.root);
    const model = await installedModel(body.model);
    let rel: string | undefined;
    if (body.path !== undefined) {
      const resolved = daemon.resolvePath(body.path);
      if (resolved.ws !== ws) throw badField('body.path', `body.path is not in the workspace ${ws.root}`);
      rel = resolved.rel;
    }
    return run(request, reply, 'text_completion', body.stream === true, (signal, onToken) =>
      daemon.assistant.completeText(
        ws,
        { prompt: body.prompt, ...(body.suffix !== undefined ? { suffix: body.suffix } : {}), ...(rel ? { path: rel } : {}), ...(model ? { model } : {}), ...(body.max_tokens !== undefined ? { maxTokens: body.max_tokens } : {}) },
        { signal, ...(onToken ? { onToken } : {}) },
      ),
    );
  });

  /** `root`, else the only registered workspace. */
  function workspaceFor(root: string | undefined): Workspace {
    if (root !== undefined) return daemon.workspaceAt(root);
    const all = daemon.workspaces();
    if (all.length !== 1) throw badField('body.root', all.length ? 'body.root is required when several workspaces are registered' : 'no workspace is registered: POST /workspaces first (or send body.root)');
    return all[0];
  }

  /** The model a request names: one `GET /v1/models` lists (never a download); undefined keeps the configured one. */
  async function installedModel(name: string | undefined): Promise<string | undefined> {
    if (name === undefined || name === 'cvu') return undefined;
    const installed = await daemon.assistant.runtime.manager.list();
    const found = installed.find((m) => m.present && m.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new CvuError('CVU_ERR_MODEL_MISSING', `model ${name.slice(0, 200)} is not installed (GET /v1/models lists them; \`cvu models pull\` installs one)`, { status: 404 });
    return found.name;
  }

  /**
   * Runs a request on the interactive lane (a client's newer request
   * supersedes its older one) and answers in OpenAI's shape: one JSON object,
   * or with `stream: true` server-sent `data:` chunks and `data: [DONE]`.
   */
  async function run(
    request: FastifyRequest,
    reply: FastifyReply,
    object: 'chat.completion' | 'text_completion',
    stream: boolean,
    generate: (signal: AbortSignal, onToken: ((text: string) => void) | undefined) => Promise<ChatResult>,
  ): Promise<unknown> {
    const signal = connectionSignal(request, reply, log);
    const client = clientId(request);
    const id = `${object === 'chat.completion' ? 'chatcmpl' : 'cmpl'}-${crypto.randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const chat = object === 'chat.completion';
    let sse: ChunkStream | null = null;
    const task = (onToken: ((text: string) => void) | undefined) =>
      daemon.scheduler.interactiveTask(
        async (taskSignal) => {
          const result = await generate(taskSignal, onToken);
          if (taskSignal.aborted) throw abortedError(taskSignal);
          return result;
        },
        { ...(client ? { supersedeKey: `${client}:${object}` } : {}), signal, lane: 'model' },
      );
    if (!stream) {
      const r = await task(undefined);
      const usage = { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens };
      const finish = finishReason(r.stopReason);
      const choice = chat
        ? { index: 0, message: { role: 'assistant', content: r.answer }, finish_reason: finish, logprobs: null }
        : { index: 0, text: r.answer, finish_reason: finish, logprobs: null };
      return { id, object, created, model: r.model, choices: [choice], usage, cvu: { sources: r.sources, timings: r.timings } };
    }
    const chunk = (model: string, delta: string | null, finish: string | null) =>
      chat
        ? { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: delta === null ? {} : { content: delta }, finish_reason: finish, logprobs: null }] }
        : { id, object: 'text_completion', created, model, choices: [{ index: 0, text: delta ?? '', finish_reason: finish, logprobs: null }] };
    // Opened at the first output, so that a failure before it (no model, a prompt too long) is a plain JSON error with its status.
    sse = new ChunkStream(reply);
    const open = (model: string) => {
      if (chat && !sse!.isOpen) sse!.send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }] });
    };
    try {
      const r = await task((text) => {
        const model = daemon.assistant.status().name ?? 'cvu';
        open(model);
        sse!.send(chunk(model, text, null));
      });
      open(r.model);
      sse.send({ ...chunk(r.model, null, finishReason(r.stopReason)), usage: { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens } });
      sse.done();
    } catch (err) {
      if (!sse.isOpen) throw err;
      const { body, internal } = toErrorBody(err);
      if (internal) log.error(`${request.method} ${request.routeOptions.url ?? '?'} failed while streaming: ${(err as Error)?.stack ?? String(err)}`);
      sse.send(body);
    } finally {
      sse.end();
    }
    return undefined;
  }
}

/** OpenAI's finish reasons: `length` when the token limit cut the answer, else `stop`. */
function finishReason(stopReason: string): 'stop' | 'length' {
  return stopReason === 'maxTokens' ? 'length' : 'stop';
}

/** OpenAI's stream: `data: {json}` events, `data: [DONE]` at the end. Opened at its first event. */
class ChunkStream {
  private opened = false;

  constructor(private readonly reply: FastifyReply) {}

  get isOpen(): boolean {
    return this.opened;
  }

  send(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  done(): void {
    this.write('data: [DONE]\n\n');
  }

  private write(text: string): void {
    const res = this.reply.raw;
    if (!this.opened) {
      this.opened = true;
      this.reply.hijack();
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.flushHeaders();
    }
    if (!res.destroyed && !res.writableEnded) res.write(text);
  }

  end(): void {
    const res = this.reply.raw;
    if (this.opened && !res.writableEnded && !res.destroyed) res.end();
  }
}
