/**
 * llama.cpp's `llama-server` as the generation backend (`model.backend.type:
 * 'llama-server'`, or CVU_MODEL_URL). The daemon still retrieves and builds
 * the prompt; the server only evaluates it.
 *
 * - Completions: `/completion` with Cvu's own prompt as token ids (workspace
 *   text tokenized by `/tokenize` without special-token parsing, so a file
 *   cannot inject a control token) and `cache_prompt: true`. No `id_slot`:
 *   the server gives each request the idle slot whose cached prompt shares
 *   the longest prefix with it (`--slot-prompt-similarity`), so a keystroke
 *   lands on the slot that holds its prompt and the server evaluates only
 *   what is new; a prompt pushed out of its slot waits in the server's
 *   host-memory prompt cache (`--cache-ram`). A pinned slot would defeat
 *   that: the server makes a request wait for the slot it names, while
 *   other slots idle, and daemons pinning independently can pin the same
 *   slot and take turns evicting each other's prompt. The evaluated and
 *   reused counts are the server's own (`timings.prompt_n`, `timings.cache_n`).
 * - Chat: `/v1/chat/completions` (the server applies the model's template).
 * - Budgets: a counter calibrated by the server's `/tokenize`.
 * - Model facts: `/props` (context per slot, model name); FIM tokens are the
 *   known control strings that `/tokenize` turns into one special token.
 */
import path from 'node:path';
import type { Logger } from '../core/log.js';
import { CvuError } from '../core/errors.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import { CalibratedCounter } from './calibrated-counter.js';
import type {
  BackendStatus, ChatOptions, CompletionOptions, CompletionOutput, EncodedPrompt, FimTexts, GenerationBackend, GenerationModel, ModelFacts, PromptPart,
} from './generation.js';
import { ModelHttp } from './model-http.js';
import { streamChat } from './openai-chat.js';

