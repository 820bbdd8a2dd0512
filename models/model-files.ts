/** File facts and error text shared by the model store's modules (registry, download, verification). */
import fs from 'node:fs';
import path from 'node:path';

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Size in bytes, or null when the file is not there. */
export function fileSize(p: string): number | null {
  try {
    return fs.statSync(p).size;
  } catch {
    return null;
  }
}

/** An error's message, with its cause's when that says more (fetch puts the network reason there). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message && !err.message.includes(cause.message) ? `${err.message}: ${cause.message}` : err.message;
}

/** A duration as the messages print it: `0.3 s`, `60 s`. */
export function seconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`;
}

/** A model's name from its file: the file name without `.gguf` (and without a split suffix), lower case. */
export function modelNameFromFile(file: string): string {
  return path
    .basename(file)
    .replace(/\?.*$/, '')
    .replace(/(-\d{5}-of-\d{5})?\.gguf$/i, '')
    .toLowerCase();
}
