import type { Snippet } from './snippet.js';

/** LSP-style position: 0-based line, 0-based UTF-16 character. */
export interface Position {
  line: number;
  character: number;
}

export interface ContextRequest {
  /** Workspace-relative path of the file being edited. */
  path: string;
  /** The editor's buffer; the file on disk when absent. */
  text?: string;
  position: Position;
  budgetTokens?: number;
  signal?: AbortSignal;
}

export interface ContextResult {
  snippets: Snippet[];
  tokens: number;
}
