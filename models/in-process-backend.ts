/**
 * The in-process backend (the default): the GGUF model loaded by
 * node-llama-cpp in the daemon ({@link LlmRuntime}), one context with two
 * sequences on it — completions on sequence 0 (a {@link CompletionEngine},
 * so its KV cache survives between keystrokes), chat on sequence 1
 * (node-llama-cpp's LlamaChat with the model's own template), one answer at
 * a time.
 *
 * Every use holds a runtime lease, so the idle unload never pulls the model
 * from under a generation; when the runtime has unloaded (or swapped) the
 * model, the old contexts are gone with it and the next use creates new ones.
 */
import type { ChatHistoryItem, LlamaChat, LlamaContext, Token } from 'node-llama-cpp';
import { CvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import { CompletionEngine } from './completion-engine.js';
import type {
  BackendStatus, ChatOptions, ChatOutput, ChatTurnMessage, CompletionOptions, CompletionOutput, EncodedPrompt, FimTexts, GenerationBackend, GenerationModel, PromptPart,
} from './generation.js';
import type { FimTokens, LlmLease, LlmRuntime, LoadedLlm } from './llm.js';

/**
 * Sequences of the one context created on a loaded model: completions on one,
 * chat on the other. The runtime's memory check counts them (every load asks
 * for them), and the context is created with them.
 */
export const CONTEXT_SEQUENCES = 2;

/** The loaded model and the context on it. */
export interface ModelContexts {
  llm: LoadedLlm;
  context: LlamaContext;
  /** Completions, on sequence 0. */
  engine: CompletionEngine;
  /** Chat answers, on sequence 1, one at a time. */
  chat: LlamaChat;
}

export class InProcessBackend implements GenerationBackend {
  readonly type = 'in-process' as const;
  private contexts: ModelContexts | null = null;
  private creating: { llm: LoadedLlm; promise: Promise<ModelContexts> } | null = null;
  /** Chat answers run one at a time on the chat sequence. */
  private chatTurn: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    readonly runtime: LlmRuntime,
    private readonly log: Logger = silentLogger,
  ) {}

  tokenCounter(): TokenCounter {
    return this.runtime.tokenCounter();
  }

  status(): BackendStatus {
    return { type: this.type, name: this.runtime.status().name, loaded: this.runtime.loaded };
  }

  async use<T>(config: CvuConfig, fn: (model: GenerationModel) => Promise<T>): Promise<T> {
    return this.withContexts(config, (c) => fn(this.modelOf(c)));
  }

  /** Acquires the model `config` names (loading it), makes sure the contexts exist, runs `fn`, releases. */
  async withContexts<T>(config: CvuConfig, fn: (c: ModelContexts) => Promise<T>): Promise<T> {
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', 'the assistant is shutting down', { status: 503 });
    const lease: LlmLease = await this.runtime.acquire(config, { sequences: CONTEXT_SEQUENCES });
    try {
      return await fn(await this.contextsFor(lease.llm));
    } finally {
      lease.release();
    }
  }

  /** The generation interface over the contexts of one use. */
  modelOf(c: ModelContexts): GenerationModel {
    return modelOnEngine({
      name: c.llm.name, engine: c.engine, fim: c.llm.fim, counter: this.runtime.tokenCounter(),
      chat: (messages, opts) => this.chat(c, messages, opts),
    });
  }

  /** One chat answer on the chat sequence; answers queue (one sequence, one at a time). */
  chat(c: ModelContexts, messages: readonly ChatTurnMessage[], opts: ChatOptions): Promise<ChatOutput> {
    const run = this.chatTurn.then(() => runChatTurn(c.chat, messages, opts));
    this.chatTurn = run.catch(() => {});
    return run;
  }

  /** The contexts on `llm`: the current ones, or new ones when the model was unloaded or swapped since. */
  private async contextsFor(llm: LoadedLlm): Promise<ModelContexts> {
    const c = this.contexts;
    if (c && c.llm === llm && !c.context.disposed && !c.chat.disposed) return c;
    if (this.creating?.llm === llm) return this.creating.promise;
    const promise = (async () => {
      if (c) this.disposeContexts(c);
      const { LlamaChat } = await import('node-llama-cpp');
      // Created under the caller's lease: `llm` is the runtime's current model.
      const context = await this.runtime.createContext({ sequences: CONTEXT_SEQUENCES });
      const created: ModelContexts = {
        llm,
        context,
        engine: new CompletionEngine(context.getSequence()),
        chat: new LlamaChat({ contextSequence: context.getSequence() }),
      };
      this.log.info('model contexts created', { model: llm.name, contextSize: context.contextSize, sequences: context.totalSequences, chat: created.chat.chatWrapper.wrapperName });
      this.contexts = created;
      return created;
    })();
    const entry = { llm, promise };
    this.creating = entry;
    try {
      return await promise;
    } finally {
      if (this.creating === entry) this.creating = null;
    }
  }

  private disposeContexts(c: ModelContexts): void {
    if (this.contexts === c) this.contexts = null;
    try {
      if (!c.chat.disposed) c.chat.dispose();
    } catch {
      // disposed with its model
    }
    if (!c.context.disposed) void c.context.dispose().catch((err: unknown) => this.log.warn(`disposing a model context failed: ${(err as Error).message}`));
  }

  /** Disposes the contexts and the runtime (daemon shutdown); later uses are refused. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.contexts) this.disposeContexts(this.contexts);
    await this.runtime.dispose();
  }
}

export interface EngineModelOptions {
  name: string;
  /** Completions run here (its sequence's model tokenizes). */
  engine: CompletionEngine;
  /** The model's FIM tokens (models/llm.ts detectFim). */
  fim: FimTokens;
  counter: TokenCounter;
  /** Chat answers; a caller that needs none may leave them out (they are refused). */
  chat?: (messages: readonly ChatTurnMessage[], opts: ChatOptions) => Promise<ChatOutput>;
}

