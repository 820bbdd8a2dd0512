/**
 * The extension's connection to the daemon as a state machine the status
 * bar renders: find it (settings or daemon.json), start it when absent,
 * register the workspace folders, poll /status as a heartbeat, and after a
 * failure (the daemon restarted: new port, new token) reconnect with
 * exponential backoff. Free of the `vscode` API.
 *
 * Without Workspace Trust (`mayConnect` false) it stays `restricted`: it
 * neither starts the daemon nor sends it anything, whoever calls connect().
 */
import { DaemonClient, type FetchLike } from '../../daemon-client.js';
import { CvuError, isCvuError } from '../../../core/errors.js';
import type { StatusResponse } from '../../daemon-client.js';
import type { Endpoint } from './discovery.js';

export type ConnectionState =
  | { kind: 'idle' }
  /** Restricted Mode: the workspace is not trusted; nothing is sent to the daemon. */
  | { kind: 'restricted' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'starting' }
  | { kind: 'connected'; endpoint: Endpoint; status: StatusResponse | null }
  | { kind: 'disconnected'; error: CvuError; retryInMs: number; attempt: number }
  /** Needs the user: a wrong configured token, no CLI to start the daemon. */
  | { kind: 'error'; error: CvuError };

export interface ConnectionDeps {
  /** The endpoint to try now (re-read every attempt: a restarted daemon rewrites daemon.json). */
  resolveEndpoint(): Endpoint | null | Promise<Endpoint | null>;
  /** Starts the daemon (`cvu daemon start`); absent: never start one. */
  startDaemon?: () => Promise<void>;
  /**
   * Whether this window may talk to the daemon now (Workspace Trust), read on
   * every connect(); absent: always. False: no start, no registration, no call.
   */
  mayConnect?: () => boolean;
  /** Workspace folders to register (absolute paths). */
  workspaceFolders(): string[];
  clientId?: string;
  fetch?: FetchLike;
  /** Status poll (heartbeat) interval, ms (default 3000). */
  pollMs?: number;
  /** Backoff: first delay and cap, ms (defaults 500 and 30000). */
  backoffMs?: { initial: number; max: number };
  /** Per-request timeout of the connection's own calls (default 5000). */
  timeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  log?: (level: 'info' | 'warn' | 'debug', message: string) => void;
}

/** Errors that no retry fixes without the user. */
function needsUser(err: CvuError, endpoint: Endpoint | null): boolean {
  if (err.code === 'CVU_ERR_DAEMON_START') return true;
  if (err.code === 'CVU_ERR_UNAUTHORIZED' || err.code === 'CVU_ERR_FORBIDDEN') return endpoint?.source === 'settings';
  return false;
}

function asCvuError(err: unknown): CvuError {
  if (err instanceof CvuError) return err;
  return new CvuError('CVU_ERR_INTERNAL', (err as Error)?.message ?? String(err), { cause: err });
}

export class Connection {
  private _state: ConnectionState = { kind: 'idle' };
  private client: DaemonClient | null = null;
  private endpoint: Endpoint | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private connecting: Promise<void> | null = null;
  private disposed = false;
  private readonly listeners = new Set<(s: ConnectionState) => void>();
  /** Registered roots as the daemon answered them (real paths), by folder. */
  readonly roots = new Map<string, string>();
  private startedOnce = false;

  constructor(private readonly deps: ConnectionDeps) {}

  get state(): ConnectionState {
    return this._state;
  }

