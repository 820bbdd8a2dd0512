/**
 * Refs: the identifiers a chunk uses, read from the text by a lexer that
 * skips comments and strings, keywords left out. Each language names its
 * lexer and keywords (its `Lexicon`, in lang/); the lexers several languages
 * share are here.
 *
 * ```ts
 * const tokens = lexRefs(text, { lexer: lexers.cLike, keywords: kw('if else return') });
 * tokens.between(0, 200, 256);   // the distinct identifiers of the first 200 characters
 * ```
 */

/** How one language's identifiers are read. */
export interface Lexicon {
  /** Matches comments, strings and identifiers; group 1 is an identifier. Default: every word is one. */
  lexer?: RegExp;
  /** Words that are never refs. Default: the literals of data formats (`true`, `null`, `yes`…). */
  keywords?: ReadonlySet<string>;
  /** With the prose lexer: the words a code span's identifiers are not. */
  codeKeywords?: ReadonlySet<string>;
}

/** A set of words written one string, whitespace-separated. */
export const kw = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const dataKeywords = kw('true false null yes no on off none');

/** Lexers more than one language reads with. */
export const lexers = {
  /** `//` and block comments; '…', "…" and `…` strings. */
  cLike: /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\[\s\S])*`?|([A-Za-z_$][\w$]*)/g,
  /** `#` comments; multi-line '…' and "…" strings. */
  hashComments: /#[^\n]*|"(?:[^"\\]|\\[\s\S])*"?|'(?:[^'\\]|\\[\s\S])*'?|([A-Za-z_]\w*)/g,
  /** Shell: `#` comments after whitespace or `;`, '…' strings. */
  shell: /(?:^|(?<=[\s;]))#[^\n]*|'[^']*'?|([A-Za-z_]\w*)/g,
  /** Style sheets: `.class`, `#id` and `--custom` names; hex colours are not names. */
  css: /\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|[.#](-?[A-Za-z_][\w-]*)|(--[\w-]+)|[A-Za-z_][\w-]*/g,
  /** Prose: only words that look like code, and every identifier inside code spans and fenced blocks. */
  prose: /```[\s\S]*?(?:```|$)|`[^`\n]+`|([A-Za-z_$][\w$]*)/g,
} as const;

const wordLexer = /([A-Za-z_$][\w$]*)/g;

/** Identifiers of a file with their offsets, searched by range per chunk. */
export class Tokens {
  constructor(private readonly names: string[], private readonly pos: number[]) {}

  between(a: number, b: number, max: number): string[] {
    let lo = 0;
    let hi = this.pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pos[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    const seen = new Set<string>();
    for (let i = lo; i < this.pos.length && this.pos[i] < b && seen.size < max; i++) seen.add(this.names[i]);
    return [...seen];
  }
}

const looksLikeCode = (w: string) => /_|[a-z][A-Z]|[A-Za-z]\d|^[A-Z]{2,}[a-z]/.test(w) || /^\$/.test(w);

/** The identifiers of a text, read with a language's lexicon. */
export function lexRefs(text: string, lexicon: Lexicon = {}): Tokens {
  const names: string[] = [];
  const pos: number[] = [];
  const stop = lexicon.keywords ?? dataKeywords;
  const re = new RegExp((lexicon.lexer ?? wordLexer).source, 'g');
  const prose = re.source === lexers.prose.source;
  const css = re.source === lexers.css.source;
  const codeStop = lexicon.codeKeywords;
  const push = (w: string, at: number) => {
    if (w.length < 2 || stop.has(w)) return;
    names.push(w);
    pos.push(at);
  };
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (css) {
      const w = m[1] ?? m[2];
      if (w && !(m[0][0] === '#' && /^[0-9a-fA-F]{3,8}$/.test(w))) push(w, m.index);
      continue;
    }
    if (m[1] !== undefined) {
      if (prose && !looksLikeCode(m[1])) continue;
      push(m[1], m.index);
    } else if (prose) {
      // code spans and fenced blocks: every identifier counts
      const inner = m[0];
      const w = /[A-Za-z_$][\w$]*/g;
      let x: RegExpExecArray | null;
      const skipFirst = inner.startsWith('```') ? inner.indexOf('\n') : 0;
      w.lastIndex = Math.max(0, skipFirst);
      while ((x = w.exec(inner)) !== null) if (!codeStop?.has(x[0])) push(x[0], m.index + x.index);
    }
  }
  return new Tokens(names, pos);
}
