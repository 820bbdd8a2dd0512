import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasGrammar, languageIds } from '../../../indexer/languages.js';
import { languageSupport, registry } from '../../../indexer/lang/registry.js';

const indexerDir = fileURLToPath(new URL('../../../indexer/', import.meta.url));

/** The indexer's source files, relative to indexer/, posix separators. */
function sources(dir = indexerDir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(path.relative(indexerDir, p).split(path.sep).join('/'));
  }
  return out.sort();
}

/** The code of a file without its comment lines (doc examples may name languages). */
function code(rel: string): string {
  return fs
    .readFileSync(path.join(indexerDir, rel), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\/\*|\*)/.test(l))
    .join('\n');
}

/** Where languages are named: their vocabulary (ids, file names, grammars) and the registry. */
const NAMING = new Set(['languages.ts', 'lang/registry.ts']);

describe('language registry (indexer/lang/registry.ts)', () => {
  it('has a support for every language, and every language with a grammar has a declaration classifier', () => {
    expect(Object.keys(registry).sort()).toEqual([...languageIds].sort());
    for (const id of languageIds) {
      expect(languageSupport(id), id).toBeTypeOf('object');
      if (hasGrammar(id)) expect(languageSupport(id).declarations, id).toBeTypeOf('function');
    }
  });

  it('is the only place a language is listed: nothing else in the indexer names a language or dispatches on one', () => {
    // 'text' is the "no language" of languages.ts (a file the chunker may still recognise by its #! line)
    const named = languageIds.filter((id) => id !== 'text');
    const literal = new RegExp(`['"\`](${named.join('|')})['"\`]`);
    const offenders: string[] = [];
    for (const rel of sources()) {
      if (NAMING.has(rel)) continue;
      const src = code(rel);
      const hit = literal.exec(src);
      if (hit) offenders.push(`${rel}: ${hit[0]}`);
      if (/Record<\s*LanguageId/.test(src)) offenders.push(`${rel}: a table by LanguageId`);
    }
    expect(offenders).toEqual([]);
  });

  it('keeps language folders below the entry points: they import the shared machinery, never the registry or what uses it', () => {
    const entryPoints = /from '\.\.\/(registry|\.\.\/(symbols|imports|local-symbols|chunker|indexer|prepare-file))\.js'/;
    const offenders: string[] = [];
    for (const rel of sources()) {
      if (!/^lang\/[^/]+\//.test(rel)) continue;
      const m = entryPoints.exec(code(rel));
      if (m) offenders.push(`${rel}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
    // and nothing outside lang/ reaches into a language folder past the registry
    const reach: string[] = [];
    for (const rel of sources()) {
      if (rel.startsWith('lang/')) continue;
      for (const m of code(rel).matchAll(/from '\.\/lang\/([^']+)'/g)) {
        if (m[1] !== 'registry.js' && m[1] !== 'language-support.js') reach.push(`${rel}: ${m[1]}`);
      }
    }
    expect(reach).toEqual([]);
  });
});
