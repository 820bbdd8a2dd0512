/**
 * Which workspace files a PHP import means: a `use` of a class names the
 * file of that name whose folders best spell the namespace (PSR-4, outside
 * `vendor/` first); a `require` is a path beside the file or from the root.
 */
import { dirOf, fileIndex, firstExisting, join, one } from '../../file-index.js';
import type { ImportContext, ImportRef } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolvePhpImport: ImportResolver = ({ ref, specifier, from, ctx }) => resolvePhp(ref, specifier, from, ctx);

function resolvePhp(ref: ImportRef, spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  if (ref.kind === 'use' || (!spec.includes('/') && spec.includes('\\'))) {
    const segs = spec.replace(/^\\/, '').split('\\');
    const idx = fileIndex(files);
    const base = `${segs[segs.length - 1]}.php`;
    let best: string | null = null;
    let bestScore = 0;
    for (const f of idx.byBase.get(base) ?? []) {
      const parts = f.split('/');
      let score = 1;
      for (let i = 2; i <= segs.length && i <= parts.length; i++) {
        if (parts[parts.length - i].toLowerCase() !== segs[segs.length - i].toLowerCase()) break;
        score++;
      }
      if (f.startsWith('vendor/')) score -= 0.5;
      if (score > bestScore) {
        best = f;
        bestScore = score;
      }
    }
    return best && (bestScore >= 2 || segs.length === 1) ? [best] : [];
  }
  if (spec.startsWith('/')) return [];
  return one(firstExisting(files, [join(dirOf(from), spec), spec.startsWith('.') ? null : join(spec)]));
}
