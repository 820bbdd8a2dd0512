/**
 * Symbols: what a syntax tree declares. Each language's classifier (its
 * `declarations`, in lang/) turns a node into zero or more declarations
 * (`Decl`); the chunker uses them to cut files at declarations, and
 * `extractSymbols` turns them into the symbol table's rows. Function bodies
 * are not entered: locals are not symbols (see local-symbols.ts for the
 * definitions inside them).
 */
import type { Node } from 'web-tree-sitter';
import { memberChildren, type Decl, type Scope } from './decl.js';
import type { LanguageId } from './languages.js';
import type { LineIndex } from './line-index.js';
import type { DeclarationClassifier } from './lang/language-support.js';
import { languageSupport } from './lang/registry.js';
import { signatureText } from './signature.js';
import { flatChildren, lastRow } from './syntax.js';

export interface SymbolDef {
  name: string;
  kind: string;
  path: string;
  /** 1-based inclusive, the whole definition (decorators included, preceding comments not). */
  startLine: number;
  endLine: number;
  container: string | null;
  /** The definition's first line(s) up to the body, whitespace collapsed, ≤ 200 chars. */
  signature: string;
  /** Best effort: TS `export`, Go capitalised, Python no leading `_`, Java/C#/PHP `public`, Rust `pub`… */
  exported: boolean;
}

/** Classifies nodes of one file; results are cached by node so chunking and symbol extraction share them. */
export class Declarations {
  private readonly cache = new Map<number, Decl[]>();
  private readonly fn: DeclarationClassifier | undefined;

  constructor(readonly language: LanguageId, readonly src: string) {
    this.fn = languageSupport(language).declarations;
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