/** The generation interface over a completion engine on a node-llama-cpp sequence (the backend's, or a benchmark's own). */
export function modelOnEngine(o: EngineModelOptions): GenerationModel {
  const model = o.engine.sequence.model;
  const text = (id: Token | null) => (id === null ? null : model.detokenize([id], true));
  const fim: FimTexts = { prefix: text(o.fim.prefix), suffix: text(o.fim.suffix), middle: text(o.fim.middle), repoName: text(o.fim.repoName), fileSep: text(o.fim.fileSep) };
  const encoded = (tokens: Token[]): EncodedPrompt => ({
    tokens,
    get text() {
      return model.detokenize(tokens, true);
    },
    length: tokens.length,
  });
  const tokensOf = (p: EncodedPrompt): Token[] => {
    if (!p.tokens) throw new CvuError('CVU_ERR_INTERNAL', 'an in-process prompt carries its tokens');
    return p.tokens as Token[];
  };
  return {
    facts: { name: o.name, contextSize: o.engine.sequence.contextSize, fim },
    counter: o.counter,
    encode: async (parts: readonly PromptPart[], opts = {}) => {
      const out: Token[] = [];
      const bos = model.tokens.bos;
      if (opts.bos && bos !== null && model.tokens.shouldPrependBosToken) out.push(bos);
      for (const p of parts) if (p.text) out.push(...model.tokenize(p.text, p.special));
      return encoded(out);
    },
    append: async (prompt, typed) => (typed ? encoded([...tokensOf(prompt), ...model.tokenize(typed, false)]) : prompt),
    complete: async (prompt, opts: CompletionOptions): Promise<CompletionOutput> => {
      const r = await o.engine.generate(tokensOf(prompt), opts);
      return {
        text: r.text, generatedTokens: r.tokens.length, promptTokens: r.promptTokens, reusedTokens: r.reusedTokens, evaluatedTokens: r.evaluatedTokens,
        firstTokenMs: r.firstTokenMs, totalMs: r.totalMs, stopReason: r.stopReason,
      };
    },
    prefill: (prompt, opts = {}) => o.engine.prefill(tokensOf(prompt), opts.signal),
    chat: o.chat ?? (async () => {
      throw new CvuError('CVU_ERR_INTERNAL', 'this model answers completions only');
    }),
  };
}

/** Chat messages as node-llama-cpp's history, ending with the model's turn (opened with `prefill`). */
export function chatHistory(messages: readonly ChatTurnMessage[], prefill?: string): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: 'user', text: m.content },
  );
  history.push({ type: 'model', response: prefill ? [prefill] : [] });
  return history;
}

/** Generates one answer on `chat`'s sequence; an aborted signal ends it with the abort's reason. */
export async function runChatTurn(chat: LlamaChat, messages: readonly ChatTurnMessage[], opts: ChatOptions): Promise<ChatOutput> {
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const started = performance.now();
  let firstTokenMs = 0;
  let generated = 0;
  try {
    const r = await chat.generateResponse(chatHistory(messages, opts.prefill), {
      maxTokens: opts.maxTokens,
      ...(opts.signal ? { signal: opts.signal } : {}),
      temperature: opts.temperature,
      ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      onToken: (tokens) => {
        generated += tokens.length;
      },
      onTextChunk: (text) => {
        if (!firstTokenMs) firstTokenMs = performance.now() - started;
        opts.onToken?.(text);
      },
    });
    return {
      text: r.response,
      stopReason: r.metadata.stopReason,
      // What the sequence holds, less the answer (its last token is generated but not evaluated).
      promptTokens: Math.max(0, chat.sequence.nextTokenIndex - Math.max(0, generated - 1)),
      generatedTokens: generated,
      firstTokenMs: firstTokenMs || performance.now() - started,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw abortError(opts.signal, err);
    throw err;
  }
}

/** The abort's own CvuError (a superseded request says so), or CVU_ERR_ABORTED. */
export function abortError(signal: AbortSignal, cause?: unknown): CvuError {
  const reason: unknown = signal.reason;
  return reason instanceof CvuError ? reason : new CvuError('CVU_ERR_ABORTED', 'generation aborted', { status: 499, cause: cause ?? reason });
}
