/**
 * The code-aware text that the full-text index sees: every identifier is kept
 * whole and also split into its words (camelCase, PascalCase, snake_case,
 * kebab-case, digits), so `parseConfig` matches "parse config", "parseconfig"
 * and "config". Queries go through the same functions, so both sides agree.
 *
 * The fields that say what a definition is (names, signatures, docs: see
 * `stemmedSearchText`) are also lightly stemmed (`parses`, `parsed`, `parsing`
 * and `parse` are one term), and a question in words (`questionQuery`) drops
 * its stop words: "how are the headers parsed" asks for `headers`/`parsed` in
 * the text, `header`/`pars` in the names. The text field itself stays as the
 * cursor's code-to-code search has always matched it.
 */

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/** Words of one identifier: `HTTPServerError2` → http, server, error, 2. */
export function splitIdentifier(ident: string): string[] {
  const words = identifierWords(ident);
  return words ? words.split(' ') : [];
}

/** The same words, lowercased and separated by one space ('' for none). */
function identifierWords(ident: string): string {
  return ident
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * Identifiers repeat a lot within a code base; their splits are memoised (bounded). Every parse
 * worker holds these memos: at 50,000 entries each, the three of them kept 25 MB alive per worker
 * (240,000 strings after a 12,500-file index); at 8,192, 12 MB, with no speed lost beyond noise.
 */
const TEXT_MEMO_MAX = 8_192;

/** A memo of a function of strings that forgets everything once it holds TEXT_MEMO_MAX entries. */
class TextMemo<V> {
  private readonly map = new Map<string, V>();

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): V {
    if (this.map.size >= TEXT_MEMO_MAX) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}

const splits = new TextMemo<string | null>();
const PLAIN = /^[a-z0-9]+$/;

/**
 * The words of an identifier when it has more than one, space-separated, else null. A string, not
 * an array: the elements kind of the arrays `splitIdentifier` built changed once V8 optimised it,
 * and the search texts' loop, compiled for the other kind, was thrown away and compiled again (four
 * times per parse worker: 40% of the optimising compiler's time in a first index).
 */
function wordsOf(ident: string): string | null {
  const known = splits.get(ident);
  if (known !== undefined) return known;
  const words = PLAIN.test(ident) ? '' : identifierWords(ident);
  return splits.set(ident, words.includes(' ') ? words : null);
}

/** Identifier tokens of a text, whole (lowercased) and split, in order. */
export function codeTokens(text: string, maxTokens = Infinity): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IDENT)) {
    const ident = m[0];
    const whole = ident.replace(/^[_$]+|[_$]+$/g, '').toLowerCase();
    if (!whole) continue;
    out.push(whole.replace(/\$/g, ''));
    const words = wordsOf(ident);
    if (words) out.push(...words.split(' '));
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
  return searchText(text, maxTokens, unchanged);
}

/** The same, every token stemmed (stemWord): the text of the names-and-docs fields. */
export function stemmedSearchText(text: string, maxTokens = 4000): string {
  return searchText(text, maxTokens, stemWord);
}

const unchanged = (w: string) => w;

/**
 * What one identifier adds to a search text, per normalisation: its tokens, space-separated ('' for
 * none). The hot path of indexing writes the same identifiers over and over (bounded like the
 * splits). Strings, not objects holding the text and its count: an object literal here is an
 * allocation site whose objects outlive the young generation, and V8 moving it to the old one threw
 * away the search texts' compiled loop (three times per parse worker).
 */
const identTokens = new Map<(word: string) => string, TextMemo<string>>();

function tokensOf(ident: string, memo: TextMemo<string>, norm: (word: string) => string): string {
  const known = memo.get(ident);
  if (known !== undefined) return known;
  const whole = UNDERSCORE_DOLLAR.test(ident) ? ident.replace(STRIP, '').toLowerCase() : ident.toLowerCase();
  if (!whole) return memo.set(ident, '');
  const words = wordsOf(ident);
  let text = norm(whole);
  if (words) for (const word of words.split(' ')) text += ' ' + norm(word);
  return memo.set(ident, text);
}

/** How many tokens a non-empty `tokensOf` text holds. */
function tokenCount(tokens: string): number {
  let n = 1;
  for (let at = tokens.indexOf(' '); at >= 0; at = tokens.indexOf(' ', at + 1)) n++;
  return n;
}

/**
 * The identifiers of `text` (IDENT's), each as its tokens, in order. Hot path of indexing: one scan
 * of the characters, no match objects; an identifier of lower-case letters and digits (most of them:
 * keywords, short names) is its own single token, with no memo to look it up in.
 */
