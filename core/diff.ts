/**
 * Unified diffs of one file (`diff -u` / `git diff` shape, so `patch -p1` and
 * `git apply` take them) and a strict applier, on jsdiff.
 *
 * ```ts
 * const diff = unifiedDiff(before, after, { path: 'src/cart.ts' });
 * applyUnifiedDiff(before, diff) === after; // true; a hunk that does not match throws
 * ```
 *
 * Lines keep their terminators (`\n` or `\r\n`), so a CRLF file diffs and
 * patches as CRLF; a last line without one is marked `\ No newline at end of
 * file`. Unlike jsdiff's own `applyPatch`, a hunk is applied only exactly where
 * its header says, with every line and line ending as the diff expects: no
 * offset search, no fuzz, no line-ending conversion.
 */
import { applyPatch, formatPatch, parsePatch, structuredPatch, FILE_HEADERS_ONLY, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import { CvuError } from './errors.js';

/** Lines with their terminators; the last one may have none. */
export function splitKeepingEol(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Edit distance (lines) past which Myers' diff gives up and the changed middle
 * is replaced whole: a wholesale rewrite would otherwise block the daemon for
 * seconds (jsdiff's cost grows with the square of it; 1,000 is ~0.15 s).
 */
const MAX_EDIT_LINES = 1_000;

const NO_NEWLINE = '\\ No newline at end of file';

export interface UnifiedDiffOptions {
  /** Workspace-relative path, shown as `a/PATH` and `b/PATH`. */
  path: string;
  /** Unchanged lines around each change (default 3). */
  context?: number;
}

/** The unified diff turning `before` into `after`; '' when they are equal. */
export function unifiedDiff(before: string, after: string, opts: UnifiedDiffOptions): string {
  if (before === after) return '';
  const context = opts.context ?? 3;
  const patch =
    structuredPatch(`a/${opts.path}`, `b/${opts.path}`, before, after, undefined, undefined, { context, maxEditLength: MAX_EDIT_LINES }) ??
    middleReplaced(`a/${opts.path}`, `b/${opts.path}`, before, after, context);
  if (!patch.hunks.length) return '';
  return formatPatch(patch, FILE_HEADERS_ONLY);
}

/**
 * One hunk replacing every line between the common head and tail: the diff
 * for when Myers gives up. Hand-built because jsdiff has no bounded mode that
 * still returns a patch.
 */
function middleReplaced(oldName: string, newName: string, before: string, after: string, context: number): StructuredPatch {
  const a = splitKeepingEol(before);
  const b = splitKeepingEol(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - context);
  const tail = Math.min(a.length - endA, context);
  const rows = [
    ...a.slice(from, start).map((l) => ' ' + l),
    ...a.slice(start, endA).map((l) => '-' + l),
    ...b.slice(start, endB).map((l) => '+' + l),
    ...a.slice(endA, endA + tail).map((l) => ' ' + l),
  ];
  const hunk: StructuredPatchHunk = {
    // formatPatch prints an empty side as starting at the line before it.
    oldStart: from + 1,
    oldLines: endA + tail - from,
    newStart: from + 1,
    newLines: endB + tail - from,
    lines: rows.flatMap((r) => (r.endsWith('\n') ? [r.slice(0, -1)] : [r, NO_NEWLINE])),
  };
  return { oldFileName: oldName, newFileName: newName, oldHeader: undefined, newHeader: undefined, hunks: [hunk] };
}

/**
 * Applies a unified diff made by {@link unifiedDiff} (one file) to `text`.
 * Every context and removed line must match exactly where its hunk says:
 * otherwise CVU_ERR_BAD_REQUEST (409), the file changed since the diff.
 */
export function applyUnifiedDiff(text: string, diff: string): string {
  if (!diff) return text;
  let patches: StructuredPatch[];
  try {
    patches = parsePatch(diff);
  } catch (err) {
    throw conflict((err as Error).message);
  }
  if (patches.length !== 1) throw conflict(`it holds ${patches.length} files, not one`);
  const patch = patches[0];
  checkHunksInPlace(splitKeepingEol(text), patch.hunks);
  // Every hunk now matches at its own line, which is where applyPatch tries first.
  const out = applyPatch(text, patch, { fuzzFactor: 0, autoConvertLineEndings: false });
  if (out === false) throw conflict('jsdiff could not apply it');
  return out;
}

function conflict(why: string): CvuError {
  return new CvuError('CVU_ERR_BAD_REQUEST', `the diff does not apply: ${why}; the file changed since the diff was made`, { status: 409 });
}

/**
 * Throws unless each hunk's old lines (terminators included) are the file's
 * lines at the hunk's own line number, hunks in order and not overlapping:
 * jsdiff would otherwise look for them elsewhere.
 */
function checkHunksInPlace(lines: string[], hunks: StructuredPatchHunk[]): void {
  let cursor = 0; // index of the first line after the previous hunk
  for (const hunk of hunks) {
    // parsePatch has turned an empty side's "line before" into the line it starts at.
    let at = hunk.oldStart - 1;
    if (at < cursor || at > lines.length) throw conflict(`hunk at line ${hunk.oldStart} is out of order or past the end`);
    hunk.lines.forEach((row, i) => {
      if (row[0] !== ' ' && row[0] !== '-') return;
      const expected = row.slice(1) + (hunk.lines[i + 1]?.startsWith('\\') ? '' : '\n');
      if (lines[at] !== expected) {
        throw conflict(`line ${at + 1} is ${JSON.stringify((lines[at] ?? '(end of file)').trimEnd())}, the diff expects ${JSON.stringify(expected.trimEnd())}`);
      }
      at++;
    });
    cursor = at;
  }
}
