/**
 * The daemon's life: one per `$CVU_HOME`, found through `daemon.json`,
 * started in the background or the foreground, stopped with SIGTERM.
 *
 * Top-level imports stay light (the CLI loads this file for every command);
 * the daemon itself (stores, parsers, fastify) is imported only by `runDaemon`.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CvuError } from '../core/errors.js';
import { cvuHome } from '../core/home.js';
import { boundHeapGrowth } from '../core/v8-flags.js';
import { isAlive } from '../core/process.js';
import { logLevelOf, type Logger } from '../core/log.js';
import { VERSION } from '../core/version.js';

/** `$CVU_HOME/daemon.json` (API.md), mode 0600. */
export interface DaemonInfo {
  port: number;
  token: string;
  pid: number;
  version: string;
  /** The interface the daemon listens on (absent: 127.0.0.1). */
  host?: string;
}

/** Exit code of a daemon process that found another one running (the starter then reports that one). */
export const EXIT_ALREADY_RUNNING = 3;
/** The longest a stopping daemon waits for its log's writer thread. */
const LOG_CLOSE_MS = 3000;
/** A lock whose live holder has not written daemon.json within this long is stale (its pid was reused). */
const STARTING_GRACE_MS = 90_000;

export function daemonPaths(home: string = cvuHome()) {
  const logs = path.join(home, 'logs');
  return {
    home,
    info: path.join(home, 'daemon.json'),
    lock: path.join(home, 'daemon.lock'),
    logs,
    /** pino-roll's link to the newest of `daemon.1.log`, `daemon.2.log`… (daemon/log-file.ts). */
    log: path.join(logs, 'current.log'),
    /** stdout/stderr of a background daemon (native crashes end up here). */
    stdio: path.join(logs, 'daemon.stdio.log'),
  };
}

export function readDaemonInfo(home: string = cvuHome()): DaemonInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(daemonPaths(home).info, 'utf8')) as DaemonInfo;
    if (!Number.isInteger(info.port) || !Number.isInteger(info.pid) || typeof info.token !== 'string') return null;
    return info;
  } catch {
    return null;
  }
}

/** Written atomically (temp file + rename) with mode 0600: the token is a secret. */
export function writeDaemonInfo(home: string, info: DaemonInfo): void {
  const file = daemonPaths(home).info;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Removes daemon.json if it still names `pid` (never a newer daemon's file). */
function removeDaemonInfo(home: string, pid: number): void {
  const info = readDaemonInfo(home);
  if (!info || info.pid === pid) fs.rmSync(daemonPaths(home).info, { force: true });
}

export { isAlive };

function baseUrl(info: DaemonInfo): string {
  const host = !info.host || info.host === '0.0.0.0' ? '127.0.0.1' : info.host === '::' ? '[::1]' : info.host.includes(':') ? `[${info.host}]` : info.host;
  return `http://${host}:${info.port}`;
}

/** GET /health with the token; the version on success, null when nothing (or something else) answers. */
export async function probeHealth(info: DaemonInfo, timeoutMs = 2000): Promise<string | null> {
  try {
    const res = await fetch(`${baseUrl(info)}/health`, { headers: { authorization: `Bearer ${info.token}` }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const body = (await res.json()) as { ok?: boolean; version?: string };
    return body.ok ? (body.version ?? '') : null;
  } catch {
    return null;
  }
}

/** The daemon of this home if one runs and answers: daemon.json names a live pid and /health answers with its token. */
export async function findRunning(home: string = cvuHome()): Promise<DaemonInfo | null> {
  const info = readDaemonInfo(home);
  if (!info || !isAlive(info.pid)) return null;
  return (await probeHealth(info)) !== null ? info : null;
}

// ---------------------------------------------------------------------------
// Single instance: an exclusive lock file, broken only when its holder is gone
// ---------------------------------------------------------------------------

interface LockContent {
  pid: number;
  startedAt: string;
}

export class AlreadyRunningError extends CvuError {
  constructor(readonly pid: number, readonly info: DaemonInfo | null) {
    super('CVU_ERR_DAEMON_START', info ? `a daemon is already running (pid ${pid}, port ${info.port})` : `a daemon is already starting (pid ${pid})`, { status: 409 });
  }
}

function readLock(file: string): LockContent | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
  } catch {
    return null;
  }
}

/**
 * Takes `$CVU_HOME/daemon.lock` (created with `wx`, so one of two racing
 * starts wins). A lock whose pid is dead, or alive but neither answering
 * /health nor young enough to be still starting, is stale (kill -9, a reused
 * pid) and is broken.
 */
async function acquireLock(home: string): Promise<{ held(): boolean; release(): void }> {
  const file = daemonPaths(home).lock;
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const running = await findRunning(home);
  if (running && running.pid !== process.pid) throw new AlreadyRunningError(running.pid, running);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies LockContent));
      fs.closeSync(fd);
      return {
        held: () => readLock(file)?.pid === process.pid,
        release() {
          if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
      const info = readDaemonInfo(home);
      if (info && info.pid === holder.pid && (await probeHealth(info)) !== null) throw new AlreadyRunningError(holder.pid, info);
      let age = Infinity;
      try {
        age = Date.now() - fs.statSync(file).mtimeMs;
      } catch {
        // removed meanwhile: try again
      }
      if (age < STARTING_GRACE_MS) throw new AlreadyRunningError(holder.pid, null);
    } else if (!holder) {
      // Being written by its creator right now, or garbage: give a writer a moment.
      await sleep(50);
      const again = readLock(file);
      if (again && isAlive(again.pid)) continue;
    }
    // Stale: move it aside (rename is atomic) and try to create ours. If what
    // was moved is not the stale lock we judged (a racing start broke that one
    // and took the lock meanwhile), put it back: link() fails when a lock exists.
    const aside = `${file}.${process.pid}.stale`;
    try {
      fs.renameSync(file, aside);
      const moved = readLock(aside);
      if (moved && moved.pid !== holder?.pid && moved.pid !== process.pid && isAlive(moved.pid)) {
        try {
          fs.linkSync(aside, file);
        } catch {
          // a third start holds it now
        }
      }
      fs.rmSync(aside, { force: true });
    } catch {
      // someone else broke it first
    }
  }
  throw new CvuError('CVU_ERR_DAEMON_START', `could not take ${file}`, { status: 409 });
}

