/**
 * One catalogue of error codes (like fastify's FST_ERR_*): clients and tests
 * match `code`, never the message.
 */
export const ErrorCodes = {
  CVU_ERR_CONFIG_INVALID: 'invalid configuration',
  CVU_ERR_CONFIG_LOAD: 'configuration could not be loaded',
  CVU_ERR_PATH_OUTSIDE_ROOT: 'path is outside every workspace root',
  CVU_ERR_NOT_FOUND: 'not found',
  CVU_ERR_FILE_UNREADABLE: 'file could not be read',
  CVU_ERR_FILE_SKIPPED: 'file skipped',
  CVU_ERR_MODEL_MISSING: 'model missing',
  CVU_ERR_MODEL_LOAD: 'model failed to load',
  CVU_ERR_MODEL_TOO_BIG: 'model and context do not fit in free memory',
  CVU_ERR_MODEL_DOWNLOAD: 'model download failed',
  CVU_ERR_BACKEND_UNAVAILABLE: 'the model server is unavailable',
  CVU_ERR_INDEX: 'index error',
  CVU_ERR_INDEX_BUSY: 'the index is in use by another process',
  CVU_ERR_USAGE: 'usage error',
  CVU_ERR_BAD_REQUEST: 'invalid request',
  CVU_ERR_UNAUTHORIZED: 'missing or wrong daemon token',
  CVU_ERR_FORBIDDEN: 'request refused',
  CVU_ERR_PAYLOAD_TOO_LARGE: 'request body too large',
  CVU_ERR_UNSUPPORTED_MEDIA_TYPE: 'unsupported content type',
  CVU_ERR_DAEMON_UNAVAILABLE: 'daemon not reachable',
  CVU_ERR_DAEMON_START: 'daemon failed to start',
  CVU_ERR_ABORTED: 'request aborted',
  CVU_ERR_BUSY: 'busy with other work',
  CVU_ERR_INTERNAL: 'internal error',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class CvuError extends Error {
  readonly code: ErrorCode;
  /** HTTP status when this error reaches a client through the daemon. */
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: { status?: number; cause?: unknown }) {
    super(message ?? ErrorCodes[code], options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'CvuError';
    this.code = code;
    this.status = options?.status ?? 500;
  }
}

export function isCvuError(err: unknown, code?: ErrorCode): err is CvuError {
  return err instanceof CvuError && (code === undefined || err.code === code);
}

/** One abort error for every layer (walk, index, embed, search): code CVU_ERR_ABORTED, HTTP 499. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'request'): void {
  if (signal?.aborted) throw new CvuError('CVU_ERR_ABORTED', `${what} aborted`, { status: 499, cause: signal.reason });
}
