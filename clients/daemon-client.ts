/**
 * The one typed HTTP client of the Cvu daemon (API.md), shared by the CLI
 * and the VS Code extension. It uses only `fetch`, `AbortController` and
 * timers, so it runs in Node, in the extension host and in a browser-like
 * runtime alike; `fetch` can be injected. Finding the daemon (daemon.json)
 * is Node-only and lives in `daemon-discovery.ts`.
 */
import { CvuError, ErrorCodes, type ErrorCode } from '../core/errors.js';

// ---------------------------------------------------------------------------
// Wire types: protocol/'s, derived from the schemas the daemon validates with
// (type-only imports: nothing of the server, nor TypeBox, is bundled into a client)
// ---------------------------------------------------------------------------

export type { Position, ConfigIssue, ChatTimings } from '../protocol/api.js';
export type { Snippet, SnippetSource } from '../protocol/snippet.js';
export type { HealthResponse, WorkspaceStatus, ConfigStatus, StatusResponse, RegisterResponse } from '../protocol/status.js';
export type {
  AskRequestBody,
  CompleteRequestBody,
  ContextRequestBody,
  ExplainRequestBody,
  LinesBody,
  RangeBody,
  RefactorRequestBody,
  SearchRequestBody,
  SelectionRequestBody,
  AnswerResponse,
} from '../protocol/api.js';
import type {
  AnswerResponse,
  AskRequestBody,
  CompleteRequestBody,
  CompleteResult,
  ContextAnswer,
  ContextRequestBody,
  ExplainRequestBody,
  RefactorRequestBody,
  RefactorResult,
  SearchAnswer,
  SearchRequestBody,
} from '../protocol/api.js';
import type { ErrorBody } from '../protocol/error-body.js';
import type { EventData } from '../protocol/events.js';
import type { ROUTES } from '../protocol/routes.js';
import type { HealthResponse, RegisterResponse, StatusResponse, WorkspaceStatus } from '../protocol/status.js';
import type { Snippet } from '../protocol/snippet.js';
import { EventStreamParser } from '../protocol/event-stream.js';
import { CLIENT_HEADER } from '../protocol/http.js';

export type ContextResponse = ContextAnswer;
export type SearchResponse = SearchAnswer;
export type CompleteResponse = CompleteResult;
export type RefactorResponse = RefactorResult;
/** The error body of every failed request. */
export type ErrorResponse = ErrorBody;

/** The events of a streamed /explain, /refactor or /ask, by name (protocol/routes.ts). */
type AnswerEvents = EventData<(typeof ROUTES)['explain' | 'refactor' | 'ask']['stream']>;

/** Callbacks of a streamed answer (server-sent events). */
export interface StreamHandlers {
  /** Each chunk of the answer as the model writes it. */
  onToken?: (text: string) => void;
  /** The answer's sources, once known (before `done`). */
  onSources?: (sources: Snippet[]) => void;
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/** What the client reads of a response body stream (a WHATWG ReadableStream). */
export interface BodyStream {
  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> };
}

export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
  /** Read incrementally for server-sent events; without it a stream is parsed once it has ended. */
  body?: BodyStream | null;
  headers?: { get(name: string): string | null };
}>;

export interface DaemonClientOptions {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  token: string;
  /** Sent as `X-Cvu-Client`: the daemon cancels this client's older request of the same kind. */
  clientId?: string;
  /** Default per-request timeout in ms (none when absent). */
  timeoutMs?: number;
  fetch?: FetchLike;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Every failure is a CvuError: the daemon's own `code` and HTTP `status`,
 * CVU_ERR_DAEMON_UNAVAILABLE (503) when nothing answers, CVU_ERR_ABORTED
 * (499) when the caller aborted or the timeout passed.
 */
export class DaemonClient {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly opts: DaemonClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    const f = opts.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (!f) throw new Error('DaemonClient: no fetch in this runtime; pass one');
    this.fetchImpl = f;
  }

  health(opts?: RequestOptions): Promise<HealthResponse> {
    return this.request('GET', '/health', undefined, opts);
  }

  status(opts?: RequestOptions): Promise<StatusResponse> {
    return this.request('GET', '/status', undefined, opts);
  }

