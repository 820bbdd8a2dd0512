/** What C and C++ files include: `#include "x.h"` and `#include <x.h>` (kind 'system-include'). */
import { unquote } from '../../import-ref.js';
import { field, flatChildren } from '../../syntax.js';
import type { ImportExtractor } from '../language-support.js';

export const cppImports: ImportExtractor = ({ root, text, row, add }) => {
  for (const n of flatChildren(root)) {
    if (n.type !== 'preproc_include') continue;
    const p = field(n, 'path');
    if (!p) continue;
    add(unquote(text(p)), [], row(n), p.type === 'system_lib_string' ? 'system-include' : 'include');
  }
};
