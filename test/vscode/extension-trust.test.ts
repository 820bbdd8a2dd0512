/**
 * extension.ts under a fake `vscode` module: in Restricted Mode the activated
 * extension sends nothing to the daemon and does not run the CLI; granting
 * trust starts it (the CLI, then POST /workspaces) without a reload.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/temp.js';

const fake = vi.hoisted(() => {
  const disposable = () => ({ dispose() {} });
  const state = {
    trusted: false,
    settings: {} as Record<string, unknown>,
    folders: [] as string[],
    commands: new Map<string, (...args: unknown[]) => unknown>(),
    executed: [] as string[],
    messages: [] as Array<{ kind: string; text: string; items: string[] }>,
    grantListeners: [] as Array<() => void>,
    inline: [] as Array<{ provideInlineCompletionItems: (...a: unknown[]) => unknown }>,
    codeActions: [] as Array<{ provideCodeActions: (...a: unknown[]) => unknown }>,
    terminals: [] as string[],
    item: { text: '', tooltip: '' as unknown, command: '', backgroundColor: undefined as unknown, show() {}, dispose() {} },
  };
  const message = (kind: string) => (text: string, ...items: string[]) => {
    state.messages.push({ kind, text, items });
    return Promise.resolve(undefined);
  };
  class EventEmitter {
    event = () => disposable();
    fire() {}
    dispose() {}
  }
  class CodeAction {
    command: unknown;
    constructor(public title: string, public kind: unknown) {}
  }
  class Range {
    constructor(...args: number[]) {
      void args;
    }
  }
  const vscode = {
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { One: 1, Beside: -2 },
    ProgressLocation: { Notification: 15 },
    InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 },
    CodeActionKind: { Empty: 'empty', RefactorRewrite: 'refactor.rewrite' },
    ThemeColor: class {
      constructor(public id: string) {}
    },
    EventEmitter,
    CodeAction,
    Range,
    InlineCompletionItem: class {},
    TabInputTextDiff: class {},
    Uri: { from: (x: unknown) => x },
    env: { sessionId: 'test-session' },
    window: {
      activeTextEditor: undefined,
      createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
      createStatusBarItem: () => state.item,
      showInformationMessage: message('info'),
      showWarningMessage: message('warning'),
      showErrorMessage: message('error'),
      showInputBox: () => Promise.resolve('question'),
      onDidChangeActiveTextEditor: disposable,
      createTerminal: () => ({ show() {}, sendText: (t: string) => state.terminals.push(t) }),
      tabGroups: { all: [] },
    },
    workspace: {
      get isTrusted() {
        return state.trusted;
      },
      get workspaceFolders() {
        return state.folders.map((fsPath) => ({ uri: { scheme: 'file', fsPath } }));
      },
      getConfiguration: () => ({ get: (key: string, dflt: unknown) => (key in state.settings ? state.settings[key] : dflt) }),
      onDidGrantWorkspaceTrust: (l: () => void) => {
        state.grantListeners.push(l);
        return disposable();
      },
      onDidCloseTextDocument: disposable,
      onDidChangeWorkspaceFolders: disposable,
      onDidChangeConfiguration: disposable,
      registerTextDocumentContentProvider: disposable,
      getWorkspaceFolder: () => undefined,
      asRelativePath: (u: { fsPath: string }) => u.fsPath,
    },
    languages: {
      registerInlineCompletionItemProvider: (_sel: unknown, p: (typeof state.inline)[number]) => {
        state.inline.push(p);
        return disposable();
      },
      registerCodeActionsProvider: (_sel: unknown, p: (typeof state.codeActions)[number]) => {
        state.codeActions.push(p);
        return disposable();
      },
    },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        state.commands.set(id, fn);
        return { dispose: () => state.commands.delete(id) };
      },
      executeCommand: (id: string, ...args: unknown[]) => {
        state.executed.push(id);
        return Promise.resolve(state.commands.get(id)?.(...args));
      },
    },
  };
  return { state, vscode };
});

vi.mock('vscode', () => ({ ...fake.vscode, default: fake.vscode }));

const { activate } = await import('../../clients/vscode/src/extension.js');

let home: string;
let root: string;
let bin: string;
const requests: string[] = [];
const subscriptions: Array<{ dispose(): unknown }> = [];
const savedHome = process.env.CVU_HOME;

async function until(fn: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(() => {
  home = makeTempDir('cvu-vscode-trust-home-');
  root = makeTempDir('cvu-vscode-trust-ws-');
  bin = makeTempDir('cvu-vscode-trust-bin-');
  process.env.CVU_HOME = home;
  // The "cvu" CLI: notes that it ran and writes the daemon.json of the fake daemon behind fetch.
  const daemonJson = JSON.stringify({ port: 7070, token: 't'.repeat(64), pid: process.pid });
  fs.writeFileSync(path.join(bin, 'cvu'), `#!/bin/sh\necho "$@" >> "${path.join(bin, 'ran')}"\nprintf '%s' '${daemonJson}' > "$CVU_HOME/daemon.json"\n`, { mode: 0o755 });
  fake.state.settings['cliPath'] = path.join(bin, 'cvu');
  fake.state.folders = [root];
  vi.stubGlobal('fetch', async (url: string, init: { method: string; body?: string }) => {
    const route = new URL(url).pathname;
    requests.push(`${init.method} ${route}`);
    const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200, headers: { 'content-type': 'application/json' } });
    if (route === '/health') return json({ ok: true, version: 'test' });
    if (route === '/workspaces') return json({ root: JSON.parse(init.body ?? '{}').root, state: 'ready' });
    if (route === '/status') {
      const config = { file: path.join(root, 'cvu.config.ts'), errors: [{ file: path.join(root, 'cvu.config.ts'), line: 2, column: 3, key: 'model', message: 'a workspace config may not choose the model' }] };
      return json({ workspaces: [{ root, state: 'ready', files: 1, chunks: 1, pending: 0, embedder: 'none', lastIndexedAt: null, config }], model: { name: 'm', loaded: true } });
    }
    return new Response(JSON.stringify({ error: { code: 'CVU_ERR_NOT_FOUND', message: route } }), { status: 404 });
  });
});

afterAll(() => {
  for (const s of subscriptions) s.dispose();
  vi.unstubAllGlobals();
  if (savedHome === undefined) delete process.env.CVU_HOME;
  else process.env.CVU_HOME = savedHome;
  for (const d of [home, root, bin]) if (d) removeDir(d);
});

describe('the extension in Restricted Mode', () => {
  it('registers nothing, runs nothing, says why; granting trust starts it without a reload', async () => {
    fake.state.trusted = false;
    activate({ subscriptions } as never);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.state.item.text).toBe('$(shield) Cvu: restricted');
    expect(String(fake.state.item.tooltip)).toMatch(/not trusted/);

    // Every command: a message, never the daemon or the CLI.
    for (const id of ['cvu.explainSelection', 'cvu.refactorSelection', 'cvu.askCodebase', 'cvu.reconnect', 'cvu.startDaemon', 'cvu.pullModel']) {
      fake.state.messages.length = 0;
      await fake.vscode.commands.executeCommand(id);
      expect(fake.state.messages, id).toHaveLength(1);
      expect(fake.state.messages[0]).toMatchObject({ kind: 'warning', items: ['Manage Workspace Trust'] });
      expect(fake.state.messages[0]!.text).toMatch(/Restricted Mode/);
    }
    fake.state.messages.length = 0;
    await fake.vscode.commands.executeCommand('cvu.showStatus');
    expect(fake.state.messages[0]?.text).toMatch(/Restricted Mode/);
    expect(fake.state.terminals).toEqual([]);

    // No completion, no code action.
    const doc = { uri: { scheme: 'file', fsPath: path.join(root, 'a.ts'), toString: () => 'file:///a.ts' }, version: 1, languageId: 'typescript', getText: () => 'x' };
    const completion = await fake.state.inline[0]!.provideInlineCompletionItems(doc, { line: 0, character: 1 }, { triggerKind: 1 }, { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) });
    expect(completion).toBeUndefined();
    expect(fake.state.codeActions[0]!.provideCodeActions(doc, { isEmpty: false })).toEqual([]);

    await new Promise((r) => setTimeout(r, 100));
    expect(requests).toEqual([]);
    expect(fs.existsSync(path.join(bin, 'ran'))).toBe(false);
    expect(fs.existsSync(path.join(home, 'daemon.json'))).toBe(false);

    // Trust granted: the CLI starts the daemon, the folder is registered, the status is the daemon's.
    fake.state.trusted = true;
    for (const l of fake.state.grantListeners) l();
    await until(() => requests.includes('GET /status'), 'the connection after the grant');
    expect(fs.readFileSync(path.join(bin, 'ran'), 'utf8').trim()).toBe('daemon start');
    expect(requests.slice(0, 3)).toEqual(['GET /health', 'POST /workspaces', 'GET /status']);
    await until(() => fake.state.item.text !== '$(shield) Cvu: restricted' && !fake.state.item.text.includes('sync~spin'), 'the status bar');
    expect(fake.state.item.text).toBe('$(warning) Cvu: config error');
    expect(String(fake.state.item.tooltip)).toContain('cvu.config.ts:2:3 model: a workspace config may not choose the model');

    fake.state.messages.length = 0;
    await fake.vscode.commands.executeCommand('cvu.pullModel');
    expect(fake.state.messages).toEqual([]);
    expect(fake.state.terminals).toEqual([`${path.join(bin, 'cvu')} models pull`]);
  });
});
