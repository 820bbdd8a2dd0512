/**
 * The shape of Cvu's config, its defaults, who may set each key, and a
 * validator whose errors name the offending key (`index.maxFileBytes:
 * expected a number`).
 *
 * Two files set it: the user's own `$CVU_HOME/config.ts` (anything) and a
 * workspace's `cvu.config.ts`, which a cloned repository controls and so may
 * set only what changes how that repository is indexed and prompted
 * (`WorkspaceConfig`); see config/load.ts for the order.
 */
export interface CvuConfig {
  index: {
    /** Files larger than this are never read. */
    maxFileBytes: number;
    /** Extra gitignore-style patterns, on top of .gitignore/.cvuignore. */
    ignore: string[];
    /** Files read and chunked per store commit. */
    batchSize: number;
    /** Worker threads that parse files; -1 = cores - 1 (at least 1), 0 = parse on the main thread. */
    parseWorkers: number;
    chunk: {
      maxLines: number;
      maxChars: number;
      minLines: number;
      windowLines: number;
      windowOverlap: number;
    };
  };
  embedding: {
    /** A model id (downloaded once into CVU_HOME) or a local model folder; null disables vectors. */
    model: string | null;
    dtype: 'q8' | 'fp32' | 'auto';
    batchSize: number;
    maxTokens: number;
    /** Allow downloading the model on first use. */
    allowDownload: boolean;
  };
  model: {
    /** A GGUF file path, a model URI (`hf:owner/repo/file.gguf`) or a name the model manager knows; null: none. */
    path: string | null;
    /** Context size in tokens. */
    contextSize: number;
    /** Unload the model after this many seconds without a request. */
    idleUnloadSeconds: number;
    /** FIM tokens for models whose GGUF does not declare them: `{prefix}…{suffix}…{middle}` template. */
    fimTemplate: string | null;
  };
  completion: {
    /** Prompt budget of a completion, in tokens, and the shares of it. */
    budgetTokens: number;
    prefixShare: number;
    suffixShare: number;
    contextShare: number;
    maxTokens: number;
    /** Client debounce the editor should use, in ms (served to clients). */
    debounceMs: number;
  };
  /** Prompt template overrides per feature (prompts/ documents the placeholders). */
  prompts: {
    system: string | null;
    explain: string | null;
    refactor: string | null;
    ask: string | null;
  };
  /** Threads for model inference; 0 = the machine's physical cores. */
  threads: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

/** The default embedding model (a model id the model manager downloads once). */
export const DEFAULT_EMBEDDING_MODEL = 'Xenova/all-MiniLM-L6-v2';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | Extract<T[K], null> : T[K] };
/** What the user's own config may set: everything. */
export type UserConfig = DeepPartial<CvuConfig>;

/** What a workspace's `cvu.config.ts` may set: how its files are indexed, completion budgets, prompt templates. */
export interface WorkspaceConfig {
  index?: DeepPartial<Omit<CvuConfig['index'], 'parseWorkers'>>;
  completion?: Partial<CvuConfig['completion']>;
  prompts?: Partial<CvuConfig['prompts']>;
}

export function defaultConfig(): CvuConfig {
  return {
    index: {
      maxFileBytes: 1024 * 1024,
      ignore: [],
      batchSize: 256,
      parseWorkers: -1,
      chunk: { maxLines: 80, maxChars: 3000, minLines: 6, windowLines: 40, windowOverlap: 5 },
    },
    embedding: {
      model: DEFAULT_EMBEDDING_MODEL,
      dtype: 'q8',
      batchSize: 16,
      maxTokens: 256,
      allowDownload: true,
    },
    model: { path: null, contextSize: 4096, idleUnloadSeconds: 600, fimTemplate: null },
    completion: { budgetTokens: 1536, prefixShare: 0.45, suffixShare: 0.15, contextShare: 0.4, maxTokens: 64, debounceMs: 150 },
    prompts: { system: null, explain: null, refactor: null, ask: null },
    threads: 0,
    logLevel: 'warn',
  };
}

/**
 * One key's rule. `user` marks a key only the user's own config (or the
 * environment) may set, with the reason a workspace config is told.
 */
type Rule = (
  | { t: 'number'; min?: number; max?: number; int?: boolean }
  | { t: 'string'; nullable?: boolean; maxLength?: number }
  | { t: 'boolean' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'strings'; maxItems: number; maxLength: number }
  | { t: 'object'; fields: Record<string, Rule> }
) & { user?: string };

const int = (min: number, max: number): Rule => ({ t: 'number', int: true, min, max });
const MODEL_IS_USERS = 'the model is the user\'s choice, never a repository\'s: set it in $CVU_HOME/config.ts or CVU_MODEL';
const EMBEDDING_IS_USERS = 'the embedding model (a download) is the user\'s choice, never a repository\'s: set it in $CVU_HOME/config.ts or CVU_EMBEDDING_MODEL';
const THREADS_ARE_USERS = 'thread counts belong to the user\'s machine: set them in $CVU_HOME/config.ts';
/** Bounds keep a repository's config from asking for what would exhaust the machine (a 2 GB file read whole, a billion-token prompt). */
const PROMPT_TEMPLATE: Rule = { t: 'string', nullable: true, maxLength: 16_384 };

