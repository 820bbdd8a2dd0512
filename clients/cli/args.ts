import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CvuError } from '../../core/errors.js';

export interface GlobalOptions {
  json: boolean;
  root: string | undefined;
}

/** `--root DIR`, else the enclosing git root, else the current folder (API.md). */
export function resolveRoot(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) return path.resolve(cwd, explicit);
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(cwd);
    dir = up;
  }
}

const common = { json: { type: 'boolean' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with the options every command takes; a bad flag is a usage error (exit 2). */
export function parse<T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...common, ...options } as typeof common & T, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CvuError('CVU_ERR_USAGE', (err as Error).message, { status: 400 });
  }
}

export function intOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CvuError('CVU_ERR_USAGE', `--${name} expects a positive integer, got ${String(value)}`, { status: 400 });
  return n;
}
