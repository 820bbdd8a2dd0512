/**
 * Where generation runs, behind one interface: the in-process node-llama-cpp
 * model (models/in-process-backend.ts), llama.cpp's `llama-server`
 * (models/llama-server-backend.ts) or any OpenAI-compatible server
 * (models/openai-backend.ts). The assistant builds its prompts the same way
 * for each and talks only to these types; models/backends.ts picks one from
 * `model.backend`.
 *
 * ```ts
 * const backend = backendFor(config);                  // models/backends.ts
 * await backend.use(config, async (model) => {
 *   const prompt = await model.encode([{ text: '<|fim_prefix|>', special: true }, { text: code, special: false }], { bos: true });
 *   const typed = await model.append(prompt, 'ret');   // a keystroke: only the typed text is new
 *   return model.complete(typed, { maxTokens: 16 });
 * });
 * ```
 */
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';

export type BackendType = CvuConfig['model']['backend']['type'];

/** The control strings a model declares for fill-in-the-middle (null: it has none). */
export interface FimTexts {
  prefix: string | null;
  suffix: string | null;
  middle: string | null;
  repoName: string | null;
  fileSep: string | null;
}

/** What the prompt builder needs to know of the model. */
export interface ModelFacts {
  /** The model's name (installed name, file name, or what the server calls it). */
  name: string;
  /** Tokens one request may use (prompt and answer): the context of the sequence or server slot. */
  contextSize: number;
  fim: FimTexts;
}

/** One piece of a prompt: `special` text is the model's control text (parsed into control tokens), the rest is workspace text (never). */
export interface PromptPart {
  text: string;
  special: boolean;
}

/**
 * A prompt as the backend will send it: token ids where the backend has a
 * tokenizer (in-process, llama-server), else the text alone (`openai`).
 */
export interface EncodedPrompt {
  readonly tokens: readonly number[] | null;
  readonly text: string;
  /** Tokens in the prompt (counted by the model's tokenizer, or estimated when the backend has none). */
  readonly length: number;
}

export interface CompletionOptions {
  maxTokens: number;
  signal?: AbortSignal;
  /** Called with the text so far after each chunk; true stops generation (a natural end reached). */
  shouldStop?: (text: string) => boolean;
}

export interface CompletionOutput {
  text: string;
  /** Tokens generated. */
  generatedTokens: number;
  promptTokens: number;
  /** Prompt tokens taken from the cache (the in-process KV cache, or the server's own report). */
  reusedTokens: number;
  /** Prompt tokens evaluated for this request (the server's own report for a remote backend). */
  evaluatedTokens: number;
  firstTokenMs: number;
  totalMs: number;
  stopReason: 'maxTokens' | 'eog' | 'stop' | 'abort';
}

export interface ChatTurnMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatOptions {
  maxTokens: number;
  signal?: AbortSignal;
  /** Each chunk of the answer as the model writes it. */
  onToken?: (text: string) => void;
  /** The start of the answer, written for the model (it continues from there). */
  prefill?: string;
  temperature: number;
  topP?: number;
  seed?: number;
}

export interface ChatOutput {
  /** The answer, without the prefill. */
  text: string;
  stopReason: string;
  promptTokens: number;
  generatedTokens: number;
  firstTokenMs: number;
}

/** The model as the features use it, for the length of one {@link GenerationBackend.use}. */
export interface GenerationModel {
  readonly facts: ModelFacts;
  /** The model's tokenizer where it is at hand, a calibrated estimate otherwise (budgets). */
  readonly counter: TokenCounter;
  /** The parts in order, with the model's BOS token first when `bos` and the model wants one. */
  encode(parts: readonly PromptPart[], opts?: { bos?: boolean; signal?: AbortSignal }): Promise<EncodedPrompt>;
  /** `prompt` followed by workspace text (what was typed since the prompt was built). */
  append(prompt: EncodedPrompt, text: string, signal?: AbortSignal): Promise<EncodedPrompt>;
  /** Continues the prompt (greedy), reusing whatever the backend has cached of it. */
  complete(prompt: EncodedPrompt, opts: CompletionOptions): Promise<CompletionOutput>;
  /** Evaluates the prompt into the cache without generating (idle time); a backend that cannot does nothing. */
  prefill(prompt: EncodedPrompt, opts?: { signal?: AbortSignal }): Promise<{ reusedTokens: number; evaluatedTokens: number }>;
  /** One chat answer with the model's own chat template. */
  chat(messages: readonly ChatTurnMessage[], opts: ChatOptions): Promise<ChatOutput>;
}

/** The backend's state, for /status and the status bar. */
export interface BackendStatus {
  type: BackendType;
  /** The model's name once known; null before. */
  name: string | null;
  /** In process: the model is loaded. Remote: the server answered its last request. */
  loaded: boolean;
  /** Remote backends only. */
  url?: string;
  /** Remote backends: `unknown` before the first request, `unavailable` after a connection failure until one succeeds. */
  state?: 'unknown' | 'ready' | 'unavailable';
  error?: string;
}

export interface GenerationBackend {
  readonly type: BackendType;
  /** Runs `fn` with the model `config` names (loading it, or reaching the server); errors are CvuErrors. */
  use<T>(config: CvuConfig, fn: (model: GenerationModel) => Promise<T>): Promise<T>;
  /** The backend's tokenizer for budgets (a calibrated estimate for a server not reached yet). */
  tokenCounter(): TokenCounter;
  status(): BackendStatus;
  dispose(): Promise<void>;
}