// ---------------------------------------------------------------------------
// The daemon process
// ---------------------------------------------------------------------------

export interface RunDaemonOptions {
  home?: string;
  /** 0 or absent: any free port. */
  port?: number;
  host?: string;
  /** Also print the log to stderr (`cvu daemon start --foreground`). */
  foreground?: boolean;
  bodyLimit?: number;
  /** Resolves the returned promise's shutdown when it fires, as SIGTERM does (tests, embedding). */
  signal?: AbortSignal;
  /** Called once the daemon listens and daemon.json is written. */
  onReady?: (info: DaemonInfo) => void;
}

/**
 * Runs a daemon in this process until SIGTERM/SIGINT (or `opts.signal`):
 * takes the single-instance lock, listens on loopback, writes daemon.json,
 * and on shutdown stops accepting, closes the Daemon (watchers close,
 * writes finish), removes daemon.json and the lock. Resolves with the
 * process exit code (EXIT_ALREADY_RUNNING when another daemon owns the home).
 */
export async function runDaemon(opts: RunDaemonOptions = {}): Promise<number> {
  boundHeapGrowth();
  const home = opts.home ?? cvuHome();
  const paths = daemonPaths(home);
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const [{ createFileLogger }, { loadUserConfig }] = await Promise.all([import('./log-file.js'), import('../config/load.js')]);
  // The user's own config sets daemon-wide things (log level, parse threads); a workspace's never does.
  const userConfig = await loadUserConfig(home);
  const logFile = createFileLogger({
    dir: paths.logs,
    level: logLevelOf(process.env.CVU_LOG_LEVEL, userConfig.values.logLevel || 'info'),
    echo: Boolean(opts.foreground),
  });
  const log = logFile.logger;
  // Bounded: a writer thread that hangs must not keep the daemon from exiting.
  const closeLog = () => Promise.race([logFile.close(), new Promise<void>((resolve) => setTimeout(resolve, LOG_CLOSE_MS).unref())]);

  let lock: { held(): boolean; release(): void };
  try {
    lock = await acquireLock(home);
  } catch (err) {
    log.warn(`not starting: ${(err as Error).message}`);
    await closeLog();
    return err instanceof AlreadyRunningError ? EXIT_ALREADY_RUNNING : 1;
  }

  const onRejection = (reason: unknown) => log.error(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`);
  const onException = (err: Error) => log.error(`uncaught exception: ${err.stack ?? err.message}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);

  const [{ Daemon }, { listenServer }] = await Promise.all([import('./daemon.js'), import('./server.js')]);
  const watch = await loadWatcher(log);
  const parseWorkers = userConfig.values.index?.parseWorkers;
  const daemon = new Daemon({ home, logger: log, userConfig, ...(watch ? { watch } : {}), ...(parseWorkers !== undefined && parseWorkers >= 0 ? { parseWorkers } : {}) });
  // The parse workers start now, beside the server's own start: a thread, ~180 modules and the
  // tree-sitter runtime each, which a first index (a client registers a workspace right after
  // starting the daemon) would otherwise wait for.
  daemon.parsePool.start();
  const token = crypto.randomBytes(32).toString('hex');
  let server: Awaited<ReturnType<typeof listenServer>>;
  try {
    server = await listenServer(daemon, {
      token,
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      logger: log,
      ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    });
  } catch (err) {
    log.error(`cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 0}: ${(err as Error).message}`);
    await daemon.close().catch(() => {});
    lock.release();
    await closeLog();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    return 1;
  }
  if (!lock.held()) {
    // Lost a race on a stale lock to another start: that daemon owns this home.
    log.warn('another daemon took the lock while this one was starting: exiting');
    await server.app.close().catch(() => {});
    await daemon.close().catch(() => {});
    await closeLog();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    return EXIT_ALREADY_RUNNING;
  }
  const info: DaemonInfo = { port: server.port, token, pid: process.pid, version: VERSION, host: server.host };
  writeDaemonInfo(home, info);
  log.info(`cvu daemon ${VERSION} listening on ${baseUrl(info)} (pid ${process.pid}, home ${home}, watcher ${watch ? 'on' : 'off'})`);
  opts.onReady?.(info);
  void daemon.restore().catch((err) => log.warn(`restoring workspaces failed: ${(err as Error).message}`));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async (why: string) => {
      if (stopping) {
        log.warn(`${why} again during shutdown: exiting now`);
        finish(1);
        return;
      }
      stopping = true;
      log.info(`${why}: shutting down`);
      const force = setTimeout(() => {
        log.error('shutdown took over 30 s: exiting anyway');
        finish(1);
      }, 30_000);
      force.unref();
      try {
        // Stop accepting (new requests get 503), let in-flight ones finish briefly, then close the daemon.
        const closing = server.app.close();
        await Promise.race([closing, sleep(5000)]);
        await daemon.close();
        await Promise.race([closing, sleep(1000)]);
      } catch (err) {
        log.error(`error during shutdown: ${(err as Error).stack ?? (err as Error).message}`);
      }
      clearTimeout(force);
      finish(0);
    };
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      removeDaemonInfo(home, process.pid);
      lock.release();
      log.info(`cvu daemon stopped (pid ${process.pid}, exit ${code})`);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      // The caller may exit the process at once: the log's last lines go out first.
      void closeLog().then(() => resolve(code));
    };
    const onTerm = () => void shutdown('SIGTERM');
    const onInt = () => void shutdown('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    if (opts.signal?.aborted) void shutdown('stop requested');
    else opts.signal?.addEventListener('abort', () => void shutdown('stop requested'), { once: true });
  });
}

