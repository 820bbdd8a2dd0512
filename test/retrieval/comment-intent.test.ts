/**
 * Issue 14, names not written yet: a comment right above the cursor names what the line below it
 * calls (retrieval/comment-intent.ts), through the real indexer and cursor retrieval.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commentAboveWords, wordsNamedIn } from '../../retrieval/comment-intent.js';
import { indexedWorkspace } from '../helpers/indexed-workspace.js';
import { before } from '../helpers/order.js';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('the words of the comment above the cursor', () => {
  it('reads the comment lines right above the cursor, in any comment syntax, and nothing else', () => {
    expect(commentAboveWords(['x = 1', '# Drop the images', '# if the model does not support vision', ''], 3)).toEqual(new Set(['drop', 'the', 'imag', 'if', 'model', 'doe', 'not', 'support', 'vision']));
    expect(commentAboveWords(['/**', ' * Overwrites the cache.', ' */', ''], 3)).toBeNull();
    expect([...(commentAboveWords(['  // always overwrite the in-memory cache', '  '], 1) ?? [])]).toEqual(expect.arrayContaining(['overwrit', 'cach', 'memory']));
    // Code above, or a blank line between: no comment speaks for the line.
    expect(commentAboveWords(['// load it', 'load()', ''], 2)).toBeNull();
    expect(commentAboveWords(['// load it', '', ''], 2)).toBeNull();
    expect(commentAboveWords(['#include <stdio.h>', ''], 1)).toBeNull();
    expect(commentAboveWords(['#[derive(Debug)]', ''], 1)).toBeNull();
  });

  it('reads a hostile line (a minified file, 20,000 spaces inside a comment) at once: no regular expression backtracks on it', () => {
    // The first form of the comment pattern took 11 s on 4,000 spaces (it backtracked cubically); this
    // one reads at most 400 characters of a comment line. (No timed assertion: the duration shows it.)
    const spaces = ' '.repeat(20_000);
    expect(commentAboveWords([`// a${spaces}x `, ''], 1)).toEqual(new Set(['a']));
    expect(commentAboveWords([`${spaces}x`, ''], 1)).toBeNull();
    expect(commentAboveWords([`/*${'*'.repeat(20_000)}`, ''], 1)).toBeNull();
  });

  it('matches a name only when the comment has each of its words, and it has two or more', () => {
    const words = commentAboveWords(['// Filter out image attachments if the model does not support vision', ''], 1)!;
    expect(wordsNamedIn('modelSupportsVision', words)).toBe(3);
    expect(wordsNamedIn('filter_attachments', words)).toBe(2);
    expect(wordsNamedIn('modelSupportsAudio', words)).toBe(0);
    expect(wordsNamedIn('model', words)).toBe(0);
    expect(wordsNamedIn('filter', words)).toBe(0);
  });

  it('takes a run of a name\'s words the comment writes as one word (`TCP_NODELAY` for `noDelay`)', () => {
    const words = commentAboveWords(['    // Set TCP_NODELAY and the keepalive timeout for this username', ''], 1)!;
    expect(wordsNamedIn('noDelay', words)).toBe(2);
    expect(wordsNamedIn('isNoDelay', words)).toBe(2);
    expect(wordsNamedIn('setKeepAliveTimeout', words)).toBe(4);
    expect(wordsNamedIn('user_name', words)).toBe(2);
    // Every word still has to be there, one way or the other; and a short run is no word to go by.
    expect(wordsNamedIn('noDelayMillis', words)).toBe(0);
    expect(wordsNamedIn('keepAlive', commentAboveWords(['// keep it alive', ''], 1)!)).toBe(2);
    expect(wordsNamedIn('isOk', commentAboveWords(['// isok', ''], 1)!)).toBe(0);
  });
});

