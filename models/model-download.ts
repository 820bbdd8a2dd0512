/**
 * Fetching a model file: a short probe that the host answers (and what it
 * says of the file), then node-llama-cpp's downloader (ipull) under a
 * watchdog.
 *
 * ```ts
 * const remote = await probe(uri, parseModelUri(uri), { endpoint, token, timeoutMs: 15_000 }); // { bytes, sha256 }
 * const got = await download(uri, { dir, endpoint, token, stallMs: 60_000, onBytes, failed });  // { files, entrypoint }
 * ```
 *
 * - The probe: one HEAD (a GET for the Hub's model API) with a timeout.
 *   Offline, `pull` fails in milliseconds instead of letting the downloader
 *   retry forever; on the Hub the redirect carries the file's size and sha256
 *   (`X-Linked-Size`, `X-Linked-Etag`).
 * - The download goes into the models folder. A cut download leaves its
 *   `.ipull` partial file and the next one resumes it; a file already there
 *   whose size matches the remote one is not fetched again. ipull retries a
 *   lost connection forever, so no progress for `stallMs` is an error.
 */
import fs from 'node:fs';
import type { ModelDownloader } from 'node-llama-cpp';
import { CvuError, isCvuError } from '../core/errors.js';
import { errorText, seconds } from './model-files.js';
import { probeUrl, type ModelUri } from './model-uri.js';
import type { DownloadedFile } from './model-verification.js';

/** What the host said of the file before the download; null where it said nothing. */
export interface RemoteFile {
  bytes: number | null;
  sha256: string | null;
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code ?? '';
  return NETWORK_CODES.has(code) || (err.name === 'TypeError' && /fetch failed/i.test(err.message));
}

export function abortedDownload(uri: string, signal?: AbortSignal): CvuError {
  return new CvuError('CVU_ERR_ABORTED', `download of ${uri} aborted`, { status: 499, cause: signal?.reason });
}

/**
 * One request with a short timeout before the downloader starts: a closed
 * network fails here, plainly; on the Hub the redirect carries the file's
 * size and sha256.
 */
