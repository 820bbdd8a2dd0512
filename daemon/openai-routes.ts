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
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CvuError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ChatResult } from '../assistant/assistant.js';
import type { ChatMessage } from '../prompts/index.js';
import type { ChatCompletion, ChatCompletionChunk, TextCompletion, TextCompletionChunk } from '../protocol/openai.js';
import type { EventData } from '../protocol/events.js';
import { ROUTES } from '../protocol/routes.js';
import type { Daemon } from './daemon.js';
import { abortedError, badField, clientId, connectionSignal, routeOptions, type CvuApp } from './http-support.js';
import { EventStream, streamFailure } from './sse.js';
import type { Workspace } from '../workspace/workspace.js';

export function registerOpenAiRoutes(app: CvuApp, daemon: Daemon, log: Logger): void {
  app.route({
    ...routeOptions(ROUTES.models),
    handler: async () => {
      const models = await daemon.assistant.runtime.manager.list();
      return {
        object: 'list' as const,
        data: models
          .filter((m) => m.present)
          .map((m) => ({ id: m.name, object: 'model' as const, created: m.addedAt ? Math.floor(Date.parse(m.addedAt) / 1000) : 0, owned_by: 'cvu' as const })),
      };
    },
  });

  app.route({
    ...routeOptions(ROUTES.chatCompletions),
    handler: async (request, reply) => {
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
      const generate = (signal: AbortSignal, onToken: ((text: string) => void) | undefined) =>
        daemon.assistant.chat(ws, { messages, ...(model ? { model } : {}), ...(maxTokens !== undefined ? { maxTokens } : {}), ...(body.temperature !== undefined ? { temperature: body.temperature } : {}) }, { signal, ...(onToken ? { onToken } : {}) });
      return body.stream === true ? streamChat(request, reply, generate) : chatCompletion(await run(request, reply, 'chat.completion', generate));
    },
  });

  app.route({
    ...routeOptions(ROUTES.completions),
    handler: async (request, reply) => {
      const body = request.body;
      const ws = workspaceFor(body.root);
      const model = await installedModel(body.model);
      let rel: string | undefined;
      if (body.path !== undefined) {
        const resolved = daemon.resolvePath(body.path);
        if (resolved.ws !== ws) throw badField('body.path', `body.path is not in the workspace ${ws.root}`);
        rel = resolved.rel;
      }
      const generate = (signal: AbortSignal, onToken: ((text: string) => void) | undefined) =>
        daemon.assistant.completeText(
          ws,
          { prompt: body.prompt, ...(body.suffix !== undefined ? { suffix: body.suffix } : {}), ...(rel ? { path: rel } : {}), ...(model ? { model } : {}), ...(body.max_tokens !== undefined ? { maxTokens: body.max_tokens } : {}) },
          { signal, ...(onToken ? { onToken } : {}) },
        );
      return body.stream === true ? streamText(request, reply, generate) : textCompletion(await run(request, reply, 'text_completion', generate));
    },
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
   * supersedes its older one); `onToken` sees the answer as it is written.
   */
  function run(
    request: FastifyRequest,
    reply: FastifyReply,
    object: 'chat.completion' | 'text_completion',
    generate: Generate,
    onToken?: (text: string) => void,
  ): Promise<ChatResult> {
    const signal = connectionSignal(request, reply, log);
    const client = clientId(request);
    return daemon.scheduler.interactiveTask(
      async (taskSignal) => {
        const result = await generate(taskSignal, onToken);
        if (taskSignal.aborted) throw abortedError(taskSignal);
        return result;
      },
      { ...(client ? { supersedeKey: `${client}:${object}` } : {}), signal, lane: 'model' },
    );
  }

  /** A streamed chat: a role chunk, content deltas, a finish chunk with usage, `[DONE]`. */
  function streamChat(request: FastifyRequest, reply: FastifyReply, generate: Generate): Promise<undefined> {
    const head = answerHead('chatcmpl');
    const chunk = (model: string, delta: ChatCompletionChunk['choices'][0]['delta'], finish: 'stop' | 'length' | null): ChatCompletionChunk =>
      ({ ...head, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    const sse = new EventStream(reply, ROUTES.chatCompletions.stream);
    // The role comes first, once, whether the first output is a token or the end.
    const open = (model: string) => {
      if (!sse.isOpen) sse.send('message', chunk(model, { role: 'assistant', content: '' }, null));
    };
    return stream(request, reply, sse, 'chat.completion', generate, {
      token: (text) => {
        const model = currentModel();
        open(model);
        sse.send('message', chunk(model, { content: text }, null));
      },
      last: (r) => {
        open(r.model);
        return { ...chunk(r.model, {}, finishReason(r.stopReason)), usage: usageOf(r) };
      },
    });
  }

  /** A streamed text completion: text chunks, a finish chunk with usage, `[DONE]`. */
  function streamText(request: FastifyRequest, reply: FastifyReply, generate: Generate): Promise<undefined> {
    const head = answerHead('cmpl');
    const chunk = (model: string, text: string, finish: 'stop' | 'length' | null): TextCompletionChunk =>
      ({ ...head, object: 'text_completion', model, choices: [{ index: 0, text, finish_reason: finish, logprobs: null }] });
    const sse = new EventStream(reply, ROUTES.completions.stream);
    return stream(request, reply, sse, 'text_completion', generate, {
      token: (text) => sse.send('message', chunk(currentModel(), text, null)),
      last: (r) => ({ ...chunk(r.model, '', finishReason(r.stopReason)), usage: usageOf(r) }),
    });
  }

  /**
   * Runs a generation into an OpenAI stream: `token` writes each chunk, the
   * end writes `last` and `[DONE]`; a failure once the stream is open is its
   * error body, with no `[DONE]` after it.
   */
  async function stream(
    request: FastifyRequest,
    reply: FastifyReply,
    sse: EventStream<OpenAiStream>,
    object: 'chat.completion' | 'text_completion',
    generate: Generate,
    write: { token: (text: string) => void; last: (r: ChatResult) => EventData<OpenAiStream>['message'] },
  ): Promise<undefined> {
    try {
      const r = await run(request, reply, object, generate, write.token);
      sse.send('message', write.last(r));
      sse.finish();
    } catch (err) {
      sse.send('message', streamFailure(sse, err, request, log));
    } finally {
      sse.end();
    }
    return undefined;
  }

  /** The model writing a stream's tokens (the answer's own model name comes with its end). */
  function currentModel(): string {
    return daemon.assistant.status().name ?? 'cvu';
  }
}

type Generate = (signal: AbortSignal, onToken: ((text: string) => void) | undefined) => Promise<ChatResult>;
/** The stream of either OpenAI route: unnamed events of chunks or an error body (protocol/events.ts, openAiStream). */
type OpenAiStream = (typeof ROUTES)['chatCompletions' | 'completions']['stream'];

/** What every answer and chunk of one request starts with: its id (the same in every chunk) and its time. */
function answerHead(prefix: 'chatcmpl' | 'cmpl'): { id: string; created: number } {
  return { id: `${prefix}-${crypto.randomUUID()}`, created: Math.floor(Date.now() / 1000) };
}

function usageOf(r: ChatResult): ChatCompletion['usage'] {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens };
}

function chatCompletion(r: ChatResult): ChatCompletion {
  return {
    ...answerHead('chatcmpl'),
    object: 'chat.completion',
    model: r.model,
    choices: [{ index: 0, message: { role: 'assistant', content: r.answer }, finish_reason: finishReason(r.stopReason), logprobs: null }],
    usage: usageOf(r),
    cvu: { sources: r.sources, timings: r.timings },
  };
}

function textCompletion(r: ChatResult): TextCompletion {
  return {
    ...answerHead('cmpl'),
    object: 'text_completion',
    model: r.model,
    choices: [{ index: 0, text: r.answer, finish_reason: finishReason(r.stopReason), logprobs: null }],
    usage: usageOf(r),
    cvu: { sources: r.sources, timings: r.timings },
  };
}

/** OpenAI's finish reasons: `length` when the token limit cut the answer, else `stop`. */
function finishReason(stopReason: string): 'stop' | 'length' {
  return stopReason === 'maxTokens' ? 'length' : 'stop';
}
