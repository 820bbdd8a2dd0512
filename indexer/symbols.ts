/**
 * Symbols: what a syntax tree declares. One classifier per language turns a
 * node into zero or more declarations (`Decl`); the chunker uses them to cut
 * files at declarations, and `extractSymbols` turns them into the symbol
 * table's rows. Function bodies are not entered: locals are not symbols.
 */
import type { Node } from 'web-tree-sitter';
import type { LanguageId } from './languages.js';
import type { SymbolDef } from './chunker.js';

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

// ---------------------------------------------------------------------------
// Lines of a file

/** Line starts, blank-line flags and slicing for one (LF-normalized) text. */
export class LineIndex {
  readonly starts: number[] = [0];
  readonly count: number;
  readonly blank: Uint8Array;
  /** Offset just past the last line's last character (a final newline excluded). */
  private readonly textEnd: number;

  constructor(readonly text: string) {
    this.textEnd = text.endsWith('\n') ? text.length - 1 : text.length;
    let i = text.indexOf('\n');
    while (i >= 0) {
      this.starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    // A final newline ends the last line; it does not open another one.
    if (this.starts.length > 1 && this.starts[this.starts.length - 1] === text.length) this.starts.pop();
    this.count = text.length === 0 ? 0 : this.starts.length;
    this.blank = new Uint8Array(this.count);
    for (let r = 0; r < this.count; r++) {
      let blank = 1;
      for (let p = this.starts[r], e = this.end(r); p < e; p++) {
        const c = text.charCodeAt(p);
        if (c !== 32 && c !== 9 && c !== 13 && c !== 12 && c !== 11) { blank = 0; break; }
      }
      this.blank[r] = blank;
    }
  }

  /** Offset just past the last character of a row (its newline excluded). */
  end(row: number): number {
    return row + 1 < this.starts.length ? this.starts[row + 1] - 1 : this.textEnd;
  }

  /** Characters of rows a..b, newlines between them included. */
  chars(a: number, b: number): number {
    return this.end(b) - this.starts[a];
  }

  rowOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  slice(a: number, b: number): string {
    return this.text.slice(this.starts[a], this.end(b));
  }
}

// ---------------------------------------------------------------------------
// Node helpers

/** Last row a node really occupies (a node that ends with its newline ends on the row before). */
export function lastRow(n: Node): number {
  const e = n.endPosition;
  const s = n.startPosition.row;
  return e.column === 0 && e.row > s ? e.row - 1 : e.row;
}

function text(src: string, n: Node | null): string {
  return n ? src.slice(n.startIndex, n.endIndex) : '';
}

function field(n: Node, name: string): Node | null {
  return n.childForFieldName(name);
}

function childOfType(n: Node, types: ReadonlySet<string> | string): Node | null {
  for (let i = 0, c = n.childCount; i < c; i++) {
    const ch = n.child(i);
    if (ch && (typeof types === 'string' ? ch.type === types : types.has(ch.type))) return ch;
  }
  return null;
}

function collapse(s: string, max = 120): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

const isUpperSnake = (s: string) => /^[A-Z][A-Z0-9_]*$/.test(s) && s.length > 1;

function mk(outer: Node, node: Node, name: string, kind: string, o: Partial<Decl> = {}): Decl {
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

const rows = (n: Node) => lastRow(n) - n.startPosition.row + 1;

/** Node types whose children are listed in their place (include guards, `extern "C"`, parse errors…). */
export const transparentTypes: ReadonlySet<string> = new Set([
  'ERROR', 'preproc_ifdef', 'preproc_if', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'statement_list', 'enum_body_declarations',
]);

/** Comment-like siblings that belong to the declaration right below them. */
export const decorationTypes: ReadonlySet<string> = new Set([
  'comment', 'line_comment', 'block_comment', 'decorator', 'attribute_item', 'html_comment', 'js_comment',
]);

/** Children of a node, with transparent wrappers replaced by their own children (bounded depth). */
export function flatChildren(n: Node, out: Node[] = [], depth = 0): Node[] {
  for (const ch of n.children) {
    if (!ch) continue;
    if (transparentTypes.has(ch.type) && depth < 8 && ch.childCount > 0) {
      // `extern "C" { … }`: list the declarations inside the braces.
      if (ch.type === 'linkage_specification') {
        const body = field(ch, 'body');
        if (body && body.type === 'declaration_list') {
          for (const x of ch.children) {
            if (!x) continue;
            if (x.equals(body)) flatChildren(body, out, depth + 1);
            else out.push(x);
          }
          continue;
        }
      }
      flatChildren(ch, out, depth + 1);
    } else out.push(ch);
  }
  return out;
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

/** Offset where a declaration's signature stops: the end of the last token before its body. */
function bodyCut(d: Decl, start: number): number | null {
  if (!d.body || d.body.startIndex <= start) return null;
  let p = d.body.previousSibling;
  while (p && decorationTypes.has(p.type)) p = p.previousSibling;
  return p && p.endIndex > start && p.endIndex <= d.body.startIndex ? p.endIndex : d.body.startIndex;
}

// ---------------------------------------------------------------------------
// Classifiers

type Classifier = (n: Node, src: string, scope: Scope) => Decl[];

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

function jsPrivate(n: Node, src: string, name: string): boolean {
  if (name.startsWith('#')) return true;
  const acc = childOfType(n, 'accessibility_modifier');
  return !!acc && /private|protected/.test(text(src, acc));
}

const js: Classifier = (n, src, scope) => jsDecl(n, n, src, scope, false);

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
        return [mk(outer, v, nameNode ? text(src, nameNode) : 'default', isClass ? 'class' : 'function', {
          nameNode, body: body && body.type !== 'statement_block' && !isClass ? null : body, members: isClass ? body : null, exported: true,
        })];
      }
      return [];
    }
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_signature': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [mk(outer, n, text(src, nameNode), 'function', { nameNode, body: field(n, 'body'), exported: exp })];
    }
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class': {
      const nameNode = field(n, 'name');
      const body = field(n, 'body');
      return [mk(outer, n, nameNode ? text(src, nameNode) : 'default', 'class', { nameNode, body, members: body, exported: exp })];
    }
    case 'interface_declaration': {
      const nameNode = field(n, 'name');
      const body = field(n, 'body');
      if (!nameNode) return [];
      return [mk(outer, n, text(src, nameNode), 'interface', { nameNode, body, members: body, exported: exp })];
    }
    case 'type_alias_declaration': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [mk(outer, n, text(src, nameNode), 'type', { nameNode, exported: exp })];
    }
    case 'enum_declaration': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [mk(outer, n, text(src, nameNode), 'enum', { nameNode, body: field(n, 'body'), exported: exp })];
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
      return [mk(outer, n, name, n.type === 'module' ? 'module' : 'namespace', { nameNode, body, members: body, memberScope: 'namespace', exported: exp })];
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
          return [mk(outer, e, proto[2], isFn ? 'method' : 'field', {
            nameNode: field(left, 'property'), body: isFn ? field(right, 'body') : null, container: proto[1], chunk: isFn || rows(n) >= 3, exported: true,
          })];
        }
        const m = /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)$/.exec(lt);
        if (!m) return [];
        const isClass = right.type === 'class';
        const body = isFn ? field(right, 'body') : isClass ? field(right, 'body') : null;
        return [mk(outer, e, m[1], isFn ? 'function' : isClass ? 'class' : 'variable', {
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
          for (const nn of names) out.push(mk(outer, n, text(src, nn), isConst ? 'constant' : 'variable', { nameNode: nn, part, chunk: false, exported: exp, signature }));
          continue;
        }
        const name = text(src, nameNode);
        if (value && jsFunctionValues.has(value.type)) {
          const body = field(value, 'body');
          out.push(mk(outer, n, name, 'function', { nameNode, part, body: body && body.type === 'statement_block' ? body : null, exported: exp }));
        } else if (value && value.type === 'class') {
          const body = field(value, 'body');
          out.push(mk(outer, n, name, 'class', { nameNode, part, body, members: body, exported: exp }));
        } else {
          out.push(mk(outer, n, name, isConst ? 'constant' : 'variable', { nameNode, part, chunk: !!value && rows(value) >= 3, exported: exp }));
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
      return [mk(outer, n, name, name === 'constructor' ? 'constructor' : 'method', { nameNode, body: field(n, 'body'), exported: !jsPrivate(n, src, name) })];
    }
    case 'public_field_definition':
    case 'field_definition': {
      const nameNode = field(n, 'name') ?? field(n, 'property');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      const value = field(n, 'value');
      if (value && jsFunctionValues.has(value.type)) {
        const body = field(value, 'body');
        return [mk(outer, n, name, 'method', { nameNode, body: body && body.type === 'statement_block' ? body : null, exported: !jsPrivate(n, src, name) })];
      }
      return [mk(outer, n, name, 'field', { nameNode, exported: !jsPrivate(n, src, name) })];
    }
    case 'property_signature': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      return [mk(outer, n, text(src, nameNode), 'property', { nameNode })];
    }
  }
  return [];
}

