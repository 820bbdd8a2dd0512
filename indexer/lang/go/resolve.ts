/**
 * Which workspace files a Go import means: a path under the module of
 * go.mod names a package folder, whose non-test `.go` files it imports.
 */
import { fileIndex } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolveGoImport: ImportResolver = ({ specifier, ctx }) => resolveGo(specifier, ctx);

function resolveGo(spec: string, ctx: ImportContext): string[] {
  const mod = ctx.goModule?.trim();
  if (!mod) return [];
  let dir: string;
  if (spec === mod) dir = '';
  else if (spec.startsWith(mod + '/')) dir = spec.slice(mod.length + 1);
  else return [];
  const idx = fileIndex(ctx.files);
  const pick = (d: string) => (idx.dirs.get(d) ?? []).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'));
  return pick(dir);
}
