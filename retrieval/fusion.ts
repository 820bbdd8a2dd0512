import type { SnippetSource } from '../protocol/snippet.js';

/** Reciprocal-rank fusion constant: the usual 60 keeps one list's top hit from drowning the others. */
const RRF_K = 60;

export interface RankedList<T> {
  source: SnippetSource;
  weight: number;
  items: T[];
}

export interface Fused<T> {
  item: T;
  score: number;
  /** The source that contributed most. */
  source: SnippetSource;
}

/**
 * Weighted reciprocal-rank fusion: items found by several retrievers rise,
 * and no retriever's raw score scale matters.
 */
export function fuseRanked<T>(lists: RankedList<T>[], key: (item: T) => string, rrfK = RRF_K): Fused<T>[] {
  const acc = new Map<string, { item: T; score: number; best: number; source: SnippetSource }>();
  for (const list of lists) {
    list.items.forEach((item, rank) => {
      const k = key(item);
      const contribution = list.weight / (rrfK + rank + 1);
      const cur = acc.get(k);
      if (!cur) acc.set(k, { item, score: contribution, best: contribution, source: list.source });
      else {
        cur.score += contribution;
        if (contribution > cur.best) {
          cur.best = contribution;
          cur.source = list.source;
        }
      }
    });
  }
  return [...acc.values()].sort((a, b) => b.score - a.score).map(({ item, score, source }) => ({ item, score, source }));
}
