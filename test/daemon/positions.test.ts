import { describe, expect, it } from 'vitest';
import { clampPosition } from '../../daemon/server.js';

describe('clampPosition (a request position against its text)', () => {
  it('clamps a column past its line to the line end, before the line break (\\n, \\r\\n or a lone \\r)', () => {
    expect(clampPosition('ab\r\ncd', { line: 0, character: 99 }, 't')).toEqual({ line: 0, character: 2 });
    expect(clampPosition('ab\rcd\nef', { line: 1, character: 99 }, 't')).toEqual({ line: 1, character: 2 });
    expect(clampPosition('ab\ncd', { line: 1, character: 1 }, 't')).toEqual({ line: 1, character: 1 });
  });

  it('accepts the last line (also the empty one after a final newline) and refuses the one after it, naming the line count', () => {
    expect(clampPosition('ab\n', { line: 1, character: 0 }, 't')).toEqual({ line: 1, character: 0 });
    expect(() => clampPosition('ab\n', { line: 2, character: 0 }, 'the text')).toThrow(
      expect.objectContaining({ code: 'CVU_ERR_BAD_REQUEST', field: 'body.position.line', message: 'body.position.line 2 is past the end of the text (2 lines)' }),
    );
    expect(() => clampPosition('', { line: 1, character: 0 }, 'x')).toThrow(/\(1 lines\)/);
  });
});
