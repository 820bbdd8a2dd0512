/**
 * Every route of the daemon's HTTP API: its method and path, the schema of
 * its body and of its answer, its event stream and the errors it answers.
 * The server registers its routes from this table (daemon/server.ts,
 * daemon/openai-routes.ts), docs/api.md is generated from it
 * (protocol/api-docs.ts), and the contract tests check every answer
 * against it.
 */
import type { TSchema } from '../core/typebox.js';
import type { ErrorCode } from '../core/errors.js';
import {
  AnswerResponseSchema,
  AnswerResultSchema,
  AskRequestSchema,
  CompleteRequestSchema,
  CompleteResultSchema,
  ContextAnswerSchema,
  ContextRequestSchema,
  ExplainRequestSchema,
  RefactorRequestSchema,
  RefactorResultSchema,
  RegisterWorkspaceRequestSchema,
  SearchAnswerSchema,
  SearchRequestSchema,
} from './api.js';
import { answerStream, openAiStream, type StreamContract } from './events.js';
import { CLIENT_HEADER } from './http.js';
import { ChatCompletionChunkSchema, ChatCompletionRequestSchema, ChatCompletionSchema, CompletionRequestSchema, ModelListSchema, TextCompletionChunkSchema, TextCompletionSchema } from './openai.js';
import { HealthResponseSchema, RegisterResponseSchema, StatusResponseSchema } from './status.js';

/** An error a route answers: its HTTP status, its code, and when. */
export interface ErrorCase {
  status: number;
  code: ErrorCode;
  when: string;
}

export interface RouteContract {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  /** The JSON body (POST). */
  body?: TSchema;
  /** The JSON answer (200). */
  response: TSchema;
  stream?: StreamContract;
  /** The errors of this route, besides those of every route (EVERY_ROUTE_ERRORS, BODY_ERRORS). */
  errors: readonly ErrorCase[];
}

// ---------------------------------------------------------------------------
// Errors shared by many routes

/** A body the schema refuses: what every POST route answers to a malformed body. */
export const INVALID_BODY: ErrorCase = {
  status: 400,
  code: 'CVU_ERR_BAD_REQUEST',
  when: 'the body is not JSON or not an object, or a field is missing, of the wrong type or out of its bounds; the message and `field` name it (`body.position.line`)',
};

/** What every request can be refused with before its route runs. */
export const EVERY_ROUTE_ERRORS: readonly ErrorCase[] = [
  { status: 401, code: 'CVU_ERR_UNAUTHORIZED', when: 'no `Authorization: Bearer <token>`, or a wrong token' },
  { status: 403, code: 'CVU_ERR_FORBIDDEN', when: 'a `Host` that is not a loopback name, or any `Origin` (a web page)' },
  { status: 404, code: 'CVU_ERR_NOT_FOUND', when: 'no such route' },
  { status: 500, code: 'CVU_ERR_INTERNAL', when: 'a bug: the daemon logs it and goes on' },
];

/** What every route with a body can answer about the body itself. */
export const BODY_ERRORS: readonly ErrorCase[] = [
  INVALID_BODY,
  { status: 413, code: 'CVU_ERR_PAYLOAD_TOO_LARGE', when: 'the body is larger than the daemon accepts (8 MB by default)' },
  { status: 415, code: 'CVU_ERR_UNSUPPORTED_MEDIA_TYPE', when: 'the body is not `application/json`' },
];

const ABORTED: ErrorCase = { status: 499, code: 'CVU_ERR_ABORTED', when: `the client closed the connection, or the same client's (\`${CLIENT_HEADER}\`) newer request of this kind superseded it` };

/** `path` in the body: resolved through the registered roots. */
const PATH_ERRORS: readonly ErrorCase[] = [
  { status: 403, code: 'CVU_ERR_PATH_OUTSIDE_ROOT', when: 'the path (or a link on it) leads outside every registered root' },
  { status: 400, code: 'CVU_ERR_PATH_OUTSIDE_ROOT', when: 'the path holds a NUL byte' },
];

