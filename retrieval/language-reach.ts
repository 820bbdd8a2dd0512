/**
 * Which definitions of a name code in a given language can mean. A polyglot repository (a C++
 * engine with a TypeScript UI and Python scripts) defines `enabled`, `map` or `connect` in several
 * languages; a TypeScript buffer's `x.enabled` means a web definition, not a C++ struct's field.
 */
import { languageFamily, languageForPath } from '../indexer/languages.js';
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';

/** What a binding across families reaches: a library's top-level functions and types. */
const BOUND_KINDS = new Set(['function', 'class', 'struct', 'type', 'enum', 'interface']);

/**
 * The definitions named `name` in files of `language`'s family, when there are any; else the
 * top-level functions and types of the others (a binding across families: Python's ctypes over
 * `llama_free` in a C header) — not their members, locals or namespaces (a TypeScript buffer's
 * `console` or `.filter` is its runtime's, not a C++ namespace or field).
 */
export function definitionsFrom(store: IndexStore, name: string, language: string): readonly SymbolRow[] {
  const defs = store.symbols.lookup(name);
  const family = languageFamily(language);
  if (!family || defs.length === 0) return defs;
  const same = defs.filter((d) => familyOf(store, d.path) === family);
  return same.length ? same : defs.filter((d) => !d.container && BOUND_KINDS.has(d.kind));
}

function familyOf(store: IndexStore, path: string): string | null {
  return languageFamily(store.files.get(path)?.language ?? languageForPath(path));
}

/**
 * Whether code like a file's (similar code, found by its words) can teach a buffer in `language`
 * anything: code of its family, or prose and data (a README's example, a schema) — not another
 * language's code that happens to share its words.
 */
export function similarCodeFilter(store: IndexStore, language: string): ((path: string) => boolean) | undefined {
  const family = languageFamily(language);
  if (!family) return undefined;
  return (path) => {
    const other = familyOf(store, path);
    return other === null || other === family;
  };
}