const python: Classifier = (n, src, scope) => {
  let d = n;
  if (n.type === 'decorated_definition') d = field(n, 'definition') ?? n;
  switch (d.type) {
    case 'function_definition': {
      const nameNode = field(d, 'name');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      return [mk(n, d, name, scope === 'class' ? 'method' : 'function', { nameNode, body: field(d, 'body'), exported: !name.startsWith('_') || /^__.*__$/.test(name) })];
    }
    case 'class_definition': {
      const nameNode = field(d, 'name');
      if (!nameNode) return [];
      const name = text(src, nameNode);
      const body = field(d, 'body');
      return [mk(n, d, name, 'class', { nameNode, body, members: body, exported: !name.startsWith('_') })];
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
        return mk(n, d, name, kind, { nameNode: nn, part: i ? nn : null, chunk: scope === 'class' || rows(d) >= 3, exported: !name.startsWith('_') });
      });
    }
    case 'type_alias_statement': {
      const left = d.namedChild(0);
      if (!left) return [];
      return [mk(n, d, text(src, left).replace(/\[.*$/, ''), 'type', { nameNode: left, chunk: false })];
    }
  }
  return [];
};

const goExported = (s: string) => /^\p{Lu}/u.test(s);

const go: Classifier = (n, src) => {
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
      return [mk(n, n, name, n.type === 'method_declaration' ? 'method' : 'function', { nameNode, body: field(n, 'body'), container, exported: goExported(name) })];
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
        out.push(mk(n, n, name, kind, { nameNode, part: out.length || grouped ? spec : null, body: kind === 'interface' ? t : body, exported: goExported(name) }));
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
              out.push(mk(n, n, name, kind, { nameNode, part: out.length || grouped ? spec : null, chunk: rows(n) >= 3, exported: goExported(name) }));
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

function rustTypeName(src: string, t: Node | null): string {
  const s = text(src, t).replace(/<[\s\S]*$/, '').trim();
  const i = s.lastIndexOf('::');
  return (i >= 0 ? s.slice(i + 2) : s).replace(/^[&\s*]+|mut\s+/g, '') || s;
}

const rust: Classifier = (n, src, scope) => {
  const vis = childOfType(n, 'visibility_modifier');
  const exported = scope === 'class' && !vis ? true : !!vis && text(src, vis).startsWith('pub');
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => {
    const nameNode = field(n, 'name');
    if (!nameNode) return [];
    return [mk(n, n, text(src, nameNode), kind, { nameNode, exported, ...o })];
  };
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
      return [mk(n, n, rustTypeName(src, t), 'impl', { nameNode: t, body, members: body, symbol: false, exported: true })];
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

function hasModifier(n: Node, src: string, word: string): boolean {
  const re = new RegExp(`\\b${word}\\b`);
  for (const c of n.children) {
    if (!c) continue;
    if ((c.type === 'modifiers' || c.type === 'modifier' || c.type === 'visibility_modifier') && re.test(text(src, c))) return true;
  }
  return false;
}

const java: Classifier = (n, src, scope) => {
  const exported = hasModifier(n, src, 'public') || (scope === 'class' && !hasModifier(n, src, 'private') && !hasModifier(n, src, 'protected') && n.parent?.type === 'interface_body');
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => {
    const nameNode = field(n, 'name');
    if (!nameNode) return [];
    return [mk(n, n, text(src, nameNode), kind, { nameNode, exported, ...o })];
  };
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
        out.push(mk(n, n, name, kind, { nameNode, part: out.length ? d : null, exported }));
      }
      return out;
    }
  }
  return [];
};

