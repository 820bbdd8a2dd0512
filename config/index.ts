export { defineConfig, defineUserConfig, defaultConfig, resolveConfig, validateConfig, DEFAULT_EMBEDDING_MODEL } from './schema.js';
export type { CvuConfig, UserConfig, WorkspaceConfig } from './schema.js';
export { loadConfig, loadUserConfig, readWorkspaceConfig, findConfigFile, formatIssue } from './load.js';
export type { ConfigIssue, ConfigLayer, LoadedConfig } from './load.js';
