/** Shell scripts (bash, zsh, sh). */
import { kw, lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { bashDeclarations } from './declarations.js';
import { bashImports } from './imports.js';
import { resolveSourcedFile } from './resolve.js';

const bashKeywords = kw(`if then else elif fi case esac for while until do done in function select time return local export declare readonly unset
  shift echo exit set source true false`);

export const bash: LanguageSupport = {
  declarations: bashDeclarations,
  imports: bashImports,
  resolveImport: resolveSourcedFile,
  lexicon: { lexer: lexers.shell, keywords: bashKeywords },
};
