/**
 * What PHP files import: `use` declarations (grouped ones too) and
 * `require`/`include` of a literal path, or one relative to `__DIR__`.
 */
import type { Node } from 'web-tree-sitter';
import type { ImportSink } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const phpImports: ImportExtractor = ({ root, text, row, add }) => phpUses(flatChildren(root), text, row, add, 0);

type Text = (n: Node | null) => string;
type Row = (n: Node) => number;

function phpUses(nodes: Node[], text: Text, row: Row, add: ImportSink, depth: number): void {
  for (const n of nodes) {
    if (n.type === 'namespace_use_declaration') {
      const group = n.namedChildren.find((c) => c?.type === 'namespace_use_group');
      const prefix = group ? text(n.namedChildren.find((c) => c?.type === 'namespace_name') ?? null) : '';
      const clauses = (group ?? n).namedChildren.filter((c): c is Node => c?.type === 'namespace_use_clause');
      for (const c of clauses) {
        const target = c.namedChildren.find((x) => x && (x.type === 'qualified_name' || x.type === 'name' || x.type === 'namespace_name'));
        if (!target) continue;
        const spec = (prefix ? `${prefix}\\${text(target)}` : text(target)).replace(/^\\/, '');
        add(spec, [spec.slice(spec.lastIndexOf('\\') + 1)], row(n), 'use');
      }
    } else if (n.type === 'expression_statement') {
      const e = n.namedChild(0);
      if (!e || !/^(require|require_once|include|include_once)_expression$/.test(e.type)) continue;
      const t = text(e).replace(/^\w+\s*\(?\s*/, '').replace(/\)?\s*$/, '');
      const m = /^(?:__DIR__|dirname\(\s*__FILE__\s*\))\s*\.\s*(['"])([^'"]+)\1$/.exec(t) ?? /^(['"])([^'"]+)\1$/.exec(t);
      if (!m) continue;
      const spec = t.startsWith('__DIR__') || t.startsWith('dirname') ? './' + m[2].replace(/^\/+/, '') : m[2];
      add(spec, [], row(n), 'require');
    } else if (n.type === 'namespace_definition' && depth < 2) {
      const body = field(n, 'body');
      if (body) phpUses(flatChildren(body), text, row, add, depth + 1);
    }
  }
}