function searchText(text: string, maxTokens: number, norm: (word: string) => string): string {
  let memo = identTokens.get(norm);
  if (!memo) identTokens.set(norm, (memo = new TextMemo()));
  let out = '';
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len && n < maxTokens; ) {
    let c = text.charCodeAt(i);
    if (!isIdentStart(c)) {
      i++;
      continue;
    }
    const start = i;
    let plain = isLowerOrDigit(c);
    for (i++; i < len && isIdentPart((c = text.charCodeAt(i))); i++) if (plain && !isLowerOrDigit(c)) plain = false;
    const ident = text.slice(start, i);
    if (plain) {
      const token = norm(ident);
      out += out ? ' ' + token : token;
      n++;
      continue;
    }
    const tokens = tokensOf(ident, memo, norm);
    if (!tokens) continue;
    out += out ? ' ' + tokens : tokens;
    n += tokenCount(tokens);
  }
  return out;
}

// IDENT's character classes, by code: A–Z a–z _ $ start an identifier, digits continue one.
const isLowerOrDigit = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
const isIdentStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

const UNDERSCORE_DOLLAR = /[_$]/;
const STRIP = /[_$]/g;

/**
 * A query for the FTS column: the same tokens, deduplicated; past `maxTerms`, the longest ones (the
 * most specific: a search costs time for every term, and `i`, `x`, `get` say little).
 */
export function codeSearchQuery(query: string, maxTerms = Infinity): string {
  return longestTerms(queryTerms(query), maxTerms).join(' ');
}

/** A question's terms: `words` for the text field, the same stemmed in `stems` for the names-and-docs fields. */
export interface QuestionTerms {
  words: string;
  stems: string;
}

/**
 * A query for a question in words ("where are retries scheduled?"): the same tokens without the
 * stop words, which in prose say nothing about the code (and in code are keywords, in every
 * chunk). A query made of stop words only keeps them: "this" may be what the user looks for.
 */
export function questionQuery(query: string, maxTerms = Infinity): QuestionTerms {
  const terms = queryTerms(query);
  const content = terms.filter((t) => !STOP_WORDS.has(t));
  const words = longestTerms(content.length ? content : terms, maxTerms);
  return { words: words.join(' '), stems: [...new Set(words.map(stemWord))].join(' ') };
}

/** A query's tokens as codeSearchText writes them (glued), each once. */
function queryTerms(query: string): string[] {
  return [...new Set(codeTokens(query).map((t) => t.replace(/_/g, '')))];
}

function longestTerms(terms: string[], maxTerms: number): string[] {
  if (terms.length <= maxTerms) return terms;
  const keep = new Set([...terms].sort((a, b) => b.length - a.length).slice(0, maxTerms));
  return terms.filter((t) => keep.has(t));
}

/** Stems are memoised like splits: a code base repeats its words. */
const stems = new TextMemo<string>();
const VOWEL = /[aeiouy]/;

/**
 * Light English stemming of one lowercased token, the same for the index and the query: plural and
 * third-person `-s`/`-es`/`-ies`, `-ed`, `-ing` (with the doubled consonant undone), a final `-e`,
 * and `-y` after a consonant as `-i`. So `parse`, `parses`, `parsed` and `parsing` all give `pars`;
 * `entry`/`entries` give `entri`; `add`/`added`/`adding` give `add`. Tokens with digits, and
 * words of three letters or fewer, are left alone; glued identifiers (`getvalues`) are stemmed at
 * their end like any word, on both sides alike.
 */
export function stemWord(word: string): string {
  if (word.length <= 3 || !PLAIN_WORD.test(word)) return word;
  const known = stems.get(word);
  if (known !== undefined) return known;
  let w = word;
  if (w.endsWith('ies')) w = w.slice(0, -3) + 'i';
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  const suffix = /(?<!e)ed$/.test(w) ? 2 : w.endsWith('ing') ? 3 : 0;
  // Only where a vowel stands before the stem's last letter: not `string`, `thing`, `shed`.
  if (suffix && VOWEL.test(w.slice(0, -suffix - 1))) {
    w = w.slice(0, -suffix);
    if (w.length >= 4 && /([b-df-hj-np-rtv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1); // mapped → map
    else if (w.length === 2) w += 'e'; // used → use, as use is left alone
  }
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && /[^aeiou]y$/.test(w)) w = w.slice(0, -1) + 'i';
  return stems.set(word, w);
}

const PLAIN_WORD = /^[a-z]+$/;

/**
 * English function words and question words. Words that name things in code (`get`, `set`,
 * `new`, `all`, `is`…) are not here: a name made of them is still found by them.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the of to in on at by for with from into onto about as and or but nor so than then if else when where while ' +
    'which who whom whose what why how that this these those it its itself they them their there here are was were be ' +
    'been being am do does did done doing has have had having can could will would shall should may might must ' +
    'i me my we our you your he him his she her via per upon whether within without also just very too'
  ).split(' '),
);
