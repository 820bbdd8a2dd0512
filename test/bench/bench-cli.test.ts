import { afterEach, describe, expect, it, vi } from 'vitest';
import { HELDOUT_SEED, parseBenchOptions, TUNING_SEED } from '../../bench/bench-cli.js';

const corpora = [{ label: 'chi' }, { label: 'gson' }];

describe('parseBenchOptions (bench:search, bench:context)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('reads the shared options and hands the rest, inline or not, to the benchmark', () => {
    const seen: string[] = [];
    const o = parseBenchOptions(['--corpora=chi', '--queries', '12', '--record', '--pair', 'a', 'b'], {
      doc: import.meta.url,
      corpora,
      option: ({ name, value, next }) => {
        if (name === '--queries') seen.push(value());
        else if (name === '--pair') seen.push(`${next()}+${next()}`);
        else return false;
        return true;
      },
    });
    expect(o).toMatchObject({ seed: TUNING_SEED, heldout: false, corpora: ['chi'], record: true, out: null, keep: false });
    expect(seen).toEqual(['12', 'a+b']);
  });

  it('draws the held-out seed, and refuses another seed beside it, unknown code bases and unknown options', () => {
    const how = { doc: import.meta.url, corpora, option: () => false };
    expect(parseBenchOptions(['--heldout'], how).seed).toBe(HELDOUT_SEED);
    vi.stubEnv('HELDOUT', '1');
    expect(parseBenchOptions([], how).seed).toBe(HELDOUT_SEED);
    expect(() => parseBenchOptions(['--seed', '3'], how)).toThrow(/--heldout and --seed/);
    vi.unstubAllEnvs();
    expect(() => parseBenchOptions(['--corpora', 'chi,nope'], how)).toThrow(/unknown code base nope/);
    expect(() => parseBenchOptions(['--what'], how)).toThrow(/unknown option --what/);
    expect(() => parseBenchOptions(['--seed'], how)).toThrow(/--seed needs a value/);
  });
});
