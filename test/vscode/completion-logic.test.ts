import { describe, expect, it } from 'vitest';
import type { CompleteRequestBody, CompleteResponse } from '../../clients/daemon-client.js';
import { CompletionEngine, endAfterInsert, toInlineItem, type CancellationLike, type CompletionSettings, type DocumentSnapshot } from '../../clients/vscode/src/completion-logic.js';
import { offsetAt, positionAt } from '../../core/text-position.js';

const settings: CompletionSettings = { enable: true, debounceMs: 40, maxCompletionTokens: 32, disabledLanguages: ['markdown'] };

function answer(completion: string): CompleteResponse {
  return { completion, cached: false, timings: { retrievalMs: 0, promptTokens: 0, reusedTokens: 0, firstTokenMs: 0, totalMs: 0 } };
}

function token(): CancellationLike & { cancel(): void } {
  const listeners: (() => void)[] = [];
  const t = {
    isCancellationRequested: false,
    onCancellationRequested(l: () => void) {
      listeners.push(l);
      return { dispose: () => listeners.splice(listeners.indexOf(l), 1) };
    },
    cancel() {
      t.isCancellationRequested = true;
      for (const l of [...listeners]) l();
    },
  };
  return t;
}

function doc(text: string, version = 1, languageId = 'typescript'): DocumentSnapshot {
  return { uri: 'file:///w/a.ts', fsPath: '/w/a.ts', version, languageId, text };
}

function engineWith(s: Partial<CompletionSettings> = {}, reply: (body: CompleteRequestBody, signal: AbortSignal) => Promise<CompleteResponse> = async () => answer('42;')) {
  const bodies: CompleteRequestBody[] = [];
  const signals: AbortSignal[] = [];
  const engine = new CompletionEngine({
    settings: () => ({ ...settings, ...s }),
    complete: (body, { signal }) => {
      bodies.push(body);
      signals.push(signal);
      return reply(body, signal);
    },
  });
  return { engine, bodies, signals };
}

const at = (line: number, character: number) => ({ line, character });

