import { describe, expect, it } from 'vitest';
import { NONE } from '../../store/columns.js';
import { hashTerm, TermPostings } from '../../store/term-postings.js';

const hashed = (t: string) => hashTerm(t, 0, t.length);
const values = (p: TermPostings, term: number) => {
  const out: number[] = [];
  p.forEach(term, (v) => {
    out.push(v);
  });
  return out;
};

describe('TermPostings', () => {
  it('hashes a term the same inside a longer text as alone, and different terms apart', () => {
    const text = 'parse config parseconfig';
    expect(hashTerm(text, 6, 12)).toEqual(hashed('config'));
    expect(hashTerm(text, 0, 5)).toEqual(hashed('parse'));
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(hashed(`term${i}`).join(':'));
    expect(seen.size).toBe(200_000);
  });

  it('keeps each term its list, in the order added, across many terms and long lists', () => {
    const p = new TermPostings();
    const ids = Array.from({ length: 5000 }, (_, i) => p.intern(...hashed(`t${i}`)));
    expect(new Set(ids).size).toBe(5000);
    expect(p.size).toBe(5000);
    // Interleaved: every list grows through several blocks while the others grow.
    for (let v = 0; v < 300; v++) for (let i = 0; i < 5000; i += 7) p.add(ids[i], v * 10 + (i % 10));
    expect(values(p, ids[14])).toEqual(Array.from({ length: 300 }, (_, v) => v * 10 + 4));
    expect(p.length(ids[14])).toBe(300);
    expect(values(p, ids[1])).toEqual([]);
    expect(p.find(...hashed('t14'))).toBe(ids[14]);
    expect(p.intern(...hashed('t14'))).toBe(ids[14]);
    expect(p.find(...hashed('absent'))).toBe(NONE);
    // A visit that returns false ends the walk, past a block boundary too.
    const firstFew: number[] = [];
    p.forEach(ids[14], (v) => {
      firstFew.push(v);
      return firstFew.length < 40;
    });
    expect(firstFew).toEqual(Array.from({ length: 40 }, (_, v) => v * 10 + 4));
  });

  it('rebuilds without the values rejected, forgets terms left empty and reuses their ids', () => {
    const p = new TermPostings();
    const [a, b, c] = ['alpha', 'beta', 'gamma'].map((t) => p.intern(...hashed(t)));
    for (let v = 0; v < 100; v++) {
      p.add(a, v);
      if (v % 2) p.add(b, v);
    }
    p.add(c, 1001);
    p.rebuild((v) => v % 2 === 0 || v === 1001);
    expect(values(p, a)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(p.length(a)).toBe(50);
    expect(p.find(...hashed('beta'))).toBe(NONE);
    expect(values(p, c)).toEqual([1001]);
    expect(p.size).toBe(2);
    // Appending after a rebuild; a new term takes the forgotten id, with an empty list.
    p.add(a, 200);
    expect(values(p, a).slice(-2)).toEqual([98, 200]);
    const d = p.intern(...hashed('delta'));
    expect(d).toBe(b);
    expect(values(p, d)).toEqual([]);
    p.add(d, 7);
    expect(values(p, d)).toEqual([7]);
    expect(values(p, c)).toEqual([1001]);
  });
});
