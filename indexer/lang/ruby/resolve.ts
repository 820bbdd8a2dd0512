/** Which workspace file a Ruby `require` means: beside the file (relative ones), else under `lib/`, the root or `app/`. */
import { dirOf, firstExisting, join, one } from '../../file-index.js';
import type { ImportContext, ImportRef } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolveRubyImport: ImportResolver = ({ ref, specifier, from, ctx }) => resolveRuby(ref, specifier, from, ctx);

function resolveRuby(ref: ImportRef, spec: string, from: string, ctx: ImportContext): string[] {
  const files = ctx.files;
  const withExt = /\.rb$/.test(spec) ? spec : `${spec}.rb`;
  if (ref.kind === 'require_relative') return one(firstExisting(files, [join(dirOf(from), withExt)]));
  if (spec.startsWith('./') || spec.startsWith('../')) return one(firstExisting(files, [join(dirOf(from), withExt)]));
  return one(firstExisting(files, [join('lib', withExt), join(withExt), join('app', withExt)]));
}