describe('completion logic', () => {
  it('sends the unsaved buffer, cursor, language and max tokens after the debounce', async () => {
    const { engine, bodies } = engineWith();
    const t0 = Date.now();
    const items = await engine.provide(doc('const x = '), { position: at(0, 10), hasSelection: false, trigger: 'automatic' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect(bodies).toEqual([{ path: '/w/a.ts', text: 'const x = ', position: at(0, 10), language: 'typescript', maxTokens: 32 }]);
    expect(items).toEqual([{ insertText: '42;', range: { start: at(0, 10), end: at(0, 10) }, fromCache: false }]);
  });

  it('debounces: a newer request supersedes the older one before it is sent', async () => {
    const { engine, bodies } = engineWith();
    const first = engine.provide(doc('a', 1), { position: at(0, 1), hasSelection: false, trigger: 'automatic' });
    const second = engine.provide(doc('ab', 2), { position: at(0, 2), hasSelection: false, trigger: 'automatic' });
    expect(await first).toEqual([]);
    expect((await second).length).toBe(1);
    expect(bodies.map((b) => b.text)).toEqual(['ab']);
  });

  it('cancellation during the debounce sends nothing; during the request aborts the HTTP signal', async () => {
    const { engine, bodies, signals } = engineWith({}, (_b, signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))));
    const t1 = token();
    const p1 = engine.provide(doc('x'), { position: at(0, 1), hasSelection: false, trigger: 'automatic' }, t1);
    t1.cancel();
    expect(await p1).toEqual([]);
    expect(engine.lastSkip).toBe('cancelled');
    expect(bodies).toHaveLength(0);

    const t2 = token();
    const p2 = engine.provide(doc('x'), { position: at(0, 1), hasSelection: false, trigger: 'invoke' }, t2);
    await new Promise((r) => setTimeout(r, 10));
    expect(bodies).toHaveLength(1);
    expect(signals[0].aborted).toBe(false);
    t2.cancel();
    expect(signals[0].aborted).toBe(true);
    expect(await p2).toEqual([]);
  });

  it('an already cancelled token sends nothing', async () => {
    const { engine, bodies } = engineWith();
    const t = token();
    t.cancel();
    expect(await engine.provide(doc('x'), { position: at(0, 1), hasSelection: false, trigger: 'invoke' }, t)).toEqual([]);
    expect(bodies).toHaveLength(0);
  });

  it('caches per document version and position', async () => {
    const { engine, bodies } = engineWith({ debounceMs: 0 });
    const ctx = { position: at(0, 3), hasSelection: false, trigger: 'automatic' as const };
    await engine.provide(doc('abc', 1), ctx);
    const again = await engine.provide(doc('abc', 1), ctx);
    expect(again[0].fromCache).toBe(true);
    expect(bodies).toHaveLength(1);
    await engine.provide(doc('abc', 1), { ...ctx, position: at(0, 2) });
    expect(bodies).toHaveLength(2);
    await engine.provide(doc('abcd', 2), { ...ctx, position: at(0, 3) });
    expect(bodies).toHaveLength(3);
    // The new version replaced the old one's entries.
    await engine.provide(doc('abc', 1), ctx);
    expect(bodies).toHaveLength(4);
    engine.forget('file:///w/a.ts');
    await engine.provide(doc('abc', 1), ctx);
    expect(bodies).toHaveLength(5);
  });

  it('sends nothing with a selection, the suggest widget, a disabled language or the switch off', async () => {
    const { engine, bodies } = engineWith({ debounceMs: 0 });
    const base = { position: at(0, 1), hasSelection: false, trigger: 'automatic' as const };
    expect(await engine.provide(doc('x'), { ...base, hasSelection: true })).toEqual([]);
    expect(engine.lastSkip).toBe('selection');
    expect(await engine.provide(doc('x'), { ...base, suggestWidgetVisible: true })).toEqual([]);
    expect(engine.lastSkip).toBe('suggest-widget');
    expect(await engine.provide(doc('x', 1, 'Markdown'), base)).toEqual([]);
    expect(engine.lastSkip).toBe('language');
    expect(bodies).toHaveLength(0);
    const off = engineWith({ enable: false });
    expect(await off.engine.provide(doc('x'), base)).toEqual([]);
    expect(off.engine.lastSkip).toBe('disabled');
    const all = engineWith({ disabledLanguages: ['*'] });
    expect(await all.engine.provide(doc('x'), base)).toEqual([]);
    expect(all.bodies).toHaveLength(0);
  });

  it('an empty completion or a daemon error gives no item', async () => {
    const { engine } = engineWith({ debounceMs: 0 }, async () => answer('   '));
    expect(await engine.provide(doc('x'), { position: at(0, 1), hasSelection: false, trigger: 'automatic' })).toEqual([]);
    const failing = engineWith({ debounceMs: 0 }, async () => {
      throw new Error('boom');
    });
    expect(await failing.engine.provide(doc('x'), { position: at(0, 1), hasSelection: false, trigger: 'automatic' })).toEqual([]);
    expect(failing.engine.lastSkip).toBe('error');
  });

  it('prefills an opened document once per version, without debounce, and never where completions are off', async () => {
    const { engine, bodies } = engineWith({ debounceMs: 10_000 });
    expect(await engine.prefill(doc('const x = 1;\n', 1), at(0, 0))).toBe(true);
    expect(bodies).toEqual([{ path: '/w/a.ts', text: 'const x = 1;\n', position: at(0, 0), language: 'typescript', prefill: true }]);
    // Shown again, unchanged: nothing new to warm.
    expect(await engine.prefill(doc('const x = 1;\n', 1), at(0, 0))).toBe(false);
    expect(await engine.prefill(doc('const x = 2;\n', 2), at(0, 0))).toBe(true);
    expect(bodies).toHaveLength(2);
    // Closed and opened again: warmed again.
    engine.forget('file:///w/a.ts');
    expect(await engine.prefill(doc('const x = 2;\n', 2), at(0, 0))).toBe(true);
    // A prefill is not a completion: nothing cached, no item.
    expect(engine.cached(doc('const x = 2;\n', 2), at(0, 0))).toBeUndefined();

    const off = engineWith({ enable: false });
    expect(await off.engine.prefill(doc('x'), at(0, 1))).toBe(false);
    const md = engineWith();
    expect(await md.engine.prefill(doc('# x', 1, 'markdown'), at(0, 1))).toBe(false);
    expect([...off.bodies, ...md.bodies]).toHaveLength(0);
  });

  it('a failed prefill is only logged, and a prefill does not abort a pending completion', async () => {
    const logs: string[] = [];
    let release: (() => void) | undefined;
    const engine = new CompletionEngine({
      settings: () => ({ ...settings, debounceMs: 0 }),
      complete: async (body, { signal }) => {
        if (body.prefill) throw new Error('daemon down');
        await new Promise<void>((r) => (release = r));
        if (signal.aborted) throw signal.reason;
        return answer('1;');
      },
      log: (_l, m) => logs.push(m),
    });
    const pending = engine.provide(doc('const y = '), { position: at(0, 10), hasSelection: false, trigger: 'automatic' });
    await new Promise((r) => setTimeout(r, 5));
    expect(await engine.prefill(doc('other', 1), at(0, 0))).toBe(true);
    release?.();
    expect((await pending).map((i) => i.insertText)).toEqual(['1;']);
    expect(logs.some((m) => m.includes('prefill failed: daemon down'))).toBe(true);
  });
});

