import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pino from 'pino';
import { loggerOf, logLevelOf, pinoOptions, readableLines, type Logger, type LogLevel } from '../core/log.js';

export interface LogFileOptions {
  /** Folder of the log files (`$CVU_HOME/logs`). */
  dir: string;
  /** Files are NAME.1.log, NAME.2.log…, the highest number the current one, linked as current.log (default `daemon`). */
  name?: string;
  /** Start the next file once the current one reaches this (default 5 MB). */
  maxBytes?: number;
  /** Files kept in all, the current one included (default 3). */
  maxFiles?: number;
}

/** The parts of pino's transport stream (thread-stream) that its typings leave out. */
type WriterThread = ReturnType<typeof pino.transport> & { readonly ready: boolean; readonly closed: boolean; ref(): void };

export interface FileLogger {
  logger: Logger;
  /** Writes out what is queued and ends the writer thread; later lines are dropped. */
  close(): Promise<void>;
}

/**
 * The daemon's logger: pino's JSON lines into size-rotated files, written by
 * pino-roll on a worker thread (loading it costs the daemon's start nothing),
 * optionally echoed to stderr as readable lines (`--foreground`). The worker
 * writes each line synchronously, so a crash loses at most what was still in
 * flight. A log that cannot be written (full disk, folder removed) never
 * takes the daemon down: its lines are lost, with one note on stderr.
 */
export function createFileLogger(opts: LogFileOptions & { level?: LogLevel; echo?: boolean }): FileLogger {
  try {
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  } catch {
    // pino-roll fails on it too, and that failure is reported once below.
  }
  removeUnnumberedLogs(opts.dir, opts.name ?? 'daemon');
  const maxFiles = Math.max(1, opts.maxFiles ?? 3);
  const file = pino.transport({
    target: createRequire(import.meta.url).resolve('pino-roll'),
    options: {
      file: path.join(opts.dir, `${opts.name ?? 'daemon'}.log`),
      size: `${Math.max(1024, opts.maxBytes ?? 5 * 1024 * 1024)}b`,
      // Counting the files left by earlier runs too (and then the current one with them, unlike
      // pino-roll's default), so the folder stays bounded across restarts.
      limit: { count: maxFiles, removeOtherLogFiles: true },
      // Creating a link needs a privilege Windows users rarely have.
      symlink: process.platform !== 'win32',
      mode: 0o600,
      sync: true,
    },
  }) as WriterThread;
  let closed = false;
  let warned = false;
  file.on('error', (err: Error) => {
    if (closed || warned) return;
    warned = true;
    process.stderr.write(`cvu: the log in ${opts.dir} cannot be written, its lines are lost: ${err.message}\n`);
  });
  const level = logLevelOf(opts.level ?? process.env.CVU_LOG_LEVEL, 'info');
  const dest = opts.echo ? pino.multistream([{ level, stream: file }, { level, stream: readableLines((line) => process.stderr.write(line + '\n')) }]) : file;
  const logger = loggerOf(pino(pinoOptions(level), dest));
  return {
    logger,
    close: async () => {
      if (closed) return;
      closed = true;
      // pino unrefs the worker once it is ready: wait for that, then hold the process until the file is closed.
      if (!file.ready && !file.closed) await new Promise((resolve) => (file.once('ready', resolve), file.once('close', resolve)));
      if (file.closed) return;
      await new Promise((resolve) => {
        file.once('close', resolve);
        file.ref();
        file.end();
      });
    },
  };
}

/** Logs of the hand-rotated era (`daemon.log`, `daemon.log.1`…): pino-roll neither rotates nor removes them. */
function removeUnnumberedLogs(dir: string, name: string): void {
  for (const f of [`${name}.log`, `${name}.log.1`, `${name}.log.2`, `${name}.log.3`]) {
    try {
      const p = path.join(dir, f);
      if (fs.lstatSync(p).isFile()) fs.rmSync(p);
    } catch {
      // not there
    }
  }
}
