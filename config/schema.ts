/**
 * Cvu's config: its type and defaults come from one TypeBox schema
 * (protocol/config.ts, which also marks the keys only the user may set);
 * here are the validator whose errors name the offending key
 * (`index.maxFileBytes: expected a number, got string`), the merge, and the
 * typed helpers config files use.
 *
 * Two files set it: the user's own `$CVU_HOME/config.ts` (anything) and a
 * workspace's `cvu.config.ts`, which a cloned repository controls and so may
 * set only what changes how that repository is indexed and prompted
 * (`WorkspaceConfig`); see config/load.ts for the order.
 */
import { IsObject, type TSchema } from '../core/typebox.js';
import { Value } from '../core/typebox.js';
import { CvuConfigSchema, userOnlyReason, type CvuConfig, type WorkspaceConfig } from '../protocol/config.js';

export { DEFAULT_EMBEDDING_MODEL } from '../protocol/config.js';
export type { CvuConfig, WorkspaceConfig };

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | Extract<T[K], null> : T[K] };
/** What the user's own config may set: everything. */
export type UserConfig = DeepPartial<CvuConfig>;

/** Every key at its default (the schema's `default`s), fresh on each call. */
export function defaultConfig(): CvuConfig {
  return Value.Create(CvuConfigSchema);
}

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

/** Whose config is being checked: a workspace's may not set the keys protocol/config.ts marks USER_ONLY. */
export type ConfigScope = 'user' | 'workspace';

/**
 * Checks a config against the schema and returns what is valid, with a
 * problem for each key that is not (unknown, wrong type, out of bounds, or
 * not the workspace's to set). Invalid keys are left out; the rest stands.
 */
export function validateConfig(value: unknown, scope: ConfigScope): { config: UserConfig; problems: KeyProblem[] } {
  const problems: KeyProblem[] = [];
  const config = value === undefined || value === null ? {} : validKeys(CvuConfigSchema, value, '', scope, problems);
  return { config: (config ?? {}) as UserConfig, problems };
}

/**
 * The value that passes `schema`, or undefined with a problem. An object is
 * checked key by key, so that one bad key leaves the others standing; any
 * other value is checked whole by TypeBox.
 */
function validKeys(schema: TSchema, value: unknown, key: string, scope: ConfigScope, problems: KeyProblem[]): unknown {
  const fail = (detail: string) => {
    problems.push({ key: key || '(root)', message: detail });
    return undefined;
  };
  const reason = userOnlyReason(schema);
  if (scope === 'workspace' && reason) return fail(`not allowed in a workspace config: ${reason}`);
  if (!IsObject(schema)) {
    if (!Value.Check(schema, value)) return fail(mismatch(schema, value));
    return Array.isArray(value) ? [...value] : value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`expected an object, got ${kindOf(value)}`);
  const fields: Record<string, TSchema> = schema.properties;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const subKey = key ? `${key}.${k}` : k;
    const sub = Object.hasOwn(fields, k) ? fields[k] : undefined;
    if (!sub) {
      problems.push({ key: subKey, message: `unknown key (known: ${Object.keys(fields).join(', ')})` });
      continue;
    }
    if (v === undefined) continue;
    const checked = validKeys(sub, v, subKey, scope, problems);
    if (checked !== undefined) out[k] = checked;
  }
  return out;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** TypeBox's verdict on a value `schema` refuses, in the words a config's author reads (`expected a number, got string`). */
function mismatch(schema: TSchema, value: unknown): string {
  const s = schema as { anyOf?: { const?: unknown; type?: string }[]; items?: { type?: string } };
  const got = kindOf(value);
  if (s.anyOf?.every((branch) => branch.const !== undefined)) {
    return `expected one of ${s.anyOf.map((branch) => JSON.stringify(branch.const)).join(', ')}, got ${JSON.stringify(value)}`;
  }
  const nullable = s.anyOf?.some((branch) => branch.type === 'null') ?? false;
  // The failure itself: not a union's summary, nor its null branch refusing a non-null value.
  const e = [...Value.Errors(schema, value)].find((x) => x.keyword !== 'anyOf' && !(x.keyword === 'type' && x.params.type === 'null'));
  if (!e) return 'is invalid';
  const limit = (e.params as { limit?: unknown }).limit;
  const entry = e.instancePath !== '';
  switch (e.keyword) {
    case 'type': {
      const wanted = String(e.params.type);
      if (wanted === 'array' || entry) return `expected an array of ${s.items?.type ?? 'value'}s, got ${got}`;
      if (wanted === 'integer' && typeof value === 'number' && Number.isFinite(value)) return `expected an integer, got ${value}`;
      const noun = wanted === 'integer' ? 'number' : wanted;
      return `expected ${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}${nullable ? ' or null' : ''}, got ${got}`;
    }
    case 'minimum':
      return `must be at least ${String(limit)}, got ${String(value)}`;
    case 'maximum':
      return `must be at most ${String(limit)}, got ${String(value)}`;
    case 'maxLength':
      return entry ? `an entry is longer than ${String(limit)} characters` : `longer than ${String(limit)} characters`;
    case 'maxItems':
      return `more than ${String(limit)} entries`;
    default:
      return e.message;
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
