/**
 * Anticipation: definitions the line at the cursor is likely to need although the buffer does not
 * name them yet (neither the import nor the name is written). Drawn from what the index already
 * holds, no model:
 *
 * - co-occurrence: files that import what this file imports also import X — the files sharing the
 *   rarer imports weigh more, and the files of the same folder count as a little alike whatever
 *   they import;
 * - the paired file (foo_test.go ↔ foo.go, FooTest.java ↔ Foo.java, test_foo.py ↔ foo.py,
 *   foo.test.ts ↔ foo.ts): what it imports, and for a test what its code defines;
 * - the modules the file imports already: the definitions of theirs it does not name yet, the
 *   ones other files import first;
 * - similar code: the names that the full-text hits for the cursor's window use and the buffer
 *   does not.
 */
import type { ImportRef } from '../indexer/imports.js';
import type { LanguageId } from '../indexer/languages.js';
import type { ChunkHit } from '../store/chunk-terms.js';
import type { SymbolRow } from '../store/rows.js';
import { folderOf } from '../store/symbol-table.js';
import type { ImportSources } from './import-graph.js';
import { definitionsFrom } from './language-reach.js';
import { reachableFrom } from './definition-traits.js';
import { type ImportGraph, importGraph, isTestPath, itemsOf, memberFinder, nameable, pairStem, push, resolveRefs } from './workspace-imports.js';

export type AnticipationSignal = 'cooccurrence' | 'paired' | 'module' | 'similar' | 'continuation';

/** A definition anticipated for the cursor, and how sure. */
export interface Anticipated {
  def: SymbolRow;
  score: number;
  /** The signal that contributed most. */
  why: AnticipationSignal;
}

/**
 * Each signal gives a definition at most 1 (the share of the neighbours that import it, of the
 * paired files' names, of a module's weight, of the similar hits' weight that use it); the weights
 * say how far each signal is trusted.
 */
export const SIGNAL_WEIGHTS: Record<AnticipationSignal, number> = { cooccurrence: 1, paired: 0.5, module: 0.5, similar: 1, continuation: 1 };

/** The files paired with `path`: its tests when it is code, the code it tests when it is a test. */
function pairedFiles(graph: ImportGraph, path: string): string[] {
  const stem = pairStem(path);
  if (!stem) return [];
  const test = isTestPath(path);
  return (graph.byStem.get(stem) ?? []).filter((f) => f !== path && isTestPath(f) !== test);
}

/** Neighbours whose imports count. */
const NEIGHBOURS = 24;
/** How alike a file of the same folder counts, in shared imports of average rarity. */
const SAME_FOLDER = 0.5;
/** Similar-code hits whose names count. */
const SIMILAR_HITS = 12;
/** A name with more definitions than this says too little. */
const MAX_PLACES = 4;

export interface AnticipationInput {
  path: string;
  language: LanguageId;
  /** The buffer's imports (its unsaved state wins over the index). */
  refs: readonly ImportRef[];
  /** Every name the buffer writes: those are not anticipated, they are known. */
  written: ReadonlySet<string>;
  /** Full-text hits for the cursor's window, best first. */
  similar?: readonly Pick<ChunkHit, 'path' | 'refs'>[];
  /** The names that followed lines like the cursor's neighbours, weighted (continuation.ts). */
  continuation?: ReadonlyMap<string, number>;
  /** For tuning: weights other than SIGNAL_WEIGHTS. */
  weights?: Partial<Record<AnticipationSignal, number>>;
}

