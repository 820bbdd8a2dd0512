/**
 * The workspace's file list as import resolution reads it: files by folder
 * and by base name (built once per file set), and path helpers that never
 * leave the workspace root. Every language's resolver uses it.
 *
 * ```ts
 * const idx = fileIndex(ctx.files);
 * idx.dirs.get('pkg/config');            // the files of one folder, sorted
 * join(dirOf('src/app.ts'), '../x.ts');  // 'x.ts'; null when it climbs out of the root
 * ```
 */

export interface FileIndex {
  /** Size of the file set it was built from (a set that grew or shrank is indexed again). */
  size: number;
  /** Folder ('' for the root) → its files, sorted. */
  dirs: Map<string, string[]>;
  /** Base name → the files of that name, sorted. */
  byBase: Map<string, string[]>;
}

const indexes = new WeakMap<ReadonlySet<string>, FileIndex>();

/** The index of a file set, built once per set (and size). */
export function fileIndex(files: ReadonlySet<string>): FileIndex {
  const hit = indexes.get(files);
  if (hit && hit.size === files.size) return hit;
  const dirs = new Map<string, string[]>();
  const byBase = new Map<string, string[]>();
  for (const f of files) {
    const i = f.lastIndexOf('/');
    const dir = i < 0 ? '' : f.slice(0, i);
    const base = f.slice(i + 1);
    let d = dirs.get(dir);
    if (!d) dirs.set(dir, (d = []));
    d.push(f);
    let b = byBase.get(base);
    if (!b) byBase.set(base, (b = []));
    b.push(f);
  }
  for (const list of dirs.values()) list.sort();
  for (const list of byBase.values()) list.sort();
  const idx: FileIndex = { size: files.size, dirs, byBase };
  indexes.set(files, idx);
  return idx;
}

/** Joins and normalizes posix segments; null when the result leaves the workspace root. */
export function join(...parts: string[]): string | null {
  const out: string[] = [];
  for (const part of parts) {
    for (const seg of part.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (!out.length) return null;
        out.pop();
      } else out.push(seg);
    }
  }
  return out.join('/');
}

/** The folder of a posix path; '' at the root. */
export const dirOf = (p: string) => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};

/** A found file as a resolution result. */
export const one = (p: string | null): string[] => (p ? [p] : []);

/** The first candidate the workspace has. */
export function firstExisting(files: ReadonlySet<string>, candidates: Array<string | null>): string | null {
  for (const c of candidates) if (c !== null && c !== '' && files.has(c)) return c;
  return null;
}

/** Folders named `suffix` or ending with `/suffix`, shortest first. */
export function dirsEndingWith(idx: FileIndex, suffix: string): string[] {
  const out: string[] = [];
  for (const d of idx.dirs.keys()) if (d === suffix || d.endsWith('/' + suffix)) out.push(d);
  return out.sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
}

/** Files named `rel` or ending with `/rel`. */
export function filesEndingWith(idx: FileIndex, rel: string): string[] {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  return (idx.byBase.get(base) ?? []).filter((f) => f === rel || f.endsWith('/' + rel));
}

/** The one file ending with `rel`; null when none or several do. */
export function bySuffixUnique(idx: FileIndex, rel: string): string | null {
  const hits = filesEndingWith(idx, rel);
  return hits.length === 1 ? hits[0] : null;
}
