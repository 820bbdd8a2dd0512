/**
 * The tree-sitter runtime, started once per process. `Parser.init()` replaces
 * the WebAssembly module it loads, so a second call would orphan every
 * grammar and parser made before it: the indexer and the config reader both
 * start it through here.
 *
 * ```ts
 * const ts = await loadBundledGrammar('tree-sitter-typescript.wasm');
 * ```
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

let init: Promise<void> | null = null;
const require = createRequire(import.meta.url);

export function initTreeSitter(): Promise<void> {
  init ??= Parser.init();
  return init;
}

/** Loads a grammar file (after starting the runtime). */
export async function loadGrammarFile(wasmPath: string): Promise<Language> {
  await initTreeSitter();
  return Language.load(wasmPath);
}

/** The path of a grammar that `@vscode/tree-sitter-wasm` ships, or null when it is not installed. */
export function bundledGrammarPath(file: string): string | null {
  try {
    return require.resolve(`@vscode/tree-sitter-wasm/wasm/${file}`);
  } catch {
    return null;
  }
}
