/**
 * What the daemon's routes share: the app's type, a route's options from
 * its contract, the one error shape, the client's identity and the abort
 * that follows a closed connection.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import { CvuError, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ErrorBody } from '../protocol/error-body.js';
import { CLIENT_HEADER } from '../protocol/http.js';
import type { RouteContract } from '../protocol/routes.js';

/** The daemon's fastify app, typed by TypeBox: a handler's body and answer types come from its route's schemas. */
export type CvuApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * A route of protocol/routes.ts as fastify's route options: its method and
 * path, its body schema (validated) and its answer's (which types the
 * handler's return; the answer is serialized with JSON.stringify, see
 * buildServer).
 */
export function routeOptions<R extends RouteContract>(route: R) {
  const schema = { ...(route.body ? { body: route.body } : {}), response: { 200: route.response } };
  return { method: route.method, url: route.url, schema: schema as { body: R extends { body: infer B } ? B : undefined; response: { 200: R['response'] } } };
}

export { CLIENT_HEADER };

// ---------------------------------------------------------------------------
// Errors: one shape `{ error: { code, message } }` for every failure (protocol/error-body.ts)
// ---------------------------------------------------------------------------

export function toErrorBody(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof CvuError) {
    const field = (err as CvuError & { field?: string }).field;
    return { status: err.status, body: { error: { code: err.code, message: err.message, ...(field ? { field } : {}) } }, internal: err.status >= 500 && err.code === 'CVU_ERR_INTERNAL' };
  }
  const e = err as FastifyError & { status?: number };
  const status = e.statusCode ?? e.status;
  const mapped = (code: ErrorCode, message: string, s: number) => ({ status: s, body: { error: { code, message } }, internal: false });
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return mapped('CVU_ERR_PAYLOAD_TOO_LARGE', 'request body is larger than the daemon accepts', 413);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return mapped('CVU_ERR_UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json', 415);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return mapped('CVU_ERR_BAD_REQUEST', `body is not valid JSON: ${e.message}`, 400);
  }
  if (e instanceof SyntaxError) return mapped('CVU_ERR_BAD_REQUEST', `body is not valid JSON: ${e.message}`, 400);
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode = status === 413 ? 'CVU_ERR_PAYLOAD_TOO_LARGE' : status === 415 ? 'CVU_ERR_UNSUPPORTED_MEDIA_TYPE' : status === 404 ? 'CVU_ERR_NOT_FOUND' : 'CVU_ERR_BAD_REQUEST';
    return mapped(code, e.message, status);
  }
  return { status: 500, body: { error: { code: 'CVU_ERR_INTERNAL', message: `internal error: ${(e as Error)?.message ?? String(err)}` } }, internal: true };
}

/** An AbortSignal aborted when the client closes the connection before its answer is sent. */
export function connectionSignal(request: FastifyRequest, reply: FastifyReply, log: Logger): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  res.once('close', () => {
    if (res.writableFinished) return;
    log.info(`${request.method} ${request.routeOptions.url ?? '?'} aborted by the client (connection closed)`);
    controller.abort(new CvuError('CVU_ERR_ABORTED', 'client closed the connection', { status: 499 }));
  });
  return controller.signal;
}

export function abortedError(signal: AbortSignal): CvuError {
  return signal.reason instanceof CvuError ? signal.reason : new CvuError('CVU_ERR_ABORTED', 'request aborted', { status: 499 });
}

export function clientId(request: FastifyRequest): string | undefined {
  const v = request.headers[CLIENT_HEADER];
  const id = Array.isArray(v) ? v[0] : v;
  return id ? id.slice(0, 200) : undefined;
}

export function badField(field: string, message: string): CvuError {
  return Object.assign(new CvuError('CVU_ERR_BAD_REQUEST', message, { status: 400 }), { field });
}

export function wantsEventStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /\btext\/event-stream\b/i.test(accept);
}
