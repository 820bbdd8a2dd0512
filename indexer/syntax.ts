/**
 * Syntax: small helpers over tree-sitter nodes, shared by every language's
 * classifiers and extractors, and the walk that lists a level's children
 * (`flatChildren`: include guards, `extern "C"` and parse errors are looked
 * through, not listed).
 *
 * ```ts
 * for (const n of flatChildren(root)) if (n.type === 'import_declaration') text(src, field(n, 'path'));
 * ```
 */
import type { Node } from 'web-tree-sitter';

/** Last row a node really occupies (a node that ends with its newline ends on the row before). */
export function lastRow(n: Node): number {
  const e = n.endPosition;
  const s = n.startPosition.row;
  return e.column === 0 && e.row > s ? e.row - 1 : e.row;
}

/** Rows a node spans. */
export const rows = (n: Node) => lastRow(n) - n.startPosition.row + 1;

/** The source text of a node; '' for none. */
export function text(src: string, n: Node | null): string {
  return n ? src.slice(n.startIndex, n.endIndex) : '';
}

export function field(n: Node, name: string): Node | null {
  return n.childForFieldName(name);
}

/** The first child of one of the types. */
export function childOfType(n: Node, types: ReadonlySet<string> | string): Node | null {
  for (let i = 0, c = n.childCount; i < c; i++) {
    const ch = n.child(i);
    if (ch && (typeof types === 'string' ? ch.type === types : types.has(ch.type))) return ch;
  }
  return null;
}

/** The declaration whose body (a `declaration_list`: Rust's impl and trait, C#'s types) holds `n`; null elsewhere. */
export function bodyHolder(n: Node): Node | null {
  return n.parent?.type === 'declaration_list' ? n.parent.parent : null;
}

/** Whitespace collapsed, cut to `max` characters. */
export function collapse(s: string, max = 120): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Whether a node carries a modifier word (`public`, `static`) among its `modifiers` / `modifier` / `visibility_modifier` children. */
export function hasModifier(n: Node, src: string, word: string): boolean {
  const re = new RegExp(`\\b${word}\\b`);
  for (const c of n.children) {
    if (!c) continue;
    if ((c.type === 'modifiers' || c.type === 'modifier' || c.type === 'visibility_modifier') && re.test(text(src, c))) return true;
  }
  return false;
}

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
