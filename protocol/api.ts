/**
 * The daemon's own HTTP API (API.md) as TypeBox schemas, in one place: the
 * request bodies the server validates and the typed client
 * (clients/daemon-client.ts) sends, and the answers the features return.
 * Each type is derived from its schema (`Static`), so the TypeScript type,
 * the server's validation and docs/api.md cannot drift apart. Clients import
 * the types only, so nothing of the server (nor TypeBox) is bundled into them.
 */
import { Type, type Static } from '../core/typebox.js';
import { SnippetSchema } from './snippet.js';

/** A workspace root or file path in a request body: bounded, so that no body can ask the daemon to resolve megabytes of path. */
export const pathField = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });

/** A file in a request body. */
export const PathSchema = pathField('absolute, or relative to a registered root');

/** LSP-style position: 0-based line, 0-based UTF-16 character. */
export const PositionSchema = Type.Object(
  {
    line: Type.Integer({ minimum: 0, description: '0-based' }),
    character: Type.Integer({ minimum: 0, description: '0-based UTF-16 offset in the line; past the line end is clamped to it' }),
  },
  { title: 'Position' },
);
export type Position = Static<typeof PositionSchema>;

/** A file, and the editor's unsaved text of it. */
const bufferProperties = {
  path: PathSchema,
  text: Type.Optional(Type.String({ description: "the editor's unsaved buffer; the file on disk when absent" })),
};

/** Answer length of the chat features, in tokens. */
const AnswerTokensSchema = Type.Integer({ minimum: 1, maximum: 8192, description: "longest answer in tokens (default: explain and ask 512, refactor the selection's size and a half plus 192), within the model's context" });

/** A question or instruction in plain words. */
const ProseSchema = (description: string) => Type.String({ maxLength: 16_384, description });

// ---------------------------------------------------------------------------
// Requests

export const RegisterWorkspaceRequestSchema = Type.Object({
  root: pathField('the workspace folder, absolute'),
});
export type RegisterWorkspaceRequestBody = Static<typeof RegisterWorkspaceRequestSchema>;

export const ContextRequestSchema = Type.Object({
  ...bufferProperties,
  position: PositionSchema,
  budgetTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: "the context's size in tokens (default 1024)" })),
});
export type ContextRequestBody = Static<typeof ContextRequestSchema>;

export const SearchRequestSchema = Type.Object({
  root: pathField('a registered workspace root'),
  query: Type.String({ minLength: 1, maxLength: 4096, description: 'words, an identifier or a piece of code' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'most results (default 10)' })),
});
export type SearchRequestBody = Static<typeof SearchRequestSchema>;

export const CompleteRequestSchema = Type.Object({
  ...bufferProperties,
  position: PositionSchema,
  language: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "the editor's language id (default: from the file name)" })),
  maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, description: 'longest completion in tokens (default: the config\'s completion.maxTokens)' })),
  prefill: Type.Optional(Type.Boolean({ description: 'evaluate the prompt only (no completion: a file just opened, the user idle), so that the next completion there starts warm' })),
});
export type CompleteRequestBody = Static<typeof CompleteRequestSchema>;

/** An editor selection (LSP range) … */
export const RangeSchema = Type.Object(
  { start: PositionSchema, end: PositionSchema },
  { title: 'Range', description: 'an editor selection; an end at character 0 of a later line stops at the line before' },
);
export type RangeBody = Static<typeof RangeSchema>;

/** … or 1-based inclusive lines, as the CLI takes them (`path:12-20`). */
export const LinesSchema = Type.Object(
  { start: Type.Integer({ minimum: 1 }), end: Type.Integer({ minimum: 1 }) },
  { title: 'Lines', description: '1-based inclusive lines, as the CLI and compilers print them (`path:12-20`)' },
);
export type LinesBody = Static<typeof LinesSchema>;

