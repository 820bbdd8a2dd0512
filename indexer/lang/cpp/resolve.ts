/**
 * Which workspace file an `#include` means: beside the includer (quoted
 * includes only), from the root, `include/` or `src/`, else the one file
 * whose path ends with it.
 */
import { bySuffixUnique, dirOf, fileIndex, firstExisting, join, one } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolveInclude: ImportResolver = ({ ref, specifier, from, ctx }) => include(specifier, from, ref.kind === 'system-include', ctx);

function include(spec: string, from: string, system: boolean, ctx: ImportContext): string[] {
  const files = ctx.files;
  const cands = system ? [] : [join(dirOf(from), spec)];
  cands.push(join(spec), join('include', spec), join('src', spec));
  const hit = firstExisting(files, cands);
  if (hit) return [hit];
  return one(spec.includes('/') || !system ? bySuffixUnique(fileIndex(files), spec.replace(/^(\.\.?\/)+/, '')) : null);
}
