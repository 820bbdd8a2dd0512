/**
 * Issue 14, names not written yet: calls that come in pairs (retrieval/counterparts.ts) — a half
 * written above the cursor, the other half written nowhere — through the real indexer and cursor
 * retrieval.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { counterpartNames } from '../../retrieval/counterparts.js';
import { indexedWorkspace } from '../helpers/indexed-workspace.js';
import { before } from '../helpers/order.js';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('counterpartNames', () => {
  it('pairs whole words at the start of a name, in its case and style', () => {
    expect(counterpartNames('startFooter')).toEqual(['endFooter', 'finishFooter', 'stopFooter']);
    expect(counterpartNames('begin_object')).toEqual(['end_object', 'finish_object']);
    expect(counterpartNames('START_X')).toEqual(['END_X', 'FINISH_X', 'STOP_X']);
    expect(counterpartNames('Lock')).toEqual(['Unlock']);
    expect(counterpartNames('RLock')).toEqual(['RUnlock']);
    expect(counterpartNames('tearDown')).toEqual(['setUp']);
    expect(counterpartNames('close')).toEqual(['open']);
    // Not a half: the word goes on (`started`, `opener`, `startup`), or no pair has it.
    expect(counterpartNames('started')).toEqual([]);
    expect(counterpartNames('opener')).toEqual([]);
    expect(counterpartNames('startup')).toEqual([]);
    expect(counterpartNames('render')).toEqual([]);
  });
});

describe('the other half of a pair', () => {
  const builder = [
    'export class Footer {',
    '  static getRootAsFooter(bb: unknown): Footer { return new Footer(); }',
    '  static addSchema(b: unknown, s: number): void {}',
    '  static addVersion(b: unknown, v: number): void {}',
    '  static createFooter(b: unknown): number { return 0; }',
    '  static startFooter(b: unknown): void {}',
    '  static endFooter(b: unknown): number { return 0; }',
    '  static finishFooterBuffer(b: unknown, o: number): void {}',
    '}',
    '',
  ].join('\n');

  it("comes before the written half's class's other members when a line above starts what it ends", async () => {
    const indexed = await indexedWorkspace({ 'fb/footer.ts': builder, 'aaa/other.ts': 'export function endFooter(): void {}\n', 'ipc/file.ts': '' }, 'cvu-pairs-');
    cleanup = indexed.close;
    const lines = [
      "import { Footer } from '../fb/footer';",
      '',
      'export function encode(b: unknown, schema: number): number {',
      '  Footer.startFooter(b);',
      '  Footer.addSchema(b, schema);',
      '  ',
      '}',
      '',
    ];
    const { snippets } = await indexed.ws.context({ path: 'ipc/file.ts', text: lines.join('\n'), position: { line: 5, character: 2 }, budgetTokens: 120 });
    const order = snippets.filter((s) => s.source === 'symbol').map((s) => `${s.path}:${s.startLine}`);
    expect(order).toContain('fb/footer.ts:7');
    for (const other of ['fb/footer.ts:2', 'fb/footer.ts:4', 'fb/footer.ts:5', 'fb/footer.ts:8']) {
      if (order.includes(other)) expect(before(order, 'fb/footer.ts:7', other)).toBe(true);
    }
    // The half of another file (no class, never imported) is not the one meant.
    if (order.includes('aaa/other.ts:1')) expect(before(order, 'fb/footer.ts:7', 'aaa/other.ts:1')).toBe(true);
  });
});
