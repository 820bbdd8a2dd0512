/**
 * What Python declares: functions (methods in a class body), classes,
 * assignments (UPPER_SNAKE names are constants), `type` aliases. Decorators
 * belong to what they decorate; a leading `_` means not exported.
 */
import type { Node } from 'web-tree-sitter';
import { makeDecl } from '../../decl.js';
import { field, rows, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

const isUpperSnake = (s: string) => /^[A-Z][A-Z0-9_]*$/.test(s) && s.length > 1;

export const pythonDeclarations: DeclarationClassifier = (n, src, scope) => {
  let d = n;
  if (n.type === 'decorated_definition') d = field(n, 'definition') ?? n;
  switch (d.type) {
    case 'function_definition': {
      const nameNode = field(d, 'name');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      return [makeDecl(n, d, name, scope === 'class' ? 'method' : 'function', { nameNode, body: field(d, 'body'), exported: !name.startsWith('_') || /^__.*__$/.test(name) })];
    }
    case 'class_definition': {
      const nameNode = field(d, 'name');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      const body = field(d, 'body');
      return [makeDecl(n, d, name, 'class', { nameNode, body, members: body, exported: !name.startsWith('_') })];
    }
    case 'expression_statement': {
      const a = d.namedChild(0);
      if (!a || a.type !== 'assignment') return [];
      const left = field(a, 'left');
      if (!left) return [];
      const names: Node[] = [];
      if (left.type === 'identifier') names.push(left);
      else if (left.type === 'pattern_list' || left.type === 'tuple_pattern') for (const c of left.namedChildren) if (c && c.type === 'identifier') names.push(c);
      return names.map((nn, i) => {
        const name = text(src, nn);
        const kind = scope === 'class' ? 'field' : isUpperSnake(name) ? 'constant' : 'variable';
        return makeDecl(n, d, name, kind, { nameNode: nn, part: i ? nn : null, chunk: scope === 'class' || rows(d) >= 3, exported: !name.startsWith('_') });
      });
    }
    case 'type_alias_statement': {
      const left = d.namedChild(0);
      if (!left) return [];
      return [makeDecl(n, d, text(src, left).replace(/\[.*$/, ''), 'type', { nameNode: left, chunk: false })];
    }
  }
  return [];
};
