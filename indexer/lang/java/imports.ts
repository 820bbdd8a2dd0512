/** What Java files import: each `import [static] a.b.C;` or `a.b.*`, naming the imported class. */
import { flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const javaImports: ImportExtractor = ({ root, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type !== 'import_declaration') continue;
    const spec = text(n).replace(/^import\s+(static\s+)?/, '').replace(/\s*;\s*$/, '').replace(/\s+/g, '');
    add(spec, spec.endsWith('.*') ? [] : [spec.slice(spec.lastIndexOf('.') + 1)], row(n), 'import');
  }
};
