/**
 * What C# declares: namespaces, classes, structs, interfaces, enums,
 * records, delegates, methods, constructors, destructors, properties,
 * indexers, events, fields (`const` ones are constants). What other files
 * of the project see is exported: `public` and `internal` declarations, a
 * type outside any type (internal unless it says otherwise) and an
 * interface's members (public unless they say otherwise).
 */
import type { Node } from 'web-tree-sitter';
import { makeDecl, namedDecl, type Decl, type Scope } from '../../decl.js';
import { bodyHolder, childOfType, field, hasModifier, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

function seenFromOtherFiles(n: Node, src: string, scope: Scope): boolean {
  // (`protected internal` is seen by the project; `private protected` is not.)
  if (hasModifier(n, src, 'public') || hasModifier(n, src, 'internal')) return true;
  if (hasModifier(n, src, 'private') || hasModifier(n, src, 'protected')) return false;
  return scope !== 'class' || bodyHolder(n)?.type === 'interface_declaration';
}

export const csharpDeclarations: DeclarationClassifier = (n, src, scope) => {
  const exported = seenFromOtherFiles(n, src, scope);
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => namedDecl(n, src, kind, { exported, ...o });
  switch (n.type) {
    case 'namespace_declaration': {
      const body = field(n, 'body');
      return named('namespace', { body, members: body, memberScope: 'namespace', exported: true });
    }
    // `namespace Acme.Billing;` (C# 10): the rest of the file is in it; its types stay top-level here.
    case 'file_scoped_namespace_declaration':
      return named('namespace', { exported: true });
    case 'class_declaration':
    case 'struct_declaration':
    case 'interface_declaration':
    case 'enum_declaration':
    case 'record_declaration':
    case 'record_struct_declaration': {
      const body = field(n, 'body');
      const kind = n.type.replace(/_declaration$/, '').replace('record_struct', 'record');
      return named(kind, { body, members: kind === 'enum' ? null : body });
    }
    case 'delegate_declaration':
      return named('type');
    case 'method_declaration':
      return named('method', { body: field(n, 'body') });
    case 'constructor_declaration':
      return named('constructor', { body: field(n, 'body') });
    case 'destructor_declaration': {
      const nameNode = field(n, 'name');
      return nameNode ? [makeDecl(n, n, '~' + text(src, nameNode), 'method', { nameNode, body: field(n, 'body'), exported: false })] : [];
    }
    case 'property_declaration':
      return named('property', { body: field(n, 'accessors') });
    case 'event_declaration':
      return named('event');
    case 'indexer_declaration':
      return [makeDecl(n, n, 'this', 'property', { exported })];
    case 'field_declaration':
    case 'event_field_declaration': {
      const v = childOfType(n, 'variable_declaration');
      if (!v) return [];
      const out: Decl[] = [];
      const constant = hasModifier(n, src, 'const');
      for (const d of v.namedChildren) {
        if (!d || d.type !== 'variable_declarator') continue;
        const nameNode = field(d, 'name') ?? d.namedChild(0);
        if (!nameNode) continue;
        out.push(makeDecl(n, n, text(src, nameNode), n.type === 'event_field_declaration' ? 'event' : constant ? 'constant' : 'field', { nameNode, part: out.length ? d : null, exported }));
      }
      return out;
    }
  }
  return [];
};
