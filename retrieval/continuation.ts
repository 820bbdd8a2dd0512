/**
 * What followed lines like the cursor's neighbours elsewhere. Code repeats its sequences (a test
 * sets a reply's status, then sends; a builder's calls come in one order): in the code the
 * full-text search found and in the buffer away from the cursor, the lines most like the line
 * above the cursor are found, and the names on the line after each are what the line being written
 * may use; likewise the line before each line most like the one below. The names come back
 * weighted: the definitions already scored rise by them (definition-scores.ts), and those of names
 * the buffer does not write yet are anticipated (anticipation.ts).
 */
import type { ChunkHit } from '../store/chunk-terms.js';
import { isKeyword } from './buffer-names.js';
import type { ContextSources } from './context-sources.js';

/** Lines at most this far from the cursor stand for it (the nearest one with a name, each side). */
const NEIGHBOUR_REACH = 3;
/** A line counts as like a neighbour from this share of their names in common (Jaccard). */
const MIN_LIKENESS = 0.5;
/** The full-text hits for the cursor's window read, best first (each a chunk of another file). */
const HITS_READ = 8;
/** The full-text hits for the neighbours' own lines asked for (neighbourLines). */
export const NEIGHBOUR_HITS = 8;
/** The buffer's own lines this near the cursor are the neighbours' context, not other occurrences. */
const OWN_MARGIN = NEIGHBOUR_REACH;
/** The buffer is read this many lines each side of the cursor (a request's cost stays bounded in a long file). */
const OWN_REACH = 150;

/** A longer line (minified or generated code) says nothing about what comes next: it names nothing here. */
const MAX_LINE = 1000;
const NAME = /[A-Za-z_$][\w$]*/g;
/**
 * String literals on one line: their words are data, not names (`'content-type'`). A backslash is
 * matched only as an escape, never also as a character of its own: with both, a quote followed by
 * forty backslashes and no closing quote took seconds to fail.
 */
const STRING = /(["'`])(?:\\.|(?!\1)[^\\])*\1/g;

function namesOf(line: string): Set<string> {
  const out = new Set<string>();
  if (line.length > MAX_LINE) return out;
  for (const m of line.replace(STRING, '""').matchAll(NAME)) if (m[0].length > 1 && !isKeyword(m[0])) out.add(m[0]);
  return out;
}

function likeness(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The index of the nearest line from `from` in steps of `step` (within NEIGHBOUR_REACH) that names something, or -1. */
function neighbourAt(lines: readonly string[], from: number, step: 1 | -1): number {
  for (let i = from, n = 0; n < NEIGHBOUR_REACH && i >= 0 && i < lines.length; i += step, n++) if (namesOf(lines[i]).size) return i;
  return -1;
}

function neighbour(lines: readonly string[], from: number, step: 1 | -1): Set<string> | null {
  const at = neighbourAt(lines, from, step);
  return at < 0 ? null : namesOf(lines[at]);
}

/** The cursor's neighbours: the nearest line above and below it that names something (none, one or both). */
export function neighbourLines(lines: readonly string[], cursor: number): string[] {
  return [neighbourAt(lines, cursor - 1, -1), neighbourAt(lines, cursor + 1, 1)].filter((i) => i >= 0).map((i) => lines[i]);
}

/**
 * In `lines`, the names on the line after each line like `above` and on the line before each line
 * like `below` (a blank line between passed over), each adding that likeness times `weight` to its
 * name in `out`; lines `skip` covers are passed over.
 */
function followers(lines: readonly string[], above: Set<string> | null, below: Set<string> | null, weight: number, out: Map<string, number>, skip?: [number, number]): void {
  const found: [Set<string>, number][] = [];
  const parsed = lines.map((l) => namesOf(l));
  const skipped = (i: number) => !!skip && i >= skip[0] && i <= skip[1];
  /** The next line from `i` (a blank one between passed over) that names something. */
  const next = (i: number, step: 1 | -1): Set<string> | null => {
    for (let j = i + step, n = 0; n < 2 && j >= 0 && j < lines.length && !skipped(j); j += step, n++) if (parsed[j].size) return parsed[j];
    return null;
  };
  for (let i = 0; i < lines.length; i++) {
    if (skipped(i)) continue;
    for (const [side, step] of [[above, 1], [below, -1]] as const) {
      if (!side) continue;
      const like = likeness(parsed[i], side);
      if (like < MIN_LIKENESS) continue;
      const names = next(i, step);
      if (names) found.push([names, like]);
    }
  }
  for (const [names, like] of found) for (const name of names) out.set(name, (out.get(name) ?? 0) + weight * like);
}

/** The names that followed lines like the cursor's neighbours, weighted in (0, 1]; two readings of the evidence. */
export interface Continuation {
  /**
   * From the buffer and the full-text hits for the cursor's window: for the definitions already
   * scored (names the buffer writes have their own evidence, and looser hits only blur it).
   */
  near: Map<string, number>;
  /** The same and the hits for the neighbours' own lines: for names the buffer does not write yet. */
  wide: Map<string, number>;
}

/**
 * The names that followed lines like the cursor's neighbours, in the full-text `hits` of other
 * files for the cursor's window and `neighbourHits` for the neighbours' own lines (in each, the k-th
 * best counting 1/(k+1); a chunk in both counts once) and in the buffer's own `lines` away from the
 * cursor (as much as the best hit and more: the file's own habits): each name's likenesses so
 * weighted and summed, at most 1. Evidence adds up rather than being scaled to the best name's, so
 * that one loose match in one hit (`pkg.echo(1)`, then `pkg.style(1)` in a list of calls) stays a
 * nudge. Empty when neither neighbour names anything.
 */
export function continuationNames(src: ContextSources, path: string, lines: readonly string[], cursor: number, hits: readonly ChunkHit[], neighbourHits: readonly ChunkHit[] = []): Continuation {
  const above = neighbour(lines, cursor - 1, -1);
  const below = neighbour(lines, cursor + 1, 1);
  const near = new Map<string, number>();
  if (!above && !below) return { near, wide: new Map() };
  const from = Math.max(0, cursor - OWN_REACH);
  followers(lines.slice(from, cursor + OWN_REACH + 1), above, below, 1, near, [cursor - from - OWN_MARGIN, cursor - from + OWN_MARGIN]);
  const read = new Set<string>();
  const readHits = (list: readonly ChunkHit[], out: Map<string, number>) => list.filter((h) => h.path !== path).forEach((h, rank) => {
    const key = `${h.path}:${h.start_line}`;
    if (read.has(key)) return;
    read.add(key);
    const file = src.readLines(h.path);
    if (file) followers(file.slice(h.start_line - 1, h.end_line), above, below, 1 / (rank + 2), out);
  });
  readHits(hits.slice(0, HITS_READ), near);
  const wide = new Map(near);
  readHits(neighbourHits, wide);
  for (const map of [near, wide]) for (const [name, w] of map) if (w > 1) map.set(name, 1);
  return { near, wide };
}
