/**
 * The code-aware text that the full-text index sees: every identifier is kept
 * whole and also split into its words (camelCase, PascalCase, snake_case,
 * kebab-case, digits), so `parseConfig` matches "parse config", "parseconfig"
 * and "config". Queries go through the same function, so both sides agree.
 */

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/** Words of one identifier: `HTTPServerError2` → http, server, error, 2. */
export function splitIdentifier(ident: string): string[] {
  const parts = ident
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.toLowerCase());
  return parts;
}

/** Identifier tokens of a text, whole (lowercased) and split, in order. */
export function codeTokens(text: string, maxTokens = Infinity): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IDENT)) {
    const ident = m[0];
    const whole = ident.replace(/^[_$]+|[_$]+$/g, '').toLowerCase();
    if (!whole) continue;
    const parts = splitIdentifier(ident);
    out.push(whole.replace(/\$/g, ''));
    if (parts.length > 1) out.push(...parts);
    if (out.length >= maxTokens) break;
  }
  return out;
}

/**
 * The text stored in the FTS column. The index tokenizer splits on
 * punctuation, so whole identifiers are glued (`parse_config` → `parseconfig`)
 * and their parts are written beside them.
 */
export function codeSearchText(text: string, maxTokens = 4000): string {
  return codeTokens(text, maxTokens)
    .map((t) => t.replace(/_/g, ''))
    .join(' ');
}

/** A query for the FTS column: the same tokens, deduplicated. */
export function codeSearchQuery(query: string): string {
  return [...new Set(codeTokens(query).map((t) => t.replace(/_/g, '')))].join(' ');
}
