import fs from 'node:fs';
import path from 'node:path';
import type { LlamaModel, Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { resolveConfig, type CvuConfig, type UserConfig } from '../../config/schema.js';
import { detectFim, LlmRuntime } from '../../models/llm.js';
import { ModelManager } from '../../models/model-manager.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { writeTinyLlama, type WrittenLlama } from '../../fixtures/models/tiny-llama.js';
import { rejection } from '../helpers/errors.js';
import { until } from '../helpers/wait.js';

let home: string;
let tmp: string;
let tiny: WrittenLlama;
const runtimes: LlmRuntime[] = [];

/** A config over the defaults: one thread, the tiny model, a small context. */
function config(model: UserConfig['model'] = {}, extra: UserConfig = {}): CvuConfig {
  return resolveConfig({ threads: 1, ...extra, model: { path: tiny.file, contextSize: 512, ...model } });
}

function runtime(opts: ConstructorParameters<typeof LlmRuntime>[0] = {}): LlmRuntime {
  const r = new LlmRuntime({ home, ...opts });
  runtimes.push(r);
  return r;
}



beforeAll(async () => {
  home = makeTempDir('cvu-llm-home-');
  tmp = makeTempDir('cvu-llm-');
  tiny = await writeTinyLlama(path.join(tmp, 'tiny.gguf'));
});

afterAll(async () => {
  for (const r of runtimes) await r.dispose();
  removeDir(home);
  removeDir(tmp);
});

describe('loading', () => {
  it('loads a GGUF path, with a tokenizer-backed counter and explicit threads', async () => {
    const llm = runtime();
    expect(llm.state).toBe('unloaded');
    const loaded = await llm.load(config());
    expect(llm.state).toBe('loaded');
    expect(loaded.file).toBe(tiny.file);
    expect(loaded.name).toBe('tiny');
    expect(loaded.threads).toBe(1);
    expect(llm.model).toBe(loaded.model);
    expect(loaded.memory.needed).toBeGreaterThan(0);
    // One sequence unless the load asks for more; no embedding thread in this process.
    expect(loaded.memory.sequences).toBe(1);
    expect(loaded.memory.embedding.pending).toBe(0);
    expect(loaded.memory.needed).toBe(loaded.memory.model + loaded.memory.context + loaded.memory.embedding.pending);

    const counter = llm.tokenCounter();
    expect(counter.name).toBe('llama:tiny');
    const text = 'export function parseConfig(path: string) {\n  return JSON.parse(readFile(path));\n}\n';
    expect(counter.count(text)).toBe(llm.model.tokenize(text, false).length);
    expect(counter.count(text)).toBeGreaterThan(5);
    expect(counter.count('')).toBe(0);

    const context = await llm.createContext();
    try {
      expect(context.contextSize).toBe(512);
      expect(context.idealThreads).toBe(1);
    } finally {
      await context.dispose();
    }
  });

  it('loads what CVU_MODEL names: a path, or an installed model by name', async () => {
    const root = makeTempDir('cvu-llm-ws-');
    try {
      const byPath = (await loadConfig(root, { home, env: { CVU_MODEL: tiny.file } })).config;
      expect(byPath.model.path).toBe(tiny.file);
      const llm = runtime();
      expect((await llm.load({ ...byPath, threads: 1 })).file).toBe(tiny.file);
      await llm.unload();

      await new ModelManager(home).pull(tiny.file, { name: 'tiny-by-name' });
      const byName = (await loadConfig(root, { home, env: { CVU_MODEL: 'tiny-by-name' } })).config;
      const loaded = await llm.load({ ...byName, threads: 1 });
      expect(loaded.file).toBe(tiny.file);
      expect(loaded.name).toBe('tiny-by-name');
      await new ModelManager(home).rm('tiny-by-name');
    } finally {
      removeDir(root);
    }
  });

  it('shares one load between concurrent callers', async () => {
    const llm = runtime();
    const loads = await Promise.all([llm.load(config()), llm.load(config()), llm.acquire(config()).then((l) => (l.release(), l.llm))]);
    expect(loads[1]).toBe(loads[0]);
    expect(loads[2]).toBe(loads[0]);
    expect(loads[0].model.disposed).toBe(false);
  });
});

describe('FIM tokens', () => {
  it('finds the infill and repo-level tokens of a Qwen-style vocabulary', async () => {
    const llm = runtime();
    await llm.load(config());
    const fim = llm.fim;
    expect(fim.prefix).toBe(tiny.special.fimPrefix);
    expect(fim.suffix).toBe(tiny.special.fimSuffix);
    expect(fim.middle).toBe(tiny.special.fimMiddle);
    expect(fim.pad).toBe(tiny.special.fimPad);
    expect(fim.repoName).toBe(tiny.special.repoName);
    expect(fim.fileSep).toBe(tiny.special.fileSep);
    expect(fim.format).toBe('qwen-repo');
  });

  it('tells PSM-only and FIM-less vocabularies apart', () => {
    const fake = (infill: Partial<Record<'prefix' | 'suffix' | 'middle', number>>, specials: Record<string, number>) =>
      ({
        tokens: { infill: { prefix: infill.prefix ?? null, suffix: infill.suffix ?? null, middle: infill.middle ?? null } },
        tokenize: (text: string) => (text in specials ? [specials[text]] : [...text].map((_, i) => 1000 + i)),
        isSpecialToken: (t: Token) => Object.values(specials).includes(t),
      }) as unknown as LlamaModel;
    const psm = detectFim(fake({ prefix: 5, suffix: 6, middle: 7 }, {}));
    expect(psm).toMatchObject({ prefix: 5, suffix: 6, middle: 7, repoName: null, fileSep: null, format: 'psm' });
    const byText = detectFim(fake({}, { '<|fim_prefix|>': 1, '<|fim_suffix|>': 2, '<|fim_middle|>': 3, '<|repo_name|>': 4, '<|file_sep|>': 8 }));
    expect(byText.format).toBe('qwen-repo');
    expect(detectFim(fake({ prefix: 5 }, {})).format).toBe('none');
  });
});

describe('lifetime', () => {
  it('unloads after the idle time, never while in use, and reloads on the next use', async () => {
    const llm = runtime();
    const cfg = config({ idleUnloadSeconds: 1 });
    const lease = await llm.acquire(cfg);
    const first = lease.llm.model;
    // Held past the idle time: still loaded.
    await new Promise((r) => setTimeout(r, 1_400));
    expect(llm.loaded).toBe(true);
    expect(llm.status().inUse).toBe(1);
    lease.release();
    lease.release(); // idempotent
    expect(llm.status().inUse).toBe(0);

    await until(() => !llm.loaded, 'the idle unload');
    expect(first.disposed).toBe(true);
    expect(llm.state).toBe('unloaded');
    // Unloaded: the counter falls back to the estimate rather than failing.
    expect(llm.tokenCounter().name).toBe('estimate');
    expect(llm.tokenCounter().count('abcdefgh')).toBe(2);

    const again = await llm.use(cfg, async (l) => {
      expect(llm.status().inUse).toBe(1);
      return l.model;
    });
    expect(again).not.toBe(first);
    expect(again.disposed).toBe(false);
    expect(llm.status()).toMatchObject({ state: 'loaded', name: 'tiny', inUse: 0 });
  });

  it('unload() waits for the lease holders', async () => {
    const llm = runtime();
    const lease = await llm.acquire(config());
    let unloaded = false;
    const p = llm.unload().then(() => (unloaded = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(unloaded).toBe(false);
    expect(llm.loaded).toBe(true);
    lease.release();
    await p;
    expect(llm.loaded).toBe(false);
  });
});

describe('errors', () => {
  it('a missing file, a catalogue model not pulled, or nothing at all: MODEL_MISSING naming the command', async () => {
    const llm = runtime();
    const gone = await rejection(llm.load(config({ path: path.join(tmp, 'nope.gguf') })));
    expect(gone.code).toBe('CVU_ERR_MODEL_MISSING');
    expect(gone.message).toContain(path.join(tmp, 'nope.gguf'));
    expect(gone.message).toContain('cvu models pull');

    const notPulled = await rejection(llm.load(config({ path: 'qwen2.5-coder-0.5b' })));
    expect(notPulled.code).toBe('CVU_ERR_MODEL_MISSING');
    expect(notPulled.message).toContain('`cvu models pull qwen2.5-coder-0.5b`');

    const empty = makeTempDir('cvu-llm-empty-home-');
    try {
      const none = await rejection(runtime({ home: empty }).load(config({ path: null })));
      expect(none.code).toBe('CVU_ERR_MODEL_MISSING');
      expect(none.message).toMatch(/`cvu models pull [\w.-]+`/);
    } finally {
      removeDir(empty);
    }
    expect(llm.state).toBe('error');
    expect(llm.status().error).toContain('cvu models pull');
  });

  it('a corrupt or truncated GGUF: MODEL_LOAD, and the runtime stays usable', async () => {
    const truncated = path.join(tmp, 'truncated.gguf');
    fs.writeFileSync(truncated, fs.readFileSync(tiny.file).subarray(0, 4096));
    const garbage = path.join(tmp, 'garbage.gguf');
    fs.writeFileSync(garbage, 'this is not a model\n'.repeat(100));
    const llm = runtime();
    for (const file of [truncated, garbage]) {
      const err = await rejection(llm.load(config({ path: file })));
      expect(err.code).toBe('CVU_ERR_MODEL_LOAD');
      expect(err.message).toContain(file);
    }
    // Concurrent failing loads share the failure; none goes unhandled.
    const both = await Promise.allSettled([llm.load(config({ path: garbage })), llm.load(config({ path: garbage }))]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await llm.load(config())).file).toBe(tiny.file);
  });

  it('refuses a model that does not fit in free memory, naming both figures', async () => {
    const llm = runtime({ freeMemory: () => 64 * 1024 });
    const err = await rejection(llm.load(config()));
    expect(err.code).toBe('CVU_ERR_MODEL_TOO_BIG');
    expect(err.message).toMatch(/needs about [\d.]+ [kMG]?B/);
    expect(err.message).toContain('only 66 kB is free');
    expect(err.message).toMatch(/smaller quantization/);
    expect(err.message).toMatch(/contextSize/);
    expect(llm.loaded).toBe(false);
  });
});