export async function probe(uri: string, parsed: ModelUri, opts: { endpoint: string; token?: string; timeoutMs: number; signal?: AbortSignal }): Promise<RemoteFile> {
  const url = probeUrl(parsed, opts.endpoint);
  const host = new URL(url).host;
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal;
  let res: Response;
  try {
    res = await fetch(url, {
      // The Hub's model API answers GET; files answer HEAD (with their size and sha256 on the redirect).
      method: parsed.kind === 'hub-repo' ? 'GET' : 'HEAD',
      redirect: parsed.kind === 'hub-file' ? 'manual' : 'follow',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: opts.token && parsed.kind !== 'url' ? { authorization: `Bearer ${opts.token}` } : {},
    });
  } catch (err) {
    if (signal?.aborted) throw abortedDownload(uri, signal);
    const why = timeout.aborted ? `did not answer within ${seconds(opts.timeoutMs)}` : isNetworkError(err) ? `is unreachable (${errorText(err)})` : `failed (${errorText(err)})`;
    throw new CvuError(
      'CVU_ERR_MODEL_DOWNLOAD',
      `cannot download ${uri}: ${host} ${why}. Check the network (or HTTPS_PROXY / HF_ENDPOINT), or download the .gguf file on another machine and run \`cvu models pull PATH\``,
      { status: 502, cause: err },
    );
  }
  if (res.status === 401 || res.status === 403) {
    throw new CvuError('CVU_ERR_MODEL_DOWNLOAD', `cannot download ${uri}: ${host} answered ${res.status} (access denied)${opts.token ? '' : '; a gated or private model needs HF_TOKEN set'}`, { status: 502 });
  }
  if (res.status === 404) {
    throw new CvuError('CVU_ERR_MODEL_DOWNLOAD', `cannot download ${uri}: ${host} has no such file (404); check the repository and file name`, { status: 502 });
  }
  await res.body?.cancel().catch(() => {});
  // A server that does not do HEAD still answered: reachable, nothing more known.
  if (res.status === 405 || res.status === 501) return { bytes: null, sha256: null };
  if (res.status >= 400) throw new CvuError('CVU_ERR_MODEL_DOWNLOAD', `cannot download ${uri}: ${host} answered ${res.status} ${res.statusText}`, { status: 502 });
  const num = (v: string | null) => (v && /^\d+$/.test(v) ? Number(v) : null);
  const etag = (res.headers.get('x-linked-etag') ?? '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  const bytes = num(res.headers.get('x-linked-size')) ?? (res.status >= 300 ? null : num(res.headers.get('content-length')));
  return { bytes: parsed.kind === 'hub-repo' ? null : bytes, sha256: /^[0-9a-f]{64}$/.test(etag) ? etag : null };
}

export interface DownloadOptions {
  /** The models folder. */
  dir: string;
  endpoint: string;
  token?: string;
  /** No progress for this long is an error. */
  stallMs: number;
  signal?: AbortSignal;
  onBytes?: (downloaded: number, total: number) => void;
  /** The error a failed download throws, with why (it says how to resume). */
  failed: (why: string, cause?: unknown) => Error;
}

export interface Download {
  /** Every file written (the parts of a split model). */
  files: DownloadedFile[];
  /** The file to load (the first part). */
  entrypoint: string;
  entrypointFilename: string;
}

/** Downloads `uri` into `opts.dir` with node-llama-cpp's downloader, resuming a partial file; a stall or an abort stops it. */
export async function download(uri: string, opts: DownloadOptions): Promise<Download> {
  const { signal } = opts;
  fs.mkdirSync(opts.dir, { recursive: true });
  const { createModelDownloader } = await import('node-llama-cpp');
  let lastProgress = Date.now();
  let downloader: ModelDownloader | null = null;
  let stalled = false;

  // ipull retries a lost connection forever: a watchdog turns a stall into an error.
  let rejectWatch: (e: unknown) => void = () => {};
  const watch = new Promise<never>((_, reject) => (rejectWatch = reject));
  watch.catch(() => {});
  const timer = setInterval(() => {
    if (Date.now() - lastProgress > opts.stallMs) {
      stalled = true;
      rejectWatch(opts.failed(`made no progress for ${seconds(opts.stallMs)}`));
    }
  }, Math.min(1000, Math.max(50, opts.stallMs / 4)));
  timer.unref();
  const onAbort = () => rejectWatch(abortedDownload(uri, signal));
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const creating = createModelDownloader({
      modelUri: uri,
      dirPath: opts.dir,
      showCliProgress: false,
      skipExisting: true,
      deleteTempFileOnCancel: false,
      endpoints: { huggingFace: opts.endpoint },
      ...(opts.token ? { tokens: { huggingFace: opts.token } } : {}),
      onProgress: (s) => {
        lastProgress = Date.now();
        opts.onBytes?.(s.downloadedSize, s.totalSize);
      },
    });
    // A downloader that arrives after a stall or an abort is closed at once.
    creating.then(
      (d) => {
        if (stalled || signal?.aborted) void d.cancel({ deleteTempFile: false }).catch(() => {});
      },
      () => {},
    );
    downloader = await Promise.race([creating, watch]);
    lastProgress = Date.now();
    const d = downloader;
    await Promise.race([d.download(), watch]);
  } catch (err) {
    if (downloader) await downloader.cancel({ deleteTempFile: false }).catch(() => {});
    if (isCvuError(err)) throw err;
    if (signal?.aborted) throw abortedDownload(uri, signal);
    throw opts.failed(`failed (${errorText(err)})`, err);
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  return { files: downloader.filesInfo, entrypoint: downloader.entrypointFilePath, entrypointFilename: downloader.entrypointFilename };
}
