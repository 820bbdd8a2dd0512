/**
 * The context a completion at a position needs from the rest of the workspace, within a token
 * budget: the scored definitions (definition-scores.ts), similar code (similar-code.ts) and the
 * regions edited last, fused by weighted reciprocal rank, each read as its snippet (snippets.ts)
 * when the budget reaches it. Its parts take what they read as ContextSources (context-sources.ts).
 */
import { CvuError, throwIfAborted } from '../core/errors.js';
import { languageForPath, type LanguageId } from '../indexer/languages.js';
import type { ContextRequest, ContextResult, ContextTimings } from './context.js';
import { fuseRanked, type RankedList } from './fusion.js';
import { bufferImports } from './import-graph.js';
import type { Snippet } from '../protocol/snippet.js';
import { anticipatedDefinitions, definitionCandidates, definitionsNearCursor, withAnticipated, withContinuation } from './definition-scores.js';
import { continuationNames } from './continuation.js';
import { WINDOW_ABOVE, WINDOW_BELOW, byDeadline, nearCursor, similarByText, similarByVector, sleep, vectorBreaker } from './similar-code.js';
import { type Candidate, chunkCandidate, containerHeader, fitLines, overlapsChosen, readChunk, readDefinition, recentEdits } from './snippets.js';
import type { ContextSources } from './context-sources.js';

/** Default budget when the request names none: about what a small model's prompt can spare. */
const DEFAULT_BUDGET = 1024;

/**
 * What the vector query embeds: the window's lines nearest the cursor, up to this many characters
 * (about 110 of the default model's tokens in code: the cursor's line and a few around it). The
 * whole window runs past the model's 256 input tokens at half of all positions, and the model keeps
 * the start: the lines at the cursor were the ones cut. The query's embedding is on the request's
 * path: 400 characters took 18–22 ms on an idle two-core machine, past the vector search's deadline
 * (VECTOR_DEADLINE_MS) once searched, so the vector source never answered; 240 take about 13.
 */
const VECTOR_QUERY_CHARS = 240;

/**
 * Sources are fused by weighted reciprocal rank. Definitions of the names
 * written around the cursor are the strongest signal (the next line calls
 * them); similar code and recent edits fill in. The small k lets the top
 * hits of the weaker sources in early instead of after every definition.
 */
const WEIGHTS = { symbol: 1.0, recent: 0.3, fts: 0.1, vector: 0.15 } as const;
const FUSION_K = 8;

/**
 * The vector search is waited for this long from the request's start at most, or until the
 * definitions and the full-text search are ready if they take longer: on a loaded machine (another
 * workspace indexing, the model embedding in the background) the query's embedding takes 40–60 ms
 * at p50 and over 100 at p95, and a keystroke's context should not wait for its weakest source. A
 * vector search that misses it is left out of this answer (the timings say so). The full-text
 * search is always waited for: the anticipated definitions are found from it, and the same buffer
 * should get the same definitions whatever the machine is doing.
 */
const VECTOR_DEADLINE_MS = 25;
/**
 * Past this share of the budget, definitions are shown by their first line only: the nearest few
 * keep their body or two-line signature, the rest name themselves. At half, a 2,000-character budget
 * went on a few signatures and left out definitions the next line needed (tuning draw: 4 more kept
 * and 3 more noimport tasks found at 2,000 characters at a quarter, none lost, 4,000 unchanged).
 */
const TAIL_FROM = 0.25;

/**
 * How many characters of one line the buffer's readers take. A minified or generated line (a
 * bundle of one 2.6 MB line) had every reader go through all of it, each keystroke: 1.2–2.3 s on
 * the thread that answers requests. No line of code that tells what comes next is this long; a
 * binding's statement is read up to as many characters (typed-member.ts), a builder's argument
 * of 3,600 included.
 */
const MAX_LINE_READ = 4_000;
/** Of a longer cursor line, the characters kept before the cursor (the rest after it). */
const CURSOR_LINE_BEFORE = 3_000;

