import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

  it('measures a folder named with --corpus, in the language most of its files are written in', () => {
    const how = { doc: import.meta.url, corpora, option: () => false };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvu-corpus-'));
    try {
      for (const f of ['a/A.java', 'a/B.java', 'build.py', 'docs/notes.txt', 'node_modules/x/index.js', 'node_modules/x/y.js', 'node_modules/x/z.js']) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), '');
      }
      const alone = parseBenchOptions(['--corpus', `mine=${dir}`], how);
      expect(alone.corpora).toEqual(['mine']);
      expect(alone.extra).toMatchObject([{ label: 'mine', language: 'Java', source: dir }]);
      const copy = path.join(dir, '..', `${path.basename(dir)}-copy`);
      alone.extra[0].materialise(copy);
      expect(fs.readdirSync(copy).sort()).toEqual(['a', 'build.py', 'docs']);
      fs.rmSync(copy, { recursive: true, force: true });
      // Beside built-in code bases when --corpora names them.
      expect(parseBenchOptions(['--corpus', `mine=${dir}`, '--corpora', 'chi,mine'], how).corpora).toEqual(['chi', 'mine']);
      expect(() => parseBenchOptions(['--corpus', `chi=${dir}`], how)).toThrow(/name is taken/);
      expect(() => parseBenchOptions(['--corpus', dir], how)).toThrow(/LABEL=DIR/);
      expect(() => parseBenchOptions(['--corpus', `x=${path.join(dir, 'nope')}`], how)).toThrow(/is not a folder/);
      expect(() => parseBenchOptions(['--corpus', `x=${path.join(dir, 'docs')}`], how)).toThrow(/no source file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
