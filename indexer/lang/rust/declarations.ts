/**
 * What Rust declares: functions (methods inside traits and impls), structs,
 * unions, enums, traits, modules, constants, statics, type aliases, macros;
 * an `impl` block holds members under its type's name but is no symbol of
 * its own. `pub` means exported; without it, a trait's items and a trait
 * impl's members are too (publicWithoutPub).
 */
import type { Node } from 'web-tree-sitter';
import { makeDecl, namedDecl, type Decl, type Scope } from '../../decl.js';
import { bodyHolder, childOfType, field, rows, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

function rustTypeName(src: string, t: Node | null): string {
  const s = text(src, t).replace(/<[\s\S]*$/, '').trim();
  const i = s.lastIndexOf('::');
  return (i >= 0 ? s.slice(i + 2) : s).replace(/^[&\s*]+|mut\s+/g, '') || s;
}

/**
 * Whether a member without `pub` is still public: a trait's items and a trait impl's (`impl Display
 * for T { fn fmt }`) are as public as the trait; an inherent impl's (`impl T { fn helper }`) are
 * private to their module.
 */
function publicWithoutPub(n: Node, scope: Scope): boolean {
  if (scope !== 'class') return false;
  const holder = bodyHolder(n);
  return holder?.type !== 'impl_item' || field(holder, 'trait') !== null;
}

export const rustDeclarations: DeclarationClassifier = (n, src, scope) => {
  const vis = childOfType(n, 'visibility_modifier');
  const exported = vis ? text(src, vis).startsWith('pub') : publicWithoutPub(n, scope);
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => namedDecl(n, src, kind, { exported, ...o });
  switch (n.type) {
    case 'function_item':
    case 'function_signature_item':
      return named(scope === 'class' ? 'method' : 'function', { body: field(n, 'body') });
    case 'struct_item':
      return named('struct', { body: field(n, 'body') });
    case 'union_item':
      return named('union', { body: field(n, 'body') });
    case 'enum_item':
      return named('enum', { body: field(n, 'body') });
    case 'trait_item': {
      const body = field(n, 'body');
      return named('trait', { body, members: body });
    }
    case 'impl_item': {
      const t = field(n, 'type');
      const body = field(n, 'body');
      if (!t) return [];
      return [makeDecl(n, n, rustTypeName(src, t), 'impl', { nameNode: t, body, members: body, symbol: false, exported: true })];
    }
    case 'mod_item': {
      const body = field(n, 'body');
      return named('module', { body, members: body, memberScope: 'namespace', chunk: !!body });
    }
    case 'const_item':
      return named('constant', { chunk: rows(n) >= 3 });
    case 'static_item':
      return named('variable', { chunk: rows(n) >= 3 });
    case 'type_item':
      return named('type', { chunk: rows(n) >= 3 });
    case 'macro_definition':
      return named('macro');
  }
  return [];
};
