/**
 * What a workspace's index leaves out and why, kept up to date by full syncs
 * and by updates of single paths, and summed up small enough for every
 * /status answer: a count per reason and a bounded sample, the unusual
 * reasons (unreadable, too deep, odd names, links out of the root, too large,
 * binary) before the routine ones (ignored, built-in folders, lock files).
 *
 * ```ts
 * const skips = new SkipLog();
 * skips.replace(syncResult.skipped);        // after a walk of the whole tree
 * skips.update(paths, updateResult.skipped); // after re-indexing some paths
 * skips.report(); // { total: 7, byReason: { 'too-large': 2, … }, sample: [{ path, reason }, …] }
 * ```
 */
import type { SkipReason, SkippedFile } from './ignore-rules.js';

export interface SkipReport {
  /** Files and folders skipped (an excluded folder counts once, not its content). */
  total: number;
  /** Only the reasons that occur. */
  byReason: Partial<Record<SkipReason, number>>;
  /** At most SKIP_SAMPLE of them, paths made printable (`printablePath`). */
  sample: Array<{ path: string; reason: SkipReason }>;
}

/** Paths in a report's sample. */
export const SKIP_SAMPLE = 20;

/** The order in which reasons fill the sample: what a user would not expect first. */
const SAMPLE_ORDER: readonly SkipReason[] = [
  'unreadable',
  'too-deep',
  'bad-name',
  'symlink-outside',
  'too-large',
  'binary',
  'minified',
  'secret',
  'lockfile',
  'ignored',
  'builtin',
];

export class SkipLog {
  private readonly byPath = new Map<string, SkipReason>();
  private cached: SkipReport | null = null;

  /** The skips of a walk of the whole tree replace everything known. */
  replace(skipped: readonly SkippedFile[]): void {
    this.byPath.clear();
    for (const s of skipped) this.byPath.set(s.path, s.reason);
    this.cached = null;
  }

  /** `paths` were looked at again: their old verdicts go, `skipped` (among them) are the new ones. */
  update(paths: readonly string[], skipped: readonly SkippedFile[]): void {
    for (const p of paths) this.byPath.delete(p);
    for (const s of skipped) this.byPath.set(s.path, s.reason);
    this.cached = null;
  }

  report(): SkipReport {
    if (this.cached) return this.cached;
    const byReason: Partial<Record<SkipReason, number>> = {};
    const firsts = new Map<SkipReason, string[]>();
    for (const [p, reason] of this.byPath) {
      byReason[reason] = (byReason[reason] ?? 0) + 1;
      const list = firsts.get(reason) ?? [];
      if (list.length < SKIP_SAMPLE) list.push(p);
      firsts.set(reason, list);
    }
    const sample: SkipReport['sample'] = [];
    const order = [...SAMPLE_ORDER, ...[...firsts.keys()].filter((r) => !SAMPLE_ORDER.includes(r))];
    for (const reason of order) {
      for (const p of firsts.get(reason) ?? []) {
        if (sample.length >= SKIP_SAMPLE) break;
        sample.push({ path: printablePath(p), reason });
      }
    }
    this.cached = { total: this.byPath.size, byReason, sample };
    return this.cached;
  }
}

/**
 * A path as it can be shown anywhere — a terminal, a log line, a status bar:
 * control characters (a newline, an escape sequence), the characters that
 * reorder or split text (bidirectional overrides, line separators) and the
 * replacement character that undecodable bytes became are written as
 * escapes, and so is the backslash, so that `\n` always means a newline.
 */
export function printablePath(p: string): string {
  return p.replace(UNPRINTABLE, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\\\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/g;