  /** Registers a workspace root (absolute) and starts its indexing; idempotent. */
  registerWorkspace(root: string, opts?: RequestOptions): Promise<RegisterResponse> {
    return this.request('POST', '/workspaces', { root }, opts);
  }

  context(body: ContextRequestBody, opts?: RequestOptions): Promise<ContextResponse> {
    return this.request('POST', '/context', body, opts);
  }

  search(body: SearchRequestBody, opts?: RequestOptions): Promise<SearchResponse> {
    return this.request('POST', '/search', body, opts);
  }

  /** An inline completion at a position (a client's newer one supersedes its older one). */
  complete(body: CompleteRequestBody, opts?: RequestOptions): Promise<CompleteResponse> {
    return this.request('POST', '/complete', body, opts);
  }

  explain(body: ExplainRequestBody, opts?: RequestOptions): Promise<AnswerResponse> {
    return this.request('POST', '/explain', body, opts);
  }

  /** The explanation streamed: `onToken` per chunk; resolves with the final answer. */
  explainStream(body: ExplainRequestBody, handlers: StreamHandlers, opts?: RequestOptions): Promise<AnswerResponse> {
    return this.stream('/explain', body, handlers, opts);
  }

  refactor(body: RefactorRequestBody, opts?: RequestOptions): Promise<RefactorResponse> {
    return this.request('POST', '/refactor', body, opts);
  }

  refactorStream(body: RefactorRequestBody, handlers: StreamHandlers, opts?: RequestOptions): Promise<RefactorResponse> {
    return this.stream('/refactor', body, handlers, opts);
  }

  ask(body: AskRequestBody, opts?: RequestOptions): Promise<AnswerResponse> {
    return this.request('POST', '/ask', body, opts);
  }

  askStream(body: AskRequestBody, handlers: StreamHandlers, opts?: RequestOptions): Promise<AnswerResponse> {
    return this.stream('/ask', body, handlers, opts);
  }

  /**
   * Polls /status until the workspace at `root` (as /workspaces answered it)
   * has an index: its first pass is done, or it failed. Resolves with its status.
   */
  async waitForIndex(root: string, opts: RequestOptions & { pollMs?: number; onProgress?: (ws: WorkspaceStatus) => void } = {}): Promise<WorkspaceStatus> {
    const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
    for (;;) {
      const status = await this.status({ ...(opts.signal ? { signal: opts.signal } : {}) });
      const ws = status.workspaces.find((w) => w.root === root);
      if (!ws) throw new CvuError('CVU_ERR_NOT_FOUND', `no workspace is registered at ${root}`, { status: 404 });
      opts.onProgress?.(ws);
      if (ws.state === 'error') throw new CvuError('CVU_ERR_INDEX', `indexing ${root} failed: ${ws.error ?? 'unknown error'}`, { status: 500 });
      if (ws.state === 'ready' || ws.lastIndexedAt !== null) return ws;
      if (Date.now() > deadline) throw new CvuError('CVU_ERR_ABORTED', `${root} was not indexed within ${opts.timeoutMs} ms`, { status: 499 });
      await delay(opts.pollMs ?? 150, opts.signal);
    }
  }

