/**
 * What the status bar shows for a connection state and the daemon's
 * /status: a short text (with a codicon), a tooltip with the details, and
 * the command that fixes the problem when there is one.
 */
import type { StatusResponse } from '../../daemon-client.js';
import type { ConnectionState } from './connection.js';

export interface FixCommand {
  command: 'cvu.startDaemon' | 'cvu.pullModel' | 'cvu.openSettings' | 'cvu.reconnect';
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

function renderConnected(status: StatusResponse | null, baseUrl: string, enabled: boolean): StatusView {
  const lines = [`Cvu daemon at ${baseUrl}${status?.version ? ` (v${status.version})` : ''}`];
  if (!status) return { text: '$(check) Cvu', tooltip: lines.join('\n'), severity: 'ok', fix: null };
  const failed = status.workspaces.filter((w) => w.state === 'error');
  const indexing = status.workspaces.filter((w) => w.state === 'indexing');
  for (const w of status.workspaces) {
    const detail = w.state === 'error' ? `error: ${w.error ?? 'unknown'}` : w.state === 'indexing' ? `indexing, ${w.pending} pending` : 'ready';
    lines.push(`${w.root}: ${plural(w.files, 'file')}, ${plural(w.chunks, 'chunk')} — ${detail}`);
  }
  const model = status.model;
  lines.push(model.name ? `Model: ${model.name} (${model.loaded ? 'loaded' : 'loads on first request'})` : 'Model: none installed — completions, Explain and Refactor need one');
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
  if (!model.name) {
    return { text: '$(warning) Cvu: no model', tooltip: lines.join('\n'), severity: 'warning', fix: { command: 'cvu.pullModel', title: 'Pull a model (`cvu models pull`)' } };
  }
  return { text: enabled ? '$(check) Cvu' : '$(circle-slash) Cvu', tooltip: lines.join('\n'), severity: 'ok', fix: null };
}
