/** Java; and Kotlin and Scala, which have no grammar here but import classes the same way. */
import { kw, lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { javaReceivers } from './receivers.js';
import { javaScope } from './scope.js';
import { javaDeclarations } from './declarations.js';
import { javaImports } from './imports.js';
import { resolveJavaImport } from './resolve.js';
import { javaLocalDefinitions } from './local-definitions.js';

const javaKeywords = kw(`abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float
  for goto if implements import instanceof int interface long native new package private protected public return short static strictfp
  super switch synchronized this throw throws transient try void volatile while true false null var record yield sealed permits`);

export const java: LanguageSupport = {
  declarations: javaDeclarations,
  localDefinitions: javaLocalDefinitions,
  imports: javaImports,
  resolveImport: resolveJavaImport,
  lexicon: { lexer: lexers.cLike, keywords: javaKeywords },
  scope: javaScope,
  receivers: javaReceivers,
};

/** Kotlin and Scala: their imports resolve as Java's do. */
export const jvm: LanguageSupport = {
  resolveImport: resolveJavaImport,
  lexicon: { lexer: lexers.cLike },
};