/**
 * The buffer as its readers take it: a line longer than MAX_LINE_READ cut to its start, the
 * cursor's line to the characters around the cursor (its column moved with the cut). The same
 * array when no line is that long.
 */
export function readableLines(lines: string[], cursor: number, column: number): { lines: string[]; column: number } {
  if (!lines.some((l) => l.length > MAX_LINE_READ)) return { lines, column };
  let at = column;
  const cut = lines.map((line, row) => {
    if (line.length <= MAX_LINE_READ) return line;
    if (row !== cursor) return line.slice(0, MAX_LINE_READ);
    const from = Math.max(0, Math.min(column, line.length) - CURSOR_LINE_BEFORE);
    at = column - from;
    return line.slice(from, from + MAX_LINE_READ);
  });
  return { lines: cut, column: at };
}

/**
 * The context a completion at a position needs from the rest of the
 * workspace: definitions of the names used near the cursor (imported ones and
 * those of the enclosing class's ancestors first), similar code found by
 * full-text and vector search over the cursor's window, and recently edited
 * regions — fused, without overlaps or the current file, cut to the budget.
 */
export async function buildContext(src: ContextSources, req: ContextRequest): Promise<ContextResult> {
  const budget = req.budgetTokens ?? DEFAULT_BUDGET;
  const whole = req.text ?? src.readLines(req.path)?.join('\n') ?? '';
  const buffer = whole.split('\n');
  const cursor = Math.min(Math.max(0, req.position.line), Math.max(0, buffer.length - 1));
  const { lines, column } = readableLines(buffer, cursor, req.position.character);
  const text = lines === buffer ? whole : lines.join('\n');
  // A file not indexed yet (new, unsaved) has its extension's language.
  const language = (src.store.files.get(req.path)?.language ?? languageForPath(req.path)) as LanguageId;

  const started = performance.now();
  const timings = req.timings ?? {};
  const timed = async <T>(part: Exclude<keyof ContextTimings, 'late'>, run: () => T | Promise<T>) => {
    const t = performance.now();
    const v = await run();
    // A search left out at the deadline keeps the time it was given.
    if (!timings.late?.includes(part)) timings[part] = performance.now() - t;
    return v;
  };
  const windowText = lines.slice(Math.max(0, cursor - WINDOW_ABOVE), cursor + WINDOW_BELOW + 1).join('\n');
  // The vector search runs off this thread (the embedding model's, then the store's) while this
  // thread does the rest; the full-text search is in memory, here.
  // Cut at the deadline: a query still waiting for the model's thread then never runs, and the next
  // request does not queue behind an answer already given.
  const vectorCut = new AbortController();
  const vectorSignal = req.signal ? AbortSignal.any([req.signal, vectorCut.signal]) : vectorCut.signal;
  const breaker = vectorBreaker(src.store);
  const turn = breaker.next();
  const vectorSearch = turn !== 'skip'
    ? timed('vector', () => similarByVector(src, nearCursor(lines, cursor, VECTOR_QUERY_CHARS, column), req.path, vectorSignal, timings))
    : null;
  // Its failure is taken where it is awaited (the handler keeps it from going unhandled meanwhile).
  vectorSearch?.catch(() => {});
  const ftsRows = await timed('fts', () => similarByText(src, windowText, req.path, language));
  const deadline = sleep(Math.max(0, started + VECTOR_DEADLINE_MS - performance.now()));
  const ownImports = await timed('imports', () => bufferImports(src, req.path, lines, language));
  throwIfAborted(req.signal, 'context');
  const scored = await timed('definitions', () => definitionsNearCursor(src, req.path, lines, cursor, language, ownImports, column));
  // What the line may need that the buffer does not name yet: found from the import graph and the
  // code the full-text search found, it joins the definitions at a fraction of their scale.
  const recent = recentEdits(src, req.path);
  const { continuation, anticipated } = await timed('anticipation', () => {
    // What followed lines like the cursor's neighbours (continuation.ts).
    const continuation = continuationNames(src, req.path, language, lines, cursor, ftsRows);
    return { continuation, anticipated: anticipatedDefinitions(src, req.path, text, language, ownImports, ftsRows, recent, continuation.wide) };
  });
  const late: string[] = (timings.late = []);
  let vectors: Candidate[] = [];
  let missed = false;
  const cutVector = () => {
    missed = true;
    vectorCut.abort(new CvuError('CVU_ERR_ABORTED', 'the vector search missed its deadline', { status: 499 }));
  };
  if (!vectorSearch || turn === 'probe') {
    late.push('vector');
    timings.vector = 0;
    // A probe is not waited for: it only says whether the searches make their deadline again.
    if (vectorSearch) byDeadline(vectorSearch, deadline, cutVector, []).then(() => breaker.record(missed), () => breaker.record(true));
  } else {
    vectors = await byDeadline(vectorSearch, deadline, () => {
      late.push('vector');
      timings.vector = performance.now() - started;
      cutVector();
    }, []);
    breaker.record(missed);
  }
  const definitions = definitionCandidates(src, withContinuation(withAnticipated(scored, anticipated), continuation.near));
  const fts = ftsRows.map(chunkCandidate);

  const lists: RankedList<Candidate>[] = [
    { source: 'symbol', weight: WEIGHTS.symbol, items: definitions },
    { source: 'recent', weight: WEIGHTS.recent, items: recent },
    { source: 'fts', weight: WEIGHTS.fts, items: fts },
    { source: 'vector', weight: WEIGHTS.vector, items: vectors },
  ];
  const fused = fuseRanked(lists, (c) => `${c.path}:${c.startLine}`, FUSION_K);

  const snippets: Snippet[] = [];
  let tokens = 0;
  for (const { item: ranked, score, source } of fused) {
    const item = ranked.def ? readDefinition(src, ranked) : ranked.unread ? readChunk(src, ranked) : ranked;
    if (!item || overlapsChosen(snippets, item)) continue;
    let body = item.text;
    const startLine = item.startLine;
    let endLine = item.endLine;
    if (source === 'symbol' && (item.compact || tokens > budget * TAIL_FROM) && endLine > item.startLine) {
      // The long tail of definitions: the line that names them (and the decorators or annotations above it) starts the signature.
      const at = item.nameLine ?? 0;
      body = body.split('\n', at + 1).join('\n');
      endLine = startLine + at;
    }
    // A member says little without its class (`public static String getProperty(…)` of which type?):
    // the line that names the class, impl or trait comes first, once. (Not in the long tail, where
    // definitions come compact: headers there took the budget of the next definitions.)
    if (source === 'symbol' && ranked.def?.container && tokens < budget * TAIL_FROM) {
      const header = containerHeader(src, ranked.def);
      if (header && header.endLine < startLine && !overlapsChosen(snippets, header)) {
        const headerCost = src.tokens.count(header.text);
        if (tokens + headerCost < budget) {
          snippets.push({ path: header.path, startLine: header.startLine, endLine: header.endLine, text: header.text, score: Number(score.toFixed(6)), source, symbol: header.symbol });
          tokens += headerCost;
        }
      }
    }
    let cost = src.tokens.count(body);
    if (tokens + cost > budget) {
      // Keep the head of a snippet that does not fit whole (its signature), if that says enough.
      const cut = fitLines(body, budget - tokens, src.tokens);
      if (cut.lines < (source === 'symbol' ? 1 : 3)) continue;
      body = cut.text;
      endLine = startLine + cut.lines - 1;
      cost = src.tokens.count(body);
    }
    snippets.push({ path: item.path, startLine, endLine, text: body, score: Number(score.toFixed(6)), source, symbol: item.symbol });
    tokens += cost;
    if (budget - tokens < 4) break;
  }
  timings.total = performance.now() - started;
  return { snippets, tokens };
}