const csharp: Classifier = (n, src) => {
  const exported = hasModifier(n, src, 'public');
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => {
    const nameNode = field(n, 'name');
    if (!nameNode) return [];
    return [mk(n, n, text(src, nameNode), kind, { nameNode, exported, ...o })];
  };
  switch (n.type) {
    case 'namespace_declaration': {
      const body = field(n, 'body');
      return named('namespace', { body, members: body, memberScope: 'namespace', exported: true });
    }
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
      return nameNode ? [mk(n, n, '~' + text(src, nameNode), 'method', { nameNode, body: field(n, 'body'), exported: false })] : [];
    }
    case 'property_declaration':
      return named('property', { body: field(n, 'accessors') });
    case 'event_declaration':
      return named('event');
    case 'indexer_declaration':
      return [mk(n, n, 'this', 'property', { exported })];
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
        out.push(mk(n, n, text(src, nameNode), n.type === 'event_field_declaration' ? 'event' : constant ? 'constant' : 'field', { nameNode, part: out.length ? d : null, exported }));
      }
      return out;
    }
  }
  return [];
};

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
      return [mk(outer, n, name, isCtor ? 'constructor' : inClass ? 'method' : 'function', { nameNode: nm.node, body: field(n, 'body'), container, exported })];
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
        out.push(mk(outer, n, name, kind, { nameNode: nm.node, part: out.length ? d : null, container, chunk: false, exported }));
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
      return [mk(outer, n, cppSplitName(src, nameNode).name.replace(/<.*$/, ''), kind, { nameNode, body, members: kind === 'enum' ? null : body })];
    }
    case 'namespace_definition': {
      const nameNode = field(n, 'name');
      const body = field(n, 'body');
      return [mk(outer, n, nameNode ? text(src, nameNode) : '(anonymous)', 'namespace', { nameNode, body, members: body, memberScope: 'namespace', symbol: !!nameNode })];
    }
    case 'type_definition': {
      const out: Decl[] = [];
      const t = field(n, 'type');
      const hasBody = !!t && /^(class|struct|union|enum)_specifier$/.test(t.type) && !!field(t, 'body');
      for (const d of n.childrenForFieldName('declarator')) {
        const nm = cppName(d);
        if (!nm) continue;
        out.push(mk(outer, n, text(src, nm.node), hasBody ? t!.type.replace(/_specifier$/, '') : 'type', { nameNode: nm.node, part: out.length ? d : null, body: hasBody ? field(t!, 'body') : null, chunk: hasBody }));
      }
      return out;
    }
    case 'alias_declaration': {
      const nameNode = field(n, 'name');
      return nameNode ? [mk(outer, n, text(src, nameNode), 'type', { nameNode, chunk: false })] : [];
    }
    case 'preproc_def':
    case 'preproc_function_def': {
      const nameNode = field(n, 'name');
      return nameNode ? [mk(outer, n, text(src, nameNode), 'macro', { nameNode, chunk: false })] : [];
    }
  }
  return [];
}

