/** Which workspace file an `@import` means: beside the sheet or from the root, `.css` added when the name has no extension; URLs are outside. */
import path from 'node:path';
import { dirOf, firstExisting, join, one } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolveCssImport: ImportResolver = ({ specifier, from, ctx }) => resolveCss(specifier, from, ctx);

function resolveCss(spec: string, from: string, ctx: ImportContext): string[] {
  if (/^[a-z]+:/i.test(spec) || spec.startsWith('//')) return [];
  const s = spec.startsWith('/') ? spec.slice(1) : spec;
  const withExt = path.posix.extname(s) ? [s] : [`${s}.css`, s];
  const cands: Array<string | null> = [];
  for (const w of withExt) cands.push(spec.startsWith('/') ? join(w) : join(dirOf(from), w));
  if (!spec.startsWith('.') && !spec.startsWith('/')) for (const w of withExt) cands.push(join(w));
  return one(firstExisting(ctx.files, cands));
}
