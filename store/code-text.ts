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

/** Identifiers repeat a lot within a code base; their splits are memoised (bounded). */
const splitCache = new Map<string, string[] | null>();
const SPLIT_CACHE_MAX = 50_000;
const PLAIN = /^[a-z0-9]+$/;

/** The words of an identifier when it has more than one, else null. */
function wordsOf(ident: string): string[] | null {
  let parts = splitCache.get(ident);
  if (parts !== undefined) return parts;
  parts = PLAIN.test(ident) ? null : splitIdentifier(ident);
  if (parts && parts.length < 2) parts = null;
  if (splitCache.size >= SPLIT_CACHE_MAX) splitCache.clear();
  splitCache.set(ident, parts);
  return parts;
}

/** Identifier tokens of a text, whole (lowercased) and split, in order. */
export function codeTokens(text: string, maxTokens = Infinity): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IDENT)) {
    const ident = m[0];
    const whole = ident.replace(/^[_$]+|[_$]+$/g, '').toLowerCase();
    if (!whole) continue;
    out.push(whole.replace(/\$/g, ''));
    const parts = wordsOf(ident);
    if (parts) out.push(...parts);
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
  // Hot path of indexing: one regex pass, memoised splits, no intermediate arrays per token.
  let out = '';
  let n = 0;
  // A regex of its own: a shared /g regex would carry lastIndex into the next caller after an early stop.
  const ident = new RegExp(IDENT.source, 'g');
  for (let m = ident.exec(text); m !== null && n < maxTokens; m = ident.exec(text)) {
    const ident = m[0];
    const whole = UNDERSCORE_DOLLAR.test(ident) ? ident.replace(STRIP, '').toLowerCase() : ident.toLowerCase();
    if (!whole) continue;
    out += out ? ' ' + whole : whole;
    n++;
    const parts = wordsOf(ident);
    if (parts) {
      out += ' ' + parts.join(' ');
      n += parts.length;
    }
  }
  return out;
}

const UNDERSCORE_DOLLAR = /[_$]/;
const STRIP = /[_$]/g;

/**
 * A query for the FTS column: the same tokens, deduplicated; past `maxTerms`, the longest ones (the
 * most specific: a search costs time for every term, and `i`, `x`, `get` say little).
 */
export function codeSearchQuery(query: string, maxTerms = Infinity): string {
  const terms = [...new Set(codeTokens(query).map((t) => t.replace(/_/g, '')))];
  if (terms.length > maxTerms) {
    const keep = new Set([...terms].sort((a, b) => b.length - a.length).slice(0, maxTerms));
    return terms.filter((t) => keep.has(t)).join(' ');
  }
  return terms.join(' ');
}
