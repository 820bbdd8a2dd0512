/**
 * The request bodies of the daemon's HTTP API (API.md), in one place: the
 * server validates and reads them, and the shared client (clients/daemon-client.ts)
 * sends them — it imports these types only, so nothing of the server is
 * bundled into a client.
 */
import type { Position } from '../retrieval/context.js';

export interface ContextRequestBody {
  /** Absolute, or relative to a registered root. */
  path: string;
  /** The editor's unsaved buffer; the file on disk when absent. */
  text?: string;
  position: Position;
  budgetTokens?: number;
}

export interface SearchRequestBody {
  root: string;
  query: string;
  limit?: number;
}

export interface CompleteRequestBody {
  /** Absolute, or relative to a registered root. */
  path: string;
  /** The editor's unsaved buffer; the file on disk when absent. */
  text?: string;
  position: Position;
  language?: string;
  maxTokens?: number;
  /** Evaluate the prompt only (no completion: a file just opened, the user idle), so that the next completion there starts warm. */
  prefill?: boolean;
}

/** An editor selection (LSP range) … */
export interface RangeBody {
  start: Position;
  end: Position;
}

/** … or 1-based inclusive lines, as the CLI takes them (`path:12-20`). */
export interface LinesBody {
  start: number;
  end: number;
}

/** A file and a part of it: what Explain and Refactor work on. */
export interface SelectionRequestBody {
  path: string;
  text?: string;
  range?: RangeBody;
  lines?: LinesBody;
  maxTokens?: number;
}

export interface ExplainRequestBody extends SelectionRequestBody {
  /** The selection is optional here: the whole file when neither `range` nor `lines` is given. */
  question?: string;
}

export interface RefactorRequestBody extends SelectionRequestBody {
  /** One of `range` and `lines` is required. */
  instruction?: string;
}

export interface AskRequestBody {
  /** The workspace to ask about; may be left out while only one is registered. */
  root?: string;
  question: string;
  maxTokens?: number;
  /** Search results given to the model (default 8). */
  limit?: number;
}
