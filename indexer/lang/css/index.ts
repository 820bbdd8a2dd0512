/** CSS; and SCSS and Less, which have no grammar here but read and resolve the same way. */
import { lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { cssDeclarations } from './declarations.js';
import { cssImports } from './imports.js';
import { resolveCssImport } from './resolve.js';

export const css: LanguageSupport = {
  declarations: cssDeclarations,
  imports: cssImports,
  resolveImport: resolveCssImport,
  lexicon: { lexer: lexers.css },
};

/** SCSS and Less. */
export const cssDialect: LanguageSupport = {
  resolveImport: resolveCssImport,
  lexicon: { lexer: lexers.css },
};
