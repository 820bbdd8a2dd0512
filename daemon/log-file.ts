import fs from 'node:fs';
import path from 'node:path';
import { createLogger, type Logger, type LogLevel } from '../core/log.js';

export interface LogFileOptions {
  /** Folder of the log files (`$CVU_HOME/logs`). */
  dir: string;
  /** Current file name; rotated copies get `.1`, `.2`… (default `daemon.log`). */
  name?: string;
  /** Rotate when the current file would grow past this (default 5 MB). */
  maxBytes?: number;
  /** Files kept in all, the current one included (default 3). */
  maxFiles?: number;
}

/**
 * An append-only log file with size-based rotation: `daemon.log` is renamed
 * to `daemon.log.1` (and `.1` to `.2`…) when it would pass `maxBytes`, and
 * the oldest copy is dropped. Writes are synchronous so that the lines
 * before a crash are on disk; the daemon writes one line per request, which
 * costs far less than the request.
 */
export class LogFile {
  readonly file: string;
  private fd: number | null = null;
  private size = 0;
  private readonly maxBytes: number;
  private readonly maxFiles: number;

  constructor(private readonly opts: LogFileOptions) {
    this.file = path.join(opts.dir, opts.name ?? 'daemon.log');
    this.maxBytes = Math.max(1024, opts.maxBytes ?? 5 * 1024 * 1024);
    this.maxFiles = Math.max(1, opts.maxFiles ?? 3);
  }

  write(line: string): void {
    const data = line.endsWith('\n') ? line : line + '\n';
    const bytes = Buffer.byteLength(data);
    try {
      this.open();
      if (this.size > 0 && this.size + bytes > this.maxBytes) {
        this.rotate();
        this.open();
      }
      fs.writeSync(this.fd!, data);
      this.size += bytes;
    } catch {
      // A full disk or a removed folder must not take the daemon down; the line is lost.
      this.closeFd();
    }
  }

  private open(): void {
    if (this.fd !== null) return;
    fs.mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.closeFd();
    const copy = (i: number) => `${this.file}.${i}`;
    fs.rmSync(copy(this.maxFiles - 1), { force: true });
    for (let i = this.maxFiles - 2; i >= 1; i--) {
      if (fs.existsSync(copy(i))) fs.renameSync(copy(i), copy(i + 1));
    }
    if (this.maxFiles > 1) fs.renameSync(this.file, copy(1));
    else fs.rmSync(this.file, { force: true });
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = null;
  }

  close(): void {
    this.closeFd();
  }
}

/** The daemon's logger: leveled lines into a rotating file, optionally echoed to stderr (`--foreground`). */
export function createFileLogger(opts: LogFileOptions & { level?: LogLevel; echo?: (line: string) => void }): { logger: Logger; file: LogFile } {
  const file = new LogFile(opts);
  const level = opts.level ?? ((process.env.CVU_LOG_LEVEL as LogLevel) || 'info');
  const logger = createLogger(level, (line) => {
    file.write(line);
    opts.echo?.(line);
  });
  return { logger, file };
}
