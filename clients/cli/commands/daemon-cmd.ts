import { CvuError } from '../../../core/errors.js';
import { daemonPaths, EXIT_ALREADY_RUNNING, findRunning, runDaemon, startDaemon, stopDaemon } from '../../../daemon/lifecycle.js';
import { clientFor } from '../../daemon-discovery.js';
import { parse } from '../args.js';
import type { CommandIO } from '../io.js';
import { printWorkspace } from './status-cmd.js';

const USAGE = 'cvu daemon start [--port N] [--foreground] | stop | status';

function portOption(value: unknown): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CvuError('CVU_ERR_USAGE', `--port expects a port number (0-65535), got ${String(value)}`, { status: 400 });
  return n;
}

/** `cvu daemon start | stop | status`. */
export async function daemonCommand(argv: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'start':
      return start(rest, io);
    case 'stop':
      return stop(rest, io);
    case 'status':
      return status(rest, io);
    default:
      throw new CvuError('CVU_ERR_USAGE', sub ? `unknown subcommand "${sub}": ${USAGE}` : USAGE, { status: 400 });
  }
}

async function start(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { port: { type: 'string', short: 'p' }, foreground: { type: 'boolean' } });
  if (positionals.length) throw new CvuError('CVU_ERR_USAGE', `unexpected argument "${positionals[0]}": ${USAGE}`, { status: 400 });
  const port = portOption(values.port);
  const log = daemonPaths().log;
  if (values.foreground) {
    const running = await findRunning();
    if (running) {
      report(io, Boolean(values.json), { running: true, started: false, pid: running.pid, port: running.port, version: running.version, log }, `cvu daemon already running (pid ${running.pid}, port ${running.port})`);
      return 0;
    }
    const code = await runDaemon({
      port,
      foreground: true,
      onReady: (info) => report(io, Boolean(values.json), { running: true, started: true, pid: info.pid, port: info.port, version: info.version, log }, `cvu daemon listening on port ${info.port} (pid ${info.pid}); Ctrl-C stops it`),
    });
    return code === EXIT_ALREADY_RUNNING ? 0 : code;
  }
  const { info, started } = await startDaemon({ port });
  report(
    io,
    Boolean(values.json),
    { running: true, started, pid: info.pid, port: info.port, version: info.version, log },
    started ? `cvu daemon started (pid ${info.pid}, port ${info.port}); log: ${log}` : `cvu daemon already running (pid ${info.pid}, port ${info.port})`,
  );
  return 0;
}

async function stop(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parse(argv, {});
  const r = await stopDaemon();
  report(io, Boolean(values.json), r, r.stopped ? `cvu daemon stopped (pid ${r.pid})` : `cvu daemon is not running${r.cleanedStale ? ' (removed the files of a dead one)' : ''}`);
  return 0;
}

async function status(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parse(argv, {});
  const info = await findRunning();
  if (!info) {
    report(io, Boolean(values.json), { running: false }, 'cvu daemon is not running');
    return 0;
  }
  const s = await clientFor(info).status();
  const body = { running: true, pid: info.pid, port: info.port, version: s.version ?? info.version, ...(s.daemon ? { startedAt: s.daemon.startedAt, uptimeSeconds: s.daemon.uptimeSeconds } : {}), workspaces: s.workspaces, model: s.model, log: daemonPaths().log };
  if (values.json) io.out(JSON.stringify(body));
  else {
    io.out(`cvu daemon running (pid ${info.pid}, port ${info.port}, version ${body.version}); log: ${body.log}`);
    if (!s.workspaces.length) io.out('no workspaces registered');
    for (const w of s.workspaces) printWorkspace(w, io);
  }
  return 0;
}

function report(io: CommandIO, json: boolean, body: object, text: string): void {
  io.out(json ? JSON.stringify(body) : text);
}
