/** C and C++ (C parses with the C++ grammar). */
import { kw, lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { cppDeclarations } from './declarations.js';
import { cppImports } from './imports.js';
import { resolveInclude } from './resolve.js';

const cKeywords = kw(`alignas alignof and asm auto bool break case catch char class const constexpr const_cast continue decltype default
  delete do double dynamic_cast else enum explicit export extern false float for friend goto if inline int long mutable namespace new noexcept
  not nullptr operator or private protected public register reinterpret_cast return short signed sizeof static static_assert static_cast
  struct switch template this throw true try typedef typeid typename union unsigned using virtual void volatile while override final include
  define ifdef ifndef endif pragma elif undef std size_t NULL`);

export const cpp: LanguageSupport = {
  declarations: cppDeclarations,
  imports: cppImports,
  resolveImport: resolveInclude,
  lexicon: { lexer: lexers.cLike, keywords: cKeywords },
};