  onChange(listener: (s: ConnectionState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private set(state: ConnectionState): void {
    this._state = state;
    for (const l of this.listeners) l(state);
  }

  private setTimer(fn: () => void, ms: number): void {
    this.clearTimer();
    this.timer = (this.deps.setTimer ?? ((f, m) => setTimeout(f, m)))(fn, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) (this.deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.timer);
    this.timer = null;
  }

  /** The client of the connected daemon, or null. */
  current(): DaemonClient | null {
    return this._state.kind === 'connected' ? this.client : null;
  }

  /** Connects now (again), whatever the state; resolves when this attempt ends. */
  connect(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.deps.mayConnect && !this.deps.mayConnect()) {
      this.clearTimer();
      this.client = null;
      this.roots.clear();
      if (this._state.kind !== 'restricted') this.set({ kind: 'restricted' });
      return Promise.resolve();
    }
    if (this.connecting) return this.connecting;
    this.clearTimer();
    this.connecting = this.attemptConnect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private makeClient(endpoint: Endpoint): DaemonClient {
    return new DaemonClient({
      baseUrl: endpoint.baseUrl,
      token: endpoint.token,
      ...(this.deps.clientId ? { clientId: this.deps.clientId } : {}),
      ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
    });
  }

  private async attemptConnect(): Promise<void> {
    this.attempt++;
    this.set({ kind: 'connecting', attempt: this.attempt });
    const timeoutMs = this.deps.timeoutMs ?? 5000;
    let endpoint: Endpoint | null = null;
    try {
      endpoint = await this.deps.resolveEndpoint();
      let client = endpoint ? this.makeClient(endpoint) : null;
      let healthy = client ? await client.health({ timeoutMs }).then(() => true, (err) => {
        if (isCvuError(err, 'CVU_ERR_DAEMON_UNAVAILABLE') || isCvuError(err, 'CVU_ERR_ABORTED')) return false;
        throw err;
      }) : false;
      if (!healthy) {
        // Nothing answers: start one when we may (never behind a configured URL: that is someone else's daemon).
        if (!this.deps.startDaemon || endpoint?.source === 'settings') {
          throw new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', endpoint ? `the cvu daemon at ${endpoint.baseUrl} does not answer` : 'the cvu daemon is not running', { status: 503 });
        }
        this.set({ kind: 'starting' });
        await this.deps.startDaemon();
        this.startedOnce = true;
        endpoint = await this.deps.resolveEndpoint();
        if (!endpoint) throw new CvuError('CVU_ERR_DAEMON_START', 'the daemon started but wrote no daemon.json');
        client = this.makeClient(endpoint);
        await client.health({ timeoutMs });
        healthy = true;
      }
      const c = client as DaemonClient;
      this.roots.clear();
      for (const folder of this.deps.workspaceFolders()) {
        const reg = await c.registerWorkspace(folder, { timeoutMs });
        this.roots.set(folder, reg.root);
      }
      const status = await c.status({ timeoutMs });
      if (this.disposed) return;
      this.client = c;
      this.endpoint = endpoint;
      this.attempt = 0;
      this.set({ kind: 'connected', endpoint: endpoint as Endpoint, status });
      this.deps.log?.('info', `connected to the cvu daemon at ${(endpoint as Endpoint).baseUrl}`);
      this.schedulePoll();
    } catch (err) {
      if (this.disposed) return;
      this.fail(asCvuError(err), endpoint);
    }
  }

  private fail(error: CvuError, endpoint: Endpoint | null): void {
    this.client = null;
    if (needsUser(error, endpoint)) {
      this.set({ kind: 'error', error });
      this.deps.log?.('warn', `cvu: ${error.message}`);
      return;
    }
    const { initial, max } = this.deps.backoffMs ?? { initial: 500, max: 30_000 };
    const attempt = Math.max(1, this.attempt);
    const retryInMs = Math.min(max, initial * 2 ** (attempt - 1));
    this.set({ kind: 'disconnected', error, retryInMs, attempt });
    this.deps.log?.('debug', `cvu: ${error.message}; retrying in ${retryInMs} ms`);
    this.setTimer(() => void this.connect(), retryInMs);
  }

  private schedulePoll(): void {
    this.setTimer(() => void this.poll(), this.deps.pollMs ?? 3000);
  }

  /** One heartbeat: refreshes the status, or notices that the daemon went away. */
  async poll(): Promise<void> {
    const client = this.current();
    if (!client || this.disposed) return;
    try {
      const status = await client.status({ timeoutMs: this.deps.timeoutMs ?? 5000 });
      if (this.disposed || this.client !== client) return;
      this.set({ kind: 'connected', endpoint: this.endpoint as Endpoint, status });
      this.schedulePoll();
    } catch (err) {
      if (this.client !== client) return;
      this.reportFailure(err);
    }
  }

  /**
   * A request through this connection failed: a transport failure or a
   * refused token (the daemon restarted with a new one) starts reconnecting.
   * Returns true when it did.
   */
  reportFailure(err: unknown): boolean {
    if (this._state.kind !== 'connected' || this.disposed) return false;
    const e = asCvuError(err);
    if (e.code !== 'CVU_ERR_DAEMON_UNAVAILABLE' && e.code !== 'CVU_ERR_UNAUTHORIZED') return false;
    this.attempt = Math.max(this.attempt, 1);
    this.fail(e, this.endpoint);
    return true;
  }

  /** Runs `fn` with the connected client, reporting a lost daemon; throws DAEMON_UNAVAILABLE when not connected. */
  async call<T>(fn: (client: DaemonClient) => Promise<T>): Promise<T> {
    const client = this.current();
    if (!client) {
      if (this._state.kind === 'restricted') throw new CvuError('CVU_ERR_FORBIDDEN', 'Cvu is off in Restricted Mode: this workspace is not trusted', { status: 403 });
      throw new CvuError('CVU_ERR_DAEMON_UNAVAILABLE', 'not connected to the cvu daemon', { status: 503 });
    }
    try {
      return await fn(client);
    } catch (err) {
      this.reportFailure(err);
      throw err;
    }
  }

  /** The root the daemon knows for a folder path (for /ask). */
  rootFor(folder: string): string | undefined {
    return this.roots.get(folder);
  }

  /** Whether this connection has started the daemon at least once. */
  get startedDaemon(): boolean {
    return this.startedOnce;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.listeners.clear();
  }
}
