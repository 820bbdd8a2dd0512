/**
 * HTTP to a model server, as the remote backends need it: JSON requests and
 * server-sent event streams over Node's fetch, the bearer key, a deadline per
 * request, bounded retries when the connection itself fails, and the
 * server's availability as /status reports it.
 *
 * - A request's AbortSignal aborts its fetch: the server sees the connection
 *   close and stops generating (llama-server and vLLM both do).
 * - Connection errors (refused, reset, DNS) are retried twice, 100 and 300 ms
 *   apart, then are CVU_ERR_BACKEND_UNAVAILABLE (503). A server that accepts
 *   but does not answer is probed after {@link PROBE_AFTER_MS}: a failed probe
 *   ends the request with the same error, so a dead or unreachable server is
 *   reported within 3 s while a slow generation on a live one goes on.
 * - Any later request tries again: recovery needs no restart.
 * - An HTTP error is CVU_ERR_BACKEND_UNAVAILABLE for 5xx and connection
 *   trouble, CVU_ERR_UNAUTHORIZED for 401/403 (a wrong key), CVU_ERR_BAD_REQUEST
 *   for other 4xx, with the server's own message; a body that is not the JSON
 *   expected is CVU_ERR_BACKEND_UNAVAILABLE naming the route.
 */
import { CvuError, isCvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';

/** Without response headers by then, the server is probed. */
export const PROBE_AFTER_MS = 1_200;
/** A probe that takes longer than this fails. */
const PROBE_TIMEOUT_MS = 1_000;
/** Delays before the retries of a request whose connection failed. */
const RETRY_DELAYS_MS = [100, 300];
/** Longest error body quoted in a message. */
const QUOTE_CHARS = 300;

export type ServerState = 'unknown' | 'ready' | 'unavailable';

export interface ModelHttpOptions {
  baseUrl: string;
  apiKey?: string | null;
  /** The longest a request may take, response included. */
  timeoutMs: number;
  /** A cheap GET that answers 2xx while the server is up (`/health`, `/v1/models`). */
  probePath: string;
  /** Names the server in messages ("llama-server at http://…"). */
  label: string;
  log?: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
  method?: 'GET' | 'POST';
}

export class ModelHttp {
  private _state: ServerState = 'unknown';
  private _error: string | null = null;
  /** Bumped each time the server comes back: a restarted server may hold another model and empty slots. */
  private _epoch = 0;
  readonly baseUrl: string;
  private readonly log: Logger;

  constructor(private readonly opts: ModelHttpOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.log = opts.log ?? silentLogger;
  }

  get state(): ServerState {
    return this._state;
  }

  get error(): string | null {
    return this._error;
  }

  get epoch(): number {
    return this._epoch;
  }

  /** A JSON request; the parsed answer. */
  async json<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(path, body, opts);
    const text = await this.readText(res, path, opts.signal);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.garbled(path, `not JSON: ${quote(text)}`);
    }
  }

  /**
   * A streaming request: each server-sent event's data, parsed, to `onEvent`
   * (return true to stop reading: the connection is closed and the server
   * stops). Ends when the server ends the stream or sends `[DONE]`.
   */
  async stream(path: string, body: unknown, onEvent: (data: Record<string, unknown>) => boolean | void, opts: RequestOptions = {}): Promise<{ done: boolean }> {
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    const res = await this.send(path, body, { ...opts, signal });
    if (!res.body) throw this.garbled(path, 'no body');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch (err) {
          throw this.readFailure(path, err, opts.signal);
        }
        if (chunk.done) break;
        buffer += chunk.value;
        let end: number;
        while ((end = eventEnd(buffer)) >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^(\r?\n){1,2}/, '');
          const data = eventData(raw);
          if (data === null) continue;
          if (data === '[DONE]') return { done: true };
          let parsed: unknown;
          try {
            parsed = JSON.parse(data);
          } catch {
            throw this.garbled(path, `an event that is not JSON: ${quote(data)}`);
          }
          if (typeof parsed !== 'object' || parsed === null) throw this.garbled(path, `an event that is not an object: ${quote(data)}`);
          const event = parsed as Record<string, unknown>;
          if (event.error !== undefined) throw this.serverError(path, 500, event.error);
          if (onEvent(event) === true) {
            stop.abort();
            return { done: false };
          }
        }
      }
    } finally {
      reader.releaseLock();
      if (!stop.signal.aborted) stop.abort();
    }
    return { done: false };
  }

  /** Whether the server answers its probe now. */
  async probe(signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await fetch(this.baseUrl + this.opts.probePath, {
        headers: this.headers(),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]) : AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      await res.body?.cancel();
      // A wrong key still proves the server is there.
      return res.ok || res.status === 401 || res.status === 403;
    } catch {
      return false;
    }
  }

  private headers(json = false): Record<string, string> {
    const h: Record<string, string> = {};
    if (json) h['content-type'] = 'application/json';
    if (this.opts.apiKey) h.authorization = `Bearer ${this.opts.apiKey}`;
    return h;
  }

  /** Sends, retrying connection failures, and returns a 2xx response (headers read, body not yet). */
  private async send(path: string, body: unknown, opts: RequestOptions): Promise<Response> {
    const method = opts.method ?? (body === undefined ? 'GET' : 'POST');
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      if (opts.signal?.aborted) throw aborted(opts.signal);
      let res: Response;
      try {
        res = await this.fetchWatched(path, { method, headers: this.headers(payload !== undefined), ...(payload !== undefined ? { body: payload } : {}) }, opts.signal);
      } catch (err) {
        if (opts.signal?.aborted) throw aborted(opts.signal, err);
        if (isCvuError(err)) throw err;
        if (attempt < RETRY_DELAYS_MS.length && isConnectionError(err)) {
          await sleep(RETRY_DELAYS_MS[attempt], opts.signal);
          continue;
        }
        throw this.unavailable(`${this.opts.label} is unreachable (${describeFetchError(err)})`, err);
      }
      if (res.ok) {
        this.markReady();
        return res;
      }
      const text = await res.text().catch(() => '');
      let detail: unknown = text;
      try {
        detail = (JSON.parse(text) as { error?: unknown }).error ?? text;
      } catch {
        // not JSON: quote the text
      }
      // The server answered: it is up, even when it refuses this request (a loading model is 503).
      if (res.status !== 503) this.markReady();
      throw this.serverError(path, res.status, detail);
    }
  }

  /**
   * One fetch under the request deadline; a server that has not sent its
   * headers after PROBE_AFTER_MS is probed, and a failed probe ends it.
   */
  private async fetchWatched(path: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const watch = new AbortController();
    const all = [watch.signal, AbortSignal.timeout(this.opts.timeoutMs)];
    if (signal) all.push(signal);
    let probeFailed = false;
    const timer = setTimeout(() => {
      void this.probe(signal).then((up) => {
        if (!up && !watch.signal.aborted) {
          probeFailed = true;
          watch.abort();
        }
      });
    }, PROBE_AFTER_MS);
    timer.unref();
    try {
      return await fetch(this.baseUrl + path, { ...init, signal: AbortSignal.any(all) });
    } catch (err) {
      if (probeFailed) throw this.unavailable(`${this.opts.label} does not answer`, err);
      if (isTimeout(err) && !signal?.aborted) throw this.unavailable(`${this.opts.label} did not answer ${path} within ${Math.round(this.opts.timeoutMs / 1000)} s`, err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async readText(res: Response, path: string, signal?: AbortSignal): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      throw this.readFailure(path, err, signal);
    }
  }

  /** The body broke off: aborted by the caller, or the server went away mid-answer. */
  private readFailure(path: string, err: unknown, signal?: AbortSignal): CvuError {
    if (signal?.aborted) return aborted(signal, err);
    if (isCvuError(err)) return err;
    return this.unavailable(`${this.opts.label} closed ${path} before the end of its answer (${describeFetchError(err)})`, err);
  }

  private markReady(): void {
    if (this._state !== 'ready') {
      if (this._state === 'unavailable') this.log.info(`${this.opts.label} is back`);
      this._epoch++;
    }
    this._state = 'ready';
    this._error = null;
  }

  private unavailable(message: string, cause?: unknown): CvuError {
    if (this._state !== 'unavailable') this.log.warn(message);
    this._state = 'unavailable';
    this._error = message;
    return new CvuError('CVU_ERR_BACKEND_UNAVAILABLE', message, { status: 503, cause });
  }

  /** An error answer (or an `error` event) as a CvuError with the server's message. */
  private serverError(path: string, status: number, detail: unknown): CvuError {
    const message = typeof detail === 'string' ? detail : typeof detail === 'object' && detail !== null && typeof (detail as { message?: unknown }).message === 'string' ? (detail as { message: string }).message : JSON.stringify(detail);
    const what = `${this.opts.label} answered ${path} with ${status}: ${quote(message)}`;
    if (status === 401 || status === 403) return new CvuError('CVU_ERR_UNAUTHORIZED', `${what} (check model.backend.apiKey / CVU_MODEL_API_KEY)`, { status: 502 });
    if (status >= 500) {
      if (status === 503) return this.unavailable(what);
      return new CvuError('CVU_ERR_BACKEND_UNAVAILABLE', what, { status: 502 });
    }
    return new CvuError('CVU_ERR_BAD_REQUEST', what, { status: status === 404 ? 502 : 400 });
  }

  /** An answer Cvu cannot read. */
  garbled(path: string, detail: string): CvuError {
    return new CvuError('CVU_ERR_BACKEND_UNAVAILABLE', `${this.opts.label} answered ${path} with ${detail}`, { status: 502 });
  }
}

