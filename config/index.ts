export { defineConfig, defaultConfig, resolveConfig, DEFAULT_EMBEDDING_MODEL } from './schema.js';
export type { CvuConfig, UserConfig } from './schema.js';
export { loadConfig, findConfigFile } from './load.js';
