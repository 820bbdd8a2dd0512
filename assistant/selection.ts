/** A selection in a file, and the cross-file context explain and refactor give the model for it. */
import { throwIfAborted } from '../core/errors.js';
import { splitKeepingEol } from '../core/diff.js';
import type { Snippet } from '../protocol/snippet.js';
import type { AssistantWorkspace } from './workspace-access.js';

/** 1-based inclusive file lines. */
export interface LineRange {
  startLine: number;
  endLine: number;
}

/** Cursor retrievals spread over a selection, and the budget of the merged result. */
const RETRIEVAL_POINTS = 3;
const RETRIEVAL_SHARE = 0.4;
const MAX_RETRIEVAL_TOKENS = 1536;

/** The request's buffer, else the file on disk, and its lines (each with its line ending). */
export function fileLines(ws: AssistantWorkspace, rel: string, buffer: string | undefined): { text: string; lines: string[] } {
  const text = buffer ?? ws.readFile(rel);
  return { text, lines: splitKeepingEol(text) };
}

/** A range within the file's lines (a file of 0 lines still has line 1). */
export function clampRange(range: LineRange, lineCount: number): LineRange {
  const last = Math.max(1, lineCount);
  const startLine = Math.min(Math.max(1, Math.floor(range.startLine)), last);
  const endLine = Math.min(Math.max(startLine, Math.floor(range.endLine)), last);
  return { startLine, endLine };
}

/** Cross-file context for a selection: cursor retrieval at points spread over it, merged. */
export async function selectionContext(ws: AssistantWorkspace, rel: string, text: string, range: LineRange, promptBudget: number, signal?: AbortSignal): Promise<Snippet[]> {
  const budgetTokens = Math.max(64, Math.min(MAX_RETRIEVAL_TOKENS, Math.floor(promptBudget * RETRIEVAL_SHARE)));
  const span = range.endLine - range.startLine;
  const points = span === 0 ? [range.endLine] : Array.from({ length: Math.min(RETRIEVAL_POINTS, span + 1) }, (_, i) => range.endLine - Math.round((i * span) / Math.min(RETRIEVAL_POINTS, span + 1)));
  const per = Math.max(32, Math.floor(budgetTokens / points.length));
  const lists = await Promise.all(
    points.map((line) => ws.context({ path: rel, text, position: { line: line - 1, character: 0 }, budgetTokens: per, ...(signal ? { signal } : {}) })),
  );
  throwIfAborted(signal, 'retrieval');
  // Round-robin over the lists (each is best first), dropping overlaps.
  const out: Snippet[] = [];
  for (let i = 0; lists.some((l) => i < l.snippets.length); i++) {
    for (const l of lists) {
      const s = l.snippets[i];
      if (s && !out.some((o) => o.path === s.path && o.startLine <= s.endLine && s.startLine <= o.endLine)) out.push(s);
    }
  }
  return out;
}
