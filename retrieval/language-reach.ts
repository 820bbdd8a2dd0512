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

/** File names that stand for their folder's module: Rust's `mod.rs`, Python's `__init__.py`, JavaScript's `index.js`. */
const FOLDER_MODULE_FILE = /^(?:mod|__init__|index|lib)$/;

/**
 * Whether a file belongs to the module a path names by `module`: `blocking` in
 * `reqwest::blocking::get` is `src/blocking.rs` or anything under `src/blocking/`; `types` in
 * `click.types.Choice` is `types.py`; a Go package is its folder. Read from the path alone, so a
 * module named after a common folder (`src`, `util`) may claim more than it means: callers use it to
 * choose among definitions already found, never to find them.
 */
export function inModuleNamed(path: string, module: string): boolean {
  const parts = path.split('/');
  const file = parts.pop()!.replace(/\.[^.]*$/, '');
  return parts.includes(module) || (file === module && !FOLDER_MODULE_FILE.test(file));
}