const ruby: Classifier = (n, src, scope) => {
  switch (n.type) {
    case 'class':
    case 'module': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const name = nameNode.type === 'scope_resolution' ? text(src, field(nameNode, 'name') ?? nameNode) : text(src, nameNode);
      const body = field(n, 'body');
      return [mk(n, n, name, n.type, { nameNode, body, members: body })];
    }
    case 'method':
    case 'singleton_method': {
      const nameNode = field(n, 'name');
      if (!nameNode) return [];
      const kind = scope === 'class' || n.type === 'singleton_method' ? 'method' : 'function';
      return [mk(n, n, text(src, nameNode), kind, { nameNode, body: field(n, 'body') })];
    }
    case 'assignment': {
      const left = field(n, 'left');
      if (!left || left.type !== 'constant') return [];
      return [mk(n, n, text(src, left), 'constant', { nameNode: left, chunk: rows(n) >= 3 })];
    }
  }
  return [];
};

const php: Classifier = (n, src) => {
  const vis = childOfType(n, 'visibility_modifier');
  const exported = !vis || text(src, vis) === 'public';
  const named = (kind: string, o: Partial<Decl> = {}): Decl[] => {
    const nameNode = field(n, 'name');
    if (!nameNode) return [];
    return [mk(n, n, text(src, nameNode), kind, { nameNode, exported, ...o })];
  };
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
      return [mk(n, n, name, name === '__construct' ? 'constructor' : 'method', { nameNode, body: field(n, 'body'), exported })];
    }
    case 'property_declaration': {
      const out: Decl[] = [];
      for (const el of n.namedChildren) {
        if (!el || el.type !== 'property_element') continue;
        const nameNode = field(el, 'name') ?? el.namedChild(0);
        if (!nameNode) continue;
        out.push(mk(n, n, text(src, nameNode).replace(/^\$/, ''), 'property', { nameNode, part: out.length ? el : null, exported }));
      }
      return out;
    }
    case 'const_declaration': {
      const out: Decl[] = [];
      for (const el of n.namedChildren) {
        if (!el || el.type !== 'const_element') continue;
        const nameNode = el.namedChildren.find((c) => c?.type === 'name') ?? null;
        if (!nameNode) continue;
        out.push(mk(n, n, text(src, nameNode), 'constant', { nameNode, part: out.length ? el : null, exported, chunk: rows(n) >= 3 }));
      }
      return out;
    }
  }
  return [];
};

