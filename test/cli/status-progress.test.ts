import { describe, expect, it } from 'vitest';
import { progressLine } from '../../clients/cli/commands/status-cmd.js';

describe('cvu status: a first index in progress', () => {
  it('says what the pass is doing and the time left at its pace', () => {
    expect(progressLine({ phase: 'scan', done: 0, total: 0, etaSeconds: null })).toBe('scanning the tree…');
    expect(progressLine({ phase: 'index', done: 1200, total: 50000, etaSeconds: null })).toBe('1,200 of 50,000 files');
    expect(progressLine({ phase: 'index', done: 1200, total: 50000, etaSeconds: 41.3 })).toBe('1,200 of 50,000 files, about 42 s left');
    expect(progressLine({ phase: 'index', done: 1200, total: 50000, etaSeconds: 260 })).toBe('1,200 of 50,000 files, about 4 min left');
  });
});
