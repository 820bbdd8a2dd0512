/**
 * The daemon's HTTP API (API.md) as types, in one place: the request bodies
 * the server validates and the typed client (clients/daemon-client.ts) sends,
 * and the answers the features return. Clients import this folder only, so
 * nothing of the server is bundled into them.
 */
import type { Snippet } from './snippet.js';

/** LSP-style position: 0-based line, 0-based UTF-16 character. */
export interface Position {
  line: number;
  character: number;
}

export interface ContextRequestBody {
  /** Absolute, or relative to a registered root. */
  path: string;
  /** The editor's unsaved buffer; the file on disk when absent. */
  text?: string;
  position: Position;
  budgetTokens?: number;
}

/** Where a /context answer spent its time, in ms, rounded to 0.1: for clients and benchmarks to see, and the log. */
export interface ContextTimingsMs {
  /** From the request's arrival to its start (waiting for the retrieval lane). */
  queuedMs: number;
  /** The buffer's own imports, when its edits touch them. */
  importsMs: number;
  /** Definitions of the names around the cursor. */
  definitionsMs: number;
  /** Definitions the buffer does not name yet (retrieval/anticipation.ts). */
  anticipationMs: number;
  /** Full-text search over the cursor's window (runs beside the definitions). */
  ftsMs: number;
  /** The query's embedding and the vector search (beside the definitions; 0 without a model). */
  vectorMs: number;
  /** Of vectorMs, the query's embedding (waiting for the model's query thread included). */
  embedMs: number;
  /** The context built, from start to answer (not counting queuedMs). */
  totalMs: number;
  /**
   * The searches left out of this answer because they missed their deadline: 'vector' when the
   * vector search was not done 25 ms after the start (or when everything else was, if later). Its
   * vectorMs is then the time it was given.
   */
  late: string[];
}

/** POST /context's answer. */
export interface ContextAnswer {
  snippets: Snippet[];
  tokens: number;
  timings: ContextTimingsMs;
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

// ---------------------------------------------------------------------------
// Answers

export interface ChatTimings {
  retrievalMs: number;
  promptTokens: number;
  firstTokenMs: number;
  totalMs: number;
}

export interface AnswerResult {
  answer: string;
  /** What the answer cites (`path:start-end`), or every snippet the prompt held when it cites none. */
  sources: Snippet[];
  stopReason: string;
  timings: ChatTimings;
}

/** `ask` without a usable model: the code locations, and why there is no answer. */
export interface LocationsResult {
  answer: null;
  sources: Snippet[];
  notice: { code: string; message: string };
}

export interface RefactorResult {
  /** The code that replaces lines startLine..endLine (the file's line endings). */
  replacement: string;
  /** Unified diff of the file (`--- a/PATH`, `+++ b/PATH`); '' when nothing changes. */
  diff: string;
  explanation: string;
  path: string;
  startLine: number;
  endLine: number;
  /** The model stopped before closing its code block: the replacement may be cut short. */
  truncated: boolean;
  sources: Snippet[];
  stopReason: string;
  timings: ChatTimings;
}

export interface CompleteResult {
  completion: string;
  cached: boolean;
  timings: { retrievalMs: number; promptTokens: number; reusedTokens: number; firstTokenMs: number; totalMs: number };
}

/** A problem in a config file (GET /status); line and column 1-based, 0 for the file as a whole. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** The dotted key it concerns (`index.ignore`); empty for the file as a whole. */
  key: string;
  message: string;
}

/** One line per issue, as compilers print them: `/w/cvu.config.ts:3:5: model: not allowed …`. */
export function formatConfigIssue(i: ConfigIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.file;
  return `${where}: ${i.key ? `${i.key}: ` : ''}${i.message}`;
}