/** daemon/watcher.ts when it is there; no watcher (and a log line) when it is not. */
async function loadWatcher(log: Logger) {
  if (process.env.CVU_WATCH === '0') return null;
  const spec = './watcher.js';
  try {
    const mod = (await import(spec)) as { watchWorkspace?: import('./daemon.js').WatchFactory };
    return mod.watchWorkspace ?? null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') log.info('no file watcher available: workspaces update on request only');
    else log.warn(`file watcher failed to load: ${(err as Error).message}`);
    return null;
  }
}

// ---------------------------------------------------------------------------
// Starting and stopping from another process (the CLI)
// ---------------------------------------------------------------------------

export interface StartOptions {
  home?: string;
  port?: number;
  /** Extra environment for the daemon process (CVU_HOME is always set to `home`). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for /health (default 60 s, CVU_DAEMON_START_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** The command that runs daemon/main: compiled (`dist/`), or from source through tsx (tests, `npm run` from a checkout). */
export function daemonCommand(): { command: string; args: string[] } {
  if (!import.meta.url.endsWith('.ts')) return { command: process.execPath, args: [fileURLToPath(new URL('./main.js', import.meta.url))] };
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return { command: process.execPath, args: ['--import', tsx, fileURLToPath(new URL('./main.ts', import.meta.url))] };
}

/**
 * Finds the running daemon or starts one in the background (detached, its
 * output in `$CVU_HOME/logs`) and waits, bounded, until /health answers.
 */
export async function startDaemon(opts: StartOptions = {}): Promise<{ info: DaemonInfo; started: boolean }> {
  const home = opts.home ?? cvuHome();
  const running = await findRunning(home);
  if (running) return { info: running, started: false };

  const paths = daemonPaths(home);
  fs.mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  try {
    if (fs.statSync(paths.stdio).size > 1024 * 1024) fs.renameSync(paths.stdio, paths.stdio + '.1');
  } catch {
    // no file yet
  }
  const out = fs.openSync(paths.stdio, 'a', 0o600);
  const { command, args } = daemonCommand();
  const child = spawn(command, [...args, '--port', String(opts.port ?? 0)], {
    cwd: home,
    detached: true,
    stdio: ['ignore', out, out],
    // glibc gives every native thread (LanceDB, onnxruntime) its own malloc arena; two keep
    // the long-lived daemon's footprint about 15% smaller for the same work.
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...opts.env, CVU_HOME: home },
    windowsHide: true,
  });
  fs.closeSync(out);
  let exitCode: number | null = null;
  child.once('exit', (code, signal) => {
    exitCode = code ?? (signal ? 128 : 1);
  });
  child.once('error', () => {
    exitCode = 1;
  });
  child.unref();

