/**
 * Any OpenAI-compatible server as the generation backend (`model.backend.type:
 * 'openai'`): vLLM, sglang, LM Studio, Ollama's `/v1`, llama-server's `/v1`.
 *
 * - Completions: `/v1/completions` with Cvu's fill-in-the-middle prompt as
 *   raw text in the model's own FIM format (vLLM and others reject
 *   `suffix`). The format comes from `model.fimTemplate`, else from the
 *   model's name (Qwen2.5-Coder, StarCoder, CodeLlama, DeepSeek-Coder); a
 *   model of none of these has no FIM (422, naming model.fimTemplate). Known
 *   control strings inside workspace text are broken with a zero-width space,
 *   since the server parses special tokens anywhere in a text prompt.
 *   Evaluated and reused counts come from `usage` (`prompt_tokens_details.
 *   cached_tokens` where the server reports it; vLLM's prefix cache does the
 *   reuse).
 * - Chat: `/v1/chat/completions`; the key as `Authorization: Bearer`.
 * - Budgets: no tokenizer endpoint is standard, so the counter is calibrated
 *   by the `usage.prompt_tokens` of each answer.
 */
import type { Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import { CalibratedCounter } from './calibrated-counter.js';
import type { BackendStatus, CompletionOptions, CompletionOutput, EncodedPrompt, FimTexts, GenerationBackend, GenerationModel, ModelFacts } from './generation.js';
import { ModelHttp } from './model-http.js';
import { streamChat } from './openai-chat.js';

/** FIM control strings by model family, matched on the model's name. */
const FAMILIES: readonly { name: RegExp; fim: FimTexts }[] = [
  { name: /qwen.*coder|coder.*qwen/i, fim: { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>', repoName: '<|repo_name|>', fileSep: '<|file_sep|>' } },
  { name: /starcoder|santacoder/i, fim: { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>', repoName: null, fileSep: null } },
  { name: /code-?llama/i, fim: { prefix: '<PRE>', suffix: '<SUF>', middle: '<MID>', repoName: null, fileSep: null } },
  { name: /deepseek.*coder/i, fim: { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>', repoName: null, fileSep: null } },
];
const NO_FIM: FimTexts = { prefix: null, suffix: null, middle: null, repoName: null, fileSep: null };

interface ModelList {
  data?: { id?: unknown; max_model_len?: unknown; meta?: { n_ctx_train?: unknown } }[];
}

interface CompletionChunk {
  choices?: { text?: string | null; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null } | null;
}

export class OpenAiBackend implements GenerationBackend {
  readonly type = 'openai' as const;
  readonly http: ModelHttp;
  private readonly counter: CalibratedCounter;
  private known: { facts: ModelFacts; epoch: number } | null = null;

  constructor(readonly url: string, private readonly opts: { apiKey?: string | null; timeoutMs: number; model?: string | null; log?: Logger }) {
    // Servers differ in where they put /v1: accept the URL with or without it.
    const base = url.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.http = new ModelHttp({ baseUrl: base, apiKey: opts.apiKey ?? null, timeoutMs: opts.timeoutMs, probePath: '/v1/models', label: `the model server at ${url}`, ...(opts.log ? { log: opts.log } : {}) });
    this.counter = new CalibratedCounter(`openai:${url}`);
  }

  tokenCounter(): TokenCounter {
    return this.counter;
  }

  status(): BackendStatus {
    return {
      type: this.type, name: this.known?.facts.name ?? this.opts.model ?? null, loaded: this.http.state === 'ready', url: this.url, state: this.http.state,
      ...(this.http.error ? { error: this.http.error } : {}),
    };
  }

  async use<T>(config: CvuConfig, fn: (model: GenerationModel) => Promise<T>): Promise<T> {
    const facts = await this.facts(config);
    return fn(this.modelOf(facts));
  }

  async dispose(): Promise<void> {}

  /** The model's name and context: `/v1/models` (once per server epoch), the configured name winning. */
  private async facts(config: CvuConfig): Promise<ModelFacts> {
    if (this.known && this.known.epoch === this.http.epoch && this.http.state === 'ready') return this.known.facts;
    const list = await this.http.json<ModelList>('/v1/models', undefined);
    const models = Array.isArray(list.data) ? list.data : [];
    const wanted = this.opts.model;
    const entry = wanted ? models.find((m) => m.id === wanted) : models[0];
    const name = wanted ?? (typeof entry?.id === 'string' ? entry.id : null);
    if (!name) throw this.http.garbled('/v1/models', 'no model (set model.backend.model)');
    const served = Number(entry?.max_model_len ?? 0);
    const contextSize = served > 0 ? Math.min(served, config.model.contextSize) : config.model.contextSize;
    const facts: ModelFacts = { name, contextSize, fim: FAMILIES.find((f) => f.name.test(name))?.fim ?? NO_FIM };
    this.known = { facts, epoch: this.http.epoch };
    return facts;
  }

  private modelOf(facts: ModelFacts): GenerationModel {
    const controls = Object.values(facts.fim).filter((t): t is string => t !== null);
    const encoded = (text: string): EncodedPrompt => ({ tokens: null, text, length: this.counter.count(text) });
    return {
      facts,
      counter: this.counter,
      encode: async (parts) => encoded(parts.map((p) => (p.special ? p.text : defuse(p.text, controls))).join('')),
      append: async (prompt, typed) => (typed ? encoded(prompt.text + defuse(typed, controls)) : prompt),
      complete: (prompt, opts) => this.complete(facts, prompt, opts),
      // No cache to warm that the server would keep for us.
      prefill: async () => ({ reusedTokens: 0, evaluatedTokens: 0 }),
      chat: (messages, opts) => streamChat(this.http, facts.name, messages, opts),
    };
  }

  private async complete(facts: ModelFacts, prompt: EncodedPrompt, opts: CompletionOptions): Promise<CompletionOutput> {
    const started = performance.now();
    let text = '';
    let chunks = 0;
    let firstTokenMs = 0;
    let usage: CompletionChunk['usage'] = null;
    let stopReason: CompletionOutput['stopReason'] = 'eog';
    let finished = false;
    let stoppedHere = false;
    const body = {
      model: facts.name,
      prompt: prompt.text,
      max_tokens: Math.max(1, opts.maxTokens),
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    };
    await this.http.stream('/v1/completions', body, (e) => {
      const chunk = e as CompletionChunk;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) return;
      if (choice.finish_reason) {
        finished = true;
        stopReason = choice.finish_reason === 'length' ? 'maxTokens' : 'eog';
      }
      const piece = choice.text ?? '';
      if (!piece || stoppedHere) return;
      chunks++;
      if (!firstTokenMs) firstTokenMs = performance.now() - started;
      text += piece;
      if (!finished && opts.shouldStop?.(text)) {
        stopReason = 'stop';
        stoppedHere = true;
        return true;
      }
    }, { signal: opts.signal });
    if (!finished && !stoppedHere && !usage) throw this.http.garbled('/v1/completions', 'a stream that ended before its last event');
    const u = usage as CompletionChunk['usage'];
    const promptTokens = u?.prompt_tokens ?? prompt.length;
    if (u?.prompt_tokens) this.counter.learn(prompt.text, u.prompt_tokens);
    const reused = Math.min(promptTokens, u?.prompt_tokens_details?.cached_tokens ?? 0);
    return {
      text, generatedTokens: u?.completion_tokens ?? chunks, promptTokens, reusedTokens: reused, evaluatedTokens: promptTokens - reused,
      firstTokenMs: firstTokenMs || performance.now() - started, totalMs: performance.now() - started, stopReason,
    };
  }
}

/** `text` with each control string broken by a zero-width space after its first character. */
function defuse(text: string, controls: readonly string[]): string {
  let out = text;
  for (const c of controls) if (out.includes(c)) out = out.split(c).join(c[0] + '\u200b' + c.slice(1));
  return out;
}