describe('range mapping', () => {
  it('counts UTF-16 code units like VS Code', () => {
    const text = 'const s = "😀é";\nlet y = ';
    expect(offsetAt(text, at(0, 13))).toBe(13);
    expect(positionAt(text, text.length)).toEqual(at(1, 8));
    expect(offsetAt(text, at(1, 99))).toBe(text.length);
    expect(offsetAt(text, at(9, 0))).toBe(text.length);
    const crlf = 'ab\r\ncd';
    expect(offsetAt(crlf, at(0, 5))).toBe(2);
    expect(offsetAt(crlf, at(1, 1))).toBe(5);
    expect(positionAt(crlf, 5)).toEqual(at(1, 1));
    expect(endAfterInsert(at(2, 4), '😀x')).toEqual(at(2, 7));
    expect(endAfterInsert(at(2, 4), 'a\n  bc')).toEqual(at(3, 4));
  });

  it('inserts at the cursor after a surrogate pair', () => {
    const text = 'x = "😀"';
    const item = toInlineItem(text, at(0, 8), ' + "!"');
    expect(item).toEqual({ insertText: ' + "!"', range: { start: at(0, 8), end: at(0, 8) } });
  });

  it('keeps multi-line completions and converts line breaks to the document style', () => {
    const lf = toInlineItem('function f() {\n', at(1, 0), '  return 1;\n}');
    expect(lf).toEqual({ insertText: '  return 1;\n}', range: { start: at(1, 0), end: at(1, 0) } });
    const crlf = toInlineItem('function f() {\r\n', at(1, 0), '  return 1;\n}');
    expect(crlf?.insertText).toBe('  return 1;\r\n}');
  });

  it('covers the rest of the line when the completion repeats it', () => {
    const text = 'call(a, )\nnext';
    const item = toInlineItem(text, at(0, 8), 'b)');
    expect(item?.range).toEqual({ start: at(0, 8), end: at(0, 9) });
    const plain = toInlineItem(text, at(0, 8), 'b');
    expect(plain?.range).toEqual({ start: at(0, 8), end: at(0, 8) });
  });
});
