/**
 * The thin layer over the `vscode` API: wires the logic modules to the
 * inline completion provider, the commands, the answer panel, the diff view,
 * the status bar and the code actions.
 *
 * Workspace Trust (trust-logic.ts): in Restricted Mode the connection stays
 * `restricted` (no daemon start, no registration, no request), the commands
 * answer with a message, and granting trust starts Cvu without a reload.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AnswerResponse, Snippet } from '../../daemon-client.js';
import { CompletionEngine, type CompletionSettings } from './completion-logic.js';
import { Connection } from './connection.js';
import { resolveEndpoint, startDaemonWithCli } from './discovery.js';
import { makeNonce, renderBody, renderPanelHtml, resolveSourcePath, type PanelBody } from './panel-content.js';
import { applyQuestion, refactorEdit, selectionLines } from './refactor-logic.js';
import { renderStatus } from './status-model.js';
import { MANAGE_TRUST_COMMAND, MANAGE_TRUST_TITLE, TrustGate } from './trust-logic.js';

const PROPOSED_SCHEME = 'cvu-proposed';

function config() {
  const c = vscode.workspace.getConfiguration('cvu');
  return {
    enable: c.get<boolean>('enable', true),
    debounceMs: c.get<number>('debounceMs', 150),
    maxCompletionTokens: c.get<number>('maxCompletionTokens', 64),
    serverUrl: c.get<string>('serverUrl', ''),
    token: c.get<string>('token', ''),
    // Machine-scoped (package.json): VS Code reads it from the user's settings only, never a workspace's.
    cliPath: c.get<string>('cliPath', 'cvu'),
    logLevel: c.get<string>('logLevel', 'info'),
    disabledLanguages: c.get<string[]>('disabledLanguages', []),
  };
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'off'];

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Cvu');
  const log = (level: 'debug' | 'info' | 'warn', message: string) => {
    if (LEVELS.indexOf(level) >= LEVELS.indexOf(config().logLevel)) output.appendLine(`[${new Date().toISOString()}] ${level}: ${message}`);
  };
  const folders = () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  // A repository is data: an untrusted folder is neither registered with the daemon nor used to start it.
  const gate = new TrustGate(vscode.workspace.isTrusted);
  const connection = new Connection({
    mayConnect: () => gate.trusted,
    resolveEndpoint: () => resolveEndpoint(config()),
    startDaemon: () => startDaemonWithCli(config().cliPath, { ...(folders()[0] ? { cwd: folders()[0] } : {}) }),
    workspaceFolders: folders,
    clientId: `vscode-${vscode.env.sessionId}`,
    log,
  });
  context.subscriptions.push(
    output,
    { dispose: () => connection.dispose() },
    vscode.workspace.onDidGrantWorkspaceTrust(() => gate.grant()),
    gate.onGrant(() => {
      log('info', 'workspace trust granted: starting Cvu');
      void connection.connect();
    }),
  );
  if (!gate.trusted) log('info', 'Restricted Mode: this workspace is not trusted; Cvu sends nothing to the daemon until trust is granted');

  // Status bar
  const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  item.command = 'cvu.showStatus';
  const refresh = () => {
    const view = renderStatus(connection.state, { enabled: config().enable });
    item.text = view.text;
    item.tooltip = view.fix ? `${view.tooltip}\n\nClick: ${view.fix.title}` : view.tooltip;
    item.backgroundColor = view.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : view.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  };
  context.subscriptions.push(item, connection.onChange(refresh));
  refresh();
  item.show();

  // Inline completions
  const engine = new CompletionEngine({
    settings: (): CompletionSettings => config(),
    complete: (body, opts) => connection.call((c) => c.complete(body, opts)),
    log: (level, m) => log(level, m),
  });
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, {
      async provideInlineCompletionItems(document, position, ctx, token) {
        if (document.uri.scheme !== 'file' && document.uri.scheme !== 'untitled') return undefined;
        if (!gate.trusted || !connection.current()) return undefined;
        const editor = vscode.window.activeTextEditor;
        const hasSelection = editor?.document === document && editor.selections.some((s) => !s.isEmpty);
        const items = await engine.provide(
          { uri: document.uri.toString(), fsPath: document.uri.fsPath, version: document.version, languageId: document.languageId, text: document.getText() },
          { position: { line: position.line, character: position.character }, hasSelection, trigger: ctx.triggerKind === vscode.InlineCompletionTriggerKind.Invoke ? 'invoke' : 'automatic', suggestWidgetVisible: ctx.selectedCompletionInfo !== undefined },
          token,
        );
        return items.map((i) => new vscode.InlineCompletionItem(i.insertText, new vscode.Range(i.range.start.line, i.range.start.character, i.range.end.line, i.range.end.character)));
      },
    }),
    vscode.workspace.onDidCloseTextDocument((d) => engine.forget(d.uri.toString())),
  );

  // Prefill: a file shown in an editor gets its prompt evaluated ahead of the first keystroke.
  const prefill = (editor: vscode.TextEditor | undefined) => {
    if (!editor || !gate.trusted || !connection.current()) return;
    const document = editor.document;
    if (document.uri.scheme !== 'file') return;
    const position = editor.selection.active;
    void engine.prefill(
      { uri: document.uri.toString(), fsPath: document.uri.fsPath, version: document.version, languageId: document.languageId, text: document.getText() },
      { line: position.line, character: position.character },
    );
  };
  let wasConnected = false;
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(prefill),
    connection.onChange((s) => {
      // Connected (again, perhaps to a restarted daemon with a cold model): warm the file already open.
      if (s.kind === 'connected' && !wasConnected) {
        engine.clear();
        prefill(vscode.window.activeTextEditor);
      }
      wasConnected = s.kind === 'connected';
    }),
  );

  // The answer panel (Explain, Ask)
  let panel: vscode.WebviewPanel | undefined;
  const showPanel = (body: PanelBody) => {
    if (!panel) {
      panel = vscode.window.createWebviewPanel('cvu.answer', 'Cvu', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [] });
      panel.webview.html = renderPanelHtml(makeNonce(), renderBody(body));
      panel.onDidDispose(() => (panel = undefined));
      panel.webview.onDidReceiveMessage(async (m: { type?: string; path?: unknown; line?: unknown }) => {
        if (m?.type !== 'open') return;
        const file = resolveSourcePath(m.path, folders(), (f) => fs.existsSync(f));
        if (!file) return;
        const line = Math.max(0, (typeof m.line === 'number' && Number.isFinite(m.line) ? m.line : 1) - 1);
        const doc = await vscode.workspace.openTextDocument(file);
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(line, 0, line, 0) });
      });
    } else {
      void panel.webview.postMessage({ type: 'render', html: renderBody(body) });
    }
    panel.title = body.title;
  };
  const streamToPanel = async (title: string, subtitle: string, run: (handlers: { onToken: (t: string) => void; onSources: (s: Snippet[]) => void }) => Promise<AnswerResponse>) => {
    const body: PanelBody = { title, subtitle, markdown: '', sources: [], busy: true };
    showPanel(body);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      showPanel(body);
    };
    try {
      const res = await run({
        onToken: (t) => {
          body.markdown += t;
          timer ??= setTimeout(flush, 50);
        },
        onSources: (s) => (body.sources = s),
      });
      if (res.answer !== null && res.answer !== undefined) body.markdown = res.answer;
      body.sources = res.sources ?? body.sources;
      if ('notice' in res) body.notice = res.notice.message;
    } catch (err) {
      body.error = (err as Error).message;
    } finally {
      if (timer) clearTimeout(timer);
      body.busy = false;
      showPanel(body);
    }
  };

  const relative = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false);

  // Proposed refactors, shown in the diff view
  const proposals = new Map<string, string>();
  const proposedChanged = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    proposedChanged,
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, { onDidChange: proposedChanged.event, provideTextDocumentContent: (uri) => proposals.get(uri.toString()) ?? '' }),
  );

  const needConnection = async (): Promise<boolean> => {
    if (!gate.trusted) return false;
    if (connection.current()) return true;
    await connection.connect();
    if (connection.current()) return true;
    const view = renderStatus(connection.state);
    void vscode.window.showErrorMessage(view.tooltip, ...(view.fix ? [view.fix.title] : [])).then((pick) => pick && view.fix && vscode.commands.executeCommand(view.fix.command));
    return false;
  };

  // Every command; in Restricted Mode those that would reach the daemon or run the CLI answer with a message instead.
  const register = (id: string, title: string, fn: (...args: any[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, (...args: any[]) => {
        const refusal = gate.refusal(id, title);
        if (refusal === null) return fn(...args);
        void vscode.window.showWarningMessage(refusal, MANAGE_TRUST_TITLE).then((pick) => pick && vscode.commands.executeCommand(MANAGE_TRUST_COMMAND));
        return undefined;
      }),
    );

  register('cvu.explainSelection', 'Explain Selection', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !(await needConnection())) return;
    const doc = editor.document;
    const sel = editor.selection;
    const lines = selectionLines(sel);
    const where = sel.isEmpty ? relative(doc.uri) : `${relative(doc.uri)}:${lines.start}-${lines.end}`;
    await streamToPanel('Cvu: Explain', where, (h) =>
      connection.call((c) => c.explainStream({ path: doc.uri.fsPath, text: doc.getText(), ...(sel.isEmpty ? {} : { range: { start: sel.start, end: sel.end } }) }, h)),
    );
  });

  register('cvu.askCodebase', 'Ask About This Codebase', async () => {
    if (!(await needConnection())) return;
    const question = await vscode.window.showInputBox({ prompt: 'Ask about this codebase', placeHolder: 'Where do we retry failed uploads?' });
    if (!question) return;
    const editor = vscode.window.activeTextEditor;
    const folder = (editor && vscode.workspace.getWorkspaceFolder(editor.document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
    const root = folder ? connection.rootFor(folder.uri.fsPath) ?? folder.uri.fsPath : undefined;
    await streamToPanel('Cvu: Ask', question, (h) => connection.call((c) => c.askStream({ ...(root ? { root } : {}), question }, h)));
  });

  register('cvu.refactorSelection', 'Refactor Selection', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('Cvu: select the code to refactor first.');
      return;
    }
    if (!(await needConnection())) return;
    const instruction = await vscode.window.showInputBox({ prompt: 'How should Cvu change the selection?', placeHolder: 'e.g. use async/await (empty: improve it)' });
    if (instruction === undefined) return;
    const doc = editor.document;
    const version = doc.version;
    const text = doc.getText();
    const lines = selectionLines(editor.selection);
    let res;
    try {
      res = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Cvu: refactoring…', cancellable: true }, (_p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return connection.call((c) => c.refactor({ path: doc.uri.fsPath, text, lines, ...(instruction ? { instruction } : {}) }, { signal: ac.signal }));
      });
    } catch (err) {
      void vscode.window.showErrorMessage(`Cvu: ${(err as Error).message}`);
      return;
    }
    const edit = refactorEdit(text, res);
    if (edit.unchanged) {
      void vscode.window.showInformationMessage('Cvu: the model proposes no change.');
      return;
    }
    const proposedUri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: doc.uri.path, query: String(Date.now()) });
    proposals.set(proposedUri.toString(), edit.proposed);
    await vscode.commands.executeCommand('vscode.diff', doc.uri, proposedUri, `${path.basename(doc.uri.fsPath)} ↔ Cvu refactor`);
    // A proposal cut short by the token limit may end mid-statement: a warning (the CLI wants --force for it).
    const question = applyQuestion(res);
    const pick = question.warn ? await vscode.window.showWarningMessage(question.message, 'Apply', 'Discard') : await vscode.window.showInformationMessage(question.message, 'Apply', 'Discard');
    // Whatever the answer, the diff has served: close it (its right side is about to be forgotten).
    const diffTabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === proposedUri.toString());
    if (diffTabs.length) await vscode.window.tabGroups.close(diffTabs, true);
    proposals.delete(proposedUri.toString());
    if (pick !== 'Apply') return;
    if (doc.version !== version) {
      void vscode.window.showWarningMessage('Cvu: the file changed meanwhile; run the refactor again.');
      return;
    }
    const we = new vscode.WorkspaceEdit();
    we.replace(doc.uri, new vscode.Range(edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character), edit.newText);
    await vscode.workspace.applyEdit(we);
  });

  register('cvu.showStatus', 'Show Status', async () => {
    await connection.poll();
    const view = renderStatus(connection.state, { enabled: config().enable });
    const actions = [...(view.fix ? [view.fix.title] : []), 'Show Log'];
    const pick = await vscode.window.showInformationMessage(view.tooltip, ...actions);
    if (pick === 'Show Log') output.show();
    else if (pick && view.fix) await vscode.commands.executeCommand(view.fix.command);
  });
  register('cvu.reconnect', 'Reconnect to the Daemon', () => connection.connect());
  register('cvu.startDaemon', 'Start the Daemon', () => connection.connect());
  register('cvu.openSettings', 'Open Settings', () => vscode.commands.executeCommand('workbench.action.openSettings', 'cvu'));
  register('cvu.pullModel', 'Pull a Model', () => {
    const terminal = vscode.window.createTerminal('Cvu');
    terminal.show();
    terminal.sendText(`${config().cliPath} models pull`);
  });

  // Code actions on a selection
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider({ pattern: '**' }, {
      provideCodeActions(_doc, range) {
        if (range.isEmpty || !gate.trusted) return [];
        const explain = new vscode.CodeAction('Cvu: Explain Selection', vscode.CodeActionKind.Empty);
        explain.command = { command: 'cvu.explainSelection', title: 'Cvu: Explain Selection' };
        const refactor = new vscode.CodeAction('Cvu: Refactor Selection', vscode.CodeActionKind.RefactorRewrite);
        refactor.command = { command: 'cvu.refactorSelection', title: 'Cvu: Refactor Selection' };
        return [explain, refactor];
      },
    }, { providedCodeActionKinds: [vscode.CodeActionKind.Empty, vscode.CodeActionKind.RefactorRewrite] }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void connection.connect()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cvu.serverUrl') || e.affectsConfiguration('cvu.token')) void connection.connect();
      if (e.affectsConfiguration('cvu')) {
        engine.clear();
        refresh();
      }
    }),
  );

  void connection.connect();
}

export function deactivate(): void {}