/** Definitions the line at the cursor may need that the buffer does not name, best first. */
export function anticipate(src: ImportSources, input: AnticipationInput): Anticipated[] {
  const { path, written } = input;
  const weights = { ...SIGNAL_WEIGHTS, ...input.weights };
  const graph = importGraph(src);
  const ownRefs = resolveRefs(input.refs, path, input.language, graph.ctx);
  const ownByModule = new Map<string, Set<string>>();
  const ownItems = itemsOf(src.store, ownRefs, new Map(), memberFinder(src), undefined, ownByModule, written);
  const own = new Set(ownItems.keys());
  const ownMembers = new Set([...ownByModule.values()].flatMap((s) => [...s]));
  const defOf = (item: string) => graph.defOf.get(item) ?? ownItems.get(item) ?? undefined;
  // Another file's or package's private definitions are out: no code here can reach them (a similar
  // chunk of a class named its private fields, which took the budget of what the line could call).
  const open = (def: SymbolRow | null | undefined): def is SymbolRow => !!def && def.path !== path && !written.has(def.name) && nameable(def) && reachableFrom(def, path);

  const scores = new Map<string, { def: SymbolRow; parts: Partial<Record<AnticipationSignal, number>> }>();
  const credit = (signal: AnticipationSignal, def: SymbolRow, s: number) => {
    const key = `${def.path}:${def.start_line}`;
    const cur = scores.get(key) ?? { def, parts: {} };
    cur.parts[signal] = (cur.parts[signal] ?? 0) + s;
    scores.set(key, cur);
  };

  // Co-occurrence: the files most like this one by what they import, and what else they import.
  const n = Math.max(2, graph.itemsOf.size);
  const idf = (item: string) => Math.log(n / Math.max(1, (graph.importers.get(item)?.length ?? 0) - (graph.itemsOf.get(path)?.includes(item) ? 1 : 0)));
  const sim = new Map<string, number>();
  let ownWeight = 0;
  for (const item of own) {
    const w = idf(item);
    ownWeight += w;
    for (const f of graph.importers.get(item) ?? []) if (f !== path) sim.set(f, (sim.get(f) ?? 0) + w);
  }
  const typical = own.size ? ownWeight / own.size : 1;
  for (const f of graph.byFolder.get(folderOf(path)) ?? []) if (f !== path && graph.itemsOf.has(f)) sim.set(f, (sim.get(f) ?? 0) + SAME_FOLDER * typical);
  const neighbours = [...sim]
    .map(([f, s]) => [f, s / Math.sqrt(graph.itemsOf.get(f)!.length)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, NEIGHBOURS);
  const total = neighbours.reduce((a, [, s]) => a + s, 0);
  for (const [f, s] of total > 0 ? neighbours : []) {
    if (s <= 0) break;
    // What it reaches only as a module's members makes it alike, but is offered by the module signal below.
    const members = graph.memberOnly.get(f);
    for (const item of graph.itemsOf.get(f)!) {
      const def = defOf(item);
      if (!own.has(item) && !members?.has(item) && open(def)) credit('cooccurrence', def, s / total);
    }
  }

  const paired = pairedFiles(graph, path);
  if (paired.length) {
    const test = isTestPath(path);
    const found: SymbolRow[] = [];
    for (const f of paired) {
      for (const item of graph.itemsOf.get(f) ?? []) {
        const def = defOf(item);
        if (!own.has(item) && open(def)) found.push(def);
      }
      // A test uses what its code defines.
      if (test) for (const def of src.store.symbols.inFile(f)) if (!def.container && open(def)) found.push(def);
    }
    for (const def of found) credit('paired', def, 1 / found.length);
  }

  // The modules imported already: what else of theirs, the definitions other files import first.
  // A module bound to a qualifier (a Go package, `import click`, `import * as x`) that other files
  // reach members of: those members, the ones the most of those files use first.
  const indexedOwn = new Set(graph.itemsOf.get(path) ?? []);
  const byUse: [SymbolRow, number][][] = [];
  const covered = new Set<string>();
  for (const module of ownByModule.keys()) {
    const counts = graph.moduleMembers.get(module);
    if (!counts) continue;
    const list: [SymbolRow, number][] = [];
    for (const [item, n] of counts) {
      const def = defOf(item);
      const c = n - (indexedOwn.has(item) ? 1 : 0);
      if (c > 0 && !own.has(item) && open(def)) list.push([def, c]);
    }
    if (!list.length) continue;
    byUse.push(list);
    for (const f of module.split('\0')) covered.add(f);
  }
  const modules = new Set<string>();
  for (const item of own) {
    if (ownMembers.has(item)) continue;
    const def = defOf(item);
    const m = def ? def.path : item;
    if (!covered.has(m)) modules.add(m);
  }
  const units = modules.size + byUse.length;
  for (const list of byUse) {
    const sum = list.reduce((a, [, c]) => a + c, 0);
    for (const [def, c] of list) credit('module', def, c / sum / units);
  }
  for (const m of modules) {
    const defs = src.store.symbols.inFile(m).filter((d) => !d.container && open(d));
    const pop = defs.map((d) => (1 + (graph.importers.get(`${d.name}\0${d.path}`)?.length ?? 0)) * (d.exported ? 1 : 0.5));
    const sum = pop.reduce((a, b) => a + b, 0);
    defs.forEach((d, i) => credit('module', d, pop[i] / sum / units));
  }

  /** A signal's weight for each name the buffer does not write, shared among the name's definitions (a name with too many says little). */
  const creditNames = (signal: AnticipationSignal, weights: Iterable<[string, number]>) => {
    for (const [name, w] of weights) {
      if (written.has(name)) continue;
      const defs = definitionsFrom(src.store, name, input.language).filter((d) => d.path !== path && nameable(d) && reachableFrom(d, path));
      if (!defs.length || defs.length > MAX_PLACES) continue;
      for (const d of defs) credit(signal, d, w / defs.length);
    }
  };

  // Similar code: the names its hits use, each hit's share by its rank.
  const hits = (input.similar ?? []).filter((c) => c.path !== path).slice(0, SIMILAR_HITS);
  const byName = new Map<string, number>();
  const mass = hits.reduce((a, _, rank) => a + 1 / (rank + 2), 0);
  hits.forEach((c, rank) => {
    for (const name of new Set(c.refs.split(' '))) if (name) byName.set(name, (byName.get(name) ?? 0) + 1 / (rank + 2) / mass);
  });
  creditNames('similar', byName);
  // What followed lines like the cursor's neighbours (continuation.ts).
  creditNames('continuation', input.continuation ?? []);

  const out: Anticipated[] = [];
  for (const { def, parts } of scores.values()) {
    let score = 0;
    let why: AnticipationSignal = 'cooccurrence';
    let best = -1;
    for (const [signal, s] of Object.entries(parts) as [AnticipationSignal, number][]) {
      const v = s * weights[signal];
      score += v;
      if (v > best) {
        best = v;
        why = signal;
      }
    }
    if (score > 0) out.push({ def, score, why });
  }
  return out.sort((a, b) => b.score - a.score);
}
