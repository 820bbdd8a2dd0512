/**
 * What C and C++ declare: functions (methods and constructors by their
 * class, or by `Foo::` in an out-of-line definition), classes, structs,
 * unions, enums, namespaces, typedefs and aliases, templates (what they
 * wrap), fields, variables and macros. `static` means not exported.
 */
import type { Node } from 'web-tree-sitter';
import { makeDecl, type Decl, type Scope } from '../../decl.js';
import { childOfType, field, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const cppDeclarations: DeclarationClassifier = (n, src, scope) => cpp(n, src, scope);

const cppDeclarators = new Set(['pointer_declarator', 'reference_declarator', 'function_declarator', 'array_declarator', 'init_declarator', 'parenthesized_declarator', 'attributed_declarator']);

/** The identifier a C/C++ declarator names, and whether a function declarator is on the way. */
function cppName(d: Node | null): { node: Node; fn: boolean } | null {
  let fn = false;
  for (let i = 0; d && i < 16; i++) {
    if (d.type === 'function_declarator') fn = true;
    if (cppDeclarators.has(d.type)) {
      d = field(d, 'declarator') ?? d.namedChild(0);
      continue;
    }
    return { node: d, fn };
  }
  return null;
}

function cppSplitName(src: string, n: Node): { name: string; container?: string } {
  const t = text(src, n).replace(/\s+/g, '');
  if (n.type === 'qualified_identifier' || t.includes('::')) {
    const noArgs = t.replace(/<[^<>]*>/g, '');
    const i = noArgs.lastIndexOf('::');
    if (i > 0) {
      const container = noArgs.slice(0, i).split('::').pop() || undefined;
      return { name: noArgs.slice(i + 2), container };
    }
    return { name: noArgs.replace(/^::/, '') };
  }
  return { name: t };
}

/** Name of the class whose body holds a member node. */
function cppClassName(member: Node, src: string): string | undefined {
  const cls = member.parent?.parent;
  const nameNode = cls && /_specifier$/.test(cls.type) ? field(cls, 'name') : null;
  return nameNode ? cppSplitName(src, nameNode).name.replace(/<.*$/, '') : undefined;
}

const cppWrapped = new Set(['function_definition', 'class_specifier', 'struct_specifier', 'union_specifier', 'enum_specifier', 'declaration', 'field_declaration', 'alias_declaration', 'concept_definition', 'template_declaration', 'type_definition']);

function cpp(n: Node, src: string, scope: Scope, outer: Node = n, depth = 0): Decl[] {
  const exported = !childOfType(n, 'storage_class_specifier') || !/static/.test(text(src, childOfType(n, 'storage_class_specifier')));
  switch (n.type) {
    case 'template_declaration': {
      if (depth > 4) return [];
      for (const c of n.namedChildren) if (c && cppWrapped.has(c.type)) return cpp(c, src, scope, outer, depth + 1);
      return [];
    }
    case 'function_definition': {
      const nm = cppName(field(n, 'declarator'));
      if (!nm) return [];
      const { name, container } = cppSplitName(src, nm.node);
      const inClass = scope === 'class' || !!container;
      const isCtor = inClass && (name === (container ?? cppClassName(outer, src)) || name.startsWith('~'));
      return [makeDecl(outer, n, name, isCtor ? 'constructor' : inClass ? 'method' : 'function', { nameNode: nm.node, body: field(n, 'body'), container, exported })];
    }
    case 'declaration':
    case 'field_declaration': {
      const out: Decl[] = [];
      for (const d of n.childrenForFieldName('declarator')) {
        const nm = cppName(d);
        if (!nm || !/identifier|destructor_name|operator_name/.test(nm.node.type)) continue;
        const { name, container } = cppSplitName(src, nm.node);
        let kind: string;
        if (nm.fn && scope === 'class' && (name === cppClassName(outer, src) || name.startsWith('~'))) kind = 'constructor';
        else if (nm.fn) kind = scope === 'class' || container ? 'method' : 'function';
        else if (n.type === 'field_declaration') kind = 'field';
        else kind = 'variable';
        out.push(makeDecl(outer, n, name, kind, { nameNode: nm.node, part: out.length ? d : null, container, chunk: false, exported }));
      }
      // `struct Point { … } origin;` declares a type too
      const t = field(n, 'type');
      if (t && /^(class|struct|union|enum)_specifier$/.test(t.type) && field(t, 'body')) out.unshift(...cpp(t, src, scope, outer, depth + 1));
      return out;
    }
    case 'class_specifier':
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier': {
      const body = field(n, 'body');
      const nameNode = field(n, 'name');
      if (!body || !nameNode) return [];
      const kind = n.type.replace(/_specifier$/, '');
      return [makeDecl(outer, n, cppSplitName(src, nameNode).name.replace(/<.*$/, ''), kind, { nameNode, body, members: kind === 'enum' ? null : body })];
    }
    case 'namespace_definition': {
      const nameNode = field(n, 'name');
      const body = field(n, 'body');
      return [makeDecl(outer, n, nameNode ? text(src, nameNode) : '(anonymous)', 'namespace', { nameNode, body, members: body, memberScope: 'namespace', symbol: !!nameNode })];
    }
    case 'type_definition': {
      const out: Decl[] = [];
      const t = field(n, 'type');
      const hasBody = !!t && /^(class|struct|union|enum)_specifier$/.test(t.type) && !!field(t, 'body');
      for (const d of n.childrenForFieldName('declarator')) {
        const nm = cppName(d);
        if (!nm) continue;
        out.push(makeDecl(outer, n, text(src, nm.node), hasBody ? t!.type.replace(/_specifier$/, '') : 'type', { nameNode: nm.node, part: out.length ? d : null, body: hasBody ? field(t!, 'body') : null, chunk: hasBody }));
      }
      return out;
    }
    case 'alias_declaration': {
      const nameNode = field(n, 'name');
      return nameNode ? [makeDecl(outer, n, text(src, nameNode), 'type', { nameNode, chunk: false })] : [];
    }
    case 'preproc_def':
    case 'preproc_function_def': {
      const nameNode = field(n, 'name');
      return nameNode ? [makeDecl(outer, n, text(src, nameNode), 'macro', { nameNode, chunk: false })] : [];
    }
  }
  return [];
}
