import { describe, expect, it } from 'vitest';
import { CompletionCache } from '../../assistant/completion-cache.js';
import { TypingAnchors } from '../../assistant/typing-anchor.js';

describe('CompletionCache', () => {
  it('answers a repeated request and one typed through the suggestion', () => {
    const c = new CompletionCache();
    c.put('a.ts', 'const total = ', ';\n', 'items.reduce((a, b) => a + b, 0)');
    expect(c.get('a.ts', 'const total = ', ';\n')).toBe('items.reduce((a, b) => a + b, 0)');
    expect(c.get('a.ts', 'const total = items.re', ';\n')).toBe('duce((a, b) => a + b, 0)');
    // Typing something else, another suffix or another file: no answer.
    expect(c.get('a.ts', 'const total = x', ';\n')).toBeNull();
    expect(c.get('a.ts', 'const total = items', ')\n')).toBeNull();
    expect(c.get('b.ts', 'const total = ', ';\n')).toBeNull();
    // Typed the whole suggestion: nothing left to suggest from the cache.
    expect(c.get('a.ts', 'const total = items.reduce((a, b) => a + b, 0)', ';\n')).toBeNull();
    c.forget('a.ts');
    expect(c.get('a.ts', 'const total = ', ';\n')).toBeNull();
  });

  it('is bounded', () => {
    const c = new CompletionCache(2);
    c.put('a', '1', '', 'x');
    c.put('a', '2', '', 'y');
    c.put('a', '3', '', 'z');
    expect(c.get('a', '1', '')).toBeNull();
    expect(c.get('a', '3', '')).toBe('z');
  });
});

describe('TypingAnchors', () => {
  it('follows typing at the cursor and lets go of any other edit', () => {
    const anchors = new TypingAnchors();
    anchors.set('vscode', { path: 'a.ts', prefix: 'function f() {\n  return ', suffix: '\n}\n', state: null });
    expect(anchors.match('vscode', 'a.ts', 'function f() {\n  return x + ', '\n}\n')?.typed).toBe('x + ');
    expect(anchors.match('vscode', 'a.ts', 'function f() {\n  return ', '\n}\n')?.typed).toBe('');
    expect(anchors.match('vscode', 'a.ts', 'function g() {\n  return x', '\n}\n')).toBeNull();
    expect(anchors.match('vscode', 'a.ts', 'function f() {\n  return x', ';\n}\n')).toBeNull();
    expect(anchors.match('vscode', 'b.ts', 'function f() {\n  return x', '\n}\n')).toBeNull();
    expect(anchors.match('cli', 'a.ts', 'function f() {\n  return x', '\n}\n')).toBeNull();
    expect(anchors.match('vscode', 'a.ts', 'function f() {\n  return ' + 'a\n'.repeat(4), '\n}\n')).toBeNull();
  });
});