/** FIM and repository control strings of the model families Cvu knows (prompts/fim-formats.ts renders them). */
const FIM_CANDIDATES: readonly (readonly [prefix: string, suffix: string, middle: string])[] = [
  ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'],
  ['<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
  ['<PRE>', '<SUF>', '<MID>'],
  ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
];
const REPO_NAME = '<|repo_name|>';
const FILE_SEP = '<|file_sep|>';

interface Props {
  default_generation_settings?: { n_ctx?: number };
  model_alias?: string;
  model_path?: string;
}

interface CompletionEvent {
  content?: string;
  stop?: boolean;
  stop_type?: string;
  tokens_predicted?: number;
  tokens_evaluated?: number;
  tokens_cached?: number;
  timings?: { prompt_n?: number; cache_n?: number };
}

interface ServerModel {
  facts: ModelFacts;
  bos: number[];
  /** The server's epoch these facts belong to (a restart may change the model). */
  epoch: number;
}

export class LlamaServerBackend implements GenerationBackend {
  readonly type = 'llama-server' as const;
  readonly http: ModelHttp;
  private readonly counter: CalibratedCounter;
  private model: Promise<ServerModel> | null = null;
  private known: ServerModel | null = null;

  constructor(readonly url: string, opts: { apiKey?: string | null; timeoutMs: number; log?: Logger }) {
    this.http = new ModelHttp({ baseUrl: url, apiKey: opts.apiKey ?? null, timeoutMs: opts.timeoutMs, probePath: '/health', label: `llama-server at ${url}`, ...(opts.log ? { log: opts.log } : {}) });
    this.counter = new CalibratedCounter(`llama-server:${url}`);
  }

  tokenCounter(): TokenCounter {
    return this.counter;
  }

  status(): BackendStatus {
    return {
      type: this.type, name: this.known?.facts.name ?? null, loaded: this.http.state === 'ready', url: this.http.baseUrl, state: this.http.state,
      ...(this.http.error ? { error: this.http.error } : {}),
    };
  }

  async use<T>(config: CvuConfig, fn: (model: GenerationModel) => Promise<T>): Promise<T> {
    void config;
    return fn(this.modelOf(await this.serverModel()));
  }

  async dispose(): Promise<void> {}

  /** The model's facts, asked once per server epoch (again after the server was down). */
  private async serverModel(): Promise<ServerModel> {
    const known = this.known;
    if (known && known.epoch === this.http.epoch && this.http.state === 'ready') return known;
    if (!this.model) {
      const p = this.fetchModel().finally(() => {
        if (this.model === p) this.model = null;
      });
      this.model = p;
    }
    return this.model;
  }

  private async fetchModel(): Promise<ServerModel> {
    const props = await this.http.json<Props>('/props', undefined);
    const contextSize = props.default_generation_settings?.n_ctx;
    if (typeof contextSize !== 'number' || !(contextSize > 0)) throw this.http.garbled('/props', 'no default_generation_settings.n_ctx (is this llama-server?)');
    const name = props.model_alias || (props.model_path ? path.basename(props.model_path) : 'llama-server');
    const bos = await this.tokenize('', { addSpecial: true, parseSpecial: false });
    const fim = await this.detectFim();
    const model: ServerModel = { facts: { name, contextSize, fim }, bos, epoch: this.http.epoch };
    this.known = model;
    return model;
  }

  /** The known control strings that are one special token of this model (tokenized as text, they are several). */
  private async detectFim(): Promise<FimTexts> {
    const isControl = async (s: string) => (await this.tokenize(s, { parseSpecial: true })).length === 1 && (await this.tokenize(s, { parseSpecial: false })).length > 1;
    const none: FimTexts = { prefix: null, suffix: null, middle: null, repoName: null, fileSep: null };
    for (const [prefix, suffix, middle] of FIM_CANDIDATES) {
      if ((await isControl(prefix)) && (await isControl(suffix)) && (await isControl(middle))) {
        const repoName = await isControl(REPO_NAME);
        const fileSep = await isControl(FILE_SEP);
        return { prefix, suffix, middle, repoName: repoName ? REPO_NAME : null, fileSep: fileSep ? FILE_SEP : null };
      }
    }
    return none;
  }

  private async tokenize(content: string, opts: { parseSpecial: boolean; addSpecial?: boolean }, signal?: AbortSignal): Promise<number[]> {
    const r = await this.http.json<{ tokens?: unknown }>('/tokenize', { content, add_special: opts.addSpecial ?? false, parse_special: opts.parseSpecial }, { signal });
    if (!Array.isArray(r.tokens) || !r.tokens.every((t) => typeof t === 'number')) throw this.http.garbled('/tokenize', 'no token list');
    const tokens = r.tokens as number[];
    if (!opts.parseSpecial && !opts.addSpecial) this.counter.learn(content, tokens.length);
    return tokens;
  }

  private modelOf(server: ServerModel): GenerationModel {
    const encoded = (tokens: number[], text: string): EncodedPrompt => ({ tokens, text, length: tokens.length });
    return {
      facts: server.facts,
      counter: this.counter,
      encode: async (parts: readonly PromptPart[], opts = {}) => {
        // One request at a time: a burst would open a connection per part, and each holds one of the server's HTTP threads while it idles.
        const tokens = opts.bos ? [...server.bos] : [];
        for (const p of parts) if (p.text) tokens.push(...(await this.tokenize(p.text, { parseSpecial: p.special }, opts.signal)));
        return encoded(tokens, parts.map((p) => p.text).join(''));
      },
      append: async (prompt, typed, signal) => {
        if (!typed) return prompt;
        const more = await this.tokenize(typed, { parseSpecial: false }, signal);
        return encoded([...(prompt.tokens ?? []), ...more], prompt.text + typed);
      },
      complete: (prompt, opts) => this.complete(server, prompt, opts),
      prefill: async (prompt, opts = {}) => {
        const r = await this.complete(server, prompt, { maxTokens: 0, ...opts });
        return { reusedTokens: r.reusedTokens, evaluatedTokens: r.evaluatedTokens };
      },
      chat: (messages, opts: ChatOptions) => streamChat(this.http, undefined, messages, opts),
    };
  }

  private async complete(server: ServerModel, prompt: EncodedPrompt, opts: CompletionOptions): Promise<CompletionOutput> {
    const started = performance.now();
    if (!prompt.tokens) throw new CvuError('CVU_ERR_INTERNAL', 'a llama-server prompt carries its tokens');
    if (prompt.length + 1 >= server.facts.contextSize) {
      throw new CvuError('CVU_ERR_BAD_REQUEST', `prompt of ${prompt.length} tokens does not fit the server's context (${server.facts.contextSize} per slot)`, { status: 400 });
    }
    const maxTokens = Math.max(0, Math.min(opts.maxTokens, server.facts.contextSize - prompt.length - 1));
    let text = '';
    let generated = 0;
    let firstTokenMs = 0;
    let evaluated: number | null = null;
    let reused: number | null = null;
    let stopReason: CompletionOutput['stopReason'] = 'eog';
    let finished = false;
    let stoppedHere = false;
    const body = {
      prompt: prompt.tokens,
      n_predict: maxTokens,
      stream: true,
      cache_prompt: true,
      temperature: 0,
      timings_per_token: true,
    };
    await this.http.stream('/completion', body, (e) => {
      const event = e as CompletionEvent;
      if (event.timings) {
        if (typeof event.timings.prompt_n === 'number') evaluated = event.timings.prompt_n;
        if (typeof event.timings.cache_n === 'number') reused = event.timings.cache_n;
      }
      if (event.stop === true) {
        finished = true;
        stopReason = event.stop_type === 'limit' ? 'maxTokens' : event.stop_type === 'word' ? 'stop' : 'eog';
        if (typeof event.tokens_predicted === 'number') generated = event.tokens_predicted;
      }
      const piece = typeof event.content === 'string' ? event.content : '';
      if (piece) {
        if (!firstTokenMs) firstTokenMs = performance.now() - started;
        text += piece;
        if (typeof event.tokens_predicted === 'number') generated = event.tokens_predicted;
        else generated++;
        if (!finished) {
          const here = generated >= maxTokens && maxTokens > 0 ? 'maxTokens' : opts.shouldStop?.(text) ? 'stop' : null;
          if (here) {
            // Closing the stream stops the server's generation too.
            stopReason = here;
            stoppedHere = true;
            return true;
          }
        }
      }
      return finished;
    }, { signal: opts.signal });
    if (!finished && !stoppedHere) throw this.http.garbled('/completion', 'a stream that ended before its last event');
    const evaluatedTokens = evaluated ?? prompt.length;
    return {
      text, generatedTokens: generated, promptTokens: prompt.length,
      reusedTokens: reused ?? Math.max(0, prompt.length - evaluatedTokens), evaluatedTokens,
      firstTokenMs: firstTokenMs || performance.now() - started, totalMs: performance.now() - started, stopReason,
    };
  }
}
