/**
 * How deep a text nests its brackets, counted without parsing it. tree-sitter's WebAssembly runs out
 * of memory on a text nested thousands deep (13,000 unclosed generics, `Map<String,` on each line:
 * `Aborted()`, after which that runtime may refuse every later parse), and a progress callback does
 * not stop it in time; code people write nests tens deep.
 */

/**
 * Brackets open at once past which a text is not handed to tree-sitter. The deepest of 6,047 source
 * files of the benchmark's code bases reaches 907 (a C++ file of comparisons: an unclosed `<` counts).
 */
export const MAX_PARSE_NESTING = 2_000;

/** Whether more than `max` of `( [ { <` are open at once somewhere in `text` (one pass; strings and comments count too). */
export function nestedPast(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123 || c === 60) {
      if (++depth > max) return true;
    } else if ((c === 41 || c === 93 || c === 125 || c === 62) && depth > 0) depth--;
  }
  return false;
}
