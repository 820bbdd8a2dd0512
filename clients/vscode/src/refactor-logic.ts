/**
 * `/refactor` answers a replacement for whole lines `startLine..endLine`
 * (1-based, inclusive, each with its line break). This turns it into one
 * edit of the document: an LSP range and its new text, plus the whole
 * proposed document for the diff view.
 */
import type { LinesBody, Position, RefactorResponse } from '../../daemon-client.js';
import { lineStartOffset, positionAt } from '../../../core/text-position.js';

export interface Selection {
  start: Position;
  end: Position;
}

/** The 1-based inclusive lines of a selection; a selection ending at column 0 of a later line leaves that line out. */
export function selectionLines(sel: Selection): LinesBody {
  const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
  return { start: sel.start.line + 1, end: endLine + 1 };
}

export interface RefactorEdit {
  range: { start: Position; end: Position };
  newText: string;
  /** The document with the edit applied (the right side of the diff). */
  proposed: string;
  /** Nothing changes. */
  unchanged: boolean;
}

export function refactorEdit(text: string, res: Pick<RefactorResponse, 'replacement' | 'startLine' | 'endLine'>): RefactorEdit {
  if (!(res.startLine >= 1) || !(res.endLine >= res.startLine - 1)) throw new RangeError(`bad refactor range ${res.startLine}-${res.endLine}`);
  const start = lineStartOffset(text, res.startLine - 1);
  const end = lineStartOffset(text, res.endLine);
  let newText = res.replacement;
  // The last line of a file without a final newline: the replacement has none either, keep it so.
  if (end === text.length && !/\n$/.test(text.slice(start, end)) && /\r?\n$/.test(newText) && start !== end) newText = newText.replace(/\r?\n$/, '');
  const proposed = text.slice(0, start) + newText + text.slice(end);
  return { range: { start: positionAt(text, start), end: positionAt(text, end) }, newText, proposed, unchanged: proposed === text };
}

/**
 * The question that offers to apply a proposal: the model's explanation on
 * one line, cut to `max` characters (a notification is no place for an
 * essay), and a warning when the answer was cut short by the token limit.
 */
export function applyQuestion(res: { explanation?: string | null; truncated?: boolean }, max = 160): { message: string; warn: boolean } {
  let summary = (res.explanation ?? '').replace(/\s+/g, ' ').trim();
  if (summary.length > max) summary = `${summary.slice(0, max - 1).trimEnd()}…`;
  const message = `Cvu: ${summary || 'apply the proposed change?'}${res.truncated ? ' (the answer was cut short)' : ''}`;
  return { message, warn: Boolean(res.truncated) };
}

/** Re-exported for test/e2e-vscode, which maps refactor lines as the extension does. */
export { lineStartOffset };
