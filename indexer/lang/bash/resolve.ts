/**
 * Which workspace file a sourced path means: beside the script or from the
 * root; `$DIR/x.sh`, `${DIR}/x.sh` and `$(dirname "$0")/x.sh` are read as
 * `./x.sh`; absolute paths and other expansions are outside the workspace.
 */
import { dirOf, firstExisting, join, one } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolveSourcedFile: ImportResolver = ({ specifier, from, ctx }) => resolveSource(specifier, from, ctx);

function resolveSource(spec: string, from: string, ctx: ImportContext): string[] {
  let s = spec.replace(/^(['"])(.*)\1$/, '$2');
  const rel = /^(?:\$\{?\w+(?:\[[^\]]*\])?\}?|\$\([^)]*\)|"\$\([^)]*\)")\/(.*)$/.exec(s);
  if (rel) s = './' + rel[1];
  if (s.startsWith('/') || s.includes('$') || s.startsWith('~')) return [];
  return one(firstExisting(ctx.files, [join(dirOf(from), s), s.startsWith('.') ? null : join(s)]));
}
