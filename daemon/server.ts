import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CvuError } from '../core/errors.js';
import { pinoOf, silentLogger, type Logger } from '../core/log.js';
import { clampToText } from '../core/text-position.js';
import { VERSION } from '../core/version.js';
import { isSecretPath } from '../indexer/ignore-rules.js';
import type { ContextTimings, Position } from '../retrieval/context.js';
import type { LineRange } from '../assistant/assistant.js';
import type { ContextAnswer, ContextTimingsMs, SelectionRequestBody } from '../protocol/api.js';
import type { EventData } from '../protocol/events.js';
import { DEFAULT_BODY_LIMIT, LOOPBACK_HOSTS } from '../protocol/http.js';
import { ROUTES } from '../protocol/routes.js';
import type { Daemon, ResolvedPath } from './daemon.js';
import type { Workspace } from '../workspace/workspace.js';
import { registerOpenAiRoutes } from './openai-routes.js';
import { registerMcpRoute } from './mcp-route.js';
import { abortedError, badField, CLIENT_HEADER, clientId, connectionSignal, routeOptions, toErrorBody, wantsEventStream, type CvuApp } from './http-support.js';
import { EventStream, streamFailure } from './sse.js';

export { CLIENT_HEADER, type CvuApp };

export interface ServerOptions {
  /** The bearer token every request must carry (daemon.json's `token`). */
  token: string;
  /** Interface to bind in `listenServer` (default 127.0.0.1: loopback only). */
  host?: string;
  /** Largest accepted request body in bytes (default 8 MB: a buffer can be big). */
  bodyLimit?: number;
  /** Request and error log (one line per request; never a body or buffer text). */
  logger?: Logger;
  /** Extra `Host` names accepted besides 127.0.0.1, localhost and [::1]. */
  allowedHosts?: string[];
  /** `Origin` values accepted; none by default, so that no web page can call the daemon. */
  allowedOrigins?: string[];
}

export { DEFAULT_BODY_LIMIT };