/** Reading the file when the body has no `text`. */
const FILE_ERRORS: readonly ErrorCase[] = [
  { status: 404, code: 'CVU_ERR_NOT_FOUND', when: 'the file does not exist and the body has no `text`' },
  { status: 400, code: 'CVU_ERR_BAD_REQUEST', when: 'the path is a folder, or the position is past the end of the text' },
  { status: 422, code: 'CVU_ERR_FILE_SKIPPED', when: 'the file is too large to read' },
  { status: 422, code: 'CVU_ERR_FILE_UNREADABLE', when: 'the file cannot be read' },
];

const SECRET_FILE: ErrorCase = { status: 403, code: 'CVU_ERR_FORBIDDEN', when: 'the file is a secret (`.env`, keys, credentials): never shown to a model' };

const SELECTION_ERRORS: readonly ErrorCase[] = [{ status: 400, code: 'CVU_ERR_BAD_REQUEST', when: '`range` or `lines` is past the end of the text, or ends before it starts' }];

/** The generation model (the user's config, `CVU_MODEL`, or a model server). */
const MODEL_ERRORS: readonly ErrorCase[] = [
  { status: 503, code: 'CVU_ERR_MODEL_MISSING', when: 'no model is configured or downloaded; the message names the command that fixes it' },
  { status: 500, code: 'CVU_ERR_MODEL_LOAD', when: 'the model file is not a valid GGUF, or failed to load' },
  { status: 503, code: 'CVU_ERR_MODEL_TOO_BIG', when: 'the model and its context do not fit in free memory' },
  { status: 400, code: 'CVU_ERR_BAD_REQUEST', when: "the prompt does not fit the model's context" },
];

const WORKSPACE_CHOICE: readonly ErrorCase[] = [
  { status: 400, code: 'CVU_ERR_BAD_REQUEST', when: '`root` is left out while no workspace or several are registered' },
  { status: 404, code: 'CVU_ERR_NOT_FOUND', when: '`root` is not a registered workspace' },
];

// ---------------------------------------------------------------------------
// The routes

