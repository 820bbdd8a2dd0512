/**
 * What Go declares: functions, methods (their receiver's type is their
 * container), types (structs, interfaces, others; grouped `type (…)` names
 * each), constants and variables. A capital first letter means exported.
 */
import type { Node } from 'web-tree-sitter';
import { makeDecl, type Decl } from '../../decl.js';
import { childOfType, field, rows, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

const goExported = (s: string) => /^\p{Lu}/u.test(s);

export const goDeclarations: DeclarationClassifier = (n, src) => {
  switch (n.type) {
    case 'function_declaration':
    case 'method_declaration': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      let container: string | undefined;
      if (n.type === 'method_declaration') {
        const recv = field(n, 'receiver');
        const param = recv?.namedChildren.find((c) => c?.type === 'parameter_declaration') ?? null;
        const t = param ? field(param, 'type') : null;
        const m = /([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*$/.exec(text(src, t).replace(/^[\s*]+/, ''));
        container = m ? m[1] : undefined;
      }
      return [makeDecl(n, n, name, n.type === 'method_declaration' ? 'method' : 'function', { nameNode, body: field(n, 'body'), container, exported: goExported(name) })];
    }
    case 'type_declaration': {
      const out: Decl[] = [];
      const grouped = !!childOfType(n, '(');
      for (const spec of n.namedChildren) {
        if (!spec || (spec.type !== 'type_spec' && spec.type !== 'type_alias')) continue;
        const nameNode = field(spec, 'name');
        if (!nameNode) continue;
        const t = field(spec, 'type');
        const kind = t?.type === 'struct_type' ? 'struct' : t?.type === 'interface_type' ? 'interface' : 'type';
        const name = text(src, nameNode);
        const body = t && (kind === 'struct' || kind === 'interface') ? t.namedChildren.find((c) => c?.type === 'field_declaration_list') ?? t : null;
        out.push(makeDecl(n, n, name, kind, { nameNode, part: out.length || grouped ? spec : null, body: kind === 'interface' ? t : body, exported: goExported(name) }));
      }
      return out;
    }
    case 'const_declaration':
    case 'var_declaration': {
      const out: Decl[] = [];
      const kind = n.type === 'const_declaration' ? 'constant' : 'variable';
      const grouped = !!childOfType(n, '(') || !!childOfType(n, 'var_spec_list');
      const visit = (p: Node) => {
        for (const spec of p.namedChildren) {
          if (!spec) continue;
          if (spec.type === 'var_spec_list' || spec.type === 'const_spec_list') visit(spec);
          else if (spec.type === 'const_spec' || spec.type === 'var_spec') {
            for (const nameNode of spec.childrenForFieldName('name')) {
              if (!nameNode) continue;
              const name = text(src, nameNode);
              if (name === '_') continue;
              out.push(makeDecl(n, n, name, kind, { nameNode, part: out.length || grouped ? spec : null, chunk: rows(n) >= 3, exported: goExported(name) }));
            }
          }
        }
      };
      visit(n);
      return out;
    }
  }
  return [];
};