const bash: Classifier = (n, src, scope) => {
  if (n.type === 'function_definition') {
    const nameNode = field(n, 'name');
    return nameNode ? [mk(n, n, text(src, nameNode), 'function', { nameNode, body: field(n, 'body') })] : [];
  }
  if (n.type === 'variable_assignment' && scope === 'top') {
    const nameNode = field(n, 'name');
    return nameNode ? [mk(n, n, text(src, nameNode), 'variable', { nameNode, chunk: false })] : [];
  }
  return [];
};

const css: Classifier = (n, src) => {
  switch (n.type) {
    case 'rule_set': {
      const sel = childOfType(n, 'selectors');
      return [mk(n, n, collapse(text(src, sel ?? n).split('{')[0]), 'rule', { body: childOfType(n, 'block'), symbol: false })];
    }
    case 'keyframes_statement': {
      const nameNode = childOfType(n, 'keyframes_name');
      return [mk(n, n, nameNode ? text(src, nameNode) : '@keyframes', 'keyframes', { nameNode, body: childOfType(n, 'keyframe_block_list'), symbol: !!nameNode })];
    }
    case 'media_statement':
    case 'supports_statement':
    case 'at_rule':
    case 'scope_statement':
    case 'layer_statement': {
      const block = childOfType(n, 'block');
      if (!block) return [];
      return [mk(n, n, collapse(src.slice(n.startIndex, block.startIndex)), 'at-rule', { body: block, members: block, memberScope: 'namespace', symbol: false })];
    }
  }
  return [];
};

const powershell: Classifier = (n, src) => {
  switch (n.type) {
    case 'function_statement': {
      const nameNode = childOfType(n, 'function_name');
      return nameNode ? [mk(n, n, text(src, nameNode), 'function', { nameNode, body: childOfType(n, '{') ?? childOfType(n, 'script_block') })] : [];
    }
    case 'class_statement':
    case 'enum_statement': {
      const nameNode = childOfType(n, 'simple_name');
      if (!nameNode) return [];
      const isClass = n.type === 'class_statement';
      return [mk(n, n, text(src, nameNode), isClass ? 'class' : 'enum', { nameNode, body: childOfType(n, '{'), members: isClass ? n : null })];
    }
    case 'class_method_definition': {
      const nameNode = childOfType(n, 'simple_name');
      return nameNode ? [mk(n, n, text(src, nameNode), 'method', { nameNode, body: childOfType(n, '{') ?? childOfType(n, 'script_block') })] : [];
    }
    case 'class_property_definition': {
      const v = childOfType(n, 'variable');
      return v ? [mk(n, n, text(src, v).replace(/^\$/, ''), 'property', { nameNode: v })] : [];
    }
  }
  return [];
};

const ini: Classifier = (n, src) => {
  if (n.type !== 'section') return [];
  const nameNode = childOfType(n, 'section_name');
  return [mk(n, n, collapse(text(src, nameNode).replace(/^\s*\[|\]\s*$/g, '')), 'section', { nameNode, symbol: false })];
};

const classifiers: Partial<Record<LanguageId, Classifier>> = {
  typescript: js, tsx: js, javascript: js,
  python, go, rust, java, csharp, ruby, php, bash, css, powershell, ini,
  cpp: (n, src, scope) => cpp(n, src, scope),
  c: (n, src, scope) => cpp(n, src, scope),
};

/** Classifies nodes of one file; results are cached by node so chunking and symbol extraction share them. */
export class Declarations {
  private readonly cache = new Map<number, Decl[]>();
  private readonly fn: Classifier | undefined;

