import { connectWorkspace, type Connection, type WorkspaceConnection } from '../daemon-discovery.js';
import type { WorkspaceStatus } from '../daemon-client.js';
import { resolveRoot } from './args.js';
import type { CommandIO } from './io.js';
import { ProgressBar } from './progress.js';

/**
 * What every daemon-backed command does first: find or start the daemon,
 * register the workspace root and, with `wait`, show progress until its
 * first index pass is done.
 */
export async function connectForCommand(io: CommandIO, opts: { root?: string; json: boolean; wait?: boolean }): Promise<WorkspaceConnection> {
  const progress = indexProgress(opts.json);
  let conn: WorkspaceConnection;
  try {
    conn = await connectWorkspace(resolveRoot(opts.root, io.cwd), opts.wait ? { wait: true, onProgress: progress.update, clientId: `cli-${process.pid}` } : {});
  } finally {
    progress.done();
  }
  reportStarted(conn, io, opts.json);
  return conn;
}

/** Tells a human that this command started the daemon (stderr; nothing with --json). */
export function reportStarted(conn: Connection, io: CommandIO, json: boolean): void {
  if (conn.started && !json) io.err(`cvu: started the daemon (pid ${conn.info.pid}, port ${conn.info.port})`);
}

/** A progress line while the daemon indexes a fresh workspace (terminal only). */
export function indexProgress(json: boolean): { update: (ws: WorkspaceStatus) => void; done: () => void } {
  const bar = new ProgressBar(process.stderr, !json && Boolean(process.stderr.isTTY));
  return {
    update: (ws) => {
      if (ws.state === 'indexing') bar.update(`indexing ${ws.root}: ${ws.files} files`, 0, 0);
    },
    done: () => bar.done(),
  };
}
