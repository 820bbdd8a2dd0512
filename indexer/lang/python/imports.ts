/**
 * What Python files import: `import a.b [as x]` and `from m import …`, at
 * module level or inside `if`/`try`/`with` blocks (optional imports).
 */
import type { Node } from 'web-tree-sitter';
import type { ImportSink } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const pythonImports: ImportExtractor = ({ root, text, row, add }) => pyImports(flatChildren(root), text, row, add, 0);

type Text = (n: Node | null) => string;
type Row = (n: Node) => number;

function pyImports(nodes: Node[], text: Text, row: Row, add: ImportSink, depth: number): void {
  const dotted = (n: Node | null) => (n?.type === 'aliased_import' ? text(field(n, 'name')) : text(n));
  for (const n of nodes) {
    if (n.type === 'import_statement') {
      for (const name of n.childrenForFieldName('name')) {
        if (!name) continue;
        const module = dotted(name);
        // `import a.b as x` binds x; `import a.b` is written `a.b.f()`, whose nearest qualifier is b.
        const alias = name.type === 'aliased_import' ? text(field(name, 'alias')) : '';
        add(module, [], row(n), 'import', alias || module.slice(module.lastIndexOf('.') + 1));
      }
    } else if (n.type === 'import_from_statement') {
      const mod = field(n, 'module_name');
      if (!mod) continue;
      const named = n.childrenForFieldName('name').filter((c): c is Node => !!c);
      const names = named.map((c) => dotted(c));
      // `from m import a as b` binds b to m's a.
      const renames = named.flatMap((c): [string, string][] => (c.type === 'aliased_import' ? [[text(field(c, 'alias')), dotted(c)]] : []));
      add(text(mod).replace(/\s+/g, ''), names, row(n), 'from', undefined, renames);
    } else if (depth < 3 && /^(if_statement|try_statement|with_statement|else_clause|elif_clause|except_clause|finally_clause|block)$/.test(n.type)) {
      pyImports(n.namedChildren.filter((c): c is Node => !!c), text, row, add, depth + 1);
    }
  }
}
