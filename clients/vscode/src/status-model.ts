/**
 * What the status bar shows for a connection state and the daemon's
 * /status: a short text (with a codicon), a tooltip with the details, and
 * the command that fixes the problem when there is one.
 */
import type { ConnectionState } from './connection.js';
import type { ConfigIssue, StatusResponse, WorkspaceStatus } from '../../daemon-client.js';
import { MANAGE_TRUST_COMMAND, MANAGE_TRUST_TITLE, RESTRICTED_TEXT, RESTRICTED_TOOLTIP } from './trust-logic.js';

export interface FixCommand {
  command: 'cvu.startDaemon' | 'cvu.pullModel' | 'cvu.openSettings' | 'cvu.reconnect' | typeof MANAGE_TRUST_COMMAND;
  title: string;
}

export interface StatusView {
  text: string;
  tooltip: string;
  severity: 'ok' | 'busy' | 'warning' | 'error';
  fix: FixCommand | null;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderStatus(state: ConnectionState, opts: { enabled?: boolean } = {}): StatusView {
  switch (state.kind) {
    case 'restricted':
      return { text: RESTRICTED_TEXT, tooltip: RESTRICTED_TOOLTIP, severity: 'warning', fix: { command: MANAGE_TRUST_COMMAND, title: MANAGE_TRUST_TITLE } };
    case 'idle':
      return { text: '$(circle-outline) Cvu', tooltip: 'Cvu: not connected yet', severity: 'busy', fix: null };
    case 'connecting':
      return { text: '$(sync~spin) Cvu', tooltip: 'Cvu: connecting to the daemon…', severity: 'busy', fix: null };
    case 'starting':
      return { text: '$(sync~spin) Cvu: starting', tooltip: 'Cvu: starting the daemon (`cvu daemon start`)…', severity: 'busy', fix: null };
    case 'disconnected':
      return {
        text: '$(debug-disconnect) Cvu: offline',
        tooltip: `Cvu: cannot reach the daemon — ${state.error.message}\nRetrying in ${Math.round(state.retryInMs / 100) / 10} s (attempt ${state.attempt}).`,
        severity: 'error',
        fix: { command: 'cvu.startDaemon', title: 'Start the daemon' },
      };
    case 'error': {
      const e = state.error;
      const fix: FixCommand =
        e.code === 'CVU_ERR_UNAUTHORIZED' || e.code === 'CVU_ERR_FORBIDDEN'
          ? { command: 'cvu.openSettings', title: 'Check cvu.serverUrl and cvu.token' }
          : e.code === 'CVU_ERR_DAEMON_START'
            ? { command: 'cvu.openSettings', title: 'Set cvu.cliPath' }
            : { command: 'cvu.reconnect', title: 'Reconnect' };
      return { text: '$(error) Cvu', tooltip: `Cvu: ${e.message}`, severity: 'error', fix };
    }
    case 'connected':
      return renderConnected(state.status, state.endpoint.baseUrl, opts.enabled ?? true);
  }
}

/** Config error lines shown in the tooltip at most (then "… and N more"). */
export const MAX_CONFIG_ERROR_LINES = 5;

/** The config errors a workspace reports, tolerating an older daemon (no field) and odd values. */
function configErrors(w: WorkspaceStatus): ConfigIssue[] {
  const errors = (w.config as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({
      file: typeof e.file === 'string' ? e.file : '',
      line: typeof e.line === 'number' && e.line > 0 ? Math.floor(e.line) : 0,
      column: typeof e.column === 'number' && e.column > 0 ? Math.floor(e.column) : 0,
      key: typeof e.key === 'string' ? e.key : '',
      message: typeof e.message === 'string' ? e.message : String(e.message ?? 'invalid'),
    }));
}

/** `file:line:column key: message`, the file relative to the workspace root when inside it; unknown line or column left out. */
export function formatConfigError(e: ConfigIssue, root?: string): string {
  let file = e.file || 'cvu.config.ts';
  if (root) {
    const r = root.replace(/[\\/]+$/, '');
    if (file.startsWith(`${r}/`) || file.startsWith(`${r}\\`)) file = file.slice(r.length + 1);
  }
  const where = e.line > 0 ? `${file}:${e.line}${e.column > 0 ? `:${e.column}` : ''}` : file;
  return `${where} ${e.key ? `${e.key}: ` : ''}${e.message.replace(/\s+/g, ' ').trim()}`;
}

/** The tooltip lines for the workspaces' config errors (none: empty). */
function configErrorLines(workspaces: WorkspaceStatus[], max = MAX_CONFIG_ERROR_LINES): string[] {
  // The user's own config ($CVU_HOME/config.ts) is every workspace's: its errors come once.
  const all = [...new Set(workspaces.flatMap((w) => configErrors(w).map((e) => formatConfigError(e, w.root))))];
  if (!all.length) return [];
  const lines = [`Config errors (${plural(all.length, 'problem')}):`, ...all.slice(0, max).map((l) => `  ${l}`)];
  if (all.length > max) lines.push(`  … and ${all.length - max} more`);
  return lines;
}

const SEVERITY_RANK: Record<StatusView['severity'], number> = { ok: 0, busy: 1, warning: 2, error: 3 };

/** Adds the config warning to a view without hiding its index or model state. */
function withConfigErrors(view: StatusView, lines: string[]): StatusView {
  if (!lines.length) return view;
  const text = view.severity === 'ok' ? '$(warning) Cvu: config error' : `${view.text} · $(warning) config error`;
  const severity = SEVERITY_RANK[view.severity] >= SEVERITY_RANK.warning ? view.severity : 'warning';
  return { ...view, text, severity, tooltip: `${view.tooltip}\n${lines.join('\n')}` };
}

function renderConnected(status: StatusResponse | null, baseUrl: string, enabled: boolean): StatusView {
  return withConfigErrors(renderIndexAndModel(status, baseUrl, enabled), status ? configErrorLines(status.workspaces) : []);
}

function renderIndexAndModel(status: StatusResponse | null, baseUrl: string, enabled: boolean): StatusView {
  const lines = [`Cvu daemon at ${baseUrl}${status?.version ? ` (v${status.version})` : ''}`];
  if (!status) return { text: '$(check) Cvu', tooltip: lines.join('\n'), severity: 'ok', fix: null };
  const failed = status.workspaces.filter((w) => w.state === 'error');
  const indexing = status.workspaces.filter((w) => w.state === 'indexing');
  for (const w of status.workspaces) {
    const detail = w.state === 'error' ? `error: ${w.error ?? 'unknown'}` : w.state === 'indexing' ? `indexing, ${w.pending} pending` : 'ready';
    lines.push(`${w.root}: ${plural(w.files, 'file')}, ${plural(w.chunks, 'chunk')} — ${detail}`);
  }
  const model = status.model;
  const server = model.backend?.url ? model.backend : null;
  if (server) {
    const state = server.state === 'unavailable' ? `unavailable: ${server.error ?? 'no answer'}` : server.state === 'ready' ? 'ready' : 'not reached yet';
    lines.push(`Model server: ${server.type} at ${server.url} — ${state}${model.name ? ` (${model.name})` : ''}`);
  } else lines.push(model.name ? `Model: ${model.name} (${model.loaded ? 'loaded' : 'loads on first request'})` : 'Model: none installed — completions, Explain and Refactor need one');
  if (!enabled) lines.push('Inline completions are disabled (cvu.enable).');

  if (failed.length) {
    return { text: '$(error) Cvu: index error', tooltip: lines.join('\n'), severity: 'error', fix: { command: 'cvu.reconnect', title: 'Re-register the workspace' } };
  }
  if (indexing.length) {
    const files = indexing.reduce((n, w) => n + w.files, 0);
    const pending = indexing.reduce((n, w) => n + w.pending, 0);
    const total = files + pending;
    const pct = total > 0 ? Math.floor((files / total) * 100) : 0;
    return { text: `$(sync~spin) Cvu: indexing ${pct}%`, tooltip: lines.join('\n'), severity: 'busy', fix: null };
  }
  if (server?.state === 'unavailable') {
    // Requests fail fast meanwhile; the next one that reaches the server recovers by itself.
    return { text: '$(error) Cvu: model server down', tooltip: lines.join('\n'), severity: 'error', fix: null };
  }
  if (!model.name && !server) {
    return { text: '$(warning) Cvu: no model', tooltip: lines.join('\n'), severity: 'warning', fix: { command: 'cvu.pullModel', title: 'Pull a model (`cvu models pull`)' } };
  }
  return { text: enabled ? '$(check) Cvu' : '$(circle-slash) Cvu', tooltip: lines.join('\n'), severity: 'ok', fix: null };
}
