/**
 * Node-only: finds the daemon of a `$CVU_HOME` through daemon.json (and
 * starts it when asked), and hands back a DaemonClient for it.
 */
import { cvuHome } from '../core/home.js';
import { CvuError } from '../core/errors.js';
import { findRunning, startDaemon, type DaemonInfo } from '../daemon/lifecycle.js';
import { DaemonClient, type WorkspaceStatus } from './daemon-client.js';

export interface ConnectOptions {
  home?: string;
  /** Start the daemon when none runs (default true). */
  autoStart?: boolean;
  clientId?: string;
  timeoutMs?: number;
}

export interface Connection {
  client: DaemonClient;
  info: DaemonInfo;
  /** This call started the daemon. */
  started: boolean;
}

export function clientFor(info: DaemonInfo, opts: { clientId?: string; timeoutMs?: number } = {}): DaemonClient {
  const host = !info.host || info.host === '0.0.0.0' ? '127.0.0.1' : info.host === '::' ? '[::1]' : info.host.includes(':') ? `[${info.host}]` : info.host;
  return new DaemonClient({
    baseUrl: `http://${host}:${info.port}`,
    token: info.token,
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

/** The running daemon, started first when none runs and `autoStart` is not false. */
export async function connectDaemon(opts: ConnectOptions = {}): Promise<Connection> {
  const home = opts.home ?? cvuHome();
  let info = await findRunning(home);
  let started = false;
  if (!info) {
    if (opts.autoStart === false) throw new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', 'the cvu daemon is not running; start it with `cvu daemon start`', { status: 503 });
    ({ info, started } = await startDaemon({ home }));
  }
  return { client: clientFor(info, opts), info, started };
}

export interface WorkspaceConnection extends Connection {
  /** The root as the daemon knows it (its real path). */
  root: string;
  /** Its status once indexed (when `wait` is set), else null. */
  workspace: WorkspaceStatus | null;
}

/**
 * Connects (starting the daemon if needed), registers `root` and, with
 * `wait`, waits until its first index pass is done so that a fresh
 * workspace answers from a complete lexical index.
 */
export async function connectWorkspace(root: string, opts: ConnectOptions & { wait?: boolean; onProgress?: (ws: WorkspaceStatus) => void } = {}): Promise<WorkspaceConnection> {
  const conn = await connectDaemon(opts);
  const reg = await conn.client.registerWorkspace(root);
  const workspace = opts.wait ? await conn.client.waitForIndex(reg.root, opts.onProgress ? { onProgress: opts.onProgress } : {}) : null;
  return { ...conn, root: reg.root, workspace };
}
