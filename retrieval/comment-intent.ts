/**
 * A comment right above the cursor says what the line below it is about to do (`// always
 * overwrite the in-memory cache with the persistence cache`, `# drop the images if the model does
 * not support vision`): a definition within reach whose name is made of the comment's words
 * (`overwriteCache`, `modelSupportsVision`) is most likely what that line calls — before any of it
 * is written. Comment first, then code is how people (and agents) write; the rest of retrieval reads
 * only the identifiers of comments.
 */
import type { IndexStore } from '../store/index-store.js';
import type { SymbolRow } from '../store/rows.js';

/** How many comment lines directly above the cursor are read. */
const COMMENT_LINES = 4;

/** A line that is only a comment: `//`, `#` (not `#include`, `#[attr]`, `#!`), a block comment's lines, `--`; its text after the marker. */
const COMMENT_LINE = /^\s*(?:\/\/+!?|#(?![!\[]|include\b|define\b|if|endif\b|else\b|pragma\b|import\b)|\/\*+|\*+(?!\/)|--)(.*)$/;
/** A comment line longer than this is read up to it (the words that name a call come first; a minified line must not cost). */
const COMMENT_CHARS = 400;

/**
 * The stems of the words of the comment lines directly above the cursor (no blank line between),
 * or null when the line above is no comment.
 */
export function commentAboveWords(lines: readonly string[], cursor: number): Set<string> | null {
  const text: string[] = [];
  for (let row = cursor - 1; row >= 0 && row >= cursor - COMMENT_LINES; row--) {
    const line = (lines[row] ?? '').slice(0, COMMENT_CHARS);
    const m = COMMENT_LINE.exec(line);
    if (!m || line.trimStart().startsWith('*/')) break;
    text.push(m[1]);
  }
  if (!text.length) return null;
  const words = new Set<string>();
  for (const w of text.join(' ').match(/[A-Za-z][A-Za-z0-9]*/g) ?? []) {
    for (const part of identifierWords(w)) words.add(stem(part));
  }
  return words.size ? words : null;
}

/**
 * How many words of `name` the comment has, when it has every one of them and there are at least
 * two (`overwriteCache`); else 0. One word (`cache`, `connect`) is too common a name to go by.
 */
export function wordsNamedIn(name: string, words: ReadonlySet<string>): number {
  return wordsMaking(nameStems(name), words);
}

/** How many of `words` the stems make up, when all of them are among those words; else 0. */
function wordsMaking(stems: readonly string[] | null, words: ReadonlySet<string>): number {
  return stems && stems.every((p) => words.has(p)) ? stems.length : 0;
}

/** The stems of a name's words of three letters or more, when there are two or more; else null. */
function nameStems(name: string): string[] | null {
  const parts = identifierWords(name).filter((p) => p.length > 2);
  return parts.length < 2 ? null : parts.map(stem);
}

/**
 * Per index version, each file's definitions (not locals) whose names have two words or more, with
 * their stems: a request under a comment looks through a few hundred files, and splitting every
 * name of them again took 1–2 ms of it.
 */
const stemsByStore = new WeakMap<IndexStore, { version: number; byPath: Map<string, { def: SymbolRow; stems: string[] }[]> }>();

/** The definitions of `path` whose names the comment's words make up, each with how many words that is. */
export function definitionsNamedIn(store: IndexStore, path: string, words: ReadonlySet<string>): { def: SymbolRow; n: number }[] {
  let cache = stemsByStore.get(store);
  if (!cache || cache.version !== store.version) stemsByStore.set(store, (cache = { version: store.version, byPath: new Map() }));
  let named = cache.byPath.get(path);
  if (!named) {
    named = [];
    for (const def of store.symbols.inFile(path)) {
      const stems = def.kind === 'local' ? null : nameStems(def.name);
      if (stems) named.push({ def, stems });
    }
    cache.byPath.set(path, named);
  }
  const out: { def: SymbolRow; n: number }[] = [];
  for (const { def, stems } of named) {
    const n = wordsMaking(stems, words);
    if (n) out.push({ def, n });
  }
  return out;
}

/** `modelSupportsVision` → model, supports, vision; `add_expert_count` → add, expert, count. */
function identifierWords(name: string): string[] {
  return name
    .split(/[_$\d]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)
    .map((w) => w.toLowerCase())
    .filter(Boolean);
}

/** A crude English stem, enough to meet `supports` with `support`, `overwriting` with `overwrite`. */
function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ied')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('es') && /(?:ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  // `overwrite` / `overwrit(ing)`, `cache` / `cach(ed)`: a final e says nothing
  return w.endsWith('e') && w.length > 3 ? w.slice(0, -1) : w;
}
