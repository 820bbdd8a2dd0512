/**
 * The types a name suggests where the buffer writes none: a variable named after a type
 * (`visitor` → Visitor), a file named after the types it works with (`HtmlBlockParser.java`).
 */

/**
 * The type names a file's name is made of: its words' proper prefixes and suffixes, PascalCased
 * (`HtmlBlockParser.java`, `html_block_parser.py` → Html, HtmlBlock, BlockParser, Parser).
 */
export function typesInFileName(path: string): string[] {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\..*$/, '');
  const words = base.match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z][a-z0-9]*/g) ?? [];
  const out = new Set<string>();
  for (let n = 1; n < words.length; n++) {
    out.add(pascalCase(words.slice(0, n)));
    out.add(pascalCase(words.slice(words.length - n)));
  }
  return [...out];
}

const pascalCase = (words: readonly string[]) => words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');

/** `visitor` → `Visitor`, `nodeRenderer` → `NodeRenderer`, `header_table` → `HeaderTable`; null for a name that starts upper-case or is short. */
export function typeNamedLike(name: string): string | null {
  if (name.length < 3 || !/^[a-z][A-Za-z0-9_]*$/.test(name)) return null;
  return pascalCase(name.split('_').filter(Boolean));
}
