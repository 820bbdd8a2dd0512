/** PowerShell. */
import { kw } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { powershellDeclarations } from './declarations.js';

const powershellKeywords = kw(`begin break catch class continue data define do dynamicparam else elseif end exit filter finally for foreach from function
  if in param process return switch throw trap try until using var while true false null`);
const psLexer = /<#[\s\S]*?(?:#>|$)|#[^\n]*|'(?:[^']|'')*'?|([A-Za-z_][\w-]*\w|[A-Za-z_])/g;

export const powershell: LanguageSupport = {
  declarations: powershellDeclarations,
  lexicon: { lexer: psLexer, keywords: powershellKeywords },
};
