/**
 * What a Go file sees by bare name: every file of its package, which is its
 * folder. A non-test file sees the folder's other non-test `.go` files; a
 * `_test.go` file sees them and the folder's other test files too (an
 * external `package x_test` sees the package's names only qualified, but
 * its helpers are shared with the other tests, so the folder is the
 * scope either way). `pkg.Name` goes through the import (resolve.ts).
 */
import { dirOf, fileIndex } from '../../file-index.js';
import type { ScopeRule } from '../language-support.js';

/** A package larger than this is read as its nearest files only (a generated folder of thousands). */
const MAX_PACKAGE_FILES = 400;

export const goScope: ScopeRule = ({ from, ctx }) => {
  const test = from.endsWith('_test.go');
  const files = (fileIndex(ctx.files).dirs.get(dirOf(from)) ?? []).filter((f) => f !== from && f.endsWith('.go') && (test || !f.endsWith('_test.go')));
  return files.slice(0, MAX_PACKAGE_FILES);
};
