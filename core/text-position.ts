/**
 * LSP positions in a text and back, as editors count them: 0-based lines
 * broken at `\n`, `\r\n` or a lone `\r`, and columns in UTF-16 code units
 * (a character outside the BMP, such as an emoji, is two columns).
 *
 * ```ts
 * offsetAt('ab\r\ncd', { line: 1, character: 1 }); // 5
 * offsetAt('ab\r\ncd', { line: 0, character: 99 }); // 2: clamped before the line break
 * positionAt('ab\r\ncd', 5);                         // { line: 1, character: 1 }
 * ```
 *
 * Both are vscode-languageserver-textdocument's, the implementation language
 * servers use, so the daemon, the CLI and the extension agree with the editor.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';

/** An LSP position: 0-based line, 0-based UTF-16 column. */
export interface TextPosition {
  line: number;
  character: number;
}

function documentOf(text: string): TextDocument {
  return TextDocument.create('cvu:text', 'plaintext', 0, text);
}

/**
 * Offset (UTF-16 code units) of `pos` in `text`. A column past its line's
 * end is the end of that line (before its line break); a line past the last
 * is the end of the text; negative values are 0.
 */
export function offsetAt(text: string, pos: TextPosition): number {
  return documentOf(text).offsetAt(pos);
}

/** The position of `offset` (clamped to the text; one inside a `\r\n` is the end of its line). */
export function positionAt(text: string, offset: number): TextPosition {
  return documentOf(text).positionAt(offset);
}

/** Offset where 0-based `line` starts (the end of the text past the last line). */
export function lineStartOffset(text: string, line: number): number {
  return offsetAt(text, { line, character: 0 });
}

/**
 * `pos` clamped to its line's end, and the text's line count (to tell a line past the end), from
 * one pass over the text: the request path checks a keystroke's position with it.
 */
export function clampToText(text: string, pos: TextPosition): { position: TextPosition; lineCount: number } {
  const doc = documentOf(text);
  return { position: doc.positionAt(doc.offsetAt(pos)), lineCount: doc.lineCount };
}
