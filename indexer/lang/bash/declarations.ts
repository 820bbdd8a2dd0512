/** What shell scripts declare: functions and top-level variables. */
import { makeDecl } from '../../decl.js';
import { field, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const bashDeclarations: DeclarationClassifier = (n, src, scope) => {
  if (n.type === 'function_definition') {
    const nameNode = field(n, 'name');
    return nameNode ? [makeDecl(n, n, text(src, nameNode), 'function', { nameNode, body: field(n, 'body') })] : [];
  }
  if (n.type === 'variable_assignment' && scope === 'top') {
    const nameNode = field(n, 'name');
    return nameNode ? [makeDecl(n, n, text(src, nameNode), 'variable', { nameNode, chunk: false })] : [];
  }
  return [];
};
