/**
 * What Java declares: classes, interfaces, enums, records, annotation types,
 * methods, constructors, fields (`static final` ones are constants).
 * `public` (or an interface member's implicit publicness) means exported.
 */
import { makeDecl, namedDecl, type Decl } from '../../decl.js';
import { field, hasModifier, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const javaDeclarations: DeclarationClassifier = (n, src, scope) => {
  const exported = hasModifier(n, src, 'public') || (scope === 'class' && !hasModifier(n, src, 'private') && !hasModifier(n, src, 'protected') && n.parent?.type === 'interface_body');
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => namedDecl(n, src, kind, { exported, ...o });
  switch (n.type) {
    case 'class_declaration':
    case 'interface_declaration':
    case 'enum_declaration':
    case 'record_declaration':
    case 'annotation_type_declaration': {
      const body = field(n, 'body');
      const kind = n.type === 'class_declaration' ? 'class' : n.type === 'enum_declaration' ? 'enum' : n.type === 'record_declaration' ? 'record' : 'interface';
      return named(kind, { body, members: body });
    }
    case 'method_declaration':
    case 'annotation_type_element_declaration':
      return named('method', { body: field(n, 'body') });
    case 'constructor_declaration':
    case 'compact_constructor_declaration':
      return named('constructor', { body: field(n, 'body') });
    case 'field_declaration':
    case 'constant_declaration': {
      const out: Decl[] = [];
      for (const d of n.childrenForFieldName('declarator')) {
        const nameNode = d ? field(d, 'name') : null;
        if (!d || !nameNode) continue;
        const name = text(src, nameNode);
        const kind = n.type === 'constant_declaration' || (hasModifier(n, src, 'static') && hasModifier(n, src, 'final')) ? 'constant' : 'field';
        out.push(makeDecl(n, n, name, kind, { nameNode, part: out.length ? d : null, exported }));
      }
      return out;
    }
  }
  return [];
};
