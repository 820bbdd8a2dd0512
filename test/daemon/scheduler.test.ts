import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../daemon/scheduler.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Scheduler', () => {
  it('holds background work while an interactive task runs, and until requests have been quiet', async () => {
    const s = new Scheduler(30);
    const order: string[] = [];
    let release!: () => void;
    const interactive = s.interactiveTask(async () => {
      order.push('interactive start');
      await new Promise<void>((r) => (release = r));
      order.push('interactive end');
    });
    await tick(5);
    const background = s.backgroundTask(async () => order.push('background'));
    const yielded = s.yieldToInteractive().then(() => order.push('yielded'));
    await tick(20);
    expect(order).toEqual(['interactive start']);
    release();
    await interactive;
    await background;
    await yielded;
    // The queued job may start as soon as the lane is free; a running job's next batch waits for the quiet period.
    expect(order.indexOf('yielded')).toBeGreaterThan(order.indexOf('interactive end'));
    await s.close();
  });

  it('runs retrieval beside generation: a full model lane never holds up a context request', async () => {
    const s = new Scheduler();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // More generation than the retrieval lane's four places would hold.
    const model = Array.from({ length: 5 }, () => s.interactiveTask(() => gate, { lane: 'model' }));
    await tick(5);
    expect(s.stats.model).toEqual({ running: 2, queued: 3 });
    const context = s.interactiveTask(async () => 'context');
    expect(await Promise.race([context, tick(2_000).then(() => 'still queued')])).toBe('context');
    // Generation still counts as interactive: background work waits for it.
    let background = false;
    const job = s.backgroundTask(async () => (background = true));
    await tick(20);
    expect(background).toBe(false);
    release();
    await Promise.all([...model, job]);
    expect(background).toBe(true);
    await s.close();
  });

  it('lets starved background work through in a gap, however busy the interactive lane', async () => {
    const s = new Scheduler(40, 100);
    let stop = false;
    // A client polling without pause: a request every 10 ms, never 40 ms of quiet.
    const poll = (async () => {
      while (!stop) {
        await s.interactiveTask(async () => new Promise((r) => setTimeout(r, 2)));
        await tick(10);
      }
    })();
    const started = Date.now();
    await s.yieldToInteractive();
    const waited = Date.now() - started;
    stop = true;
    await poll;
    expect(waited).toBeGreaterThanOrEqual(90);
    await s.close();
  });

  it('aborts a client\'s older request when a newer one with the same key arrives', async () => {
    const s = new Scheduler();
    let firstSignal: AbortSignal | undefined;
    let release!: () => void;
    const first = s.interactiveTask(async (signal) => {
      firstSignal = signal;
      await new Promise<void>((r) => (release = r));
      return 'first';
    }, { supersedeKey: 'editor:context' });
    await tick(1);
    const second = s.interactiveTask(async () => 'second', { supersedeKey: 'editor:context' });
    expect(firstSignal?.aborted).toBe(true);
    expect(await second).toBe('second');
    release();
    expect(await first).toBe('first'); // the task decides what to do with its aborted signal
    // Another client's request is untouched.
    const other = s.interactiveTask(async (signal) => signal.aborted, { supersedeKey: 'other:context' });
    expect(await other).toBe(false);
    await s.close();
  });

  it('refuses a task whose caller already gave up', async () => {
    const s = new Scheduler();
    const ac = new AbortController();
    ac.abort();
    await expect(s.interactiveTask(async () => 1, { signal: ac.signal })).rejects.toMatchObject({ code: 'CVU_ERR_ABORTED' });
    await s.close();
  });
});
