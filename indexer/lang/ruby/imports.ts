/** What Ruby files load: `require`, `require_relative`, `load` and `autoload` of a literal string. */
import { unquote } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const rubyImports: ImportExtractor = ({ root, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type !== 'call') continue;
    const m = text(field(n, 'method'));
    if (!/^(require|require_relative|load|autoload)$/.test(m)) continue;
    const args = field(n, 'arguments');
    const str = args?.namedChildren.filter((c) => c?.type === 'string').pop();
    if (str && !/#\{/.test(text(str))) add(unquote(text(str)), [], row(n), m);
  }
};
