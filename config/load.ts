/**
 * Where a workspace's config comes from, in order (later wins):
 *
 * 1. the defaults (the schema's, protocol/config.ts);
 * 2. the user's own `$CVU_HOME/config.ts` (or .mts/.js/.mjs/.json) — the
 *    user's code, imported and run, and free to set anything;
 * 3. the workspace's `cvu.config.ts` (or .mts/.js/.mjs/.json) — a cloned
 *    repository's, so it is read as data, never run (literal-reader.ts), and
 *    may set only index, completion-budget and prompt settings;
 * 4. the environment (`CVU_MODEL`, `CVU_EMBEDDING_MODEL`, `CVU_MODEL_URL`, `CVU_MODEL_BACKEND`, `CVU_MODEL_API_KEY`).
 *
 * Nothing here throws on a bad file: each invalid or refused key is an issue
 * naming file, line, column and key, and the rest of the config stands.
 *
 * ```ts
 * const user = await loadUserConfig(home);            // once per daemon
 * const { config, issues } = await loadConfig(root, { user });
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CvuError } from '../core/errors.js';
import { cvuHome } from '../core/home.js';
import { readLiteralConfig, type ConfigIssue, type KeyPositions } from './literal-reader.js';
import { defaultConfig, mergeConfig, validateConfig, type CvuConfig, type UserConfig } from './schema.js';

export type { ConfigIssue };

export const WORKSPACE_CONFIG_FILES = ['cvu.config.ts', 'cvu.config.mts', 'cvu.config.js', 'cvu.config.mjs', 'cvu.config.json'];
export const USER_CONFIG_FILES = ['config.ts', 'config.mts', 'config.js', 'config.mjs', 'config.json'];
/** A workspace config larger than this is not read: real ones are a few hundred bytes, and a 50 MB literal must cost nothing. */
export const MAX_WORKSPACE_CONFIG_BYTES = 64 * 1024;

/** One config file's contribution: its valid values and what was wrong with the rest. */
export interface ConfigLayer {
  file: string | null;
  values: UserConfig;
  issues: ConfigIssue[];
}

export interface LoadedConfig {
  config: CvuConfig;
  /** The workspace's config file, when it has one. */
  file: string | null;
  /** The user's config file, when there is one. */
  userFile: string | null;
  /** Problems in either file. */
  issues: ConfigIssue[];
}

/** The module a user's config imports `defineConfig` from, whether it writes 'cvu' or 'cvu/config'. */
const selfModule = fileURLToPath(new URL('./index.js', import.meta.url));

/** The first config file of `names` present in `dir` (not following anything: lstat). */
function findIn(dir: string, names: string[]): string | null {
  for (const name of names) {
    const p = path.join(dir, name);
    try {
      fs.lstatSync(p);
      return p;
    } catch {
      // not there
    }
  }
  return null;
}

/** The workspace's config file, if any (it may still be refused when read: a link out of the root, a folder). */
export function findConfigFile(root: string): string | null {
  return findIn(root, WORKSPACE_CONFIG_FILES);
}

/**
 * The user's own config, run with jiti: it is the user's code, like a shell
 * profile. Relative model paths in it are relative to its folder.
 */
export async function loadUserConfig(home: string = cvuHome()): Promise<ConfigLayer> {
  const file = findIn(home, USER_CONFIG_FILES);
  if (!file) return { file: null, values: {}, issues: [] };
  let raw: unknown;
  try {
    if (file.endsWith('.json')) {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } else {
      const alias = fs.existsSync(selfModule) ? selfModule : selfModule.replace(/\.js$/, '.ts');
      // Loaded only for a user config in TypeScript or JavaScript: jiti costs ~30 ms to import.
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, alias: { 'cvu/config': alias, cvu: alias } });
      raw = await jiti.import(file, { default: true });
    }
  } catch (err) {
    return { file, values: {}, issues: [{ file, line: 0, column: 0, key: '', message: `could not be loaded: ${(err as Error).message}` }] };
  }
  const { config, problems } = validateConfig(raw, 'user');
  const dir = path.dirname(file);
  if (typeof config.model?.path === 'string' && isRelativeFile(config.model.path)) config.model.path = path.resolve(dir, config.model.path);
  if (typeof config.embedding?.model === 'string' && config.embedding.model.startsWith('.')) config.embedding.model = path.resolve(dir, config.embedding.model);
  return { file, values: config, issues: problems.map((p) => ({ file, line: 0, column: 0, key: p.key, message: p.message })) };
}

/**
 * The workspace's config, read as data: never imported, never followed out
 * of the root, never read past MAX_WORKSPACE_CONFIG_BYTES, and limited to
 * what a repository may decide (protocol/config.ts marks the rest).
 */
