/** PHP. */
import { kw } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { phpDeclarations } from './declarations.js';
import { phpImports } from './imports.js';
import { resolvePhpImport } from './resolve.js';

const phpKeywords = kw(`abstract and array as break callable case catch class clone const continue declare default do echo else elseif empty enddeclare
  endfor endforeach endif endswitch endwhile extends final finally fn for foreach function global goto if implements include include_once
  instanceof insteadof interface isset list match namespace new or print private protected public readonly require require_once return
  static switch throw trait try unset use var while xor yield this self parent null true false int string bool float void mixed php`);
const phpLexer = /\/\/[^\n]*|#(?!\[)[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"\\]|\\[\s\S])*"?|'(?:[^'\\]|\\[\s\S])*'?|([A-Za-z_]\w*)/g;

export const php: LanguageSupport = {
  declarations: phpDeclarations,
  imports: phpImports,
  resolveImport: resolvePhpImport,
  lexicon: { lexer: phpLexer, keywords: phpKeywords },
};
