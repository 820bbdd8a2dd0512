/**
 * Finding the daemon from the extension host: `$CVU_HOME/daemon.json` (or a
 * configured URL and token), and starting it through the `cvu` CLI. Only
 * `fs`, `path` and `child_process`: nothing of the daemon is bundled.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cvuHome } from '../../../core/home.js';
import { CvuError } from '../../../core/errors.js';

export interface Endpoint {
  baseUrl: string;
  token: string;
  /** Where it came from: a configured URL, or daemon.json (which a restarted daemon rewrites). */
  source: 'settings' | 'daemon.json';
  pid?: number;
}

export interface DaemonFile {
  port: number;
  token: string;
  pid: number;
  version?: string;
  host?: string;
}

export function daemonFilePath(home: string = cvuHome()): string {
  return path.join(home, 'daemon.json');
}

export function readDaemonFile(home: string = cvuHome()): DaemonFile | null {
  try {
    const info = JSON.parse(fs.readFileSync(daemonFilePath(home), 'utf8')) as DaemonFile;
    if (!Number.isInteger(info.port) || typeof info.token !== 'string' || !info.token) return null;
    return info;
  } catch {
    return null;
  }
}

export function baseUrlOf(info: Pick<DaemonFile, 'port' | 'host'>): string {
  const h = info.host;
  const host = !h || h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '[::1]' : h.includes(':') ? `[${h}]` : h;
  return `http://${host}:${info.port}`;
}

/** Whether a URL names this machine (127.0.0.0/8, localhost, [::1]). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/** The configured URL and token when a URL is set, else daemon.json's, else null. */
export function resolveEndpoint(settings: { serverUrl: string; token: string }, home: string = cvuHome()): Endpoint | null {
  if (settings.serverUrl.trim()) {
    const url = settings.serverUrl.trim().replace(/\/+$/, '');
    const file = readDaemonFile(home);
    // A configured URL without a token takes daemon.json's token (the same daemon behind a known port),
    // but only on this machine: the local daemon's token is never sent to another host.
    return { baseUrl: url, token: settings.token || (isLoopbackUrl(url) ? file?.token : undefined) || '', source: 'settings' };
  }
  const file = readDaemonFile(home);
  return file ? { baseUrl: baseUrlOf(file), token: file.token, source: 'daemon.json', pid: file.pid } : null;
}

/**
 * `cvu daemon start`: the CLI starts the daemon in the background (or finds
 * the running one) and exits once it answers.
 */
export function startDaemonWithCli(cliPath: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(cliPath, ['daemon', 'start'], {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      // `cvu` is a script shim on Windows.
      shell: process.platform === 'win32',
    });
    const timer = setTimeout(() => {
      child.kill();
      reject(new CvuError('CVU_ERR_DAEMON_START', `\`${cliPath} daemon start\` did not finish within ${opts.timeoutMs ?? 90_000} ms`));
    }, opts.timeoutMs ?? 90_000);
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new CvuError('CVU_ERR_DAEMON_START', missing ? `the cvu CLI was not found (\`${cliPath}\`); install it or set cvu.cliPath` : `cannot run \`${cliPath} daemon start\`: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new CvuError('CVU_ERR_DAEMON_START', `\`${cliPath} daemon start\` failed (exit ${code}): ${output.trim().slice(-500)}`));
    });
  });
}
