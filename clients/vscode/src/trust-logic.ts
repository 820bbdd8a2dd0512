/**
 * Workspace Trust: a repository is data. In Restricted Mode (an untrusted
 * folder) Cvu registers nothing with the daemon (no POST /workspaces, no
 * `cvu daemon start`, no completions or context for this folder); the status
 * bar says why and the commands answer with a message. Granting trust starts
 * Cvu without a reload. Free of the `vscode` API: extension.ts feeds it
 * `vscode.workspace.isTrusted` and `onDidGrantWorkspaceTrust`.
 */

/** VS Code's own command that opens the Workspace Trust editor. */
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
export const MANAGE_TRUST_TITLE = 'Manage Workspace Trust';

export const RESTRICTED_TEXT = '$(shield) Cvu: restricted';
export const RESTRICTED_TOOLTIP =
  'Cvu: Restricted Mode. This workspace is not trusted, so Cvu does not index it, send it to the daemon or start the daemon.\n' +
  'Grant trust to this workspace to start Cvu (no reload needed).';

/** Commands that work without trust: they touch neither the daemon nor the workspace's code. */
const ALLOWED_UNTRUSTED = new Set(['cvu.showStatus', 'cvu.openSettings']);

export class TrustGate {
  private _trusted: boolean;
  private readonly listeners = new Set<() => void>();

  constructor(trusted: boolean) {
    this._trusted = trusted;
  }

  /** Whether Cvu may talk to the daemon about this workspace. */
  get trusted(): boolean {
    return this._trusted;
  }

  /**
   * The workspace became trusted (`onDidGrantWorkspaceTrust`). The listeners
   * run once, on the change; VS Code never revokes trust without a reload.
   * Returns whether this call changed anything.
   */
  grant(): boolean {
    if (this._trusted) return false;
    this._trusted = true;
    for (const l of [...this.listeners]) l();
    return true;
  }

  onGrant(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** A command is invoked: null to run it, else the message to show instead of running it. */
  refusal(command: string, title: string = command): string | null {
    if (this._trusted || ALLOWED_UNTRUSTED.has(command)) return null;
    return `Cvu: "${title}" is unavailable in Restricted Mode. This workspace is not trusted, so Cvu does not index it or send it to the daemon; grant trust to this workspace to start Cvu.`;
  }
}
