import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, resolveConfig } from '../../config/index.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

describe('config', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) removeDir(dir);
    dir = undefined;
  });

  it('merges a partial config over the defaults', () => {
    const c = resolveConfig({ index: { maxFileBytes: 10, chunk: { maxLines: 20 } } });
    expect(c.index.maxFileBytes).toBe(10);
    expect(c.index.chunk.maxLines).toBe(20);
    expect(c.index.chunk.minLines).toBe(defaultConfig().index.chunk.minLines);
    expect(c.embedding).toEqual(defaultConfig().embedding);
  });

  it('names the key of an unknown entry', () => {
    expect(() => resolveConfig({ index: { maxFileByte: 10 } })).toThrow(/index\.maxFileByte: unknown key/);
  });

  it('names the key of a wrong type', () => {
    expect(() => resolveConfig({ index: { chunk: { maxLines: 'many' } } })).toThrow(/index\.chunk\.maxLines: expected a number/);
    expect(() => resolveConfig({ embedding: { dtype: 'q4' } })).toThrow(/embedding\.dtype: expected one of/);
    expect(() => resolveConfig({ index: { ignore: 'dist' } })).toThrow(/index\.ignore: expected an array of strings/);
  });

  it('accepts null for the embedding model (vectors off)', () => {
    expect(resolveConfig({ embedding: { model: null } }).embedding.model).toBeNull();
  });

  it('loads cvu.config.ts with defineConfig imported from "cvu"', async () => {
    dir = makeTempDir();
    fs.writeFileSync(
      path.join(dir, 'cvu.config.ts'),
      `import { defineConfig } from 'cvu';\nconst size: number = 2048;\nexport default defineConfig({ index: { maxFileBytes: size, ignore: ['gen/**'] } });\n`,
    );
    const { config, file } = await loadConfig(dir, {});
    expect(file).toBe(path.join(dir, 'cvu.config.ts'));
    expect(config.index.maxFileBytes).toBe(2048);
    expect(config.index.ignore).toEqual(['gen/**']);
  });

  it('reports an invalid config file with its key and the file', async () => {
    dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'cvu.config.ts'), `export default { threads: -1 };\n`);
    await expect(loadConfig(dir, {})).rejects.toMatchObject({ code: 'CVU_ERR_CONFIG_INVALID', message: expect.stringMatching(/cvu\.config\.ts: threads: must be at least 0/) });
  });

  it('reports a config file that does not compile', async () => {
    dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'cvu.config.ts'), `export default {{{;\n`);
    await expect(loadConfig(dir, {})).rejects.toMatchObject({ code: 'CVU_ERR_CONFIG_LOAD' });
  });

  it('lets CVU_EMBEDDING_MODEL override the configured model', async () => {
    dir = makeTempDir();
    expect((await loadConfig(dir, { CVU_EMBEDDING_MODEL: '/models/x' })).config.embedding.model).toBe('/models/x');
    expect((await loadConfig(dir, { CVU_EMBEDDING_MODEL: 'none' })).config.embedding.model).toBeNull();
  });
});
