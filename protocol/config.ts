/**
 * The shape of Cvu's config as one TypeBox schema: its type (`CvuConfig`),
 * its defaults (`default`), its bounds, and who may set each key. Bounds
 * keep any config from asking for what would exhaust the machine (a 2 GB
 * file read whole, a billion-token prompt). config/schema.ts validates with
 * it; config/load.ts says where a config comes from.
 */
import { Type, type Static, type TObject, type TSchema } from '../core/typebox.js';

/**
 * The annotation that marks a key only the user's own config (or the
 * environment) may set; its value is the reason a workspace config is told.
 */
export const USER_ONLY = 'x-cvu-user-only';
type UserOnly = { [USER_ONLY]: string };

function userOnly<T extends TSchema>(schema: T, reason: string): T & UserOnly {
  return Object.assign(schema, { [USER_ONLY]: reason });
}

/** The default embedding model (a model id the model manager downloads once). */
export const DEFAULT_EMBEDDING_MODEL = 'Xenova/all-MiniLM-L6-v2';

const MODEL_IS_USERS = "the model is the user's choice, never a repository's: set it in $CVU_HOME/config.ts or CVU_MODEL";
const EMBEDDING_IS_USERS = "the embedding model (a download) is the user's choice, never a repository's: set it in $CVU_HOME/config.ts or CVU_EMBEDDING_MODEL";
const THREADS_ARE_USERS = "thread counts belong to the user's machine: set them in $CVU_HOME/config.ts";
const BACKEND_IS_USERS = "the model server (a URL and its key) is the user's choice, never a repository's: set it in $CVU_HOME/config.ts or CVU_MODEL_URL";
const LOG_LEVEL_IS_USERS = "the daemon's log level is the user's to set: use $CVU_HOME/config.ts";

const int = (minimum: number, maximum: number, defaultValue: number, description?: string) =>
  Type.Integer({ minimum, maximum, default: defaultValue, ...(description ? { description } : {}) });
const share = (defaultValue: number) => Type.Number({ minimum: 0, maximum: 1, default: defaultValue });
const nullableString = (description: string, opts: { maxLength?: number; default?: string } = {}) =>
  Type.Union([Type.String(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}), Type.Null()], { default: opts.default ?? null, description });
const promptTemplate = (feature: string) => nullableString(`the ${feature} prompt template; null: the built-in one (prompts/templates.ts lists the placeholders)`, { maxLength: 16_384 });

export const CvuConfigSchema = Type.Object({
  index: Type.Object({
    maxFileBytes: int(1, 16 * 1024 * 1024, 1024 * 1024, 'files larger than this are never read'),
    ignore: Type.Array(Type.String({ maxLength: 1_000 }), { maxItems: 10_000, default: [], description: 'gitignore-style patterns, on top of .gitignore and .cvuignore' }),
    batchSize: int(1, 4_096, 256, 'files read and chunked per store commit'),
    parseWorkers: userOnly(int(-1, 64, -1, 'worker threads that parse files; -1 = one per core (at most 4), 0 = parse on the main thread'), THREADS_ARE_USERS),
    chunk: Type.Object({
      maxLines: int(4, 10_000, 80),
      maxChars: int(200, 1_000_000, 3000),
      minLines: int(0, 10_000, 6),
      windowLines: int(4, 10_000, 40),
      windowOverlap: int(0, 10_000, 5),
    }),
  }),
  embedding: userOnly(
    Type.Object({
      model: nullableString('a model id (downloaded once into CVU_HOME) or a local model folder; null disables vectors', { default: DEFAULT_EMBEDDING_MODEL }),
      dtype: Type.Union([Type.Literal('q8'), Type.Literal('fp32'), Type.Literal('auto')], { default: 'q8' }),
      batchSize: int(1, 1_024, 16),
      maxTokens: int(8, 8_192, 256),
      allowDownload: Type.Boolean({ default: true, description: 'allow downloading the model on first use' }),
    }),
    EMBEDDING_IS_USERS,
  ),
  model: userOnly(
    Type.Object({
      path: nullableString('a GGUF file path, a model URI (`hf:owner/repo/file.gguf`) or a name the model manager knows; null: none'),
      contextSize: int(256, 1_048_576, 4096, 'context size in tokens'),
      idleUnloadSeconds: int(0, 31_536_000, 600, 'unload the model after this many seconds without a request'),
      fimTemplate: nullableString('FIM tokens for models whose GGUF does not declare them: a `{prefix}…{suffix}…{middle}` template'),
      backend: userOnly(
        Type.Object(
          {
            type: Type.Union([Type.Literal('in-process'), Type.Literal('llama-server'), Type.Literal('openai')], {
              default: 'in-process',
              description: "where generation runs: `in-process` (node-llama-cpp in the daemon), `llama-server` (llama.cpp's server at `url`), `openai` (any OpenAI-compatible server at `url`: vLLM, sglang, LM Studio, Ollama's /v1); CVU_MODEL_BACKEND",
            }),
            url: nullableString('the model server, e.g. `http://gpu-box:8080` (CVU_MODEL_URL; setting it alone means `llama-server`)', { maxLength: 2_000 }),
            apiKey: nullableString("the server's API key, sent as `Authorization: Bearer` (CVU_MODEL_API_KEY)", { maxLength: 4_096 }),
            model: nullableString('the model name an `openai` server is asked for; null: the first one its /v1/models lists', { maxLength: 1_000 }),
            timeoutSeconds: int(1, 3_600, 120, 'the longest one request may take; a server that does not answer at all is reported unavailable within 3 s'),
          },
          { description: 'a remote model server instead of the in-process model' },
        ),
        BACKEND_IS_USERS,
      ),
    }),
    MODEL_IS_USERS,
  ),
  completion: Type.Object({
    budgetTokens: int(64, 131_072, 1536, "a completion's prompt budget in tokens, shared as below"),
    prefixShare: share(0.45),
    suffixShare: share(0.15),
    contextShare: share(0.4),
    maxTokens: int(1, 8_192, 64),
    naturalStop: Type.Boolean({ default: true, description: "stop generating where the post-processor would cut (the end of the line or block); false: generate maxTokens every time (benchmarks do, to time a fixed length)" }),
    debounceMs: int(0, 10_000, 150, 'the debounce editors are told to use, in ms'),
  }),
  prompts: Type.Object({
    system: promptTemplate('system'),
    explain: promptTemplate('explain'),
    refactor: promptTemplate('refactor'),
    ask: promptTemplate('ask'),
  }),
  threads: userOnly(int(0, 1_024, 0, "threads for model inference; 0 = the machine's physical cores"), THREADS_ARE_USERS),
  logLevel: userOnly(Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'warn' }), LOG_LEVEL_IS_USERS),
});

export type CvuConfig = Static<typeof CvuConfigSchema>;

/** The part of a config schema a workspace may set: every key not marked USER_ONLY, each optional. */
type WorkspacePart<S extends TSchema> = S extends TObject<infer P> ? { [K in keyof P as P[K] extends UserOnly ? never : K]?: WorkspacePart<P[K]> } : Static<S>;

/** What a workspace's `cvu.config.ts` may set: how its files are indexed, completion budgets, prompt templates. */
export type WorkspaceConfig = WorkspacePart<typeof CvuConfigSchema>;

/** The reason a key is the user's alone, or undefined when a workspace may set it. */
export function userOnlyReason(schema: TSchema): string | undefined {
  const reason = (schema as Partial<UserOnly>)[USER_ONLY];
  return typeof reason === 'string' ? reason : undefined;
}
