import { describe, expect, it } from 'vitest';
import { codeSearchQuery, codeSearchText, questionQuery, splitIdentifier, stemmedSearchText, stemWord } from '../../store/code-text.js';

describe('code-aware text', () => {
  it('splits identifiers at camelCase, PascalCase, snake_case, acronyms and digits', () => {
    expect(splitIdentifier('parseConfig')).toEqual(['parse', 'config']);
    expect(splitIdentifier('HTTPServerError2')).toEqual(['http', 'server', 'error', '2']);
    expect(splitIdentifier('max_file_bytes')).toEqual(['max', 'file', 'bytes']);
    expect(splitIdentifier('__init__')).toEqual(['init']);
  });

  it('keeps whole identifiers beside their words', () => {
    const t = codeSearchText('const userName = parse_config(x);').split(' ');
    expect(t).toEqual(expect.arrayContaining(['username', 'user', 'name', 'parseconfig', 'parse', 'config', 'const']));
  });

  it('turns a query into the same tokens', () => {
    expect(codeSearchQuery('parseConfig')).toBe('parseconfig parse config');
    expect(codeSearchQuery('parse config')).toBe('parse config');
    expect(codeSearchQuery('!!!')).toBe('');
  });

  it('keeps the longest terms of a long query, in their order', () => {
    expect(codeSearchQuery('a bb readConfigFile x cc', 3)).toBe('readconfigfile read config');
    expect(codeSearchQuery('a bb cc', 3)).toBe('a bb cc');
  });

  it('writes the names-and-docs fields stemmed, token for token', () => {
    expect(stemmedSearchText('def parse_headers(raw_lines): """Parses the headers."""')).toBe('def parseheader pars header rawlin raw lin pars the header');
    const plain = codeSearchText('getValues(entries)').split(' ');
    expect(stemmedSearchText('getValues(entries)').split(' ')).toEqual(plain.map(stemWord));
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
  it('drops stop words, and stems what is left for the names-and-docs fields', () => {
    expect(questionQuery('How are the retries of a failed upload scheduled?')).toEqual({ words: 'retries failed upload scheduled', stems: 'retri fail upload schedul' });
    // `is`, `get`, `new`, `all` name things in code (isEmpty, getAll, newClient): they stay
    expect(questionQuery('is the list empty').words).toBe('is list empty');
    expect(questionQuery('get all values').words).toBe('get all values');
  });

  it('recognises stop words in any case, and keeps a query made only of them', () => {
    for (const w of ['whose', 'does', 'being', 'The', 'WHICH', 'having']) expect(questionQuery(`${w} parser`).words).toBe('parser');
    expect(questionQuery('this').words).toBe('this');
    expect(questionQuery('what is this').words).toBe('is');
  });

  it('splits identifiers written in a question like any other query', () => {
    expect(questionQuery('where does parseConfig read the file')).toEqual({ words: 'parseconfig parse config read file', stems: 'parseconfig pars config read fil' });
  });

  it('finds what a definition says about itself in any inflection', () => {
    const head = new Set(stemmedSearchText('/** Parses the retry headers. */ function parseRetryHeaders(entries) {}').split(' '));
    for (const term of questionQuery('parsing retried header entry').stems.split(' ')) expect(head).toContain(term);
  });
});