export const ROUTES = {
  health: {
    method: 'GET',
    url: '/health',
    summary: 'Whether the daemon answers, and its version.',
    response: HealthResponseSchema,
    errors: [],
  },
  status: {
    method: 'GET',
    url: '/status',
    summary: 'The workspaces (index state, config problems, what the index skips), the model, the scheduler.',
    response: StatusResponseSchema,
    errors: [],
  },
  registerWorkspace: {
    method: 'POST',
    url: '/workspaces',
    summary: 'Registers a workspace root and starts indexing it in the background; registering again is a no-op.',
    body: RegisterWorkspaceRequestSchema,
    response: RegisterResponseSchema,
    errors: [
      { status: 400, code: 'CVU_ERR_BAD_REQUEST', when: '`root` is not absolute' },
      { status: 404, code: 'CVU_ERR_NOT_FOUND', when: '`root` does not exist' },
    ],
  },
  context: {
    method: 'POST',
    url: '/context',
    summary: 'The context a completion at that position would use: snippets within a token budget, and where the time went.',
    body: ContextRequestSchema,
    response: ContextAnswerSchema,
    errors: [...PATH_ERRORS, ...FILE_ERRORS, ABORTED],
  },
  search: {
    method: 'POST',
    url: '/search',
    summary: 'Hybrid search (symbols, full text, vectors) of a workspace; a save the watcher has seen is waited for (at most 500 ms).',
    body: SearchRequestSchema,
    response: SearchAnswerSchema,
    errors: [{ status: 404, code: 'CVU_ERR_NOT_FOUND', when: '`root` is not a registered workspace' }, ABORTED],
  },
  complete: {
    method: 'POST',
    url: '/complete',
    summary: "An inline completion at a position (fill in the middle); a client's newer request supersedes its older one.",
    body: CompleteRequestSchema,
    response: CompleteResultSchema,
    errors: [...PATH_ERRORS, ...FILE_ERRORS, SECRET_FILE, ...MODEL_ERRORS, ABORTED],
  },
  explain: {
    method: 'POST',
    url: '/explain',
    summary: 'Explains a selection (or the whole file) with the code it uses from elsewhere in the workspace.',
    body: ExplainRequestSchema,
    response: AnswerResultSchema,
    stream: answerStream(AnswerResultSchema),
    errors: [...PATH_ERRORS, ...FILE_ERRORS, SECRET_FILE, ...SELECTION_ERRORS, ...MODEL_ERRORS, ABORTED],
  },
  refactor: {
    method: 'POST',
    url: '/refactor',
    summary: 'Proposes a rewrite of a selection: the replacement and a unified diff of the file (nothing is written).',
    body: RefactorRequestSchema,
    response: RefactorResultSchema,
    stream: answerStream(RefactorResultSchema),
    errors: [
      { status: 400, code: 'CVU_ERR_BAD_REQUEST', when: 'neither `range` nor `lines` is given' },
      ...PATH_ERRORS,
      ...FILE_ERRORS,
      SECRET_FILE,
      ...SELECTION_ERRORS,
      ...MODEL_ERRORS,
      ABORTED,
    ],
  },
  ask: {
    method: 'POST',
    url: '/ask',
    summary: 'Answers a question about the codebase from hybrid search, citing `path:start-end`; without a model, the code locations and a notice.',
    body: AskRequestSchema,
    response: AnswerResponseSchema,
    stream: answerStream(AnswerResponseSchema),
    errors: [{ status: 400, code: 'CVU_ERR_BAD_REQUEST', when: '`question` is blank' }, ...WORKSPACE_CHOICE, ABORTED],
  },
  models: {
    method: 'GET',
    url: '/v1/models',
    summary: "OpenAI's model list: the installed models.",
    response: ModelListSchema,
    errors: [],
  },
  chatCompletions: {
    method: 'POST',
    url: '/v1/chat/completions',
    summary: "OpenAI's chat completion, with the workspace code most relevant to the last user message added to the conversation.",
    body: ChatCompletionRequestSchema,
    response: ChatCompletionSchema,
    stream: openAiStream(ChatCompletionChunkSchema),
    errors: [
      { status: 400, code: 'CVU_ERR_BAD_REQUEST', when: 'no user message, or a content part that is not text' },
      ...WORKSPACE_CHOICE,
      { status: 404, code: 'CVU_ERR_MODEL_MISSING', when: '`model` names a model that is not installed' },
      ...MODEL_ERRORS,
      ABORTED,
    ],
  },
  completions: {
    method: 'POST',
    url: '/v1/completions',
    summary: "OpenAI's text completion; with `suffix`, fill in the middle. The workspace code most like the prompt's last lines is added.",
    body: CompletionRequestSchema,
    response: TextCompletionSchema,
    stream: openAiStream(TextCompletionChunkSchema),
    errors: [
      ...WORKSPACE_CHOICE,
      { status: 400, code: 'CVU_ERR_BAD_REQUEST', when: '`path` is not in the workspace' },
      ...PATH_ERRORS,
      { status: 404, code: 'CVU_ERR_MODEL_MISSING', when: '`model` names a model that is not installed' },
      ...MODEL_ERRORS,
      ABORTED,
    ],
  },
} satisfies Record<string, RouteContract>;

export type RouteName = keyof typeof ROUTES;

/** Every error a route can answer: those of every route, those of its body, and its own. */
export function errorsOf(route: RouteContract): ErrorCase[] {
  return [...EVERY_ROUTE_ERRORS, ...(route.body ? BODY_ERRORS : []), ...route.errors];
}
