/**
 * TypeScript and JavaScript (TSX and JSX too: one grammar family, one set of
 * rules), and the Vue and Svelte single-file components whose imports
 * resolve the same way.
 */
import { kw, lexers, type Lexicon } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { typescriptMemberUses } from './members.js';
import { typescriptDeclarations } from './declarations.js';
import { typescriptImports } from './imports.js';
import { typescriptLocalDefinitions } from './local-definitions.js';
import { resolveTypescript, typescriptReexports } from './resolve.js';

// contextual keywords that are common property names (get, set, type, module) stay refs
export const jsKeywords = kw(`break case catch class const continue debugger default delete do else export extends finally for function if import in
  instanceof new return super switch this throw try typeof var void while with yield let static enum await implements package protected
  interface private public as async of from declare namespace abstract readonly infer satisfies override accessor asserts is unique
  null true false undefined keyof any unknown never string number boolean symbol object bigint require constructor`);

const lexicon: Lexicon = { lexer: lexers.cLike, keywords: jsKeywords };

export const typescript: LanguageSupport = {
  declarations: typescriptDeclarations,
  imports: typescriptImports,
  memberUses: typescriptMemberUses,
  resolveImport: resolveTypescript,
  reexports: typescriptReexports,
  localDefinitions: typescriptLocalDefinitions,
  lexicon,
};

/** Vue and Svelte files: no grammar here, but their imports resolve as scripts' do. */
export const singleFileComponent: LanguageSupport = {
  resolveImport: resolveTypescript,
  lexicon,
};
