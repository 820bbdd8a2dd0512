import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../clients/daemon-client.js';
import { Connection } from '../../clients/vscode/src/connection.js';
import type { StatusResponse, WorkspaceStatus } from '../../clients/daemon-client.js';
import { formatConfigError, renderStatus } from '../../clients/vscode/src/status-model.js';
import { MANAGE_TRUST_COMMAND, TrustGate } from '../../clients/vscode/src/trust-logic.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'clients/vscode/package.json'), 'utf8'));

describe('package.json: Workspace Trust', () => {
  const trust = manifest.capabilities?.untrustedWorkspaces;
  const properties: Record<string, { type?: string; scope?: string; description?: string }> = manifest.contributes.configuration.properties;

  it('declares limited support with a description of Restricted Mode', () => {
    expect(trust?.supported).toBe('limited');
    expect(trust.description).toMatch(/Restricted Mode/);
    expect(trust.description).toMatch(/does not index/);
    expect(trust.description).toMatch(/daemon/);
    expect(trust.description).toMatch(/trust/i);
  });

  it('restricts every setting that could run code or redirect traffic, and only declared ones', () => {
    const restricted: string[] = trust.restrictedConfigurations;
    expect(restricted).toEqual(expect.arrayContaining(['cvu.cliPath', 'cvu.serverUrl', 'cvu.token']));
    for (const key of restricted) expect(Object.keys(properties)).toContain(key);
    // Every other setting is known to be harmless (it neither runs anything nor says where requests go);
    // a setting added later must be put in one list or the other.
    const harmless = ['cvu.enable', 'cvu.debounceMs', 'cvu.maxCompletionTokens', 'cvu.logLevel', 'cvu.disabledLanguages'];
    for (const key of Object.keys(properties)) {
      expect(harmless.includes(key) !== restricted.includes(key), `${key}: restricted, or harmless in a cloned repository's .vscode/settings.json?`).toBe(true);
    }
  });

  it('lets only the user (machine scope) choose the command that starts the daemon', () => {
    expect(properties['cvu.cliPath'].scope).toBe('machine');
    expect(properties['cvu.cliPath'].type).toBe('string');
  });

  it('declares a title for every command the extension registers', () => {
    const ext = fs.readFileSync(path.join(repo, 'clients/vscode/src/extension.ts'), 'utf8');
    const registered = [...ext.matchAll(/register\('(cvu\.[A-Za-z]+)', '([^']+)'/g)].map((m) => [m[1], m[2]]);
    expect(registered.length).toBe(manifest.contributes.commands.length);
    for (const [id, title] of registered) expect(manifest.contributes.commands).toContainEqual(expect.objectContaining({ command: id, title }));
  });
});

/** A fake daemon behind `fetch`: records every request. */
function fakeDaemon(status: Partial<StatusResponse> = {}) {
  const requests: string[] = [];
  const json = (v: unknown) => ({ ok: true, status: 200, text: async () => JSON.stringify(v) });
  const fetch: FetchLike = async (url, init) => {
    const route = new URL(url).pathname;
    requests.push(`${init.method} ${route}`);
    if (route === '/health') return json({ ok: true, version: 'test' });
    if (route === '/workspaces') return json({ root: JSON.parse(init.body ?? '{}').root, state: 'indexing' });
    if (route === '/status') return json({ workspaces: [], model: { name: 'm', loaded: true }, ...status });
    return { ok: false, status: 404, text: async () => JSON.stringify({ error: { code: 'CVU_ERR_NOT_FOUND', message: route } }) };
  };
  return { requests, fetch };
}

describe('Workspace Trust: the gate and the connection', () => {
  const endpoint = { baseUrl: 'http://127.0.0.1:7070', token: 't'.repeat(64), source: 'daemon.json' as const };

  function setup(trusted: boolean) {
    const daemon = fakeDaemon();
    const gate = new TrustGate(trusted);
    let starts = 0;
    let resolves = 0;
    const conn = new Connection({
      mayConnect: () => gate.trusted,
      resolveEndpoint: () => {
        resolves++;
        return endpoint;
      },
      startDaemon: async () => {
        starts++;
      },
      workspaceFolders: () => ['/repo'],
      fetch: daemon.fetch,
      pollMs: 60_000,
    });
    gate.onGrant(() => void conn.connect());
    return { daemon, gate, conn, starts: () => starts, resolves: () => resolves };
  }

  it('untrusted: nothing is started, registered or requested, and the status says why', async () => {
    const { daemon, gate, conn, starts, resolves } = setup(false);
    await conn.connect();
    await conn.connect(); // a settings change or a folder added reconnects: still nothing
    await conn.poll();
    expect(daemon.requests).toEqual([]);
    expect(starts()).toBe(0);
    expect(resolves()).toBe(0);
    expect(conn.state.kind).toBe('restricted');
    expect(conn.current()).toBeNull();
    await expect(conn.call((c) => c.context({ path: '/repo/a.ts', text: '', position: { line: 0, character: 0 } } as never))).rejects.toThrow(/Restricted Mode/);
    expect(daemon.requests).toEqual([]);

    const view = renderStatus(conn.state);
    expect(view.text).toBe('$(shield) Cvu: restricted');
    expect(view.tooltip).toMatch(/not trusted/);
    expect(view.tooltip).toMatch(/Grant trust/);
    expect(view.fix?.command).toBe(MANAGE_TRUST_COMMAND);

    for (const id of ['cvu.explainSelection', 'cvu.refactorSelection', 'cvu.askCodebase', 'cvu.reconnect', 'cvu.startDaemon', 'cvu.pullModel']) {
      expect(gate.refusal(id, 'X')).toMatch(/Restricted Mode.*grant trust/s);
    }
    expect(gate.refusal('cvu.showStatus')).toBeNull();
    expect(gate.refusal('cvu.openSettings')).toBeNull();
    conn.dispose();
  });

  it('granting trust registers the workspace without a reload, once', async () => {
    const { daemon, gate, conn } = setup(false);
    await conn.connect();
    expect(daemon.requests).toEqual([]);
    let grants = 0;
    gate.onGrant(() => grants++);
    expect(gate.grant()).toBe(true);
    expect(gate.grant()).toBe(false);
    expect(grants).toBe(1);
    for (let i = 0; i < 100 && conn.state.kind !== 'connected'; i++) await new Promise((r) => setTimeout(r, 5));
    expect(conn.state.kind).toBe('connected');
    expect(daemon.requests).toEqual(['GET /health', 'POST /workspaces', 'GET /status']);
    expect(conn.rootFor('/repo')).toBe('/repo');
    expect(gate.refusal('cvu.explainSelection')).toBeNull();
    expect(renderStatus(conn.state).text).not.toMatch(/restricted/);
    conn.dispose();
  });

  it('trusted from the start: connects as before', async () => {
    const { daemon, conn } = setup(true);
    await conn.connect();
    expect(conn.state.kind).toBe('connected');
    expect(daemon.requests).toContain('POST /workspaces');
    conn.dispose();
  });
});

describe('status model: config errors', () => {
  const endpoint = { baseUrl: 'http://127.0.0.1:1', token: 't', source: 'daemon.json' as const };
  const ws: WorkspaceStatus = { root: '/w', state: 'ready', files: 10, chunks: 20, pending: 0, embedder: 'none', lastIndexedAt: null };
  const modelError = { file: '/w/cvu.config.ts', line: 3, column: 5, key: 'model', message: 'a workspace config may not choose the model' };
  const view = (workspaces: WorkspaceStatus[], model = { name: 'qwen' as string | null, loaded: true }, enabled = true) =>
    renderStatus({ kind: 'connected', endpoint, status: { workspaces, model } }, { enabled });

  it('warns on a config error and lists file:line:column key: message', () => {
    const v = view([{ ...ws, config: { file: '/w/cvu.config.ts', errors: [modelError] } }]);
    expect(v.text).toBe('$(warning) Cvu: config error');
    expect(v.severity).toBe('warning');
    expect(v.tooltip).toContain('cvu.config.ts:3:5 model: a workspace config may not choose the model');
    // The index and model state stay in the tooltip.
    expect(v.tooltip).toContain('/w: 10 files, 20 chunks — ready');
    expect(v.tooltip).toContain('Model: qwen (loaded)');
  });

  it('keeps the index and model state in the text next to the warning', () => {
    const config = { file: '/w/cvu.config.ts', errors: [modelError] };
    const indexing = view([{ ...ws, state: 'indexing', files: 40, pending: 60, config }]);
    expect(indexing.text).toBe('$(sync~spin) Cvu: indexing 40% · $(warning) config error');
    expect(indexing.severity).toBe('warning');
    const noModel = view([{ ...ws, config }], { name: null, loaded: false });
    expect(noModel.text).toBe('$(warning) Cvu: no model · $(warning) config error');
    expect(noModel.fix?.command).toBe('cvu.pullModel');
    const failed = view([{ ...ws, state: 'error', error: 'disk full', config }]);
    expect(failed.text).toBe('$(error) Cvu: index error · $(warning) config error');
    expect(failed.severity).toBe('error');
    expect(failed.tooltip).toContain('disk full');
    expect(failed.tooltip).toContain('model: a workspace config may not choose the model');
  });

  it('shows at most a few lines, and nothing for an older daemon or a clean config', () => {
    const errors = Array.from({ length: 8 }, (_, i) => ({ file: '/w/cvu.config.ts', line: i + 1, column: 1, key: `k${i}`, message: `bad ${i}` }));
    const many = view([{ ...ws, config: { file: '/w/cvu.config.ts', errors } }]);
    expect(many.tooltip).toContain('Config errors (8 problems)');
    expect(many.tooltip).toContain('cvu.config.ts:5:1 k4: bad 4');
    expect(many.tooltip).not.toContain('k5: bad 5');
    expect(many.tooltip).toContain('… and 3 more');

    const older = view([ws]);
    const clean = view([{ ...ws, config: { file: '/w/cvu.config.ts', errors: [] } }]);
    const none = view([{ ...ws, config: { file: null, errors: [] } }]);
    for (const v of [older, clean, none]) {
      expect(v.text).toBe('$(check) Cvu');
      expect(v.severity).toBe('ok');
      expect(v.tooltip).not.toContain('Config errors');
    }
    // Odd values from the wire do not throw.
    const odd = view([{ ...ws, config: { file: 1, errors: 'nope' } as never }, { ...ws, root: '/v', config: { file: null, errors: [null, { message: 'x' }] } as never }]);
    expect(odd.text).toBe('$(warning) Cvu: config error');
    expect(odd.tooltip).toContain('cvu.config.ts x');
  });

  it("lists an error of the user's own config once, whatever the number of workspaces", () => {
    const userError = { file: '/home/u/.cache/cvu/config.ts', line: 4, column: 1, key: 'threads', message: 'must be a number' };
    const v = view([
      { ...ws, config: { file: '/w/cvu.config.ts', errors: [userError, modelError] } },
      { ...ws, root: '/v', config: { file: null, errors: [userError] } },
    ]);
    expect(v.tooltip).toContain('Config errors (2 problems)');
    expect(v.tooltip.split('/home/u/.cache/cvu/config.ts:4:1 threads: must be a number')).toHaveLength(2);
  });

  it('formats unknown lines and columns, and files outside the root', () => {
    expect(formatConfigError({ file: '/w/cvu.config.ts', line: 0, column: 0, key: 'model', message: 'not allowed' }, '/w')).toBe('cvu.config.ts model: not allowed');
    expect(formatConfigError({ file: '/w/cvu.config.ts', line: 7, column: 0, key: '', message: 'syntax\n  error' }, '/w/')).toBe('cvu.config.ts:7 syntax error');
    expect(formatConfigError({ file: '/other/cvu.config.ts', line: 1, column: 2, key: 'k', message: 'm' }, '/w')).toBe('/other/cvu.config.ts:1:2 k: m');
  });
});
