/**
 * The one typed HTTP client of the Cvu daemon (API.md), shared by the CLI
 * and the VS Code extension. It uses only `fetch`, `AbortController` and
 * timers, so it runs in Node, in the extension host and in a browser-like
 * runtime alike; `fetch` can be injected. Finding the daemon (daemon.json)
 * is Node-only and lives in `daemon-discovery.ts`.
 */
import { CvuError, ErrorCodes, type ErrorCode } from '../core/errors.js';

// ---------------------------------------------------------------------------
// Wire types (the HTTP contract; the daemon's own types mirror these)
// ---------------------------------------------------------------------------

/** LSP-style position: 0-based line, 0-based UTF-16 character. */
// The wire types are the daemon's own (type-only imports: nothing of the server is bundled into a client).
export type { Position } from '../retrieval/context.js';
export type { Snippet, SnippetSource } from '../retrieval/snippet.js';
import type { Position } from '../retrieval/context.js';
import type { Snippet } from '../retrieval/snippet.js';

export interface HealthResponse {
  ok: boolean;
  version: string;
}

export interface WorkspaceStatus {
  root: string;
  state: 'indexing' | 'ready' | 'error';
  files: number;
  chunks: number;
  pending: number;
  embedder: string;
  embedderDetail?: string;
  lastIndexedAt: string | null;
  error?: string;
}

export interface StatusResponse {
  workspaces: WorkspaceStatus[];
  model: { name: string | null; loaded: boolean };
  version?: string;
  daemon?: { pid: number; startedAt: string; uptimeSeconds: number };
}

export interface RegisterResponse {
  root: string;
  state: WorkspaceStatus['state'];
}

export interface ContextRequestBody {
  /** Absolute, or relative to a registered root. */
  path: string;
  /** The editor's unsaved buffer; the file on disk when absent. */
  text?: string;
  position: Position;
  budgetTokens?: number;
}

export interface ContextResponse {
  snippets: Snippet[];
  tokens: number;
}

export interface SearchRequestBody {
  root: string;
  query: string;
  limit?: number;
}

export interface SearchResponse {
  results: Snippet[];
}

/** The error body of every failed request. */
export interface ErrorResponse {
  error: { code: string; message: string; field?: string };
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
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
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.token}`, accept: 'application/json' };
    if (this.opts.clientId) headers['x-cvu-client'] = this.opts.clientId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) controller.abort(opts.signal.reason);
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined;
    try {
      let res: Awaited<ReturnType<FetchLike>>;
      let text: string;
      try {
        res = await this.fetchImpl(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: controller.signal });
        text = await res.text();
      } catch (err) {
        if (controller.signal.aborted) {
          throw new CvuError('CVU_ERR_ABORTED', timedOut ? `${method} ${path} timed out after ${timeoutMs} ms` : `${method} ${path} aborted`, { status: 499, cause: err });
        }
        throw new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', `cannot reach the cvu daemon at ${this.baseUrl}: ${(err as Error).message}`, { status: 503, cause: err });
      }
      let data: unknown;
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        data = undefined;
      }
      if (!res.ok) {
        const e = (data as Partial<ErrorResponse> | undefined)?.error;
        const code: ErrorCode = e && typeof e.code === 'string' && e.code in ErrorCodes ? (e.code as ErrorCode) : 'CVU_ERR_INTERNAL';
        const error = new CvuError(code, e?.message ?? `${method} ${path}: the daemon answered ${res.status}`, { status: res.status });
        if (e?.field) Object.assign(error, { field: e.field });
        throw error;
      }
      if (data === undefined) throw new CvuError('CVU_ERR_INTERNAL', `${method} ${path}: the daemon's answer is not JSON`, { status: 502 });
      return data as T;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }
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