/** A file and a part of it: what Explain and Refactor work on. */
const selectionProperties = {
  ...bufferProperties,
  range: Type.Optional(RangeSchema),
  lines: Type.Optional(LinesSchema),
  maxTokens: Type.Optional(AnswerTokensSchema),
};
export const SelectionRequestSchema = Type.Object(selectionProperties);
export type SelectionRequestBody = Static<typeof SelectionRequestSchema>;

/** The selection is optional here: the whole file when neither `range` nor `lines` is given. */
export const ExplainRequestSchema = Type.Object({ ...selectionProperties, question: Type.Optional(ProseSchema('what to explain about it (default: the code as a whole)')) });
export type ExplainRequestBody = Static<typeof ExplainRequestSchema>;

/** One of `range` and `lines` is required (the handler checks: a 400 naming `body.range`). */
export const RefactorRequestSchema = Type.Object({ ...selectionProperties, instruction: Type.Optional(ProseSchema('the change wanted (default: better readability and structure, same behaviour)')) });
export type RefactorRequestBody = Static<typeof RefactorRequestSchema>;

export const AskRequestSchema = Type.Object({
  root: Type.Optional(pathField('the workspace to ask about; may be left out while only one is registered')),
  question: Type.String({ minLength: 1, maxLength: 16_384, description: 'not blank' }),
  maxTokens: Type.Optional(AnswerTokensSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'search results given to the model (default 8)' })),
});
export type AskRequestBody = Static<typeof AskRequestSchema>;

// ---------------------------------------------------------------------------
// Answers

/** Where a /context answer spent its time, in ms, rounded to 0.1: for clients and benchmarks to see, and the log. */
export const ContextTimingsSchema = Type.Object(
  {
    queuedMs: Type.Number({ description: "from the request's arrival to its start (waiting for the retrieval lane)" }),
    importsMs: Type.Number({ description: "the buffer's own imports, when its edits touch them" }),
    definitionsMs: Type.Number({ description: 'definitions of the names around the cursor' }),
    anticipationMs: Type.Number({ description: 'definitions the buffer does not name yet' }),
    ftsMs: Type.Number({ description: "full-text search over the cursor's window (in memory, before the definitions)" }),
    vectorMs: Type.Number({ description: "the query's embedding and the vector search (beside the definitions; 0 without a model)" }),
    embedMs: Type.Number({ description: "of vectorMs, the query's embedding" }),
    totalMs: Type.Number({ description: 'the context built, from start to answer (not counting queuedMs)' }),
    late: Type.Array(Type.String(), {
      description: "searches left out because they missed their deadline: `vector` when the vector search was not done 25 ms after the start (its vectorMs is then the time it was given), or was not waited for (vectorMs 0) because the last three missed theirs (one request in eight still starts one, not waited for, to see whether searches make the deadline again)",
    }),
  },
  { title: 'ContextTimings' },
);
export type ContextTimingsMs = Static<typeof ContextTimingsSchema>;

/** POST /context's answer. */
export const ContextAnswerSchema = Type.Object({
  snippets: Type.Array(SnippetSchema),
  tokens: Type.Integer({ minimum: 0, description: "the snippets' size in the model's tokens (within budgetTokens)" }),
  timings: ContextTimingsSchema,
});
export type ContextAnswer = Static<typeof ContextAnswerSchema>;

export const SearchAnswerSchema = Type.Object({ results: Type.Array(SnippetSchema, { description: 'best first' }) });
export type SearchAnswer = Static<typeof SearchAnswerSchema>;

export const ChatTimingsSchema = Type.Object(
  {
    retrievalMs: Type.Number(),
    promptTokens: Type.Integer({ minimum: 0 }),
    firstTokenMs: Type.Number(),
    totalMs: Type.Number(),
  },
  { title: 'ChatTimings' },
);
export type ChatTimings = Static<typeof ChatTimingsSchema>;

