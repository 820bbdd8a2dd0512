/**
 * What TypeScript and JavaScript declare: functions, classes, interfaces,
 * types, enums, namespaces, `const`/`let` bindings (destructured ones name
 * each binding), CommonJS `exports.x =` and `X.prototype.m =` assignments,
 * and class and interface members.
 */
import type { Node } from 'web-tree-sitter';
import { makeDecl, type Decl, type Scope } from '../../decl.js';
import { childOfType, collapse, field, rows, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';
import { assignedMethod } from './object-members.js';

export const typescriptDeclarations: DeclarationClassifier = (n, src, scope) => jsDecl(n, n, src, scope, false);

const jsFunctionValues = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

function jsPatternNames(p: Node, out: Node[]): void {
  if (p.type === 'identifier' || p.type === 'shorthand_property_identifier_pattern') {
    out.push(p);
    return;
  }
  if (out.length > 64) return;
  for (const c of p.namedChildren) {
    if (!c) continue;
    if (c.type === 'pair_pattern') {
      const v = field(c, 'value');
      if (v) jsPatternNames(v, out);
    } else if (c.type === 'object_assignment_pattern' || c.type === 'assignment_pattern') {
      const l = field(c, 'left') ?? c.namedChild(0);
      if (l) jsPatternNames(l, out);
    } else jsPatternNames(c, out);
  }
}

/**
 * `export { Timestamp_ as Timestamp }`: the file exports a definition of its own under another name, which
 * its importers write; each such name is a definition here (kind 'alias'; its signature says of what).
 */
function exportAliases(outer: Node, n: Node, src: string): Decl[] {
  const clause = n.namedChildren.find((c) => c?.type === 'export_clause');
  const out: Decl[] = [];
  for (const s of clause?.namedChildren ?? []) {
    if (s?.type !== 'export_specifier') continue;
    const name = field(s, 'name');
    const alias = field(s, 'alias');
    // (`export { App as default }` is the default import's, which importers name as they like.)
    if (!name || !alias || alias.type !== 'identifier' || text(src, alias) === text(src, name) || text(src, alias) === 'default') continue;
    out.push(makeDecl(outer, n, text(src, alias), 'alias', { nameNode: alias, part: s, chunk: false, exported: true, signature: `export { ${text(src, name)} as ${text(src, alias)} }` }));
  }
  return out;
}

function jsPrivate(n: Node, src: string, name: string): boolean {
  if (name.startsWith('#')) return true;
  const acc = childOfType(n, 'accessibility_modifier');
  return !!acc && /private|protected/.test(text(src, acc));
}

function jsDecl(outer: Node, n: Node, src: string, scope: Scope, exported: boolean): Decl[] {
  const top = scope !== 'class';
  const exp = exported || scope === 'class';
  switch (n.type) {
    case 'export_statement': {
      const d = field(n, 'declaration');
      if (d) return jsDecl(outer, d, src, scope, true);
      const v = field(n, 'value');
      if (v && (jsFunctionValues.has(v.type) || v.type === 'class')) {
        const nameNode = field(v, 'name');
        const isClass = v.type === 'class';
        const body = field(v, 'body');
        return [makeDecl(outer, v, nameNode ? text(src, nameNode) : 'default', isClass ? 'class' : 'function', {
          nameNode, body: body && body.type !== 'statement_block' && !isClass ? null : body, members: isClass ? body : null, exported: true,
        })];
      }
      return field(n, 'source') ? [] : exportAliases(outer, n, src);
    }
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_signature': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [makeDecl(outer, n, text(src, nameNode), 'function', { nameNode, body: field(n, 'body'), exported: exp })];
    }
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class': {
      const nameNode = field(n, 'name');
      const body = field(n, 'body');
      return [makeDecl(outer, n, nameNode ? text(src, nameNode) : 'default', 'class', { nameNode, body, members: body, exported: exp })];
    }
    case 'interface_declaration': {
      const nameNode = field(n, 'name');
      const body = field(n, 'body');
      if (!nameNode) return [];
      return [makeDecl(outer, n, text(src, nameNode), 'interface', { nameNode, body, members: body, exported: exp })];
    }
    case 'type_alias_declaration': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [makeDecl(outer, n, text(src, nameNode), 'type', { nameNode, exported: exp })];
    }
    case 'enum_declaration': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [makeDecl(outer, n, text(src, nameNode), 'enum', { nameNode, body: field(n, 'body'), exported: exp })];
    }
    case 'ambient_declaration': {
      for (const c of n.namedChildren) {
        if (!c) continue;
        const r = jsDecl(outer, c, src, scope, exported);
        if (r.length) return r;
      }
      return [];
    }
    case 'module':
    case 'internal_module': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const body = field(n, 'body');
      const name = text(src, nameNode).replace(/^['"]|['"]$/g, '');
      return [makeDecl(outer, n, name, n.type === 'module' ? 'module' : 'namespace', { nameNode, body, members: body, memberScope: 'namespace', exported: exp })];
    }
    case 'expression_statement': {
      const e = n.namedChild(0);
      if (!e) return [];
      if (e.type === 'internal_module' || e.type === 'module') return jsDecl(outer, e, src, scope, exported);
      if (top && e.type === 'assignment_expression') {
        // CommonJS: exports.foo = function () {}; module.exports.bar = class {}
        const left = field(e, 'left');
        const right = field(e, 'right');
        if (!left || !right || left.type !== 'member_expression') return [];
        const lt = text(src, left);
        const isFn = jsFunctionValues.has(right.type);
        // Reply.prototype.send = function (payload) {…}
        const proto = /^([A-Za-z_$][\w$]*)\.prototype\.([A-Za-z_$][\w$]*)$/.exec(lt);
        if (proto) {
          return [makeDecl(outer, e, proto[2], isFn ? 'method' : 'field', {
            nameNode: field(left, 'property'), body: isFn ? field(right, 'body') : null, container: proto[1], chunk: isFn || rows(n) >= 3, exported: true,
          })];
        }
        const m = /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)$/.exec(lt);
        if (!m) {
          // A function set on a module's object: `webidl.brandCheck = function (V, I) {…}` is webidl's.
          const method = isFn ? assignedMethod(lt) : null;
          if (!method) return [];
          return [makeDecl(outer, e, method.name, 'method', { nameNode: field(left, 'property'), body: field(right, 'body'), container: method.container, chunk: true, exported: false })];
        }
        const isClass = right.type === 'class';
        const body = isFn ? field(right, 'body') : isClass ? field(right, 'body') : null;
        return [makeDecl(outer, e, m[1], isFn ? 'function' : isClass ? 'class' : 'variable', {
          nameNode: field(left, 'property'), body, members: isClass ? body : null, chunk: isFn || isClass || rows(n) >= 3, exported: true,
        })];
      }
      return [];
    }
    case 'lexical_declaration':
    case 'variable_declaration': {
      if (!top) return [];
      const isConst = n.child(0)?.type === 'const';
      const out: Decl[] = [];
      let first = true;
      for (const d of n.namedChildren) {
        if (!d || d.type !== 'variable_declarator') continue;
        const nameNode = field(d, 'name');
        const value = field(d, 'value');
        const part = first ? null : d;
        first = false;
        if (!nameNode) continue;
        if (nameNode.type !== 'identifier') {
          // `const { a, b } = require('x')` binds imports, it defines nothing
          if (value && /^(await\s+)?(require|import)\s*\(/.test(text(src, value))) continue;
          const names: Node[] = [];
          jsPatternNames(nameNode, names);
          const signature = collapse(text(src, part ?? n).slice(0, 400), 200);
          for (const nn of names) out.push(makeDecl(outer, n, text(src, nn), isConst ? 'constant' : 'variable', { nameNode: nn, part, chunk: false, exported: exp, signature }));
          continue;
        }
        const name = text(src, nameNode);
        if (value && jsFunctionValues.has(value.type)) {
          const body = field(value, 'body');
          out.push(makeDecl(outer, n, name, 'function', { nameNode, part, body: body && body.type === 'statement_block' ? body : null, exported: exp }));
        } else if (value && value.type === 'class') {
          const body = field(value, 'body');
          out.push(makeDecl(outer, n, name, 'class', { nameNode, part, body, members: body, exported: exp }));
        } else {
          out.push(makeDecl(outer, n, name, isConst ? 'constant' : 'variable', { nameNode, part, chunk: !!value && rows(value) >= 3, exported: exp }));
        }
      }
      return out;
    }
    // --- class and interface members
    case 'method_definition':
    case 'method_signature':
    case 'abstract_method_signature': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      return [makeDecl(outer, n, name, name === 'constructor' ? 'constructor' : 'method', { nameNode, body: field(n, 'body'), exported: !jsPrivate(n, src, name) })];
    }
    case 'public_field_definition':
    case 'field_definition': {
      const nameNode = field(n, 'name') ?? field(n, 'property');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      const value = field(n, 'value');
      if (value && jsFunctionValues.has(value.type)) {
        const body = field(value, 'body');
        return [makeDecl(outer, n, name, 'method', { nameNode, body: body && body.type === 'statement_block' ? body : null, exported: !jsPrivate(n, src, name) })];
      }
      return [makeDecl(outer, n, name, 'field', { nameNode, exported: !jsPrivate(n, src, name) })];
    }
    case 'property_signature': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [makeDecl(outer, n, text(src, nameNode), 'property', { nameNode })];
    }
  }
  return [];
}