describe('a comment right above the cursor', () => {
  // A cache class of many members, a store whose field's type lives a file further, and decoys
  // of the same words in a file nothing imports.
  const tree = {
    'src/cache.ts': [
      'export class TokenCache {',
      '  readEntries(): string[] { return []; }',
      '  writeEntries(e: string[]): void {}',
      '  clearAll(): void {}',
      '  overwriteCache(): Promise<void> { return Promise.resolve(); }',
      '  serialize(): string { return ""; }',
      '}',
      '',
    ].join('\n'),
    'src/props.ts': 'export class PropsStore {\n  contextSize(model: string): number { return 0; }\n  modelSupportsVision(model: string): boolean { return false; }\n}\n',
    'src/models.ts': "import { PropsStore } from './props';\n\nexport class ModelsStore {\n  props = new PropsStore();\n}\n\nexport const modelsStore = new ModelsStore();\n",
    'src/aaa/decoy.ts': 'export function overwriteCache(): void {}\nexport function modelSupportsVision(): boolean { return true; }\n',
    'src/client.ts': '',
  };

  const client = (comment: string, statement: string) =>
    [
      "import { TokenCache } from './cache';",
      "import { modelsStore } from './models';",
      '',
      'export class Client {',
      '  constructor(private tokenCache: TokenCache) {}',
      '',
      '  async silent(model: string, images: string[]) {',
      '    const entries = this.tokenCache.readEntries();',
      '    this.tokenCache.writeEntries(entries);',
      `    ${comment}`,
      '    ',
      `    ${statement}`,
      '  }',
      '}',
      '',
    ];

  async function order(lines: string[], budgetTokens = 250): Promise<string[]> {
    const indexed = await indexedWorkspace(tree, 'cvu-comment-');
    cleanup = indexed.close;
    const { snippets } = await indexed.ws.context({ path: 'src/client.ts', text: lines.join('\n'), position: { line: 10, character: 4 }, budgetTokens });
    return snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
  }

  it("offers the member of a receiver's type that the comment names, before the type's other members", async () => {
    const defs = await order(client('// always overwrite the in-memory cache with the persisted one first', 'return images;'));
    expect(defs).toContain('src/cache.ts:5');
    expect(before(defs, 'src/cache.ts:5', 'src/cache.ts:4')).toBe(true);
    expect(before(defs, 'src/cache.ts:5', 'src/cache.ts:6')).toBe(true);
    // (The decoy shares the comment's words, so the similar-code search may bring it: after.)
    expect(before(defs, 'src/cache.ts:5', 'src/aaa/decoy.ts:1')).toBe(true);
  });

  it('reaches a file further, through what the imported file imports', async () => {
    const defs = await order(client("// drop the images when the model does not support vision", 'return images;'));
    expect(defs).toContain('src/props.ts:3');
    expect(before(defs, 'src/props.ts:3', 'src/props.ts:2')).toBe(true);
    expect(before(defs, 'src/props.ts:3', 'src/aaa/decoy.ts:2')).toBe(true);
  });

  it("reaches the buffer's own package, which Java code uses without importing", async () => {
    // ServerConfig is in the buffer's package: no import names it. Its many settings come first in the
    // file; the one the comment names (as one word: TCP_NODELAY) comes last.
    const settings = Array.from({ length: 30 }, (_, i) => `  static int setting${i}() { return ${i}; }`);
    const indexed = await indexedWorkspace({
      'src/app/ServerConfig.java': ['package app;', '', 'class ServerConfig {', ...settings, '  static boolean noDelay() { return true; }', '}', ''].join('\n'),
      'src/app/Server.java': '',
    }, 'cvu-comment-');
    cleanup = indexed.close;
    const lines = ['package app;', '', 'class Server {', '  void accept(java.net.Socket s) {', '    int n = ServerConfig.setting1();', '    // Set TCP_NODELAY, if appropriate', '    ', '  }', '}', ''];
    const { snippets } = await indexed.ws.context({ path: 'src/app/Server.java', text: lines.join('\n'), position: { line: 6, character: 4 }, budgetTokens: 100 });
    expect(snippets.filter((s) => s.source === 'symbol').map((s) => s.symbol)).toContain('noDelay');
  });
});
