import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';

/**
 * `CVU_HOME` holds models, indexes, logs and daemon.json (API.md).
 * Default: the user's cache folder.
 */
export function cvuHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CVU_HOME) return path.resolve(env.CVU_HOME);
  const cache = env.XDG_CACHE_HOME || (process.platform === 'darwin' ? path.join(os.homedir(), 'Library', 'Caches') : path.join(os.homedir(), '.cache'));
  return path.join(cache, 'cvu');
}

/** Stable id of a workspace root: readable name plus a hash of the real path. */
export function workspaceId(realRoot: string): string {
  const base = path.basename(realRoot).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'root';
  const hash = crypto.createHash('sha1').update(realRoot).digest('hex').slice(0, 12);
  return `${base}-${hash}`;
}

export function indexDir(home: string, realRoot: string): string {
  return path.join(home, 'indexes', workspaceId(realRoot));
}

export function embeddingModelsDir(home: string): string {
  return path.join(home, 'models', 'embeddings');
}

/** Physical cores are not visible from Node; on SMT machines availableParallelism counts threads. */
export function defaultThreads(): number {
  const n = os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, n >= 8 ? Math.floor(n / 2) : n);
}
