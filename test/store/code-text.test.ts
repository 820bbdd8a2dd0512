import { describe, expect, it } from 'vitest';
import { codeSearchQuery, codeSearchText, questionQuery, splitIdentifier, stemWord, STOP_WORDS } from '../../store/code-text.js';

describe('code-aware text', () => {
  it('splits identifiers at camelCase, PascalCase, snake_case, acronyms and digits', () => {
    expect(splitIdentifier('parseConfig')).toEqual(['parse', 'config']);
    expect(splitIdentifier('HTTPServerError2')).toEqual(['http', 'server', 'error', '2']);
    expect(splitIdentifier('max_file_bytes')).toEqual(['max', 'file', 'bytes']);
    expect(splitIdentifier('__init__')).toEqual(['init']);
  });

  it('keeps whole identifiers beside their words, stemmed', () => {
    const t = codeSearchText('const userName = parse_config(x);').split(' ');
    expect(t).toEqual(['const', 'usernam', 'user', 'nam', 'parseconfig', 'pars', 'config', 'x']);
  });

  it('turns a query into the same tokens', () => {
    expect(codeSearchQuery('parseConfig')).toBe('parseconfig pars config');
    expect(codeSearchQuery('parse config')).toBe('pars config');
    expect(codeSearchQuery('!!!')).toBe('');
    // what the index holds for an identifier, a query written in words finds
    const indexed = new Set(codeSearchText('function parseHeaders(raw) {}').split(' '));
    for (const term of codeSearchQuery('parsing the headers').split(' ')) if (term !== 'the') expect(indexed).toContain(term);
  });

  it('keeps the longest terms of a long query, in their order', () => {
    expect(codeSearchQuery('a bb readConfigFile x cc', 3)).toBe('readconfigfil read config');
    expect(codeSearchQuery('a bb cc', 3)).toBe('a bb cc');
  });
});

describe('stemming', () => {
  it('gives the forms of one verb or noun one term', () => {
    const groups = [
      ['parse', 'parses', 'parsed', 'parsing'],
      ['add', 'adds', 'added', 'adding'],
      ['use', 'uses', 'used', 'using'],
      ['map', 'maps', 'mapped', 'mapping'],
      ['entry', 'entries'],
      ['copy', 'copies', 'copied', 'copying'],
      ['retry', 'retries', 'retried'],
      ['class', 'classes'],
      ['match', 'matches'],
      ['process', 'processes', 'processed', 'processing'],
      ['header', 'headers'],
      ['call', 'calls', 'called', 'calling'],
    ];
    for (const forms of groups) expect(new Set(forms.map(stemWord)), forms.join(' ')).toHaveProperty('size', 1);
  });

  it('leaves short words, words that only look inflected, and tokens with digits alone', () => {
    for (const w of ['get', 'set', 'is', 'string', 'thing', 'status', 'class', 'need', 'utf8', 'x509']) expect(stemWord(w)).toBe(w);
    expect(stemWord('handler')).not.toBe(stemWord('handle')); // -er makes another word: no stripping
  });
});

describe('questions in words', () => {
  it('drops stop words and keeps the words that name code', () => {
    expect(questionQuery('How are the retries of a failed upload scheduled?')).toBe('retri fail upload schedul');
    // `is`, `get`, `new`, `all` name things in code (isEmpty, getAll, newClient): they stay
    expect(questionQuery('is the list empty')).toBe('is list empti');
    expect(questionQuery('get all values')).toBe('get all valu');
  });

  it('keeps a query made only of stop words as it is', () => {
    expect(questionQuery('this')).toBe('this');
    expect(questionQuery('what is this')).toBe('is');
  });

  it('splits identifiers written in a question like any other query', () => {
    expect(questionQuery('where does parseConfig read the file')).toBe('parseconfig pars config read fil');
  });

  it('recognises stop words in any inflection the stemmer folds', () => {
    for (const w of ['whose', 'does', 'being', 'The', 'WHICH', 'having']) expect(questionQuery(`${w} parser`)).toBe('parser');
    expect(STOP_WORDS.has(stemWord('does'))).toBe(true);
  });
});
