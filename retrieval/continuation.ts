/**
 * What followed lines like the cursor's neighbours elsewhere. Code repeats its sequences (a test
 * sets a reply's status, then sends; a builder's calls come in one order): in the code the
 * full-text search found and in the buffer away from the cursor, the lines most like the line
 * above the cursor are found, and the names on the line after each are what the line being written
 * may use; likewise the line before each line most like the one below. The names come back
 * weighted, for the definitions already scored to rise by (definition-scores.ts).
 */
import type { ChunkHit } from '../store/chunk-terms.js';
import { isKeyword } from './buffer-names.js';
import type { ContextSources } from './context-sources.js';

/** Lines at most this far from the cursor stand for it (the nearest one with a name, each side). */
const NEIGHBOUR_REACH = 3;
/** A line counts as like a neighbour from this share of their names in common (Jaccard). */
const MIN_LIKENESS = 0.5;
/** The full-text hits read, best first (each a chunk of another file). */
const HITS_READ = 8;
/** The buffer's own lines this near the cursor are the neighbours' context, not other occurrences. */
const OWN_MARGIN = NEIGHBOUR_REACH;
/** The buffer is read this many lines each side of the cursor (a request's cost stays bounded in a long file). */
const OWN_REACH = 150;

const NAME = /[A-Za-z_$][\w$]*/g;
/** String literals on one line: their words are data, not names (`'content-type'`). */
const STRING = /(["'`])(?:\\.|(?!\1).)*\1/g;

function namesOf(line: string): Set<string> {
  const out = new Set<string>();
  for (const m of line.replace(STRING, '""').matchAll(NAME)) if (m[0].length > 1 && !isKeyword(m[0])) out.add(m[0]);
  return out;
}

function likeness(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The nearest line from `from` in steps of `step` (within NEIGHBOUR_REACH) that names something. */
function neighbour(lines: readonly string[], from: number, step: 1 | -1): Set<string> | null {
  for (let i = from, n = 0; n < NEIGHBOUR_REACH && i >= 0 && i < lines.length; i += step, n++) {
    const names = namesOf(lines[i]);
    if (names.size) return names;
  }
  return null;
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

/**
 * The names that followed lines like the cursor's neighbours, in the full-text `hits` of other
 * files (the k-th best counting 1/(k+1)) and in the buffer's own `lines` away from the cursor (as
 * much as the best hit and more: the file's own habits): each name's likenesses so weighted and
 * summed, at most 1. Evidence adds up rather than being scaled to the best name's, so that one
 * loose match in one hit (`pkg.echo(1)`, then `pkg.style(1)` in a list of calls) stays a nudge.
 * Empty when neither neighbour names anything.
 */
export function continuationNames(src: ContextSources, path: string, lines: readonly string[], cursor: number, hits: readonly ChunkHit[]): Map<string, number> {
  const above = neighbour(lines, cursor - 1, -1);
  const below = neighbour(lines, cursor + 1, 1);
  const out = new Map<string, number>();
  if (!above && !below) return out;
  const from = Math.max(0, cursor - OWN_REACH);
  followers(lines.slice(from, cursor + OWN_REACH + 1), above, below, 1, out, [cursor - from - OWN_MARGIN, cursor - from + OWN_MARGIN]);
  hits.filter((h) => h.path !== path).slice(0, HITS_READ).forEach((h, rank) => {
    const file = src.readLines(h.path);
    if (file) followers(file.slice(h.start_line - 1, h.end_line), above, below, 1 / (rank + 2), out);
  });
  for (const [name, w] of out) if (w > 1) out.set(name, 1);
  return out;
}
