/**
 * The assistant's hold on the generation model: the runtime (loading, the
 * idle unload), one context with two sequences on the loaded model, and the
 * queue of chat answers.
 *
 * ```ts
 * const session = new ModelSession(new LlmRuntime({ home }), log);
 * await session.withModel(config, async (c) => c.engine.generate(tokens, { maxTokens: 16 }));
 * await session.withModel(config, (c) => session.chat(c, 'explain', messages, { maxTokens: 256, onToken }));
 * await session.withModelOr(config, fn, (err) => locationsOnly(err)); // no usable model: the fallback
 * ```
 *
 * Sequence 0 belongs to completions (a CompletionEngine, so its KV cache
 * survives between keystrokes); sequence 1 to chat (node-llama-cpp's
 * LlamaChat with the model's own chat template), one answer at a time.
 * Every use holds a runtime lease, so the idle unload never pulls the model
 * from under a generation; when the runtime has unloaded (or swapped) the
 * model, the old contexts are gone with it and the next use creates new ones.
 */
import type { LlamaChat, LlamaContext } from 'node-llama-cpp';
import { CvuError, isCvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import { CompletionEngine } from '../models/completion-engine.js';
import type { LlmLease, LlmRuntime, LoadedLlm } from '../models/llm.js';
import type { ChatMessage } from '../prompts/index.js';
import { runChatTurn, type ChatTurnFeature, type ChatTurnOptions, type ChatTurnOutput } from './chat-turn.js';

/**
 * Sequences of the one context the session creates on a loaded model:
 * completions on one, chat on the other. The runtime's memory check counts
 * them (every load asks for them), and the context is created with them.
 */
export const CONTEXT_SEQUENCES = 2;

/** Model errors after which a feature may still answer without the model (`ask` lists code locations). */
const NO_MODEL_CODES = new Set(['CVU_ERR_MODEL_MISSING', 'CVU_ERR_MODEL_LOAD', 'CVU_ERR_MODEL_TOO_BIG']);

/** The loaded model and the session's context on it. */
export interface ModelContexts {
  llm: LoadedLlm;
  context: LlamaContext;
  /** Completions, on sequence 0. */
  engine: CompletionEngine;
  /** Chat answers, on sequence 1 (through {@link ModelSession.chat}, which queues them). */
  chat: LlamaChat;
}

export class ModelSession {
  private contexts: ModelContexts | null = null;
  private creating: { llm: LoadedLlm; promise: Promise<ModelContexts> } | null = null;
  /** Chat answers run one at a time on the chat sequence. */
  private chatTurn: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    readonly runtime: LlmRuntime,
    private readonly log: Logger = silentLogger,
  ) {}

  /** The model's own tokenizer while it is loaded, the estimate otherwise. */
  tokenCounter(): TokenCounter {
    return this.runtime.tokenCounter();
  }

  /** Acquires the model `config` names (loading it), makes sure the contexts exist, runs `fn`, releases. */
  withModel<T>(config: CvuConfig, fn: (c: ModelContexts) => Promise<T>): Promise<T> {
    return this.withModelOr(config, fn, (err) => {
      throw err;
    });
  }

  /**
   * {@link withModel}, but when the model cannot be had (missing, unloadable,
   * too big for the free memory) the answer is `unavailable(err)`.
   */
  async withModelOr<T, U>(config: CvuConfig, fn: (c: ModelContexts) => Promise<T>, unavailable: (err: CvuError) => U): Promise<T | U> {
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', 'the assistant is shutting down', { status: 503 });
    let lease: LlmLease;
    try {
      lease = await this.runtime.acquire(config, { sequences: CONTEXT_SEQUENCES });
    } catch (err) {
      if (isCvuError(err) && NO_MODEL_CODES.has(err.code)) return unavailable(err);
      throw err;
    }
    try {
      return await fn(await this.contextsFor(lease.llm));
    } finally {
      lease.release();
    }
  }

  /** One chat answer on the chat sequence; answers queue (one sequence, one at a time). */
  chat(c: ModelContexts, feature: ChatTurnFeature, messages: readonly ChatMessage[], opts: ChatTurnOptions): Promise<ChatTurnOutput> {
    const run = this.chatTurn.then(() => runChatTurn(c.chat, feature, messages, opts));
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
