/**
 * The daemon's state on the wire: GET /health, GET /status and what
 * POST /workspaces answers. Fields marked optional are always sent by this
 * daemon; they are optional so that a client still reads an older one.
 */
import { Type, type Static } from '../core/typebox.js';
import { ConfigIssueSchema } from './api.js';

export const HealthResponseSchema = Type.Object({
  ok: Type.Boolean(),
  version: Type.String({ description: "the daemon's version" }),
});
export type HealthResponse = Static<typeof HealthResponseSchema>;

export const WorkspaceStateSchema = Type.Union([Type.Literal('indexing'), Type.Literal('ready'), Type.Literal('error')], {
  description: '`indexing` until a pass is done, then `ready`; `error` when indexing failed or the root is gone',
});
export type WorkspaceState = Static<typeof WorkspaceStateSchema>;

/** A config file and what in it was invalid or refused. */
export const ConfigStatusSchema = Type.Object(
  {
    file: Type.Union([Type.String(), Type.Null()], { description: 'the config file, null when there is none' }),
    errors: Type.Array(ConfigIssueSchema),
  },
  { title: 'ConfigStatus' },
);
export type ConfigStatus = Static<typeof ConfigStatusSchema>;

/** What the index leaves out and why. */
export const SkipReportSchema = Type.Object(
  {
    total: Type.Integer({ minimum: 0, description: 'files and folders skipped (an excluded folder counts once, not its content)' }),
    byReason: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'a count per reason that occurs: `ignored`, `secret`, `builtin`, `too-large`, `binary`, `minified`, `lockfile`, `symlink-outside`, `unreadable`, `too-deep`, …' }),
    sample: Type.Array(Type.Object({ path: Type.String({ description: 'escaped to be printable' }), reason: Type.String() }), { description: 'a short sample' }),
  },
  { title: 'SkipReport' },
);

/** How far a running index pass is: sent while one runs. */
export const IndexProgressSchema = Type.Object(
  {
    phase: Type.Union([Type.Literal('scan'), Type.Literal('index')], { description: '`scan`: listing the tree; `index`: reading and indexing the files that changed' }),
    done: Type.Integer({ minimum: 0, description: 'files of this pass done' }),
    total: Type.Integer({ minimum: 0, description: 'files this pass has to look at (0 while scanning)' }),
    etaSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'time left at the pace so far; null until there is a pace' }),
  },
  { title: 'IndexProgress', description: '/context and search answer from what is indexed meanwhile; the package of a file asked about is indexed first' },
);
export type IndexProgress = Static<typeof IndexProgressSchema>;

export const WorkspaceStatusSchema = Type.Object(
  {
    root: Type.String({ description: 'the real path of the root' }),
    state: WorkspaceStateSchema,
    files: Type.Integer({ minimum: 0 }),
    chunks: Type.Integer({ minimum: 0 }),
    pending: Type.Integer({ minimum: 0, description: 'chunks waiting for a vector' }),
    // A string, not a union: a client should show a state a newer daemon adds rather than refuse the status.
    embedder: Type.String({
      description: "the embedding model's state: `disabled` (none configured: full-text and symbol search only), `loading`, `ready`, `unavailable` (see embedderDetail)",
    }),
    embedderDetail: Type.Optional(Type.String({ description: 'the model when ready, the reason when unavailable' })),
    lastIndexedAt: Type.Union([Type.String(), Type.Null()], { description: 'ISO time of the last finished index write; null before the first' }),
    error: Type.Optional(Type.String({ description: 'why the last index write failed' })),
    config: Type.Optional(ConfigStatusSchema),
    skipped: Type.Optional(SkipReportSchema),
    progress: Type.Optional(IndexProgressSchema),
  },
  { title: 'WorkspaceStatus', description: 'this daemon always sends `config` and `skipped`; they are optional so that a client still reads an older daemon' },
);
export type WorkspaceStatus = Static<typeof WorkspaceStatusSchema>;

/** Where generation runs; a remote server's reachability. */
export const ModelBackendStatusSchema = Type.Object(
  {
    // Strings, not unions: a client shows a type or state a newer daemon adds rather than refuse the status.
    type: Type.String({ description: '`in-process`, `llama-server` or `openai` (model.backend.type)' }),
    url: Type.Optional(Type.String({ description: 'the model server (remote backends)' })),
    state: Type.Optional(Type.String({ description: 'remote backends: `unknown` before the first request, `ready`, or `unavailable` (requests fail with CVU_ERR_BACKEND_UNAVAILABLE until the server answers again)' })),
    error: Type.Optional(Type.String({ description: 'why the server is unavailable' })),
  },
  { title: 'ModelBackendStatus', description: 'this daemon always sends it; optional so that a client still reads an older daemon' },
);
export type ModelBackendStatus = Static<typeof ModelBackendStatusSchema>;

const LaneStatsSchema = Type.Object({ running: Type.Integer({ minimum: 0 }), queued: Type.Integer({ minimum: 0 }) });

export const StatusResponseSchema = Type.Object(
  {
    workspaces: Type.Array(WorkspaceStatusSchema),
    userConfig: Type.Optional(ConfigStatusSchema),
    model: Type.Object({
      name: Type.Union([Type.String(), Type.Null()], { description: 'the generation model, once one was loaded or tried' }),
      loaded: Type.Boolean(),
      backend: Type.Optional(ModelBackendStatusSchema),
    }),
    version: Type.Optional(Type.String()),
    daemon: Type.Optional(Type.Object({ pid: Type.Integer(), startedAt: Type.String({ description: 'ISO time' }), uptimeSeconds: Type.Integer({ minimum: 0 }) })),
    scheduler: Type.Optional(
      Type.Object(
        { retrieval: LaneStatsSchema, model: LaneStatsSchema, background: LaneStatsSchema },
        { description: 'tasks running and queued per lane: retrieval (/context, /search), model (generation), background (indexing, embedding)' },
      ),
    ),
  },
  { description: 'this daemon always sends every field; those marked `?` are optional so that a client still reads an older daemon' },
);
export type StatusResponse = Static<typeof StatusResponseSchema>;

export const RegisterResponseSchema = Type.Object({
  root: Type.String({ description: 'the real path of the root, as /status names it' }),
  state: WorkspaceStateSchema,
});
export type RegisterResponse = Static<typeof RegisterResponseSchema>;
