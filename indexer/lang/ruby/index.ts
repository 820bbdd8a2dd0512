/** Ruby. */
import { kw, lexers } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { rubyDeclarations } from './declarations.js';
import { rubyImports } from './imports.js';
import { resolveRubyImport } from './resolve.js';

const rubyKeywords = kw(`BEGIN END alias and begin break case class def defined do else elsif end ensure false for if in module next nil not or redo
  rescue retry return self super then true undef unless until when while yield require require_relative attr_reader attr_writer
  attr_accessor private protected public puts new`);

export const ruby: LanguageSupport = {
  declarations: rubyDeclarations,
  imports: rubyImports,
  resolveImport: resolveRubyImport,
  lexicon: { lexer: lexers.hashComments, keywords: rubyKeywords },
};
