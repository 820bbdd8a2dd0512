import type { Snippet } from '../protocol/snippet.js';

import type { Position } from '../protocol/api.js';

export type { Position };

export interface ContextRequest {
  /** Workspace-relative path of the file being edited. */
  path: string;
  /** The editor's buffer; the file on disk when absent. */
  text?: string;
  position: Position;
  budgetTokens?: number;
  signal?: AbortSignal;
  /** Filled in with how long each part took, in ms, when given (the daemon logs slow requests with it). */
  timings?: ContextTimings;
}

export interface ContextTimings {
  /** Full-text search over the cursor's window. */
  fts?: number;
  /** The query's embedding (the lines nearest the cursor) and the vector search (0 when no model is loaded). */
  vector?: number;
  /** Of which the query's embedding, waiting for the model's query thread included. */
  embed?: number;
  /** The searches that missed their deadline, left out of the answer ('vector'). */
  late?: string[];
  /** The buffer's own imports, when its edits touch them. */
  imports?: number;
  /** Definitions of the names around the cursor. */
  definitions?: number;
  /** Definitions the buffer does not name yet, anticipated from the import graph and similar code, and what followed lines like the cursor's neighbours (its own full-text search included). */
  anticipation?: number;
  total?: number;
}

export interface ContextResult {
  snippets: Snippet[];
  tokens: number;
}
