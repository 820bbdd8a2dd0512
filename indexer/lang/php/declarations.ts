/**
 * What PHP declares: namespaces, classes, interfaces, traits, enums,
 * functions, methods (`__construct` is the constructor), properties and
 * constants. `public` (or no visibility) means exported.
 */
import { makeDecl, namedDecl, type Decl } from '../../decl.js';
import { childOfType, field, rows, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const phpDeclarations: DeclarationClassifier = (n, src) => {
  const vis = childOfType(n, 'visibility_modifier');
  const exported = !vis || text(src, vis) === 'public';
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => namedDecl(n, src, kind, { exported, ...o });
  switch (n.type) {
    case 'namespace_definition': {
      const body = field(n, 'body');
      if (!body) return [];
      return named('namespace', { body, members: body, memberScope: 'namespace' });
    }
    case 'class_declaration':
    case 'interface_declaration':
    case 'trait_declaration':
    case 'enum_declaration': {
      const body = field(n, 'body');
      return named(n.type.replace(/_declaration$/, ''), { body, members: body });
    }
    case 'function_definition':
      return named('function', { body: field(n, 'body') });
    case 'method_declaration': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      return [makeDecl(n, n, name, name === '__construct' ? 'constructor' : 'method', { nameNode, body: field(n, 'body'), exported })];
    }
    case 'property_declaration': {
      const out: Decl[] = [];
      for (const el of n.namedChildren) {
        if (!el || el.type !== 'property_element') continue;
        const nameNode = field(el, 'name') ?? el.namedChild(0);
        if (!nameNode) continue;
        out.push(makeDecl(n, n, text(src, nameNode).replace(/^\$/, ''), 'property', { nameNode, part: out.length ? el : null, exported }));
      }
      return out;
    }
    case 'const_declaration': {
      const out: Decl[] = [];
      for (const el of n.namedChildren) {
        if (!el || el.type !== 'const_element') continue;
        const nameNode = el.namedChildren.find((c) => c?.type === 'name') ?? null;
        if (!nameNode) continue;
        out.push(makeDecl(n, n, text(src, nameNode), 'constant', { nameNode, part: out.length ? el : null, exported, chunk: rows(n) >= 3 }));
      }
      return out;
    }
  }
  return [];
};
