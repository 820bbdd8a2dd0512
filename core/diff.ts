/**
 * A small line diff: unified diffs of one file (`diff -u` / `git diff`
 * shape, so `patch -p1` and `git apply` take them) and a strict applier.
 *
 * ```ts
 * const diff = unifiedDiff(before, after, { path: 'src/cart.ts' });
 * applyUnifiedDiff(before, diff) === after; // true; a hunk that does not match throws
 * ```
 *
 * Lines keep their terminators (`\n` or `\r\n`), so a CRLF file diffs and
 * patches as CRLF; a last line without one is marked `\ No newline at end of
 * file`. Equal runs at both ends are trimmed before the LCS, so a refactor of
 * a few lines in a large file costs the size of the region.
 */
import { CvuError } from './errors.js';

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Lines with their terminators; the last one may have none. */
export function splitKeepingEol(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Cells of the LCS table above which the middle is treated as replaced whole. */
const MAX_LCS_CELLS = 4_000_000;

function diffLines(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = a.slice(0, start).map((line) => ({ kind: ' ', line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_LCS_CELLS) {
    for (const line of midA) ops.push({ kind: '-', line });
    for (const line of midB) ops.push({ kind: '+', line });
  } else {
    // lcs[i][j]: LCS length of midA[i..] and midB[j..], in one flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = midA[i] === midB[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ kind: ' ', line: midA[i++] });
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
        // Removals before additions, as diff -u prints a change.
        ops.push({ kind: '-', line: midA[i++] });
      } else {
        ops.push({ kind: '+', line: midB[j++] });
      }
    }
  }
  for (const line of a.slice(endA)) ops.push({ kind: ' ', line });
  return ops;
}

function renderLine(kind: string, line: string): string {
  return line.endsWith('\n') ? `${kind}${line}` : `${kind}${line}\n\\ No newline at end of file\n`;
}

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
  const ops = diffLines(splitKeepingEol(before), splitKeepingEol(after));
  const changed = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (!changed.length) return '';
  // Group changes whose context windows touch into one hunk.
  const groups: { from: number; to: number }[] = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last.to <= 2 * context + 1) last.to = i;
    else groups.push({ from: i, to: i });
  }
  // Line numbers (1-based) of each op in the old and new file.
  const oldLine: number[] = [];
  const newLine: number[] = [];
  let o = 1;
  let n = 1;
  for (const op of ops) {
    oldLine.push(o);
    newLine.push(n);
    if (op.kind !== '+') o++;
    if (op.kind !== '-') n++;
  }
  let out = `--- a/${opts.path}\n+++ b/${opts.path}\n`;
  for (const g of groups) {
    const from = Math.max(0, g.from - context);
    const to = Math.min(ops.length - 1, g.to + context);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((x) => x.kind !== '+').length;
    const newCount = slice.filter((x) => x.kind !== '-').length;
    // An empty side starts at the line before it (diff -u's convention).
    const oldStart = oldCount ? oldLine[from] : oldLine[from] - 1;
    const newStart = newCount ? newLine[from] : newLine[from] - 1;
    out += `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n`;
    for (const x of slice) out += renderLine(x.kind, x.line);
  }
  return out;
}

/**
 * Applies a unified diff made by {@link unifiedDiff} (one file) to `text`.
 * Every context and removed line must match exactly where its hunk says:
 * otherwise CVU_ERR_BAD_REQUEST (409), the file changed since the diff.
 */
export function applyUnifiedDiff(text: string, diff: string): string {
  if (!diff) return text;
  const lines = splitKeepingEol(text);
  const out: string[] = [];
  let cursor = 0; // index into `lines` of the next line not yet copied
  const rows = splitKeepingEol(diff);
  let r = 0;
  const conflict = (why: string) => new CvuError('CVU_ERR_BAD_REQUEST', `the diff does not apply: ${why}; the file changed since the diff was made`, { status: 409 });
  while (r < rows.length && !rows[r].startsWith('@@')) r++;
  while (r < rows.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(rows[r]);
    if (!header) throw conflict(`bad hunk header ${JSON.stringify(rows[r].trimEnd())}`);
    r++;
    const oldStart = Number(header[1]);
    const oldCount = header[2] === undefined ? 1 : Number(header[2]);
    const at = oldCount === 0 ? oldStart : oldStart - 1;
    if (at < cursor || at > lines.length) throw conflict(`hunk at line ${oldStart} is out of order or past the end`);
    out.push(...lines.slice(cursor, at));
    cursor = at;
    while (r < rows.length && !rows[r].startsWith('@@')) {
      const row = rows[r++];
      const kind = row[0];
      let body = row.slice(1);
      // "\ No newline at end of file" applies to the row before it.
      if (r < rows.length && rows[r].startsWith('\\')) {
        body = body.replace(/\n$/, '');
        r++;
      }
      if (kind === ' ' || kind === '-') {
        if (lines[cursor] !== body) throw conflict(`line ${cursor + 1} is ${JSON.stringify((lines[cursor] ?? '(end of file)').trimEnd())}, the diff expects ${JSON.stringify(body.trimEnd())}`);
        if (kind === ' ') out.push(body);
        cursor++;
      } else if (kind === '+') {
        out.push(body);
      } else if (row.trim() !== '') {
        throw conflict(`unexpected line ${JSON.stringify(row.trimEnd())}`);
      }
    }
  }
  out.push(...lines.slice(cursor));
  return out.join('');
}
