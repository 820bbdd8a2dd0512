/**
 * Lines of one (LF-normalized) text: where each starts, which are blank, and
 * slicing by rows. The chunker, the signature helpers and import extraction
 * all read a file through one.
 *
 * ```ts
 * const lines = new LineIndex('a\n\nb\n');
 * lines.count;      // 3
 * lines.blank[1];   // 1
 * lines.slice(0, 2) // 'a\n\nb'
 * ```
 */
/** Line starts, blank-line flags and slicing for one (LF-normalized) text. */
export class LineIndex {
  readonly starts: number[] = [0];
  readonly count: number;
  readonly blank: Uint8Array;
  /** Offset just past the last line's last character (a final newline excluded). */
  private readonly textEnd: number;

  constructor(readonly text: string) {
    this.textEnd = text.endsWith('\n') ? text.length - 1 : text.length;
    let i = text.indexOf('\n');
    while (i >= 0) {
      this.starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    // A final newline ends the last line; it does not open another one.
    if (this.starts.length > 1 && this.starts[this.starts.length - 1] === text.length) this.starts.pop();
    this.count = text.length === 0 ? 0 : this.starts.length;
    this.blank = new Uint8Array(this.count);
    for (let r = 0; r < this.count; r++) {
      let blank = 1;
      for (let p = this.starts[r], e = this.end(r); p < e; p++) {
        const c = text.charCodeAt(p);
        if (c !== 32 && c !== 9 && c !== 13 && c !== 12 && c !== 11) { blank = 0; break; }
      }
      this.blank[r] = blank;
    }
  }

  /** Offset just past the last character of a row (its newline excluded). */
  end(row: number): number {
    return row + 1 < this.starts.length ? this.starts[row + 1] - 1 : this.textEnd;
  }

  /** Characters of rows a..b, newlines between them included. */
  chars(a: number, b: number): number {
    return this.end(b) - this.starts[a];
  }

  rowOf(offset: number): number {
    return rowAtOffset(this.starts, offset);
  }

  slice(a: number, b: number): string {
    return this.text.slice(this.starts[a], this.end(b));
  }
}

/** The row an offset lies on, given the rows' start offsets (ascending, the first 0). */
export function rowAtOffset(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
