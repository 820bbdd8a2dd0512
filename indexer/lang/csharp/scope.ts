/**
 * What a C# file sees by bare name beyond its `using` directives (which
 * resolve.ts follows): the types of its own namespace and of the namespaces
 * that enclose it (code in `A.B.C` sees `A.B`'s and `A`'s types unqualified).
 * Those are the files that declare them, where the index knows the file's
 * namespace; then, as namespaces follow folders by convention
 * (`Acme/Billing/Invoice.cs` is `Acme.Billing`), the file's folder and the
 * folders above it, nearest first, up to the project root.
 */
import { dirOf, fileIndex } from '../../file-index.js';
import type { ScopeRule } from '../language-support.js';

/** At most this many files, nearest folders first (a big solution's root holds many projects). */
const MAX_FILES = 400;
/** How many folders above its own a file sees (namespaces nest a few levels). */
const MAX_UP = 4;

export const csharpScope: ScopeRule = ({ from, ctx }) => {
  const idx = fileIndex(ctx.files);
  // The files that declare the file's namespace or one enclosing it, nearest first, as the index
  // has them: a project need not keep its namespaces in folders of their names (UniTask's
  // Runtime/Internal/TaskTracker.cs is in Cysharp.Threading.Tasks).
  const declared = new Set<string>();
  for (const ns of ctx.namespaces?.of(from) ?? []) {
    const parts = ns.split('.');
    for (let k = parts.length; k >= 1 && declared.size < MAX_FILES; k--) {
      for (const f of ctx.namespaces!.declaring(parts.slice(0, k).join('.'))) if (f !== from && declared.size < MAX_FILES) declared.add(f);
    }
  }
  const out: string[] = [...declared];
  let dir = dirOf(from);
  for (let up = 0; up <= MAX_UP && out.length < MAX_FILES; up++) {
    const files = (idx.dirs.get(dir) ?? []).filter((f) => f.endsWith('.cs') && f !== from && !declared.has(f));
    out.push(...files.slice(0, MAX_FILES - out.length));
    // A project file marks the root of the namespace tree: its folder is the last one read.
    if ((idx.dirs.get(dir) ?? []).some((f) => f.endsWith('.csproj')) || dir === '') break;
    dir = dirOf(dir);
  }
  return out;
};