export const AnswerResultSchema = Type.Object(
  {
    answer: Type.String(),
    sources: Type.Array(SnippetSchema, { description: 'what the answer cites (`path:start-end`), or every snippet the prompt held when it cites none' }),
    stopReason: Type.String({ description: 'why generation stopped: `eog` (the model finished), `maxTokens`, `stop`, `abort`' }),
    timings: ChatTimingsSchema,
  },
  { title: 'AnswerResult' },
);
export type AnswerResult = Static<typeof AnswerResultSchema>;

/** `ask` without a usable model: the code locations, and why there is no answer. */
export const LocationsResultSchema = Type.Object(
  {
    answer: Type.Null(),
    sources: Type.Array(SnippetSchema, { description: 'the search results for the question' }),
    notice: Type.Object({ code: Type.String(), message: Type.String() }, { description: 'why there is no answer (`CVU_ERR_MODEL_MISSING` …) and what fixes it' }),
  },
  { title: 'LocationsResult' },
);
export type LocationsResult = Static<typeof LocationsResultSchema>;

/** `explain` and `ask`: the answer and the snippets it rests on (`ask` without a model: the locations and a notice). */
export const AnswerResponseSchema = Type.Union([AnswerResultSchema, LocationsResultSchema]);
export type AnswerResponse = Static<typeof AnswerResponseSchema>;

export const RefactorResultSchema = Type.Object(
  {
    replacement: Type.String({ description: "the code that replaces lines startLine..endLine (the file's line endings)" }),
    diff: Type.String({ description: "unified diff of the file (`--- a/PATH`, `+++ b/PATH`); '' when nothing changes" }),
    explanation: Type.String(),
    path: Type.String({ description: 'workspace-relative' }),
    startLine: Type.Integer({ minimum: 1 }),
    endLine: Type.Integer({ minimum: 1 }),
    truncated: Type.Boolean({ description: 'the model stopped before closing its code block: the replacement may be cut short' }),
    sources: Type.Array(SnippetSchema),
    stopReason: Type.String(),
    timings: ChatTimingsSchema,
  },
  { title: 'RefactorResult' },
);
export type RefactorResult = Static<typeof RefactorResultSchema>;

export const CompleteResultSchema = Type.Object(
  {
    completion: Type.String({ description: "the text to insert at the position ('' when the model suggests nothing)" }),
    cached: Type.Boolean({ description: 'answered from the completion cache, without the model' }),
    timings: Type.Object({
      retrievalMs: Type.Number(),
      promptTokens: Type.Integer({ minimum: 0 }),
      reusedTokens: Type.Integer({ minimum: 0, description: "prompt tokens the model's KV cache (or the model server's prompt cache) already held; a model server's own count" }),
      evaluatedTokens: Type.Optional(Type.Integer({ minimum: 0, description: 'prompt tokens evaluated for this request (a model server\'s own count); this daemon always sends it' })),
      firstTokenMs: Type.Number(),
      totalMs: Type.Number(),
    }),
  },
  { title: 'CompleteResult' },
);
export type CompleteResult = Static<typeof CompleteResultSchema>;

// ---------------------------------------------------------------------------
// Config problems (GET /status), shared with config/

/** A problem in a config file; line and column 1-based, 0 for the file as a whole. */
export const ConfigIssueSchema = Type.Object(
  {
    file: Type.String(),
    line: Type.Integer({ minimum: 0 }),
    column: Type.Integer({ minimum: 0 }),
    key: Type.String({ description: 'the dotted key it concerns (`index.ignore`); empty for the file as a whole' }),
    message: Type.String(),
  },
  { title: 'ConfigIssue' },
);
export type ConfigIssue = Static<typeof ConfigIssueSchema>;

/** One line per issue, as compilers print them: `/w/cvu.config.ts:3:5: model: not allowed …`. */
export function formatConfigIssue(i: ConfigIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.file;
  return `${where}: ${i.key ? `${i.key}: ` : ''}${i.message}`;
}
