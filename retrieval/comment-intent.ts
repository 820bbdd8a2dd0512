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
  return wordsMaking(nameWords(name), words);
}

/** A run of a name's words a comment may write as one (`noDelay` as `TCP_NODELAY`, `userName` as `username`): at most this many, */
const COMPOUND_PARTS = 3;
/** and at least this long, joined (`isOk` is no word a comment writes). */
const COMPOUND_CHARS = 6;

/** A name's words, stemmed (null for those of one or two letters, which need not be in the comment), and the runs of them written as one. */
interface NameWords {
  single: (string | null)[];
  runs: { from: number; to: number; stem: string }[];
}

/** The words of a name of two words or more; else null. */
function nameWords(name: string): NameWords | null {
  const parts = identifierWords(name);
  if (parts.length < 2) return null;
  const runs: NameWords['runs'] = [];
  for (let from = 0; from < parts.length; from++) {
    for (let to = from + 2; to <= Math.min(parts.length, from + COMPOUND_PARTS); to++) {
      const joined = parts.slice(from, to).join('');
      if (joined.length >= COMPOUND_CHARS) runs.push({ from, to, stem: stem(joined) });
    }
  }
  return { single: parts.map((p) => (p.length <= 2 ? null : stem(p))), runs };
}

/**
 * How many of a name's words the comment's words make up, when they make up all of its words of
 * three letters or more and those are two or more; a run of words counts when the comment writes
 * it as one word. Else 0.
 */
function wordsMaking(name: NameWords | null, words: ReadonlySet<string>): number {
  if (!name) return 0;
  const n = name.single.length;
  // made[i]: how many words make up the name's first i words (-1: the comment's cannot).
  const made = new Array<number>(n + 1).fill(-1);
  made[0] = 0;
  for (let i = 0; i < n; i++) {
    if (made[i] < 0) continue;
    const single = name.single[i];
    made[i + 1] = Math.max(made[i + 1], single === null ? made[i] : words.has(single) ? made[i] + 1 : -1);
    for (const run of name.runs) if (run.from === i && words.has(run.stem)) made[run.to] = Math.max(made[run.to], made[i] + run.to - run.from);
  }
  return made[n] >= 2 ? made[n] : 0;
}

/**
 * Per index version, each file's definitions (not locals) whose names have two words or more, with
 * their words: a request under a comment looks through a few hundred files, and splitting every
 * name of them again took 1–2 ms of it.
 */
const wordsByStore = new WeakMap<IndexStore, { version: number; byPath: Map<string, { def: SymbolRow; name: NameWords }[]> }>();

/** The definitions of `path` whose names the comment's words make up, each with how many words that is. */
export function definitionsNamedIn(store: IndexStore, path: string, words: ReadonlySet<string>): { def: SymbolRow; n: number }[] {
  let cache = wordsByStore.get(store);
  if (!cache || cache.version !== store.version) wordsByStore.set(store, (cache = { version: store.version, byPath: new Map() }));
  let named = cache.byPath.get(path);
  if (!named) {
    named = [];
    for (const def of store.symbols.inFile(path)) {
      const name = def.kind === 'local' ? null : nameWords(def.name);
      if (name) named.push({ def, name });
    }
    cache.byPath.set(path, named);
  }
  const out: { def: SymbolRow; n: number }[] = [];
  for (const { def, name } of named) {
    const n = wordsMaking(name, words);
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
