/**
 * Which workspace files a C# `using` means: the files that declare the
 * namespace, as the index has them; else the `.cs` files of the folder that
 * spells it (or its trailing part), else a class file of that name.
 */
import { dirsEndingWith, fileIndex, filesEndingWith } from '../../file-index.js';
import type { ImportContext } from '../../import-ref.js';
import type { ImportResolver } from '../language-support.js';

export const resolveCsharpImport: ImportResolver = ({ specifier, ctx }) => resolveCsharp(specifier, ctx);

/** A namespace declared by more files than this resolves to its first ones. */
const MAX_DECLARING = 400;

function resolveCsharp(spec: string, ctx: ImportContext): string[] {
  // The files that declare the namespace, where the index knows them: wherever they are.
  const declaring = ctx.namespaces?.declaring(spec.replace(/^global::/, '')) ?? [];
  if (declaring.length) return declaring.slice(0, MAX_DECLARING);
  const idx = fileIndex(ctx.files);
  const segs = spec.replace(/^global::/, '').split('.');
  for (let k = segs.length; k >= 1; k--) {
    const suffix = segs.slice(segs.length - k).join('/');
    for (const d of dirsEndingWith(idx, suffix)) {
      const list = (idx.dirs.get(d) ?? []).filter((f) => f.endsWith('.cs'));
      if (list.length) return list;
    }
    const cls = filesEndingWith(idx, suffix + '.cs');
    if (cls.length) return [cls[0]];
    if (k <= segs.length - 2) break; // do not guess from a single trailing word of a long namespace
  }
  return [];
}
