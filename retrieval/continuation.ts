/**
 * What followed lines like the cursor's neighbours elsewhere. Code repeats its sequences (a test
 * sets a reply's status, then sends; a builder's calls come in one order): in the code the
 * full-text search found and in the buffer away from the cursor, the lines most like the line
 * above the cursor are found, and the names on the line after each are what the line being written
 * may use; likewise the line before each line most like the one below. The names come back
 * weighted: the definitions already scored rise by them (definition-scores.ts), and those of names
 * the buffer does not write yet are anticipated (anticipation.ts).
 */
import type { LanguageId } from '../indexer/languages.js';
import type { ChunkHit } from '../store/chunk-terms.js';
import { isNameAt, withoutStrings } from './buffer-names.js';
import type { ContextSources } from './context-sources.js';
import { similarByText } from './similar-code.js';

/** Lines at most this far from the cursor stand for it (the nearest one with a name, each side). */
const NEIGHBOUR_REACH = 3;
/** A line counts as like a neighbour from this share of their names in common (Jaccard). */
const MIN_LIKENESS = 0.5;
/** The full-text hits for the cursor's window read, best first (each a chunk of another file). */
const HITS_READ = 8;
/** The full-text hits asked for the two neighbour lines alone. */
const NEIGHBOUR_HITS = 8;
/** The buffer's own lines this near the cursor are the neighbours' context, not other occurrences. */
const OWN_MARGIN = NEIGHBOUR_REACH;
/** The buffer is read this many lines each side of the cursor (a request's cost stays bounded in a long file). */
const OWN_REACH = 150;

/** A longer line (minified or generated code) says nothing about what comes next: it names nothing here. */
const MAX_LINE = 1000;
const NAME = /[A-Za-z_$][\w$]*/g;

/** The names a line writes, not its string literals' words (`'content-type'`); a comment's count (`/** @ignore *\/` says what follows). */
function namesOf(line: string, language: LanguageId): Set<string> {
  const out = new Set<string>();
  if (line.length > MAX_LINE) return out;
  const text = withoutStrings(line, language);
  for (const m of text.matchAll(NAME)) if (m[0].length > 1 && isNameAt(text, m.index!, m[0])) out.add(m[0]);
  return out;
}

function likeness(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** The nearest line from `from` in steps of `step` (within NEIGHBOUR_REACH) that names something, and its names. */
function neighbour(lines: readonly string[], from: number, step: 1 | -1, language: LanguageId): { line: string; names: Set<string> } | null {
  for (let i = from, n = 0; n < NEIGHBOUR_REACH && i >= 0 && i < lines.length; i += step, n++) {
    const names = namesOf(lines[i], language);
    if (names.size) return { line: lines[i], names };
  }
  return null;
}

/**
 * In `lines`, the names on the line after each line like `above` and on the line before each line
 * like `below` (a blank line between passed over), each adding that likeness times `weight` to its
 * name in `out`; lines `skip` covers are passed over.
 */
function followers(lines: readonly string[], language: LanguageId, above: Set<string> | null, below: Set<string> | null, weight: number, out: Map<string, number>, skip?: [number, number]): void {
  const parsed = lines.map((l) => namesOf(l, language));
  const skipped = (i: number) => !!skip && i >= skip[0] && i <= skip[1];
  /** The next line from `i` (a blank one between passed over) that names something. */
  const next = (i: number, step: 1 | -1): Set<string> | null => {
    for (let j = i + step, n = 0; n < 2 && j >= 0 && j < lines.length && !skipped(j); j += step, n++) if (parsed[j].size) return parsed[j];
    return null;
  };
  for (let i = 0; i < lines.length; i++) {
    if (skipped(i)) continue;
    for (const [side, step] of [[above, 1], [below, -1]] as const) {
      const like = side ? likeness(parsed[i], side) : 0;
      if (like < MIN_LIKENESS) continue;
      for (const name of next(i, step) ?? []) out.set(name, (out.get(name) ?? 0) + weight * like);
    }
  }
}

/** The names that followed lines like the cursor's neighbours, weighted in (0, 1]; two readings of the evidence. */
export interface Continuation {
  /**
   * From the buffer and the full-text hits for the cursor's window: for the definitions already
   * scored (names the buffer writes have their own evidence, and looser hits only blur it).
   */
  near: Map<string, number>;
  /** The same and the code a full-text search finds for the two neighbour lines alone: for names the buffer does not write yet. */
  wide: Map<string, number>;
}

/**
 * The names that followed lines like the cursor's neighbours, in the full-text `windowHits` for the
 * cursor's window and in those of a search for the neighbour lines alone (in each, the k-th best
 * counting 1/(k+1); a chunk in both counts once) and in the buffer's own `lines` away from the
 * cursor (as much as the best hit and more: the file's own habits): each name's likenesses so
 * weighted and summed, at most 1. Evidence adds up rather than being scaled to the best name's, so
 * that one loose match in one hit (`pkg.echo(1)`, then `pkg.style(1)` in a list of calls) stays a
 * nudge. Empty when neither neighbour names anything.
 */
export function continuationNames(src: ContextSources, path: string, language: LanguageId, lines: readonly string[], cursor: number, windowHits: readonly ChunkHit[]): Continuation {
  const above = neighbour(lines, cursor - 1, -1, language);
  const below = neighbour(lines, cursor + 1, 1, language);
  const near = new Map<string, number>();
  if (!above && !below) return { near, wide: new Map() };
  const read = (text: string[], weight: number, out: Map<string, number>, skip?: [number, number]) => followers(text, language, above?.names ?? null, below?.names ?? null, weight, out, skip);
  const from = Math.max(0, cursor - OWN_REACH);
  read(lines.slice(from, cursor + OWN_REACH + 1), 1, near, [cursor - from - OWN_MARGIN, cursor - from + OWN_MARGIN]);
  const seen = new Set<string>();
  const readHits = (hits: readonly ChunkHit[], out: Map<string, number>) => hits.forEach((h, rank) => {
    const key = `${h.path}:${h.start_line}`;
    if (seen.has(key)) return;
    seen.add(key);
    const file = src.readLines(h.path);
    if (file) read(file.slice(h.start_line - 1, h.end_line), 1 / (rank + 2), out);
  });
  readHits(windowHits.slice(0, HITS_READ), near);
  const wide = new Map(near);
  const neighbourText = [above?.line, below?.line].filter((l) => l !== undefined).join('\n');
  readHits(similarByText(src, neighbourText, path, language, NEIGHBOUR_HITS), wide);
  for (const map of [near, wide]) for (const [name, w] of map) if (w > 1) map.set(name, 1);
  return { near, wide };
}
