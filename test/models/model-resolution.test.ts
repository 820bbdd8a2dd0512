/**
 * Which file a model reference names: the reference forms, and a pulled URI
 * found by node-llama-cpp's own naming when the registry does not know it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCatalogueEntry } from '../../models/catalogue.js';
import { llmModelsDir, ModelManager } from '../../models/model-manager.js';
import { parseModelReference } from '../../models/model-resolution.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { writeTinyLlama, type WrittenLlama } from '../../fixtures/models/tiny-llama.js';

let tmp: string;
let tiny: WrittenLlama;

beforeAll(async () => {
  tmp = makeTempDir('cvu-resolution-');
  tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
});

afterAll(() => removeDir(tmp));

describe('model references', () => {
  it('a URI, a catalogue name or alias, a path, else an installed name', () => {
    const cwd = '/work/project';
    expect(parseModelReference(' hf:owner/repo/m.gguf ', cwd)).toEqual({ kind: 'uri', uri: 'hf:owner/repo/m.gguf', entry: null });
    const catalogued = findCatalogueEntry('qwen2.5-coder-0.5b')!;
    expect(parseModelReference(catalogued.uri, cwd)).toEqual({ kind: 'uri', uri: catalogued.uri, entry: catalogued });
    expect(parseModelReference('Qwen2.5-Coder-0.5B', cwd)).toEqual({ kind: 'name', name: 'Qwen2.5-Coder-0.5B', entry: catalogued });
    expect(parseModelReference('./m.gguf', cwd)).toEqual({ kind: 'path', file: '/work/project/m.gguf' });
    expect(parseModelReference('models/m.gguf', cwd)).toEqual({ kind: 'path', file: '/work/project/models/m.gguf' });
    expect(parseModelReference('m.GGUF', cwd)).toEqual({ kind: 'path', file: '/work/project/m.GGUF' });
    expect(parseModelReference('~/m.gguf', cwd)).toEqual({ kind: 'path', file: path.join(os.homedir(), 'm.gguf') });
    expect(parseModelReference('my-model', cwd)).toEqual({ kind: 'name', name: 'my-model', entry: null });
  });
});

describe('a URI downloaded without the registry', () => {
  // As node-llama-cpp names its downloads (its CLI's `pull --dir`, or Cvu's own before the registry was lost).
  it('resolves hf:owner/repo/file.gguf to the file node-llama-cpp put in the models folder', async () => {
    const home = makeTempDir('cvu-resolution-home-');
    try {
      const models = new ModelManager(home, undefined, {});
      const uri = 'hf:test/Tiny-GGUF/tiny.gguf';
      expect((await rejection(models.resolve(uri))).code).toBe('CVU_ERR_MODEL_MISSING');
      fs.mkdirSync(llmModelsDir(home), { recursive: true });
      const file = path.join(llmModelsDir(home), 'hf_test_tiny.gguf');
      fs.copyFileSync(tiny.file, file);
      expect(await models.resolve(uri)).toEqual({ name: 'hf_test_tiny', file, via: 'uri' });
      // Another file of that repository is still missing, and says how to get it.
      const other = await rejection(models.resolve('hf:test/Tiny-GGUF/other.gguf'));
      expect(other.code).toBe('CVU_ERR_MODEL_MISSING');
      expect(other.message).toContain('`cvu models pull hf:test/Tiny-GGUF/other.gguf`');
    } finally {
      removeDir(home);
    }
  });

  it('resolves hf:owner/repo:QUANT, whose file only the download would name', async () => {
    const home = makeTempDir('cvu-resolution-home-');
    try {
      const models = new ModelManager(home, undefined, {});
      fs.mkdirSync(llmModelsDir(home), { recursive: true });
      const file = path.join(llmModelsDir(home), 'hf_test_Tiny.Q8_0.gguf');
      fs.copyFileSync(tiny.file, file);
      expect(await models.resolve('hf:test/Tiny-GGUF:Q8_0')).toMatchObject({ file, via: 'uri' });
      expect((await rejection(models.resolve('hf:test/Tiny-GGUF:Q4_K_M'))).code).toBe('CVU_ERR_MODEL_MISSING');
    } finally {
      removeDir(home);
    }
  });
});
