import { describe, expect, it } from 'vitest';
import { parserFor } from '../../indexer/languages.js';
import { warmUpParserRuntime } from '../../indexer/parser-warmup.js';

describe('warmUpParserRuntime', () => {
  it('parses and queries its sample for all its rounds, and leaves the INI parser working', async () => {
    expect(await warmUpParserRuntime(() => false)).toBe(20);
    const tree = (await parserFor('ini'))!.parse('[core]\neditor = vim\n')!;
    expect(tree.rootNode.toString()).toBe('(document (section (section_name (text)) (setting (setting_name) (setting_value))))');
    tree.delete();
  });

  it('stops at the round after it is told work arrived', async () => {
    let asked = 0;
    expect(await warmUpParserRuntime(() => ++asked > 3)).toBe(3);
    expect(await warmUpParserRuntime(() => true)).toBe(0);
  });
});
