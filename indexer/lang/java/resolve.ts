/**
 * Which workspace files a Java (or Kotlin, Scala) import means: the class
 * file under any source root whose folders spell the package (`a/b/C.java`),
 * or a package's files for `a.b.*`.
 */
import { dirsEndingWith, fileIndex, filesEndingWith } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolveJavaImport: ImportResolver = ({ specifier, ctx }) => resolveJava(specifier, ctx);

function resolveJava(spec: string, ctx: ImportContext): string[] {
  const idx = fileIndex(ctx.files);
  if (spec.endsWith('.*')) {
    const pkg = spec.slice(0, -2).replace(/\./g, '/');
    for (const d of dirsEndingWith(idx, pkg)) {
      const list = (idx.dirs.get(d) ?? []).filter((f) => /\.(java|kt|scala)$/.test(f));
      if (list.length) return list;
    }
    // `import static a.b.C.*`: the class itself
    return filesEndingWith(idx, pkg + '.java').slice(0, 1);
  }
  const segs = spec.split('.');
  for (let k = segs.length; k >= Math.max(1, segs.length - 2); k--) {
    const rel = segs.slice(0, k).join('/');
    for (const ext of ['.java', '.kt', '.scala']) {
      const hit = filesEndingWith(idx, rel + ext);
      if (hit.length) return [hit[0]];
    }
  }
  return [];
}
