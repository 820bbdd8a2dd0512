/** What style sheets import: `@import 'x'` and `@import url(x)`. */
import { flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const cssImports: ImportExtractor = ({ root, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type !== 'import_statement') continue;
    const m = /@import\s+(?:url\(\s*)?(['"]?)([^'")\s;]+)\1/.exec(text(n));
    if (m) add(m[2], [], row(n), 'import');
  }
};