  /** One request; the JSON answer, or a CvuError. */
  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.exchange(method, path, body, 'application/json', opts, async (res, abort) => {
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw this.transportError(method, path, err, abort);
      }
      const data = parseJson(text);
      if (!res.ok) throw errorFromBody(data, `${method} ${path}: the daemon answered ${res.status}`, res.status);
      if (data === undefined) throw new CvuError('CVU_ERR_INTERNAL', `${method} ${path}: the daemon's answer is not JSON`, { status: 502 });
      return data as T;
    });
  }

  /**
   * A POST answered with server-sent events (`token`, `sources`, `done`,
   * `error`): handlers see tokens as they come; resolves with `done`'s data.
   * A failure before the stream starts is the daemon's JSON error, as for
   * `request`; an `error` event is the same CvuError.
   */
  async stream<T>(path: string, body: unknown, handlers: StreamHandlers, opts: RequestOptions = {}): Promise<T> {
    return this.exchange('POST', path, body, 'text/event-stream', opts, async (res, abort) => {
      const type = res.headers?.get('content-type') ?? '';
      if (!res.ok || (type && !type.includes('text/event-stream'))) {
        let text: string;
        try {
          text = await res.text();
        } catch (err) {
          throw this.transportError('POST', path, err, abort);
        }
        const data = parseJson(text);
        if (!res.ok) throw errorFromBody(data, `POST ${path}: the daemon answered ${res.status}`, res.status);
        if (data === undefined) throw new CvuError('CVU_ERR_INTERNAL', `POST ${path}: the daemon's answer is neither an event stream nor JSON`, { status: 502 });
        return data as T;
      }
      let done: { data: T } | null = null;
      const parser = new EventStreamParser(({ event, data }) => {
        const value = parseJson(data);
        switch (event as keyof AnswerEvents) {
          case 'token':
            if (typeof value === 'string') handlers.onToken?.(value);
            break;
          case 'sources':
            if (Array.isArray(value)) handlers.onSources?.(value as AnswerEvents['sources']);
            break;
          case 'done':
            done = { data: value as T };
            break;
          case 'error':
            throw errorFromBody(value, `POST ${path}: the daemon reported an error`, 500);
        }
      });
      try {
        const reader = res.body?.getReader();
        if (reader) {
          const decoder = new TextDecoder();
          for (;;) {
            const { done: end, value } = await reader.read();
            if (end) break;
            if (value) parser.push(decoder.decode(value, { stream: true }));
            if (done) {
              await reader.cancel().catch(() => {});
              break;
            }
          }
          parser.push(decoder.decode());
        } else {
          parser.push(await res.text());
        }
        parser.end();
      } catch (err) {
        if (err instanceof CvuError) throw err;
        throw this.transportError('POST', path, err, abort);
      }
      const result = done as { data: T } | null;
      if (!result) throw new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', `POST ${path}: the event stream ended before its answer`, { status: 502 });
      return result.data;
    });
  }

  /** Sends one request and hands the response to `read` under the same abort and timeout. */
  private async exchange<T>(
    method: string,
    path: string,
    body: unknown,
    accept: string,
    opts: RequestOptions,
    read: (res: Awaited<ReturnType<FetchLike>>, abort: AbortState) => Promise<T>,
  ): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.token}`, accept };
    if (this.opts.clientId) headers[CLIENT_HEADER] = this.opts.clientId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) controller.abort(opts.signal.reason);
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined;
    const abort: AbortState = { signal: controller.signal, timedOut: () => timedOut, timeoutMs };
    try {
      let res: Awaited<ReturnType<FetchLike>>;
      try {
        res = await this.fetchImpl(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: controller.signal });
      } catch (err) {
        throw this.transportError(method, path, err, abort);
      }
      return await read(res, abort);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private transportError(method: string, path: string, err: unknown, abort: AbortState): CvuError {
    if (abort.signal.aborted) {
      return new CvuError('CVU_ERR_ABORTED', abort.timedOut() ? `${method} ${path} timed out after ${abort.timeoutMs} ms` : `${method} ${path} aborted`, { status: 499, cause: err });
    }
    return new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', `cannot reach the cvu daemon at ${this.baseUrl}: ${(err as Error).message}`, { status: 503, cause: err });
  }
}

interface AbortState {
  signal: AbortSignal;
  timedOut: () => boolean;
  timeoutMs: number | undefined;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The daemon's `{ error: { code, message, field? } }` as a CvuError. */
function errorFromBody(data: unknown, fallback: string, status: number): CvuError {
  const e = (data as Partial<ErrorBody> | undefined)?.error;
  const code: ErrorCode = e && typeof e.code === 'string' && e.code in ErrorCodes ? (e.code as ErrorCode) : 'CVU_ERR_INTERNAL';
  const error = new CvuError(code, e?.message ?? fallback, { status: code === 'CVU_ERR_ABORTED' ? 499 : status });
  if (e?.field) Object.assign(error, { field: e.field });
  return error;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CvuError('CVU_ERR_ABORTED', 'aborted', { status: 499 }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CvuError('CVU_ERR_ABORTED', 'aborted', { status: 499 }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
