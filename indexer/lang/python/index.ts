/** Python. */
import { kw } from '../../refs.js';
import type { LanguageSupport } from '../language-support.js';
import { pythonMemberUses } from './members.js';
import { pythonDeclarations } from './declarations.js';
import { pythonImports } from './imports.js';
import { pythonLocalDefinitions } from './local-definitions.js';
import { pythonReceivers } from './receivers.js';
import { pythonReexports, resolvePythonImport } from './resolve.js';
import { pythonScope } from './scope.js';

const pythonKeywords = kw(`False None True and as assert async await break class continue def del elif else except finally for from global if import in is
  lambda nonlocal not or pass raise return try while with yield self cls match case str int float bool list dict set tuple object len range
  print isinstance super type bytes`);
const pythonLexer = /#[^\n]*|[rRbBuUfF]{0,2}(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)|([A-Za-z_]\w*)/g;

export const python: LanguageSupport = {
  declarations: pythonDeclarations,
  imports: pythonImports,
  memberUses: pythonMemberUses,
  resolveImport: resolvePythonImport,
  reexports: pythonReexports,
  scope: pythonScope,
  receivers: pythonReceivers,
  localDefinitions: pythonLocalDefinitions,
  lexicon: { lexer: pythonLexer, keywords: pythonKeywords },
};
