/**
 * Leveled logging on pino. A terminal (stderr, the default) and a test's sink
 * get one readable line per call; the daemon's log file gets pino's JSON
 * lines (daemon/log-file.ts), built from the same records.
 *
 * ```ts
 * const log = createLogger('info');
 * log.warn('grammar failed to load', { lang: 'ruby' });
 * // stderr: 2025-06-01T10:00:00.000Z WARN grammar failed to load {"lang":"ruby"}
 * // a log file: {"level":"WARN","time":"2025-…","pid":4242,"lang":"ruby","msg":"grammar failed to load"}
 * ```
 *
 * Credentials never reach a line: fields named like one (`token`,
 * `authorization`, `password`, …) are censored, and so are bearer tokens and
 * Hugging Face tokens written into a message.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Receives each line, without its newline (tests collect them). */
export type LogSink = (line: string) => void;

/** Field paths whose values are replaced by REDACTED, at the top level or one object down (`headers.authorization`). */
const SECRET_FIELDS = ['token', 'authorization', 'cookie', 'password', 'apiKey', 'api_key', 'secret'];
const REDACTED = '[redacted]';
/** Credentials a message may quote: `Bearer <token>` (an Authorization header) and Hugging Face tokens. */
const SECRET_IN_TEXT = /\b(Bearer\s+)[^\s"',;]+|\bhf_[A-Za-z0-9]{20,}/gi;

/** Hides the credentials a message quotes. */
export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_, bearer: string | undefined) => (bearer ? `${bearer}${REDACTED}` : REDACTED));
}

/** `value` when it names a level (CVU_LOG_LEVEL, a config), else `fallback`. */
export function logLevelOf(value: string | undefined, fallback: LogLevel): LogLevel {
  return LEVELS.includes(value as LogLevel) ? (value as LogLevel) : fallback;
}

/** The options every Cvu pino logger shares: level names, ISO time, redaction. */
export function pinoOptions(level: LogLevel): pino.LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    // Plus the headers of a request as fastify's serializers log it.
    redact: { paths: [...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), 'req.headers.authorization', 'req.headers.cookie'], censor: REDACTED },
    hooks: {
      logMethod(args, method) {
        // The message is the first string argument: after the fields object when there is one.
        const at = typeof args[0] === 'string' ? 0 : 1;
        if (typeof args[at] === 'string') (args as unknown[])[at] = redactText(args[at] as string);
        return method.apply(this, args);
      },
    },
  };
}

const byLogger = new WeakMap<Logger, pino.Logger>();

/** The pino logger behind a Logger made here (to hand to fastify or a library); undefined for others. */
export function pinoOf(logger: Logger): pino.Logger | undefined {
  return byLogger.get(logger);
}

/** A Logger whose lines go through `p`. */
export function loggerOf(p: pino.Logger): Logger {
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (fields && Object.keys(fields).length) p[level](fields, msg);
      else p[level](msg);
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  byLogger.set(logger, p);
  return logger;
}

/**
 * A destination that turns pino's JSON records into the line a person reads:
 * time, level, message, then the other fields as JSON. Hand-written because
 * pino-pretty is not a dependency, and this is six lines.
 */
export function readableLines(write: LogSink): pino.DestinationStream {
  return {
    write(json: string) {
      const { time, level, msg, pid: _pid, ...fields } = JSON.parse(json) as Record<string, unknown>;
      write(`${String(time)} ${String(level)} ${String(msg ?? '')}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}`);
    },
  };
}

const toStderr: LogSink = (line) => process.stderr.write(line + '\n');

/** A logger at `level` (default: CVU_LOG_LEVEL, else warn) writing readable lines to `sink` (default: stderr). */
export function createLogger(level: LogLevel = logLevelOf(process.env.CVU_LOG_LEVEL, 'warn'), sink: LogSink = toStderr): Logger {
  return loggerOf(pino(pinoOptions(logLevelOf(level, 'warn')), readableLines(sink)));
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