/** The end of the first complete event in `buffer` (before its blank line), or -1. */
function eventEnd(buffer: string): number {
  const lf = buffer.indexOf('\n\n');
  const crlf = buffer.indexOf('\r\n\r\n');
  if (lf < 0) return crlf;
  if (crlf < 0) return lf;
  return Math.min(lf, crlf);
}

/** The `data:` lines of one event, joined; null when it has none (a comment, a keep-alive). */
function eventData(raw: string): string | null {
  const lines = raw.split(/\r?\n/).filter((l) => l.startsWith('data:'));
  if (!lines.length) {
    // llama-server sends an `error:` line instead of a data line for some failures.
    const err = raw.split(/\r?\n/).find((l) => l.startsWith('error:'));
    return err ? JSON.stringify({ error: safeJson(err.slice(6).trim()) }) : null;
  }
  return lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function quote(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > QUOTE_CHARS ? `${t.slice(0, QUOTE_CHARS)}…` : t || '(empty)';
}

function aborted(signal: AbortSignal, cause?: unknown): CvuError {
  const reason: unknown = signal.reason;
  return reason instanceof CvuError ? reason : new CvuError('CVU_ERR_ABORTED', 'generation aborted', { status: 499, cause: cause ?? reason });
}

/** fetch's TypeError carries the socket error as its cause. */
function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; cause?: { code?: unknown } } } | null)?.cause;
  const code = cause?.code ?? cause?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function isConnectionError(err: unknown): boolean {
  const code = causeCode(err);
  if (code) return /^(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|UND_ERR_CLOSED)$/.test(code);
  return err instanceof TypeError && /fetch failed/i.test(err.message);
}

function isTimeout(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'TimeoutError';
}

function describeFetchError(err: unknown): string {
  const code = causeCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${code}` : message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
