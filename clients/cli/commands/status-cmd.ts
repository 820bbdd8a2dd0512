import type { WorkspaceStatus } from '../../daemon-client.js';
import { formatConfigIssue } from '../../../protocol/api.js';
import { parse, resolveRoot } from '../args.js';
import { connectForCommand } from '../connect.js';
import type { CommandIO } from '../io.js';

/** `cvu status`: the daemon, this workspace (registered if new) and the others, the model. */
export async function statusCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parse(argv, {});
  const conn = await connectForCommand(io, { root: values.root, json: Boolean(values.json) });
  const status = await conn.client.status();
  // This workspace first.
  const workspaces = [...status.workspaces].sort((a, b) => Number(b.root === conn.root) - Number(a.root === conn.root));
  const daemon = { running: true, pid: conn.info.pid, port: conn.info.port, version: status.version ?? conn.info.version, ...(status.daemon ? { startedAt: status.daemon.startedAt, uptimeSeconds: status.daemon.uptimeSeconds } : {}) };
  if (values.json) {
    io.out(JSON.stringify({ daemon, root: conn.root, workspaces, model: status.model, ...(status.userConfig ? { userConfig: status.userConfig } : {}) }));
    return 0;
  }
  io.out(`daemon: running (pid ${daemon.pid}, port ${daemon.port}, version ${daemon.version}${status.daemon ? `, up ${formatUptime(status.daemon.uptimeSeconds)}` : ''})`);
  if (status.userConfig?.file) io.out(`user config: ${status.userConfig.file}${status.userConfig.errors.length ? '' : ' (ok)'}`);
  for (const w of workspaces) printWorkspace(w, io);
  io.out(`model: ${status.model.name ? `${status.model.name} (${status.model.loaded ? 'loaded' : 'not loaded'})` : 'none configured'}`);
  return 0;
}

export function printWorkspace(w: WorkspaceStatus, io: CommandIO): void {
  io.out(`workspace ${w.root}  [${w.state}]`);
  io.out(`  index: ${w.files} files, ${w.chunks} chunks${w.lastIndexedAt ? `, last indexed ${w.lastIndexedAt}` : ''}`);
  if (w.progress) io.out(`  progress: ${progressLine(w.progress)}`);
  io.out(`  vectors: ${w.embedder}${w.embedderDetail ? ` (${w.embedderDetail})` : ''}${w.pending ? `, ${w.pending} chunks waiting` : ''}`);
  const skipped = skippedLine(w);
  if (skipped) io.out(`  ${skipped}`);
  if (w.error) io.out(`  error: ${w.error}`);
  if (w.config?.file) io.out(`  config: ${w.config.file}`);
  // Each issue names its file: the workspace's own, or the user's config the workspace shares.
  for (const e of w.config?.errors ?? []) io.out(`  config error: ${formatConfigIssue(e)}`);
}

/** `skipped 7 paths: too-large 2, symlink-outside 2, binary 1, …` (most frequent first), or null when nothing was skipped. */
export function skippedLine(w: WorkspaceStatus): string | null {
  const s = w.skipped;
  if (!s || !s.total) return null;
  const reasons = Object.entries(s.byReason)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([reason, n]) => `${reason} ${n}`);
  return `skipped ${s.total} ${s.total === 1 ? 'path' : 'paths'}: ${reasons.join(', ')}`;
}

function formatUptime(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** `scanning the tree…`, or `1,200 of 50,000 files, about 2 min left`. */
export function progressLine(p: NonNullable<WorkspaceStatus['progress']>): string {
  if (p.phase === 'scan') return 'scanning the tree…';
  const left = p.etaSeconds === null ? '' : p.etaSeconds < 90 ? `, about ${Math.ceil(p.etaSeconds)} s left` : `, about ${Math.round(p.etaSeconds / 60)} min left`;
  return `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} files${left}`;
}