const schema: Rule = {
  t: 'object',
  fields: {
    index: {
      t: 'object',
      fields: {
        maxFileBytes: int(1, 16 * 1024 * 1024),
        ignore: { t: 'strings', maxItems: 10_000, maxLength: 1_000 },
        batchSize: int(1, 4_096),
        parseWorkers: { ...int(-1, 64), user: THREADS_ARE_USERS },
        chunk: {
          t: 'object',
          fields: { maxLines: int(4, 10_000), maxChars: int(200, 1_000_000), minLines: int(0, 10_000), windowLines: int(4, 10_000), windowOverlap: int(0, 10_000) },
        },
      },
    },
    embedding: {
      t: 'object',
      user: EMBEDDING_IS_USERS,
      fields: {
        model: { t: 'string', nullable: true },
        dtype: { t: 'enum', values: ['q8', 'fp32', 'auto'] },
        batchSize: int(1, 1_024),
        maxTokens: int(8, 8_192),
        allowDownload: { t: 'boolean' },
      },
    },
    model: {
      t: 'object',
      user: MODEL_IS_USERS,
      fields: { path: { t: 'string', nullable: true }, contextSize: int(256, 1_048_576), idleUnloadSeconds: int(0, 31_536_000), fimTemplate: { t: 'string', nullable: true } },
    },
    completion: {
      t: 'object',
      fields: {
        budgetTokens: int(64, 131_072),
        prefixShare: { t: 'number', min: 0, max: 1 },
        suffixShare: { t: 'number', min: 0, max: 1 },
        contextShare: { t: 'number', min: 0, max: 1 },
        maxTokens: int(1, 8_192),
        debounceMs: int(0, 10_000),
      },
    },
    prompts: {
      t: 'object',
      fields: { system: PROMPT_TEMPLATE, explain: PROMPT_TEMPLATE, refactor: PROMPT_TEMPLATE, ask: PROMPT_TEMPLATE },
    },
    threads: { ...int(0, 1_024), user: THREADS_ARE_USERS },
    logLevel: { t: 'enum', values: ['debug', 'info', 'warn', 'error', 'silent'], user: 'the daemon\'s log level is the user\'s to set: use $CVU_HOME/config.ts' },
  },
};

/** A problem with one key: `key` is dotted (`index.chunk.maxLines`), empty for the whole config. */
export interface KeyProblem {
  key: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly key: string, detail: string) {
    super(`${key}: ${detail}`);
  }
}

/** Whose config is being checked: a workspace's may not set the keys marked `user`. */
export type ConfigScope = 'user' | 'workspace';

/**
 * Checks a config against the schema and returns what is valid, with a
 * problem for each key that is not (unknown, wrong type, out of bounds, or
 * not the workspace's to set). Invalid keys are left out; the rest stands.
 */
export function validateConfig(value: unknown, scope: ConfigScope): { config: UserConfig; problems: KeyProblem[] } {
  const problems: KeyProblem[] = [];
  const config = value === undefined || value === null ? {} : validate(schema, value, '', scope, problems);
  return { config: (config ?? {}) as UserConfig, problems };
}

/** The value that passes `rule` (objects: their valid keys), or undefined with a problem. */
function validate(rule: Rule, value: unknown, key: string, scope: ConfigScope, problems: KeyProblem[]): unknown {
  const fail = (detail: string) => {
    problems.push({ key: key || '(root)', message: detail });
    return undefined;
  };
  if (scope === 'workspace' && rule.user) return fail(`not allowed in a workspace config: ${rule.user}`);
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  switch (rule.t) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`expected a number, got ${got}`);
      if (rule.int && !Number.isInteger(value)) return fail(`expected an integer, got ${value}`);
      if (rule.min !== undefined && value < rule.min) return fail(`must be at least ${rule.min}, got ${value}`);
      if (rule.max !== undefined && value > rule.max) return fail(`must be at most ${rule.max}, got ${value}`);
      return value;
    case 'string':
      if (value === null && rule.nullable) return null;
      if (typeof value !== 'string') return fail(`expected a string${rule.nullable ? ' or null' : ''}, got ${got}`);
      if (rule.maxLength !== undefined && value.length > rule.maxLength) return fail(`longer than ${rule.maxLength} characters`);
      return value;
    case 'boolean':
      return typeof value === 'boolean' ? value : fail(`expected a boolean, got ${got}`);
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value) ? value : fail(`expected one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`);
    case 'strings':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return fail(`expected an array of strings, got ${got}`);
      if (value.length > rule.maxItems) return fail(`more than ${rule.maxItems} entries`);
      if (value.some((v: string) => v.length > rule.maxLength)) return fail(`an entry is longer than ${rule.maxLength} characters`);
      return [...value];
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`expected an object, got ${got}`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const subKey = key ? `${key}.${k}` : k;
        const sub = Object.hasOwn(rule.fields, k) ? rule.fields[k] : undefined;
        if (!sub) {
          problems.push({ key: subKey, message: `unknown key (known: ${Object.keys(rule.fields).join(', ')})` });
          continue;
        }
        if (v === undefined) continue;
        const checked = validate(sub, v, subKey, scope, problems);
        if (checked !== undefined) out[k] = checked;
      }
      return out;
    }
  }
}

/** `over` merged key by key onto `base` (arrays and scalars replace). */
export function mergeConfig<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = mergeConfig(out[k], v);
  return out as T;
}

/** Validates a user config (throws ConfigError naming the first bad key) and merges it over the defaults. */
export function resolveConfig(user: unknown): CvuConfig {
  const { config, problems } = validateConfig(user, 'user');
  if (problems.length) throw new ConfigError(problems[0].key, problems[0].message);
  return mergeConfig(defaultConfig(), config);
}

/**
 * Typed helper for a workspace's `cvu.config.ts`: `export default defineConfig({ ... })`.
 * Cvu reads that file without running it, so the object must be written out as literals.
 */
export function defineConfig(config: WorkspaceConfig): WorkspaceConfig {
  return config;
}

/** Typed helper for the user's own `$CVU_HOME/config.ts`, which may set everything (models, threads). */
export function defineUserConfig(config: UserConfig): UserConfig {
  return config;
}