// ---------------------------------------------------------------------------
// Body validation: fastify's ajv over protocol/'s schemas (no type coercion, so a wrong type is a 400)
// ---------------------------------------------------------------------------

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `body.position.line must be integer`, `body.path is required`: the message names the field. */
function formatSchemaErrors(errors: AjvError[], dataVar: string): Error {
  const e = errors[0];
  const base = dataVar + (e?.instancePath ?? '').replace(/\//g, '.');
  let field = base;
  let message: string;
  if (!e) message = `${base} is invalid`;
  else if (e.keyword === 'required') {
    field = `${base}.${String(e.params.missingProperty)}`;
    message = `${field} is required`;
  } else message = `${base} ${e.message ?? 'is invalid'}`;
  return Object.assign(new CvuError('CVU_ERR_BAD_REQUEST', message, { status: 400 }), { field });
}

// ---------------------------------------------------------------------------
// Checks every request passes before its route runs
// ---------------------------------------------------------------------------

/** The host name of a `Host` header (`[::1]:8080` → `[::1]`), lower-cased. */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    // `[::1]` or `[::1]:port`, nothing else: `[::1]evil` is not a loopback name.
    if (end < 0 || !/^(:\d+)?$/.test(h.slice(end + 1))) return h;
    return h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

function digest(s: string): Buffer {
  return crypto.createHash('sha256').update(s).digest();
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}


// ---------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------

/**
 * Checks an LSP position against the text: a line past the end is a 400, a
 * character past the end of its line is clamped to the line end.
 */
export function clampPosition(text: string, pos: Position, what: string): Position {
  const { position, lineCount } = clampToText(text, pos);
  if (pos.line >= lineCount) {
    throw Object.assign(new CvuError('CVU_ERR_BAD_REQUEST', `body.position.line ${pos.line} is past the end of ${what} (${lineCount} lines)`, { status: 400 }), { field: 'body.position.line' });
  }
  return position;
}

/** Files above this are not read just to check a position (the indexer skips them anyway). */
const MAX_POSITION_FILE_BYTES = 64 * 1024 * 1024;

async function readForPosition(abs: string, shown: string): Promise<string> {
  try {
    const st = await fs.stat(abs);
    if (st.isFile() && st.size > MAX_POSITION_FILE_BYTES) throw new CvuError('CVU_ERR_FILE_SKIPPED', `${shown} is too large (${st.size} bytes)`, { status: 422 });
    return await fs.readFile(abs, 'utf8');
  } catch (err) {
    if (err instanceof CvuError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CvuError('CVU_ERR_NOT_FOUND', `${shown} does not exist; send its text`, { status: 404 });
    if (code === 'EISDIR') throw new CvuError('CVU_ERR_BAD_REQUEST', `${shown} is a folder, not a file`, { status: 400 });
    throw new CvuError('CVU_ERR_FILE_UNREADABLE', `${shown} could not be read: ${(err as Error).message}`, { status: 422 });
  }
}





/** Number of LSP lines of a text (breaks + 1). */
function lineCount(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/**
 * The selection of a chat request as 1-based inclusive lines: `lines`
 * as given, or an LSP `range` (an end at character 0 of a later line — a
 * whole-line selection in an editor — stops at the line before).
 */
function selectedLines(body: SelectionRequestBody, text: string, what: string): LineRange | undefined {
  const count = lineCount(text);
  if (body.lines) {
    const { start, end } = body.lines;
    if (end < start) throw badField('body.lines.end', `body.lines.end (${end}) is before body.lines.start (${start})`);
    if (start > count) throw badField('body.lines.start', `body.lines.start ${start} is past the end of ${what} (${count} lines)`);
    return { startLine: start, endLine: Math.min(end, count) };
  }
  if (!body.range) return undefined;
  const { start, end } = body.range;
  if (start.line >= count) throw badField('body.range.start.line', `body.range.start.line ${start.line} is past the end of ${what} (${count} lines)`);
  if (end.line >= count) throw badField('body.range.end.line', `body.range.end.line ${end.line} is past the end of ${what} (${count} lines)`);
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) throw badField('body.range.end', 'body.range.end is before body.range.start');
  const endLine = end.character === 0 && end.line > start.line ? end.line : end.line + 1;
  return { startLine: start.line + 1, endLine };
}

/** Cvu never sends a secret file (.env, keys, credentials) to a model. */
function refuseSecret(resolved: ResolvedPath, shown: string): void {
  if (isSecretPath(resolved.rel)) throw new CvuError('CVU_ERR_FORBIDDEN', `${shown} is a secret file (keys, credentials, .env); Cvu never shows it to a model`, { status: 403 });
}


// ---------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------

/**
 * The daemon's HTTP API (API.md) over a Daemon: a thin layer that checks
 * every request (Host, Origin, token, body schema), resolves paths through
 * the daemon's roots and runs the work on the scheduler's interactive lane.
 */
export function buildServer(daemon: Daemon, opts: ServerOptions): CvuApp {
  if (!opts.token) throw new Error('buildServer: a token is required');
  const log = opts.logger ?? silentLogger;
  const hosts = new Set([...LOOPBACK_HOSTS, ...(opts.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  const origins = new Set(opts.allowedOrigins ?? []);

  // fastify logs through the daemon's own pino (one file, one redaction); the onResponse hook writes the one line per request.
  const httpLogger: FastifyBaseLogger | undefined = opts.logger ? pinoOf(opts.logger)?.child({ component: 'http' }) : undefined;
  const app = Fastify({
    ...(httpLogger ? { loggerInstance: httpLogger, logController: new LogController({ disableRequestLogging: true }) } : { logger: false }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, allErrors: false, removeAdditional: false } },
    schemaErrorFormatter: (errors, dataVar) => formatSchemaErrors(errors as AjvError[], dataVar),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The response schemas type the handlers and document the answers; the wire stays JSON.stringify's, since
  // fast-json-stringify would silently drop a field a schema lacks and round a fraction in an integer field.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // JSON only: no text/plain parser, so a browser's "simple" cross-site POST cannot even be parsed (415).
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request) => {
    const host = request.headers.host;
    if (!host || !hosts.has(hostName(host))) {
      throw new CvuError('CVU_ERR_FORBIDDEN', `Host ${host?.slice(0, 200) ?? '(none)'} is not a loopback name; the daemon answers 127.0.0.1, localhost and [::1] only`, { status: 403 });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      throw new CvuError('CVU_ERR_FORBIDDEN', `requests from web pages (Origin ${origin.slice(0, 200)}) are refused`, { status: 403 });
    }
    if (!tokenMatches(bearer(request.headers.authorization), opts.token)) {
      throw new CvuError('CVU_ERR_UNAUTHORIZED', 'missing or wrong token: send Authorization: Bearer <token from daemon.json>', { status: 401 });
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? request.url.split('?')[0].slice(0, 200);
    const client = clientId(request);
    log.info(`${request.method} ${route} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms${client ? ` client=${JSON.stringify(client)}` : ''}`);
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body, internal } = toErrorBody(err);
    if (internal) log.error(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} failed: ${(err as Error)?.stack ?? String(err)}`);
    void reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: 'CVU_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}` } });
  });

  app.route({ ...routeOptions(ROUTES.health), handler: async () => ({ ok: true, version: VERSION }) });

  app.route({
    ...routeOptions(ROUTES.status),
    handler: async () => {
      const s = daemon.status();
      const first = daemon.workspaces()[0];
      const model = await daemon.assistant.describe(first?.config ?? null);
      return {
        workspaces: s.workspaces,
        userConfig: await daemon.userConfigStatus(),
        model: {
          name: model.name,
          loaded: model.loaded,
          backend: { type: model.backend.type, ...(model.backend.url ? { url: model.backend.url } : {}), ...(model.backend.state ? { state: model.backend.state } : {}), ...(model.backend.error ? { error: model.backend.error } : {}) },
        },
        version: s.version,
        daemon: { pid: process.pid, startedAt: daemon.startedAt.toISOString(), uptimeSeconds: Math.round((Date.now() - daemon.startedAt.getTime()) / 1000) },
        scheduler: daemon.scheduler.stats,
      };
    },
  });

  app.route({
    ...routeOptions(ROUTES.registerWorkspace),
    handler: async (request) => {
      const root = request.body.root;
      if (!path.isAbsolute(root)) throw badField('body.root', 'body.root must be an absolute path');
      const ws = await daemon.register(root);
      return { root: ws.root, state: ws.state };
    },
  });

  app.route({
    ...routeOptions(ROUTES.context),
    handler: async (request, reply) => {
      const body = request.body;
      const signal = connectionSignal(request, reply, log);
      const resolved = daemon.resolvePath(body.path);
      const text = body.text ?? (await readForPosition(resolved.abs, body.path));
      const position = clampPosition(text, body.position, body.text === undefined ? body.path : 'the text');
      const id = clientId(request);
      const arrived = performance.now();
      return daemon.scheduler.interactiveTask(
        async (taskSignal): Promise<ContextAnswer> => {
          const queuedMs = performance.now() - arrived;
          const timings: ContextTimings = {};
          const result = await resolved.ws.context({
            path: resolved.rel,
            ...(body.text !== undefined ? { text: body.text } : {}),
            position,
            ...(body.budgetTokens !== undefined ? { budgetTokens: body.budgetTokens } : {}),
            signal: taskSignal,
            timings,
          });
          // A superseded request answers 499 even when the context builder did not notice the abort.
          if (taskSignal.aborted) throw abortedError(taskSignal);
          return { ...result, timings: contextTimingsMs(queuedMs, timings) };
        },
        { ...(id ? { supersedeKey: `${id}:context` } : {}), signal },
      );
    },
  });

  app.route({
    ...routeOptions(ROUTES.search),
    handler: async (request, reply) => {
      const { root, query, limit } = request.body;
      const signal = connectionSignal(request, reply, log);
      const ws = daemon.workspaceAt(root);
      // A search right after a save finds what was saved (before taking a retrieval slot: the save's commit needs none).
      await daemon.savesLanded(ws);
      const results = await daemon.scheduler.interactiveTask(
        async (taskSignal) => {
          const r = await ws.search(query, { limit: limit ?? 10, signal: taskSignal });
          if (taskSignal.aborted) throw abortedError(taskSignal);
          return r;
        },
        { signal },
      );
      return { results };
    },
  });

  type ChatFeature = 'explain' | 'refactor' | 'ask';
  /** What a chat feature answers: its `done` event, and its JSON answer. */
  type AnswerOf<F extends ChatFeature> = EventData<(typeof ROUTES)[F]['stream']>['done'];

  /** Runs a chat feature as JSON, or as server-sent events when the client asks for them. */
  async function answer<F extends ChatFeature>(
    request: FastifyRequest,
    reply: FastifyReply,
    feature: F,
    run: (signal: AbortSignal, onToken: ((text: string) => void) | undefined) => Promise<AnswerOf<F>>,
  ): Promise<AnswerOf<F> | undefined> {
    const signal = connectionSignal(request, reply, log);
    const id = clientId(request);
    const stream = wantsEventStream(request) ? new EventStream(reply, ROUTES[feature].stream) : null;
    const task = () =>
      daemon.scheduler.interactiveTask(
        async (taskSignal) => {
          const result = await run(taskSignal, stream ? (text) => stream.send('token', text) : undefined);
          if (taskSignal.aborted) throw abortedError(taskSignal);
          return result;
        },
        { ...(id ? { supersedeKey: `${id}:${feature}` } : {}), signal, lane: 'model' },
      );
    if (!stream) return task();
    try {
      const result = await task();
      stream.send('sources', result.sources);
      stream.send('done', result);
    } catch (err) {
      stream.send('error', streamFailure(stream, err, request, log));
    } finally {
      stream.end();
    }
    return undefined;
  }

  /** A file request's workspace, relative path and text (the buffer, else the file on disk). */
  async function fileOf(body: { path: string; text?: string }): Promise<{ resolved: ResolvedPath; text: string; what: string }> {
    const resolved = daemon.resolvePath(body.path);
    refuseSecret(resolved, body.path);
    const text = body.text ?? (await readForPosition(resolved.abs, body.path));
    return { resolved, text, what: body.text === undefined ? body.path : 'the text' };
  }

  app.route({
    ...routeOptions(ROUTES.complete),
    handler: async (request, reply) => {
      const body = request.body;
      const signal = connectionSignal(request, reply, log);
      const { resolved, text, what } = await fileOf(body);
      const position = clampPosition(text, body.position, what);
      const id = clientId(request);
      return daemon.scheduler.interactiveTask(
        async (taskSignal) => {
          const result = await daemon.assistant.complete(resolved.ws, {
            path: resolved.rel, text, position, client: id ?? 'default', signal: taskSignal,
            ...(body.language !== undefined ? { language: body.language } : {}),
            ...(body.maxTokens !== undefined ? { maxTokens: body.maxTokens } : {}),
            ...(body.prefill ? { prefill: true } : {}),
          });
          // A newer keystroke from the same client wins: this answer is for nobody.
          if (taskSignal.aborted) throw abortedError(taskSignal);
          return result;
        },
        { ...(id ? { supersedeKey: `${id}:complete` } : {}), signal, lane: 'model' },
      );
    },
  });

  app.route({
    ...routeOptions(ROUTES.explain),
    handler: async (request, reply) => {
      const body = request.body;
      const { resolved, text, what } = await fileOf(body);
      const range = selectedLines(body, text, what);
      return answer(request, reply, 'explain', (signal, onToken) =>
        daemon.assistant.explain(
          resolved.ws,
          { path: resolved.rel, text, ...(range ? { range } : {}), ...(body.question ? { question: body.question } : {}), ...(body.maxTokens !== undefined ? { maxTokens: body.maxTokens } : {}) },
          { signal, ...(onToken ? { onToken } : {}) },
        ),
      );
    },
  });

  app.route({
    ...routeOptions(ROUTES.refactor),
    handler: async (request, reply) => {
      const body = request.body;
      if (!body.range && !body.lines) throw badField('body.range', 'body.range is required (or body.lines, 1-based)');
      const { resolved, text, what } = await fileOf(body);
      const range = selectedLines(body, text, what)!;
      return answer(request, reply, 'refactor', (signal, onToken) =>
        daemon.assistant.refactor(
          resolved.ws,
          { path: resolved.rel, text, range, ...(body.instruction ? { instruction: body.instruction } : {}), ...(body.maxTokens !== undefined ? { maxTokens: body.maxTokens } : {}) },
          { signal, ...(onToken ? { onToken } : {}) },
        ),
      );
    },
  });

  app.route({
    ...routeOptions(ROUTES.ask),
    handler: async (request, reply) => {
      const body = request.body;
      let ws: Workspace;
      if (body.root !== undefined) ws = daemon.workspaceAt(body.root);
      else {
        const all = daemon.workspaces();
        if (all.length !== 1) throw badField('body.root', all.length ? 'body.root is required when several workspaces are registered' : 'body.root is required: no workspace is registered; POST /workspaces first');
        ws = all[0];
      }
      const question = body.question.trim();
      if (!question) throw badField('body.question', 'body.question must not be blank');
      return answer(request, reply, 'ask', (signal, onToken) =>
        daemon.assistant.ask(
          ws,
          { question, ...(body.maxTokens !== undefined ? { maxTokens: body.maxTokens } : {}), ...(body.limit !== undefined ? { limit: body.limit } : {}) },
          { signal, ...(onToken ? { onToken } : {}) },
        ),
      );
    },
  });

  registerOpenAiRoutes(app, daemon, log);
  registerMcpRoute(app, daemon, log);
  return app;
}

/** Builds the app and listens on `host:port` (default 127.0.0.1, any free port); returns the bound port. */
export async function listenServer(daemon: Daemon, opts: ServerOptions & { port?: number }): Promise<{ app: CvuApp; port: number; host: string }> {
  const app = buildServer(daemon, opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  return { app, port, host };
}

/** A /context answer's timings on the wire: each part in ms to 0.1 (0 for a part that did not run). */
function contextTimingsMs(queuedMs: number, t: ContextTimings): ContextTimingsMs {
  const ms = (v: number | undefined) => Math.round((v ?? 0) * 10) / 10;
  return {
    queuedMs: ms(queuedMs),
    importsMs: ms(t.imports),
    definitionsMs: ms(t.definitions),
    anticipationMs: ms(t.anticipation),
    ftsMs: ms(t.fts),
    vectorMs: ms(t.vector),
    embedMs: ms(t.embed),
    totalMs: ms(t.total),
    late: t.late ?? [],
  };
}
