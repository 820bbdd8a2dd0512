/** What C# files import: `using` directives, at file level and inside namespaces. */
import type { Node } from 'web-tree-sitter';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const csharpImports: ImportExtractor = ({ root, text, row, add }) => {
  const visit = (nodes: Node[], depth: number) => {
    for (const n of nodes) {
      if (n.type === 'using_directive') {
        const alias = field(n, 'name');
        const target = n.namedChildren.filter((c) => c && (!alias || !c.equals(alias)) && /identifier|qualified_name|generic_name/.test(c.type)).pop();
        if (target) add(text(target), [], row(n), 'using');
      } else if ((n.type === 'namespace_declaration' || n.type === 'declaration_list') && depth < 4) {
        const body = n.type === 'namespace_declaration' ? field(n, 'body') : n;
        if (body) visit(flatChildren(body), depth + 1);
      }
    }
  };
  visit(flatChildren(root), 0);
};
