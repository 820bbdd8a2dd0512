/**
 * Checks that a model file is what it should be: a GGUF file node-llama-cpp
 * can read, of the size the server announced, with the sha256 expected.
 *
 * ```ts
 * await checkGgufFile(file);                      // CVU_ERR_MODEL_LOAD unless it reads as GGUF
 * const sha = await sha256File(file, (n) => bar.update(n));
 * const { bytes, sha256 } = await verifyDownload(files, { expect, onProgress, signal, failed });
 * ```
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { CvuError } from '../core/errors.js';
import type { GgufFileInfo } from 'node-llama-cpp';
import { errorText, fileSize } from './model-files.js';

const GGUF_MAGIC = Buffer.from('GGUF');

/** Throws CVU_ERR_MODEL_LOAD unless `file` starts like a GGUF file and node-llama-cpp can read its header. */
export async function checkGgufFile(file: string): Promise<void> {
  let magic = Buffer.alloc(0);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      magic = Buffer.alloc(4);
      fs.readSync(fd, magic, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} could not be read: ${errorText(err)}`, { cause: err });
  }
  if (!magic.equals(GGUF_MAGIC)) throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} is not a GGUF file (it does not start with "GGUF")`);
  let info: GgufFileInfo;
  try {
    const { readGgufFileInfo } = await import('node-llama-cpp');
    info = await readGgufFileInfo(file, { sourceType: 'filesystem', logWarnings: false, spliceSplitFiles: false });
  } catch (err) {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} is not a valid GGUF file (${errorText(err)}); it may be truncated or corrupt`, { cause: err });
  }
  // node-llama-cpp reads a cut-off file's header without complaint (even a 24-byte prefix): the
  // tensors the header lists must all be there, and their data must start inside the file.
  const size = fs.statSync(file).size;
  const tensors = info.tensorInfo ?? [];
  const last = tensors.reduce<(typeof tensors)[number] | null>((a, t) => (!a || Number(t.fileOffset) > Number(a.fileOffset) ? t : a), null);
  const dataEnd = last ? Number(last.fileOffset) + Math.ceil(elements(last.dimensions) * (BYTES_PER_ELEMENT[last.ggmlType] ?? MIN_BYTES_PER_ELEMENT)) : 0;
  if (tensors.length < Number(info.tensorCount) || (info.infoEndOffset ?? 0) > size || dataEnd > size) {
    throw new CvuError('CVU_ERR_MODEL_LOAD', `model file ${file} is truncated: its header lists ${Number(info.tensorCount)} tensors whose data needs at least ${Math.max(dataEnd, info.infoEndOffset ?? 0)} bytes, and the file has ${size}`);
  }
}

/**
 * Bytes per element of the common tensor types (a block's bytes over its elements), for the
 * truncation check; for any other type the smallest of all (1.5 bits), so that the check stays a
 * lower bound. The exact table lives in llama.cpp's native code, which this check does not load.
 */
const BYTES_PER_ELEMENT: Partial<Record<number, number>> = {
  // by GgmlType: F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16 (a runtime import of the enum would load node-llama-cpp)
  0: 4, 1: 2, 2: 18 / 32, 3: 20 / 32, 6: 22 / 32, 7: 24 / 32, 8: 34 / 32, 12: 144 / 256, 13: 176 / 256, 14: 210 / 256, 30: 2,
};
const MIN_BYTES_PER_ELEMENT = 1.5 / 8;

function elements(dimensions: readonly (number | bigint)[]): number {
  return dimensions.reduce<number>((n, d) => n * Number(d), 1);
}

/** The file's sha256 (hex), reporting the bytes hashed so far. */
export async function sha256File(file: string, onBytes?: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    if (signal?.aborted) throw new CvuError('CVU_ERR_ABORTED', 'model verification aborted', { status: 499 });
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onBytes?.(done);
  }
  return hash.digest('hex');
}

/** A file the downloader wrote, and the size its server gave for it (0 when unknown). */
export interface DownloadedFile {
  fileName: string;
  filePath: string;
  totalSize: number;
}

export interface VerifyOptions {
  /** The size the probe announced (single-file models), and the sha256 expected (catalogue, `--sha256` or the Hub's). */
  expect: { bytes: number | null; sha256: string | null };
  /** Bytes hashed so far, of `total`. */
  onProgress?: (hashed: number, total: number) => void;
  signal?: AbortSignal;
  /** The error a failed check throws, with why. */
  failed: (why: string, cause?: unknown) => Error;
}

/**
 * Verifies a finished download: every file at the size its server gave, the
 * total at the size the probe announced, the sha256 when one is expected
 * (single-file models), and a readable GGUF header. A download that fails
 * any check is removed, so that the next `pull` fetches it again.
 */
export async function verifyDownload(files: DownloadedFile[], entrypoint: string, opts: VerifyOptions): Promise<{ bytes: number; sha256: string | null }> {
  const remove = () => {
    for (const f of files) fs.rmSync(f.filePath, { force: true });
  };
  const total = files.reduce((n, f) => n + (fileSize(f.filePath) ?? 0), 0);
  for (const f of files) {
    const size = fileSize(f.filePath);
    if (size === null || (f.totalSize > 0 && size !== f.totalSize)) {
      remove();
      throw opts.failed(`left ${f.fileName} at ${size ?? 0} bytes instead of ${f.totalSize}; the file was removed`);
    }
  }
  if (opts.expect.bytes !== null && files.length === 1 && total !== opts.expect.bytes) {
    remove();
    throw opts.failed(`gave ${total} bytes, but the server announced ${opts.expect.bytes}; the file was removed`);
  }
  let sha: string | null = null;
  if (opts.expect.sha256 && files.length === 1) {
    opts.onProgress?.(0, total);
    sha = await sha256File(entrypoint, (n) => opts.onProgress?.(n, total), opts.signal);
    if (sha !== opts.expect.sha256) {
      remove();
      throw opts.failed(`is corrupt: sha256 ${sha}, expected ${opts.expect.sha256}; the file was removed`);
    }
  }
  try {
    await checkGgufFile(entrypoint);
  } catch (err) {
    remove();
    throw opts.failed(`did not produce a valid GGUF file (${(err as Error).message}); the file was removed`, err);
  }
  return { bytes: total, sha256: sha };
}
