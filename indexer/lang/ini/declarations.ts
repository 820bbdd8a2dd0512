/** What INI files declare: each `[section]` is a chunk (not a symbol). */
import { makeDecl } from '../../decl.js';
import { childOfType, collapse, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const iniDeclarations: DeclarationClassifier = (n, src) => {
  if (n.type !== 'section') return [];
  const nameNode = childOfType(n, 'section_name');
  return [makeDecl(n, n, collapse(text(src, nameNode).replace(/^\s*\[|\]\s*$/g, '')), 'section', { nameNode, symbol: false })];
};
