/** What Go files import: each `import` spec, bound to its alias or else the package's name (packageName). */
import { unquote } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const goImports: ImportExtractor = ({ root, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type !== 'import_declaration') continue;
    const specs = n.descendantsOfType('import_spec');
    for (const s of specs) {
      if (!s) continue;
      const spec = unquote(text(field(s, 'path')));
      // The package is named by its alias, else (by Go convention) by the path's last segment.
      const alias = text(field(s, 'name'));
      add(spec, [], row(s), 'import', alias || packageName(spec));
    }
  }
};

/**
 * The name a package is used by when its import has no alias: the path's last segment, less a major
 * version — `github.com/go-chi/chi/v5` is `chi`, `gopkg.in/yaml.v3` is `yaml`.
 */
export function packageName(spec: string): string {
  const segments = spec.split('/').filter(Boolean);
  let last = segments.pop() ?? spec;
  if (/^v\d+$/.test(last) && segments.length) last = segments.pop()!;
  return last.replace(/\.v\d+$/, '');
}
