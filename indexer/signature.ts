/**
 * Signatures: the one-line text stored with a symbol (`function parseConfig(text: string): Config`)
 * and the rows a split declaration's parts repeat as their header. Decorators,
 * attributes and annotations are left out; the text stops where the body starts.
 */
import type { Decl } from './decl.js';
import type { LineIndex } from './line-index.js';
import { decorationTypes } from './syntax.js';

/** Offset where a declaration's signature stops: the end of the last token before its body. */
function bodyCut(d: Decl, start: number): number | null {
  if (!d.body || d.body.startIndex <= start) return null;
  let p = d.body.previousSibling;
  while (p && decorationTypes.has(p.type)) p = p.previousSibling;
  return p && p.endIndex > start && p.endIndex <= d.body.startIndex ? p.endIndex : d.body.startIndex;
}

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