  constructor(readonly language: LanguageId, readonly src: string) {
    this.fn = classifiers[language];
  }

  of(n: Node, scope: Scope): Decl[] {
    if (!this.fn || !n.isNamed) return [];
    const hit = this.cache.get(n.id);
    if (hit) return hit;
    let r: Decl[];
    try {
      r = this.fn(n, this.src, scope);
    } catch {
      r = []; // a classifier meeting a shape it does not expect skips the node, never the file
    }
    this.cache.set(n.id, r);
    return r;
  }
}

// ---------------------------------------------------------------------------
// Signatures

const decorationChildren = new Set(['decorator', 'comment', 'line_comment', 'block_comment', 'attribute_item', 'attribute_list', 'attributes', 'marker_annotation', 'annotation']);

/** Offset where a declaration's own text starts, after its decorators, attributes and annotations. */
export function signatureStart(d: Decl): number {
  if (d.part) return d.part.startIndex;
  const o = d.outer;
  let skipped = false;
  for (const c of o.children) {
    if (!c) continue;
    if (decorationChildren.has(c.type)) {
      skipped = true;
      continue;
    }
    if (c.type === 'modifiers') {
      const first = c.children.find((m) => m && !decorationChildren.has(m.type));
      if (first) return skipped || !first.equals(c.children[0]!) ? first.startIndex : o.startIndex;
      skipped = true;
      continue;
    }
    // a keyword the grammar keeps hidden (PowerShell's `class`) still starts the signature
    return skipped ? c.startIndex : o.startIndex;
  }
  return o.startIndex;
}

/** Offset where a declaration's signature ends (exclusive). */
export function signatureEnd(d: Decl, lines: LineIndex, start: number): number {
  const o = d.part ?? d.outer;
  const cut = bodyCut(d, start);
  if (cut !== null) return cut;
  const nl = lines.text.indexOf('\n', start);
  return Math.min(o.endIndex, nl < 0 ? lines.text.length : nl);
}

/** The one-line signature stored with a symbol: whitespace collapsed, ≤ 200 chars. */
export function signatureText(d: Decl, lines: LineIndex): string {
  if (d.signature !== undefined) return d.signature;
  const s = signatureStart(d);
  const e = signatureEnd(d, lines, s);
  let t = lines.text.slice(s, Math.min(e, s + 2000)).replace(/\s+/g, ' ').trim();
  t = t.replace(/\s*;\s*end$/, '').replace(/\s*[{;]\s*$/, '').replace(/\s*(=>|=)\s*$/, (m) => (d.body ? ' ' + m.trim() : m)).trim();
  if (t.length > 200) t = t.slice(0, 199) + '…';
  return t;
}

/** Rows of the signature, for headers of split parts: from its first row to the row before the body. */
export function signatureRows(d: Decl, lines: LineIndex): [number, number] {
  const s = signatureStart(d);
  const first = lines.rowOf(s);
  let last = first;
  const cut = bodyCut(d, s);
  if (cut !== null) {
    let p = cut - 1;
    while (p > s && /\s/.test(lines.text[p])) p--;
    last = lines.rowOf(p);
  }
  return [first, Math.min(last, first + 7)];
}

// ---------------------------------------------------------------------------
// Symbol table rows

/** Every declaration of a parsed file: top level and members of classes, impls, namespaces… (not locals). */
export function extractSymbols(root: Node, decls: Declarations, lines: LineIndex, path: string): SymbolDef[] {
  const out: SymbolDef[] = [];
  const walk = (children: Node[], scope: Scope, container: string | null, parentExported: boolean, depth: number) => {
    for (const n of children) {
      for (const d of decls.of(n, scope)) {
        const exported = d.exported && parentExported;
        if (d.symbol) {
          const r = d.part ?? d.outer;
          out.push({
            name: d.name,
            kind: d.kind,
            path,
            startLine: r.startPosition.row + 1,
            endLine: lastRow(r) + 1,
            container: d.container ?? container,
            signature: signatureText(d, lines),
            exported,
          });
        }
        if (d.members && depth < 24) {
          walk(memberChildren(d), d.memberScope, d.symbol || d.kind === 'impl' ? d.name : container, exported || d.kind === 'impl', depth + 1);
        }
      }
    }
  };
  walk(flatChildren(root), 'top', null, true, 0);
  return out;
}