  const timeoutMs = opts.timeoutMs ?? (Number(process.env.CVU_DAEMON_START_TIMEOUT_MS) || 60_000);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(100);
    const info = readDaemonInfo(home);
    if (info && info.pid === child.pid && (await probeHealth(info)) !== null) return { info, started: true };
    if (exitCode === EXIT_ALREADY_RUNNING) {
      // Another start won the race: wait for that one instead.
      while (Date.now() < deadline) {
        const other = await findRunning(home);
        if (other) return { info: other, started: false };
        await sleep(200);
      }
      break;
    }
    if (exitCode !== null) {
      throw new CvuError('CVU_ERR_DAEMON_START', `the daemon exited (code ${exitCode}) before it answered; see ${paths.log}${logTail(paths)}`, { status: 500 });
    }
  }
  if (exitCode === null && child.pid) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  throw new CvuError('CVU_ERR_DAEMON_START', `the daemon did not answer within ${Math.round(timeoutMs / 1000)} s; see ${paths.log}${logTail(paths)}`, { status: 504 });
}

function logTail(paths: ReturnType<typeof daemonPaths>): string {
  const lines: string[] = [];
  for (const f of [paths.stdio, paths.log]) {
    try {
      const text = fs.readFileSync(f, 'utf8');
      lines.push(...text.trimEnd().split('\n').slice(-8));
    } catch {
      // none
    }
  }
  return lines.length ? `\n${lines.join('\n')}` : '';
}

export interface StopResult {
  /** A daemon was running and has exited. */
  stopped: boolean;
  pid?: number;
  /** Leftover files of a dead daemon were removed. */
  cleanedStale?: boolean;
}

/** Sends SIGTERM to the running daemon and waits (bounded) until it has exited. */
export async function stopDaemon(opts: { home?: string; timeoutMs?: number } = {}): Promise<StopResult> {
  const home = opts.home ?? cvuHome();
  const paths = daemonPaths(home);
  const info = readDaemonInfo(home);
  if (!info || !isAlive(info.pid)) {
    const stale = info !== null;
    if (info) removeDaemonInfo(home, info.pid);
    const lock = readLock(paths.lock);
    if (lock && !isAlive(lock.pid)) fs.rmSync(paths.lock, { force: true });
    return { stopped: false, ...(stale ? { cleanedStale: true } : {}) };
  }
  // Only signal a process that proves it is this home's daemon (a stale file may name a reused pid).
  if ((await probeHealth(info)) === null) {
    throw new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', `daemon.json names pid ${info.pid}, which is alive but does not answer on port ${info.port}; if it is a stuck cvu daemon, kill it`, { status: 503 });
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (!isAlive(info.pid)) {
      removeDaemonInfo(home, info.pid);
      return { stopped: true, pid: info.pid };
    }
    await sleep(50);
  }
  throw new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', `daemon pid ${info.pid} did not exit within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s of SIGTERM`, { status: 504 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
