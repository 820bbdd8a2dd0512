/** Rust. */
import { kw } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { rustMemberUses } from './members.js';
import { rustDeclarations } from './declarations.js';
import { rustImports } from './imports.js';
import { rustReceivers } from './receivers.js';
import { resolveRustImport, rustReexports } from './resolve.js';
import { rustLocalDefinitions } from './local-definitions.js';

const rustKeywords = kw(`as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return
  self Self static struct super trait true type unsafe use where while union macro_rules i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize
  f32 f64 bool char str Some None Ok Err`);
const rustLexer = /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|b?"(?:[^"\\]|\\[\s\S])*"?|'(?:[^'\\\n]|\\[^\n]{1,10})'|([A-Za-z_][\w]*)/g;

export const rust: LanguageSupport = {
  declarations: rustDeclarations,
  localDefinitions: rustLocalDefinitions,
  imports: rustImports,
  memberUses: rustMemberUses,
  resolveImport: resolveRustImport,
  reexports: rustReexports,
  receivers: rustReceivers,
  lexicon: { lexer: rustLexer, keywords: rustKeywords },
};
