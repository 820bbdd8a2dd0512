/**
 * The remote backends against a real llama-server (built by .ci/llama-server
 * from the llama.cpp node-llama-cpp ships) running generated GGUFs: the
 * `llama-server` backend on its native routes, the `openai` backend on its
 * /v1 routes. Random weights: nothing here looks at what the model says.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionService, type CompletionWorkspace } from '../../assistant/complete.js';
import { fimFormatOf } from '../../assistant/fim-model.js';
import { resolveConfig, type CvuConfig } from '../../config/schema.js';
import { Backends } from '../../models/backends.js';
import type { GenerationBackend, GenerationModel } from '../../models/generation.js';
import { InProcessBackend } from '../../models/in-process-backend.js';
import { LlmRuntime } from '../../models/llm.js';
import { LlamaServerBackend } from '../../models/llama-server-backend.js';
import { OpenAiBackend } from '../../models/openai-backend.js';
import { buildSpmVocab, TINY_LLAMA_SHAPE, writeTinyLlama } from '../../fixtures/models/tiny-llama.js';
import { gguf } from '../../fixtures/models/gguf-writer.js';
import { rejection } from '../helpers/errors.js';
import { LLAMA_SERVER, startLlamaServer, type RunningServer } from '../helpers/llama-server.js';
import { makeTempDir, removeDir } from '../helpers/temp.js';
import { until } from '../helpers/wait.js';

const PARTS = [
  { text: '<|repo_name|>', special: true },
  { text: 'demo\n', special: false },
  { text: '<|file_sep|>', special: true },
  { text: 'src/a.ts\n', special: false },
  { text: '<|fim_prefix|>', special: true },
  { text: 'export function greet(name: string): string {\n  return ', special: false },
  { text: '<|fim_suffix|>', special: true },
  { text: ';\n}\n', special: false },
  { text: '<|fim_middle|>', special: true },
];
const MESSAGES = [{ role: 'user' as const, content: 'What does greet do?' }];

/**
 * A streamed chat that generated something: a random-weight model now and then samples its end
 * token first (a CI run got no token at all), which says nothing about streaming; three tries.
 */
async function chatUntilItSpeaks(m: GenerationModel, maxTokens: number) {
  for (let attempt = 1; ; attempt++) {
    const chunks: string[] = [];
    const answer = await m.chat(MESSAGES, { maxTokens, temperature: 0.2, onToken: (t) => chunks.push(t) });
    if (answer.generatedTokens > 0 || attempt === 3) return { answer, chunks };
  }
}

function configFor(type: 'llama-server' | 'openai', url: string, apiKey: string | null = null): CvuConfig {
  return resolveConfig({ threads: 1, embedding: { model: null }, model: { contextSize: 1024, backend: { type, url, apiKey, timeoutSeconds: 30 } } });
}

function use<T>(backend: GenerationBackend, config: CvuConfig, fn: (m: GenerationModel) => Promise<T>): Promise<T> {
  return backend.use(config, fn);
}

