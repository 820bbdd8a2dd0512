import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { CvuError } from '../core/errors.js';
import { ConfigError, resolveConfig, type CvuConfig } from './schema.js';

export const CONFIG_FILES = ['cvu.config.ts', 'cvu.config.mts', 'cvu.config.js', 'cvu.config.mjs', 'cvu.config.json'];

/** The module a config file imports `defineConfig` from, whether it writes 'cvu' or 'cvu/config'. */
const selfModule = fileURLToPath(new URL('./index.js', import.meta.url));

export function findConfigFile(root: string): string | null {
  for (const name of CONFIG_FILES) {
    const p = path.join(root, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/**
 * Loads `cvu.config.ts` (or .js/.json) from a workspace root, validates it and
 * merges it over the defaults. No file: the defaults. Environment overrides
 * (CVU_EMBEDDING_MODEL, CVU_MODEL) are applied last.
 */
export async function loadConfig(root: string, env: NodeJS.ProcessEnv = process.env): Promise<{ config: CvuConfig; file: string | null }> {
  const file = findConfigFile(root);
  let user: unknown = {};
  if (file) {
    try {
      if (file.endsWith('.json')) {
        user = JSON.parse(fs.readFileSync(file, 'utf8'));
      } else {
        const selfTs = selfModule.replace(/\.js$/, '.ts');
        const alias = fs.existsSync(selfModule) ? selfModule : selfTs;
        const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, alias: { 'cvu/config': alias, cvu: alias } });
        user = await jiti.import(file, { default: true });
      }
    } catch (err) {
      throw new CvuError('CVU_ERR_CONFIG_LOAD', `${file}: ${(err as Error).message}`, { status: 400, cause: err });
    }
  }
  let config: CvuConfig;
  try {
    config = resolveConfig(user);
  } catch (err) {
    if (err instanceof ConfigError) throw new CvuError('CVU_ERR_CONFIG_INVALID', `${file ?? 'config'}: ${err.message}`, { status: 400 });
    throw err;
  }
  if (env.CVU_EMBEDDING_MODEL !== undefined) {
    const m = env.CVU_EMBEDDING_MODEL.trim();
    config.embedding.model = m === '' || m === 'none' ? null : m;
  }
  if (env.CVU_MODEL !== undefined) {
    const m = env.CVU_MODEL.trim();
    config.model.path = m === '' || m === 'none' ? null : m;
  }
  return { config, file };
}
