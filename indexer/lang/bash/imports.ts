/** What shell scripts import: `source x` and `. x`. */
import { unquote } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const bashImports: ImportExtractor = ({ root, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type !== 'command') continue;
    const name = text(field(n, 'name'));
    if (name !== 'source' && name !== '.') continue;
    const arg = n.childrenForFieldName('argument')[0];
    if (arg) add(unquote(text(arg)), [], row(n), 'source');
  }
};
