import { describe, expect, it } from 'vitest';
import { codeSearchQuery, codeSearchText, splitIdentifier } from '../../store/code-text.js';

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
});
