/**
 * Decl: one declaration a language's classifier finds in a syntax tree (see
 * `DeclarationClassifier` in lang/language-support.ts). The chunker cuts files
 * at them; symbols.ts turns them into the symbol table's rows.
 *
 * ```ts
 * makeDecl(n, n, 'parseConfig', 'function', { nameNode, body: field(n, 'body') });
 * ```
 */
import type { Node } from 'web-tree-sitter';
import { decorationTypes, field, flatChildren, text } from './syntax.js';

/** Where a node sits: file level, inside a class-like body, or inside a namespace/module. */
export type Scope = 'top' | 'class' | 'namespace';

/** One declaration found by a classifier. */
export interface Decl {
  name: string;
  kind: string;
  /** The node at the level being listed (wrappers such as `export`, decorators and templates included). */
  outer: Node;
  /** The declaration proper, inside any wrapper. */
  node: Node;
  /** For one of several names in one statement (`var a, b`; a grouped Go `type (…)`): that name's own node. */
  part: Node | null;
  nameNode: Node | null;
  /** The body the signature stops at; null: the signature is the first line. */
  body: Node | null;
  /** A class-like or namespace-like body whose children are members; null for leaves. */
  members: Node | null;
  memberScope: Scope;
  /** Container given by the syntax itself (Go receiver, C++ `Foo::bar`); undefined: the enclosing one. */
  container?: string;
  exported: boolean;
  /** Forms a chunk of its own (small constants are left to the surrounding statements). */
  chunk: boolean;
  /** Goes into the symbol table (an impl block or a CSS rule does not). */
  symbol: boolean;
  /** A signature the syntax cannot give by slicing (destructuring). */
  signature?: string;
}

/** A Decl with the defaults: a chunk-forming, exported symbol whose members (if any) are class members. */
export function makeDecl(outer: Node, node: Node, name: string, kind: string, o: Partial<Decl> = {}): Decl {
  return {
    name, kind, outer, node,
    part: o.part ?? null,
    nameNode: o.nameNode ?? null,
    body: o.body ?? null,
    members: o.members ?? null,
    memberScope: o.memberScope ?? 'class',
    container: o.container,
    exported: o.exported ?? true,
    chunk: o.chunk ?? true,
    symbol: o.symbol ?? true,
    signature: o.signature,
  };
}

/** The declaration of `n` named by its `name` field (most grammars' rule), or none when it has no name. */
export function namedDecl(n: Node, src: string, kind: string, o: Partial<Decl> = {}): Decl[] {
  const nameNode = field(n, 'name');
  return nameNode ? [makeDecl(n, n, text(src, nameNode), kind, { nameNode, ...o })] : [];
}

/** The member candidates of a container declaration. */
export function memberChildren(d: Decl): Node[] {
  if (!d.members) return [];
  if (d.members.equals(d.node) && d.nameNode) {
    const after = d.nameNode.endIndex;
    return flatChildren(d.members).filter((c) => c.startIndex >= after);
  }
  // comments between the signature and the body (Ruby, Python) belong to the first member
  const lead: Node[] = [];
  for (let p = d.members.previousSibling; p && decorationTypes.has(p.type); p = p.previousSibling) lead.unshift(p);
  return lead.length ? [...lead, ...flatChildren(d.members)] : flatChildren(d.members);
}

/** The node a container's signature ends with (comments between it and the body skipped). */
export function beforeMembers(d: Decl): Node | null {
  if (!d.members) return null;
  if (d.members.equals(d.node)) return d.nameNode;
  let p = d.members.previousSibling;
  while (p && decorationTypes.has(p.type)) p = p.previousSibling;
  return p;
}
