/**
 * The shape of `cvu.config.ts`, its defaults, and a validator whose errors
 * name the offending key (`index.maxFileBytes: expected a number`).
 */
import { DEFAULT_EMBEDDING_MODEL } from '../models/embedder.js';
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

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | Extract<T[K], null> : T[K] };
export type UserConfig = DeepPartial<CvuConfig>;

export { DEFAULT_EMBEDDING_MODEL };

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

type Rule =
  | { t: 'number'; min?: number; int?: boolean }
  | { t: 'string'; nullable?: boolean }
  | { t: 'boolean' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'strings' }
  | { t: 'object'; fields: Record<string, Rule> };

const int = (min = 0): Rule => ({ t: 'number', int: true, min });

const schema: Rule = {
  t: 'object',
  fields: {
    index: {
      t: 'object',
      fields: {
        maxFileBytes: int(1),
        ignore: { t: 'strings' },
        batchSize: int(1),
        parseWorkers: { t: 'number', int: true, min: -1 },
        chunk: {
          t: 'object',
          fields: { maxLines: int(4), maxChars: int(200), minLines: int(0), windowLines: int(4), windowOverlap: int(0) },
        },
      },
    },
    embedding: {
      t: 'object',
      fields: {
        model: { t: 'string', nullable: true },
        dtype: { t: 'enum', values: ['q8', 'fp32', 'auto'] },
        batchSize: int(1),
        maxTokens: int(8),
        allowDownload: { t: 'boolean' },
      },
    },
    model: {
      t: 'object',
      fields: { path: { t: 'string', nullable: true }, contextSize: int(256), idleUnloadSeconds: int(0), fimTemplate: { t: 'string', nullable: true } },
    },
    completion: {
      t: 'object',
      fields: {
        budgetTokens: int(64),
        prefixShare: { t: 'number', min: 0 },
        suffixShare: { t: 'number', min: 0 },
        contextShare: { t: 'number', min: 0 },
        maxTokens: int(1),
        debounceMs: int(0),
      },
    },
    prompts: {
      t: 'object',
      fields: { system: { t: 'string', nullable: true }, explain: { t: 'string', nullable: true }, refactor: { t: 'string', nullable: true }, ask: { t: 'string', nullable: true } },
    },
    threads: int(0),
    logLevel: { t: 'enum', values: ['debug', 'info', 'warn', 'error', 'silent'] },
  },
};

export class ConfigError extends Error {
  constructor(readonly key: string, detail: string) {
    super(`${key}: ${detail}`);
  }
}

function check(rule: Rule, value: unknown, key: string): void {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  switch (rule.t) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(key, `expected a number, got ${got}`);
      if (rule.int && !Number.isInteger(value)) throw new ConfigError(key, `expected an integer, got ${value}`);
      if (rule.min !== undefined && value < rule.min) throw new ConfigError(key, `must be at least ${rule.min}, got ${value}`);
      return;
    case 'string':
      if (value === null && rule.nullable) return;
      if (typeof value !== 'string') throw new ConfigError(key, `expected a string${rule.nullable ? ' or null' : ''}, got ${got}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw new ConfigError(key, `expected a boolean, got ${got}`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) throw new ConfigError(key, `expected one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`);
      return;
    case 'strings':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new ConfigError(key, `expected an array of strings, got ${got}`);
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(key || '(root)', `expected an object, got ${got}`);
      for (const [k, v] of Object.entries(value)) {
        const sub = rule.fields[k];
        const subKey = key ? `${key}.${k}` : k;
        if (!sub) throw new ConfigError(subKey, `unknown key (known: ${Object.keys(rule.fields).join(', ')})`);
        if (v === undefined) continue;
        check(sub, v, subKey);
      }
    }
  }
}

function merge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out as T;
}

/** Validates a user config (throws ConfigError naming the key) and merges it over the defaults. */
export function resolveConfig(user: unknown): CvuConfig {
  check(schema, user ?? {}, '');
  return merge(defaultConfig(), user ?? {});
}

/** Typed helper for `cvu.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
