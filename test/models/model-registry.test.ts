/** The registry of installed models: registry.json, stray files in the folder, and lookups by name. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { findCatalogueEntry } from '../../models/catalogue.js';
import { ModelRegistry, type RegistryEntry } from '../../models/model-registry.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';

let dir: string;

beforeAll(() => {
  dir = makeTempDir('cvu-registry-');
});

afterAll(() => removeDir(dir));

function entry(e: Partial<RegistryEntry> & Pick<RegistryEntry, 'name' | 'file'>): RegistryEntry {
  return { bytes: 1, source: e.file, kind: 'downloaded', addedAt: '2026-01-01T00:00:00.000Z', ...e };
}

describe('ModelRegistry', () => {
  it('starts afresh from an unreadable registry.json, saying so', () => {
    const folder = path.join(dir, 'broken');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'registry.json'), '{ not json');
    const lines: string[] = [];
    const registry = new ModelRegistry(folder, createLogger('warn', (l) => lines.push(l)));
    expect(registry.list()).toEqual([]);
    expect(lines.join('\n')).toContain('is unreadable');
    fs.writeFileSync(path.join(folder, 'a.gguf'), 'GGUF');
    registry.save(entry({ name: 'a', file: 'a.gguf' }), () => false);
    expect(registry.list().map((m) => m.name)).toEqual(['a']);
    // Written whole, through a temporary file that does not stay.
    expect(fs.readdirSync(folder).sort()).toEqual(['a.gguf', 'registry.json']);
  });

  it('lists a split model once, by its first part, and counts all its parts', () => {
    const folder = path.join(dir, 'split');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'Big-00001-of-00002.gguf'), 'GGUF1');
    fs.writeFileSync(path.join(folder, 'Big-00002-of-00002.gguf'), 'GGUF22');
    const registry = new ModelRegistry(folder);
    // Stray: the first part only, named without the split suffix.
    expect(registry.list().map((m) => [m.name, path.basename(m.file), m.addedAt])).toEqual([['big', 'Big-00001-of-00002.gguf', null]]);
    registry.save(entry({ name: 'big', file: 'Big-00001-of-00002.gguf', parts: ['Big-00002-of-00002.gguf'] }), () => false);
    expect(registry.list()).toEqual([expect.objectContaining({ name: 'big', bytes: 11, present: true })]);
    // A part gone: not present, the size as registered.
    fs.rmSync(path.join(folder, 'Big-00002-of-00002.gguf'));
    expect(registry.list()).toEqual([expect.objectContaining({ name: 'big', bytes: 1, present: false })]);
  });

  it('finds a model by name (any case) or by the catalogue name or alias it was pulled as', () => {
    const folder = path.join(dir, 'find');
    const registry = new ModelRegistry(folder);
    const small = findCatalogueEntry('qwen2.5-coder-0.5b')!;
    registry.save(entry({ name: 'mine', file: 'mine.gguf', source: small.uri }), () => false);
    expect(registry.find('MINE')?.name).toBe('mine');
    expect(registry.find('qwen2.5-coder-0.5b')).toMatchObject({ name: 'mine', catalogue: small.name });
    expect(registry.find(small.name)?.name).toBe('mine');
    expect(registry.find('qwen2.5-coder-1.5b')).toBeNull();
    expect(registry.nameTaken('Mine')?.name).toBe('mine');
    expect(registry.nameTaken('Mine', (e) => e.source === small.uri)).toBeUndefined();
    expect(registry.forget('mine')).toBe(true);
    expect(registry.forget('mine')).toBe(false);
  });
});
