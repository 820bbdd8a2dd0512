/** What Ruby declares: classes, modules, methods (singleton ones too) and constants. */
import { makeDecl } from '../../decl.js';
import { field, rows, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const rubyDeclarations: DeclarationClassifier = (n, src, scope) => {
  switch (n.type) {
    case 'class':
    case 'module': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const name = nameNode.type === 'scope_resolution' ? text(src, field(nameNode, 'name') ?? nameNode) : text(src, nameNode);
      const body = field(n, 'body');
      return [makeDecl(n, n, name, n.type, { nameNode, body, members: body })];
    }
    case 'method':
    case 'singleton_method': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const kind = scope === 'class' || n.type === 'singleton_method' ? 'method' : 'function';
      return [makeDecl(n, n, text(src, nameNode), kind, { nameNode, body: field(n, 'body') })];
    }
    case 'assignment': {
      const left = field(n, 'left');
      if (!left || left.type !== 'constant') return [];
      return [makeDecl(n, n, text(src, left), 'constant', { nameNode: left, chunk: rows(n) >= 3 })];
    }
  }
  return [];
};
