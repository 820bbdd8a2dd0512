/**
 * Languages with no grammar here and no rules of their own: they are cut
 * into line windows (Markdown at its headings) and only differ in how their
 * identifiers are read.
 */
import { lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { jsKeywords } from '../typescript/index.js';

/** Prose: words that look like code, and the identifiers of code spans (JavaScript's keywords left out). */
export const prose: LanguageSupport = {
  lexicon: { lexer: lexers.prose, codeKeywords: jsKeywords },
};

/** Markdown: prose, cut at its headings. */
export const markdown: LanguageSupport = {
  ...prose,
  fallbackChunks: 'headings',
};

/** `//` and `/* *\/` comments (Swift, Dart, Zig, Protocol Buffers). */
export const slashComments: LanguageSupport = {
  lexicon: { lexer: lexers.cLike },
};

/** `#` comments (GraphQL, Elixir, Perl, R). */
export const hashComments: LanguageSupport = {
  lexicon: { lexer: lexers.hashComments },
};

/** Read as shell (Makefiles, Dockerfiles). */
export const shellLike: LanguageSupport = {
  lexicon: { lexer: lexers.shell },
};

/** Every word is an identifier (data and markup formats, and languages not told apart further). */
export const plain: LanguageSupport = {};
