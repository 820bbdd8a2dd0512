import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineStartOffset, offsetAt, positionAt } from '../../core/text-position.js';

const at = (line: number, character: number) => ({ line, character });

describe('offsetAt and positionAt', () => {
  it('map LF text both ways, clamping a column to its line and a line to the text', () => {
    const text = 'ab\ncd\n';
    expect(offsetAt(text, at(1, 1))).toBe(4);
    expect(positionAt(text, 4)).toEqual(at(1, 1));
    expect(offsetAt(text, at(1, 99))).toBe(5);
    expect(offsetAt(text, at(2, 0))).toBe(6); // the empty line after the final newline
    expect(offsetAt(text, at(9, 0))).toBe(6);
    expect(offsetAt(text, at(-1, 3))).toBe(0);
    expect(offsetAt(text, at(1, -4))).toBe(3);
    expect(positionAt(text, 99)).toEqual(at(2, 0));
    expect(positionAt(text, -5)).toEqual(at(0, 0));
    expect(offsetAt('', at(3, 3))).toBe(0);
  });

  it('count CRLF as one break: a column past the end stops before the \\r', () => {
    const text = 'ab\r\ncd\r\n';
    expect(offsetAt(text, at(0, 2))).toBe(2);
    expect(offsetAt(text, at(0, 3))).toBe(2);
    expect(offsetAt(text, at(0, 99))).toBe(2);
    expect(offsetAt(text, at(1, 0))).toBe(4);
    expect(offsetAt(text, at(1, 99))).toBe(6);
    expect(positionAt(text, 4)).toEqual(at(1, 0));
    // An offset between \r and \n is the end of its line, never a column past it.
    expect(positionAt(text, 3)).toEqual(at(0, 2));
    expect(positionAt(text, text.length)).toEqual(at(2, 0));
  });

  it('count a lone \\r as a line break, as LSP and VS Code do', () => {
    const text = 'ab\rcd\ne';
    expect(offsetAt(text, at(1, 0))).toBe(3);
    expect(offsetAt(text, at(0, 99))).toBe(2);
    expect(offsetAt(text, at(2, 1))).toBe(7);
    expect(positionAt(text, 4)).toEqual(at(1, 1));
  });

  it('count columns in UTF-16 code units: a surrogate pair is two', () => {
    const text = 'x = "😀é";\nlet y';
    expect(offsetAt(text, at(0, 7))).toBe(7);
    expect(text.slice(offsetAt(text, at(0, 7)))).toMatch(/^é/);
    expect(positionAt(text, text.indexOf('é'))).toEqual(at(0, 7));
    expect(positionAt(text, text.length)).toEqual(at(1, 5));
    expect(offsetAt(text, at(0, 99))).toBe(text.indexOf('\n'));
  });

  it('round-trip every offset that is not inside a CRLF pair', () => {
    const piece = fc.constantFrom('a', 'é', '😀', '\n', '\r\n', '\r', ' ');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.nat(200), (pieces, n) => {
        const text = pieces.join('');
        const offset = Math.min(n, text.length);
        if (text[offset - 1] === '\r' && text[offset] === '\n') return;
        expect(offsetAt(text, positionAt(text, offset))).toBe(offset);
      }),
    );
  });
});

describe('lineStartOffset', () => {
  it('is where a line starts, LF or CRLF, and the end of the text past the last line', () => {
    expect(lineStartOffset('a\nbb\nc', 2)).toBe(5);
    expect(lineStartOffset('a\r\nbb\r\nc', 2)).toBe(7);
    expect(lineStartOffset('a\nb\n', 2)).toBe(4);
    expect(lineStartOffset('a\nb', 7)).toBe(3);
    expect(lineStartOffset('a\nb', 0)).toBe(0);
  });
});
