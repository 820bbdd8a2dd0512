/** C#. */
import { kw, lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { csharpReceivers } from './receivers.js';
import { csharpScope } from './scope.js';
import { csharpDeclarations } from './declarations.js';
import { csharpImports } from './imports.js';
import { resolveCsharpImport } from './resolve.js';

const csharpKeywords = kw(`abstract as base bool break byte case catch char checked class const continue decimal default delegate do double else enum event
  explicit extern false finally fixed float for foreach goto if implicit in int interface internal is lock long namespace new null object
  operator out override params private protected public readonly ref return sbyte sealed short sizeof stackalloc static string struct
  switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual void volatile while var async await get set value
  record init where yield partial dynamic nameof`);

export const csharp: LanguageSupport = {
  declarations: csharpDeclarations,
  imports: csharpImports,
  resolveImport: resolveCsharpImport,
  lexicon: { lexer: lexers.cLike, keywords: csharpKeywords },
  scope: csharpScope,
  receivers: csharpReceivers,
};
