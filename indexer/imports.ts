/**
 * Imports: what a file imports (read from its syntax tree), and which
 * workspace files an import refers to. Each language's own rules are its
 * `imports` and `resolveImport` (in lang/); this is the entry point that
 * finds them and keeps any failure from reaching the caller.
 *
 * ```ts
 * resolveImport({ specifier: './config.js', names: ['load'], line: 3 }, 'src/app.ts', 'typescript', { files });
 * // → ['src/config.ts']
 * ```
 *
 * Resolution only looks at the workspace's own file list: anything outside
 * it (node_modules, the standard library, system headers) resolves to [].
 */
import type { Node } from 'web-tree-sitter';
import { IDENTIFIER, type ImportContext, type ImportRef, type ImportSink } from './import-ref.js';
import { parserFor, type LanguageId } from './languages.js';
import { languageSupport } from './lang/registry.js';
import { LineIndex } from './line-index.js';

export type { ImportContext, ImportRef } from './import-ref.js';

// ---------------------------------------------------------------------------
// Extraction

/** Longer unsaved texts are not parsed for their imports on a request (their indexed imports stand). */
const MAX_TEXT_PARSE_CHARS = 200_000;

/**
 * The imports of a text that is not indexed — an editor buffer with unsaved edits — read as the
 * indexer reads a file's; null when it cannot be parsed here (no grammar, too long).
 */
export async function importsOfText(text: string, lang: LanguageId): Promise<ImportRef[] | null> {
  if (text.length > MAX_TEXT_PARSE_CHARS) return null;
  const parser = await parserFor(lang);
  const tree = parser?.parse(text);
  if (!tree) return null;
  try {
    return extractImports(tree.rootNode, lang, new LineIndex(text));
  } finally {
    tree.delete();
  }
}

/** Raw imports of a parsed file, in source order. */
export function extractImports(root: Node, lang: LanguageId, lines: LineIndex): ImportRef[] {
  const src = lines.text;
  const out: ImportRef[] = [];
  const seen = new Set<string>();
  const add: ImportSink = (specifier, names, row, kind, binding) => {
    specifier = specifier.trim();
    if (!specifier || specifier.length > 500) return;
    const key = `${row}\u0000${specifier}`; // `import x = require('y')` is one import, not two
    if (seen.has(key)) return;
    seen.add(key);
    out.push(binding && IDENTIFIER.test(binding) ? { specifier, names, binding, line: row + 1, kind } : { specifier, names, line: row + 1, kind });
  };
  const text = (n: Node | null) => (n ? src.slice(n.startIndex, n.endIndex) : '');
  const row = (n: Node) => n.startPosition.row;
  const extract = languageSupport(lang).imports;
  try {
    extract?.({ root, lines, text, row, add });
  } catch {
    // a tree shape the extractor does not expect: keep what was found
  }
  return out;
}

// ---------------------------------------------------------------------------
// Resolution

/** Workspace files one import refers to; [] when it points outside the workspace or cannot be found. */
export function resolveImport(ref: ImportRef, fromPath: string, language: LanguageId, ctx: ImportContext): string[] {
  try {
    const specifier = ref.specifier.trim();
    if (!specifier) return [];
    const from = fromPath.replace(/\\/g, '/').replace(/^\.\//, '');
    const resolve = languageSupport(language).resolveImport;
    return resolve ? resolve({ ref, specifier, from, ctx }) : [];
  } catch {
    return [];
  }
}

/**
 * Whether an import of `fromPath` makes `name` a member of that module (a re-export: TS's
 * `export { name } from`, Python's `from .core import name` in a package's `__init__`, Rust's
 * `pub use`); false for languages without the rule.
 */
export function reexports(ref: ImportRef, name: string, fromPath: string, language: LanguageId): boolean {
  const rule = languageSupport(language).reexports;
  if (!rule) return false;
  try {
    return rule(ref, name, fromPath.replace(/\\/g, '/').replace(/^\.\//, ''));
  } catch {
    return false;
  }
}