export async function readWorkspaceConfig(root: string): Promise<ConfigLayer> {
  const file = findConfigFile(root);
  if (!file) return { file: null, values: {}, issues: [] };
  const whole = (message: string): ConfigLayer => ({ file, values: {}, issues: [{ file, line: 0, column: 0, key: '', message }] });
  let text: string;
  try {
    text = readInsideRoot(root, file);
  } catch (err) {
    return whole((err as Error).message);
  }
  const read = await readLiteralConfig(text, file, { json: file.endsWith('.json') });
  const { config, problems } = validateConfig(read.value ?? {}, 'workspace');
  const issues = [...read.issues, ...problems.map((p) => ({ file, ...positionOf(read.positions, p.key), key: p.key, message: p.message }))];
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return { file, values: config, issues };
}

/** A regular file inside the root, at most MAX_WORKSPACE_CONFIG_BYTES, valid UTF-8; its text. Throws a message for a person. */
function readInsideRoot(root: string, file: string): string {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (err) {
    throw new Error(`could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const rel = path.relative(fs.realpathSync(root), real);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw new Error(`is a link to ${real}, outside the workspace; not read`);
  // O_NONBLOCK: a FIFO named cvu.config.ts must not block the daemon on open.
  const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('is not a regular file; not read');
    if (st.size > MAX_WORKSPACE_CONFIG_BYTES) throw new Error(`is ${st.size} bytes, over the ${MAX_WORKSPACE_CONFIG_BYTES}-byte limit for a workspace config; not read`);
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, n));
    } catch {
      throw new Error('is not valid UTF-8; not read');
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Where a dotted key (or its nearest written parent) appears in the file. */
function positionOf(positions: KeyPositions, key: string): { line: number; column: number } {
  for (let k = key; k; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
    const p = positions.get(k);
    if (p) return p;
  }
  return { line: 0, column: 0 };
}

/** A model path that names a file relative to some folder (not a URI, not a catalogue name). */
function isRelativeFile(p: string): boolean {
  return !path.isAbsolute(p) && !/^(hf:|https?:\/\/)/i.test(p) && (/\.gguf$/i.test(p) || p.startsWith('./') || p.startsWith('../'));
}

/** The environment's overrides, applied last. */
export function applyEnvironment(config: CvuConfig, env: NodeJS.ProcessEnv): CvuConfig {
  if (env.CVU_EMBEDDING_MODEL !== undefined) {
    const m = env.CVU_EMBEDDING_MODEL.trim();
    config.embedding.model = m === '' || m === 'none' ? null : m;
  }
  if (env.CVU_MODEL !== undefined) {
    const m = env.CVU_MODEL.trim();
    config.model.path = m === '' || m === 'none' ? null : isRelativeFile(m) ? path.resolve(m) : m;
  }
  applyBackendEnvironment(config, env);
  return config;
}

const BACKEND_TYPES = ['in-process', 'llama-server', 'openai'] as const;

/**
 * CVU_MODEL_URL, CVU_MODEL_BACKEND, CVU_MODEL_API_KEY over `model.backend`. A URL
 * alone means llama-server; CVU_MODEL_BACKEND=in-process turns a configured server off.
 */
function applyBackendEnvironment(config: CvuConfig, env: NodeJS.ProcessEnv): void {
  const backend = config.model.backend;
  const url = env.CVU_MODEL_URL?.trim();
  if (url !== undefined) backend.url = url === '' ? null : url;
  const type = env.CVU_MODEL_BACKEND?.trim();
  if (type) {
    if (!(BACKEND_TYPES as readonly string[]).includes(type)) {
      throw new CvuError('CVU_ERR_CONFIG_INVALID', `CVU_MODEL_BACKEND: expected one of ${BACKEND_TYPES.join(', ')}, got ${JSON.stringify(type.slice(0, 100))}`);
    }
    backend.type = type as (typeof BACKEND_TYPES)[number];
  } else if (url && backend.type === 'in-process') backend.type = 'llama-server';
  if (env.CVU_MODEL_API_KEY !== undefined) backend.apiKey = env.CVU_MODEL_API_KEY.trim() || null;
}

/**
 * A workspace's config: defaults, then the user's config (`user`, or loaded
 * from `home`), then the workspace's own file, then the environment.
 */
export async function loadConfig(root: string, opts: { home?: string; env?: NodeJS.ProcessEnv; user?: ConfigLayer } = {}): Promise<LoadedConfig> {
  const user = opts.user ?? (await loadUserConfig(opts.home ?? cvuHome()));
  const workspace = await readWorkspaceConfig(root);
  const config = applyEnvironment(mergeConfig(mergeConfig(defaultConfig(), user.values), workspace.values), opts.env ?? process.env);
  return { config, file: workspace.file, userFile: user.file, issues: [...user.issues, ...workspace.issues] };
}

/** One line per issue (protocol/api.ts, shared with the clients). */
export { formatConfigIssue as formatIssue } from '../protocol/api.js';