describe.skipIf(!LLAMA_SERVER)('remote backends on a real llama-server', () => {
  let tmp: string;
  let server: RunningServer;
  let tinyFile: string;

  beforeAll(async () => {
    tmp = makeTempDir('cvu-remote-');
    tinyFile = (await writeTinyLlama(path.join(tmp, 'tiny.gguf'))).file;
    // The alias names the model family, as a vLLM or Ollama server's model id would.
    server = await startLlamaServer({ model: tinyFile, parallel: 2, contextSize: 2048, metrics: true, alias: 'qwen2.5-coder-tiny' });
  }, 60_000);

  afterAll(async () => {
    await server?.kill();
    removeDir(tmp);
  });

  it('llama-server: model facts from /props and /tokenize, completions that reuse the slot holding the caller\'s prefix', async () => {
    const config = configFor('llama-server', server.url);
    const backend = new LlamaServerBackend(server.url, { timeoutMs: 30_000 });
    await use(backend, config, async (m) => {
      expect(m.facts).toMatchObject({ name: 'qwen2.5-coder-tiny', contextSize: 1024 });
      expect(m.facts.fim).toEqual({ prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>', repoName: '<|repo_name|>', fileSep: '<|file_sep|>' });
      expect(fimFormatOf(m.facts, config)).toEqual({ kind: 'qwen-repo' });
      const prompt = await m.encode(PARTS, { bos: true });
      // Control text is one token each, workspace text never is: the same ids the server's own tokenizer gives.
      expect(prompt.tokens!.length).toBeGreaterThan(PARTS.length);
      const first = await m.complete(prompt, { maxTokens: 8 });
      expect(first).toMatchObject({ promptTokens: prompt.length });
      expect(first.evaluatedTokens + first.reusedTokens).toBe(prompt.length);
      expect(first.generatedTokens).toBeGreaterThan(0);
      // A keystroke: the prompt grows by the typed text; the server evaluates only that.
      const typed = await m.append(prompt, 'name');
      const second = await m.complete(typed, { maxTokens: 8 });
      expect(second.reusedTokens).toBeGreaterThanOrEqual(prompt.length - 1);
      expect(second.evaluatedTokens).toBeLessThanOrEqual(typed.length - prompt.length + 1);
      // Budgets: the counter learnt the server's own counts.
      expect(m.counter.count('demo\n')).toBeGreaterThan(0);
    });
    expect(backend.status()).toMatchObject({ type: 'llama-server', state: 'ready', name: 'qwen2.5-coder-tiny', loaded: true });
  });

  it('llama-server: a natural stop closes the stream, chat streams through /v1/chat/completions, a prefill is continued', async () => {
    const config = configFor('llama-server', server.url);
    const backend = new LlamaServerBackend(server.url, { timeoutMs: 30_000 });
    await use(backend, config, async (m) => {
      const prompt = await m.encode(PARTS, { bos: true });
      let calls = 0;
      const stopped = await m.complete(prompt, { maxTokens: 64, shouldStop: () => ++calls >= 2 });
      expect(stopped.stopReason).toBe('stop');
      expect(calls).toBe(2);
      const { answer, chunks } = await chatUntilItSpeaks(m, 12);
      expect(answer.promptTokens).toBeGreaterThan(0);
      expect(answer.generatedTokens).toBeGreaterThan(0);
      expect(chunks.join('')).toBe(answer.text);
      const prefilled = await m.chat(MESSAGES, { maxTokens: 6, temperature: 0, prefill: '```ts\n' });
      expect(prefilled.text.startsWith('```ts\n')).toBe(false);
    });
  });

  it('llama-server: daemons that serve the same editor client id keep a slot each on a shared server, never taking turns on one', async () => {
    // Two slots and no host-memory prompt cache (--cache-ram 0, as servers before it had none): a keystroke that
    // lands on a slot holding another daemon's prompt evaluates its whole prompt again.
    const shared = await startLlamaServer({ model: tinyFile, parallel: 2, contextSize: 2048, extra: ['--cache-ram', '0'] });
    try {
      const config = configFor('llama-server', shared.url);
      config.completion.naturalStop = false;
      config.completion.budgetTokens = 768;
      const ws: CompletionWorkspace = { root: path.join(tmp, 'demo'), languageOf: () => 'typescript', context: async () => ({ snippets: [] }) };
      // A daemon: its own backend and completion service (own process, own state), the editor's default client id.
      const daemon = (file: string, body: string) => {
        const backend = new LlamaServerBackend(shared.url, { timeoutMs: 30_000 });
        const service = new CompletionService(config);
        let text = body;
        return async (typed: string, opts: { prefill?: boolean } = {}) => {
          text += typed;
          const lines = text.split('\n');
          const position = { line: lines.length - 1, character: lines[lines.length - 1].length };
          return backend.use(config, (m) =>
            service.complete(ws, { name: m.facts.name, model: m, format: fimFormatOf(m.facts, config), counter: m.counter }, {
              path: file, text, position, client: 'default', maxTokens: 2, ...opts,
            }),
          );
        };
      };
      const source = (name: string) => Array.from({ length: 12 }, (_, i) => `export function ${name}${i}(x: number): number {\n  return x * ${i};\n}\n`).join('') + 'const total = ';
      const a = daemon('src/a.ts', source('alpha'));
      const b = daemon('src/b.ts', source('beta'));
      const c = daemon('src/c.ts', source('gamma'));
      // Each opens its file (the editor's prefill): A, then C, then B, which meets two idle slots, A's the least recently used.
      for (const open of [a, c, b]) expect((await open('', { prefill: true })).timings.evaluatedTokens).toBeGreaterThan(100);
      // A and B type in turn; C is idle. After one round each holds a slot of its own: a keystroke evaluates only what was typed.
      const evaluated: number[][] = [];
      for (const ch of 'abcd') evaluated.push([(await a(ch)).timings.evaluatedTokens!, (await b(ch)).timings.evaluatedTokens!]);
      for (const round of evaluated.slice(1)) for (const n of round) expect(n, JSON.stringify(evaluated)).toBeLessThanOrEqual(2);
    } finally {
      await shared.kill();
    }
  });

  it('openai: /v1/completions with the raw FIM prompt (no suffix field), /v1/chat/completions streaming, usage as the counts', async () => {
    const config = configFor('openai', `${server.url}/v1`);
    const backend = new OpenAiBackend(`${server.url}/v1`, { timeoutMs: 30_000 });
    await use(backend, config, async (m) => {
      // The FIM format from the model's name, as a vLLM or Ollama server gives no tokenizer.
      expect(m.facts.name).toBe('qwen2.5-coder-tiny');
      expect(fimFormatOf(m.facts, config)).toEqual({ kind: 'qwen-repo' });
      const prompt = await m.encode([...PARTS.slice(0, 5), { text: 'let s = "<|fim_middle|>";\n', special: false }, ...PARTS.slice(5)]);
      expect(prompt.tokens).toBeNull();
      // A control string inside workspace text is defused, the format's own are kept.
      expect(prompt.text).not.toContain('"<|fim_middle|>"');
      expect(prompt.text.endsWith('<|fim_middle|>')).toBe(true);
      const out = await m.complete(prompt, { maxTokens: 8 });
      expect(out.generatedTokens).toBeGreaterThan(0);
      expect(out.promptTokens).toBeGreaterThan(10);
      const again = await m.complete(prompt, { maxTokens: 8 });
      // llama-server reports its cache in usage.prompt_tokens_details.cached_tokens.
      expect(again.reusedTokens).toBeGreaterThan(0);
      expect(again.evaluatedTokens + again.reusedTokens).toBe(again.promptTokens);
      const { answer, chunks } = await chatUntilItSpeaks(m, 10);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.join('')).toBe(answer.text);
      expect(answer.promptTokens).toBeGreaterThan(0);
    });
    expect(backend.status()).toMatchObject({ type: 'openai', state: 'ready' });
  });

  it.each(['llama-server', 'openai'] as const)('%s: an abort closes the request and the server stops generating', async (type) => {
    const url = type === 'openai' ? `${server.url}/v1` : server.url;
    const config = configFor(type, url);
    const backend = type === 'openai' ? new OpenAiBackend(url, { timeoutMs: 30_000 }) : new LlamaServerBackend(url, { timeoutMs: 30_000 });
    const before = await server.metric('llamacpp:tokens_predicted_total');
    const aborted = new AbortController();
    const err = await rejection(
      use(backend, config, async (m) => {
        const prompt = await m.encode(PARTS, { bos: true });
        return m.complete(prompt, {
          maxTokens: 900, signal: aborted.signal,
          shouldStop: () => {
            aborted.abort();
            return false;
          },
        });
      }),
    );
    expect(err.code).toBe('CVU_ERR_ABORTED');
    // The server's slots go idle at once, far short of the 900 tokens asked for.
    await until(async () => (await server.get<{ is_processing: boolean }[]>('/slots')).every((s) => !s.is_processing), 'the slots to go idle', 2_000);
    const slots = await server.get<{ next_token?: { n_decoded: number }[] }[]>('/slots');
    const decoded = Math.max(...slots.map((s) => s.next_token?.[0]?.n_decoded ?? 0));
    expect(decoded).toBeLessThan(900);
    const after = await server.metric('llamacpp:tokens_predicted_total');
    expect(after - before).toBeLessThan(900);
  });

  it('a wrong API key is CVU_ERR_UNAUTHORIZED naming the key setting; the right one works', async () => {
    const keyed = await startLlamaServer({ model: tinyFile, apiKey: 'sesame', contextSize: 512 });
    try {
      for (const type of ['llama-server', 'openai'] as const) {
        const url = type === 'openai' ? `${keyed.url}/v1` : keyed.url;
        const wrong = new Backends(new InProcessBackend(new LlmRuntime({ home: tmp }))).for(configFor(type, url, 'wrong'));
        const err = await rejection(use(wrong, configFor(type, url, 'wrong'), async (m) => m.chat(MESSAGES, { maxTokens: 2, temperature: 0 })));
        expect(err.code).toBe('CVU_ERR_UNAUTHORIZED');
        expect(err.message).toMatch(/CVU_MODEL_API_KEY/);
        const right = new Backends(new InProcessBackend(new LlmRuntime({ home: tmp }))).for(configFor(type, url, 'sesame'));
        const ok = await use(right, configFor(type, url, 'sesame'), async (m) => m.chat(MESSAGES, { maxTokens: 2, temperature: 0 }));
        expect(ok.promptTokens).toBeGreaterThan(0);
      }
    } finally {
      await keyed.kill();
    }
  });

  it('a model that lacks FIM tokens has no FIM format (422 naming model.fimTemplate); model.fimTemplate still completes', async () => {
    // The tiny vocabulary with its FIM and repo tokens renamed: llama.cpp finds none.
    const vocab = buildSpmVocab(TINY_LLAMA_SHAPE.vocabSize);
    const renamed = vocab.tokens.map((t, i) => (/^<\|(fim_\w+|repo_name|file_sep)\|>$/.test(t) ? `<|reserved_${i}|>` : t));
    const noFim = await writeTinyLlama(path.join(tmp, 'no-fim.gguf'), { fimKeys: 'none', metadata: { 'tokenizer.ggml.tokens': gguf.array('string', renamed) } });
    const plain = await startLlamaServer({ model: noFim.file, contextSize: 512 });
    try {
      const config = configFor('llama-server', plain.url);
      const backend = new LlamaServerBackend(plain.url, { timeoutMs: 30_000 });
      await use(backend, config, async (m) => {
        expect(m.facts.fim).toEqual({ prefix: null, suffix: null, middle: null, repoName: null, fileSep: null });
        const err = (() => {
          try {
            fimFormatOf(m.facts, config);
          } catch (e) {
            return e as { code: string; status: number; message: string };
          }
          throw new Error('expected no FIM format');
        })();
        expect(err).toMatchObject({ code: 'CVU_ERR_CONFIG_INVALID', status: 422 });
        expect(err.message).toMatch(/model\.fimTemplate/);
        const templated = { ...config, model: { ...config.model, fimTemplate: '<s>{prefix}<gap>{suffix}<fill>' } };
        expect(fimFormatOf(m.facts, templated).kind).toBe('template');
      });
    } finally {
      await plain.kill();
    }
  });

  it('server down: requests fail within 3 s with CVU_ERR_BACKEND_UNAVAILABLE and the status says so; back up: the next request works', async () => {
    const flaky = await startLlamaServer({ model: tinyFile, contextSize: 512 });
    try {
      for (const type of ['llama-server', 'openai'] as const) {
        const url = type === 'openai' ? `${flaky.url}/v1` : flaky.url;
        const config = configFor(type, url);
        const backend = new Backends(new InProcessBackend(new LlmRuntime({ home: tmp }))).for(config);
        const chat = () => use(backend, config, (m) => m.chat(MESSAGES, { maxTokens: 2, temperature: 0 }));
        await chat();
        await flaky.kill();
        const t0 = performance.now();
        const err = await rejection(chat());
        expect(performance.now() - t0).toBeLessThan(3_000);
        expect(err).toMatchObject({ code: 'CVU_ERR_BACKEND_UNAVAILABLE', status: 503 });
        expect(backend.status()).toMatchObject({ state: 'unavailable', loaded: false });
        expect(backend.status().error).toMatch(/unreachable/);
        await flaky.restart();
        const back = await chat();
        expect(back.promptTokens).toBeGreaterThan(0);
        expect(backend.status()).toMatchObject({ state: 'ready' });
      }
    } finally {
      await flaky.kill();
    }
  });
});
