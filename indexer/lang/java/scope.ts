/**
 * What a Java file sees by bare name beyond its single-type imports: the
 * other classes of its package (the files of its folder: the folders spell
 * the package under a source root, and `src/main/java/a/b` and
 * `src/test/java/a/b` are the same package), the classes of each on-demand
 * import (`import a.b.*;`), and the members a static import brings in
 * (`import static a.b.C.*;`, `import static a.b.C.name;`: C's file).
 */
import { dirOf, dirsEndingWith, fileIndex, filesEndingWith } from '../../file-index.js';
import type { ScopeRule } from '../language-support.js';

const JAVA = /\.(java|kt|scala)$/;
/** A package folder larger than this is read as its first files only. */
const MAX_PACKAGE_FILES = 400;
/** Source roots whose trees are one package space (Maven and Gradle layouts). */
const SOURCE_ROOT = /^(.*?\/)?src\/(main|test|testFixtures|integrationTest|[A-Za-z]+Test)\/(java|kotlin|scala)\//;

export const javaScope: ScopeRule = ({ from, imports, ctx }) => {
  const idx = fileIndex(ctx.files);
  const out = new Set<string>();
  const addDir = (d: string) => {
    for (const f of idx.dirs.get(d) ?? []) if (JAVA.test(f) && out.size < MAX_PACKAGE_FILES) out.add(f);
  };
  const dir = dirOf(from);
  addDir(dir);
  // The same package under the module's other source roots (main ↔ test).
  const root = SOURCE_ROOT.exec(dir + '/');
  if (root) {
    const pkg = dir.slice(root[0].length);
    for (const kind of ['main', 'test']) if (kind !== root[2]) addDir(`${root[1] ?? ''}src/${kind}/${root[3]}${pkg ? '/' + pkg : ''}`.replace(/\/$/, ''));
  }
  for (const ref of imports) {
    const spec = ref.specifier.replace(/^static\s+/, '');
    if (spec.endsWith('.*')) {
      const pkg = spec.slice(0, -2).replace(/\./g, '/');
      const dirs = dirsEndingWith(idx, pkg).filter((d) => (idx.dirs.get(d) ?? []).some((f) => JAVA.test(f)));
      if (dirs.length) for (const d of dirs.slice(0, 2)) addDir(d);
      else for (const f of classFiles(idx, spec.slice(0, -2))) out.add(f); // `import static a.b.C.*`
    } else if (ref.kind === 'static' || /^[a-z_][\w.]*\.[A-Z]\w*\.\w+$/.test(spec)) {
      for (const f of classFiles(idx, spec.slice(0, spec.lastIndexOf('.')))) out.add(f); // `import static a.b.C.name`
    }
  }
  out.delete(from);
  return [...out];
};

/** The file of a class (or of the class that nests it: `a.b.Outer.Inner` → `a/b/Outer.java`). */
function classFiles(idx: ReturnType<typeof fileIndex>, qualified: string): string[] {
  const segs = qualified.split('.');
  for (let k = segs.length; k >= Math.max(1, segs.length - 2); k--) {
    const rel = segs.slice(0, k).join('/');
    for (const ext of ['.java', '.kt', '.scala']) {
      const hit = filesEndingWith(idx, rel + ext);
      if (hit.length) return hit.slice(0, 1);
    }
  }
  return [];
}
