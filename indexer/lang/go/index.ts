/** Go. */
import { kw, lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { goMemberUses } from './members.js';
import { goReceivers } from './receivers.js';
import { goScope } from './scope.js';
import { goDeclarations } from './declarations.js';
import { goImports } from './imports.js';
import { resolveGoImport } from './resolve.js';

const goKeywords = kw(`break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select
  struct switch type var nil true false iota string int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr float32 float64 byte
  rune bool error any make new len cap append panic recover complex64 complex128`);

export const go: LanguageSupport = {
  declarations: goDeclarations,
  imports: goImports,
  memberUses: goMemberUses,
  resolveImport: resolveGoImport,
  lexicon: { lexer: lexers.cLike, keywords: goKeywords },
  scope: goScope,
  receivers: goReceivers,
};
