/**
 * The assistant's hold on generation: the backends (the in-process model by
 * default, or the model server `model.backend` names; models/backends.ts)
 * and the sampling each chat feature wants.
 *
 * ```ts
 * const session = new ModelSession(new LlmRuntime({ home }), log);
 * await session.withModel(config, async (m) => m.complete(await m.encode(parts, { bos: true }), { maxTokens: 16 }));
 * await session.withModel(config, (m) => session.chat(m, 'explain', messages, { maxTokens: 256, onToken }));
 * await session.withModelOr(config, fn, (err) => locationsOnly(err)); // no usable model: the fallback
 * ```
 */
import { CvuError, isCvuError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import { Backends } from '../models/backends.js';
import type { BackendStatus, GenerationBackend, GenerationModel } from '../models/generation.js';
import { CONTEXT_SEQUENCES, InProcessBackend } from '../models/in-process-backend.js';
import type { LlmRuntime } from '../models/llm.js';
import type { ChatMessage } from '../prompts/index.js';
import { runChatTurn, type ChatTurnFeature, type ChatTurnOptions, type ChatTurnOutput } from './chat-turn.js';

export { CONTEXT_SEQUENCES };

/** Errors after which a feature may still answer without the model (`ask` lists code locations). */
const NO_MODEL_CODES = new Set(['CVU_ERR_MODEL_MISSING', 'CVU_ERR_MODEL_LOAD', 'CVU_ERR_MODEL_TOO_BIG', 'CVU_ERR_BACKEND_UNAVAILABLE']);

export class ModelSession {
  readonly backends: Backends;
  private disposed = false;

  constructor(
    readonly runtime: LlmRuntime,
    log: Logger = silentLogger,
  ) {
    this.backends = new Backends(new InProcessBackend(runtime, log), log);
  }

  /** The in-process backend (its contexts, for tests and benchmarks). */
  get inProcess(): InProcessBackend {
    return this.backends.inProcess;
  }

  /**
   * The tokenizer of the backend in use (the model's own while it is loaded,
   * a server's calibrated count), the estimate before any.
   */
  tokenCounter(): TokenCounter {
    const backends = this.backends;
    return {
      get name() {
        return backends.current().tokenCounter().name;
      },
      count: (text) => backends.current().tokenCounter().count(text),
    };
  }

  /** The backend a config names (for /status: where generation runs and whether the server answers). */
  backendStatus(config: CvuConfig | null): BackendStatus {
    return this.backends.current(config).status();
  }

  backendFor(config: CvuConfig): GenerationBackend {
    return this.backends.for(config);
  }

  /** Runs `fn` with the model `config` names (loading it, or reaching its server). */
  withModel<T>(config: CvuConfig, fn: (m: GenerationModel) => Promise<T>): Promise<T> {
    return this.withModelOr(config, fn, (err) => {
      throw err;
    });
  }

  /**
   * {@link withModel}, but when the model cannot be had (missing, unloadable,
   * too big for the free memory, its server unavailable) the answer is
   * `unavailable(err)`. Errors once the model is in hand are the caller's.
   */
  async withModelOr<T, U>(config: CvuConfig, fn: (m: GenerationModel) => Promise<T>, unavailable: (err: CvuError) => U): Promise<T | U> {
    if (this.disposed) throw new CvuError('CVU_ERR_INTERNAL', 'the assistant is shutting down', { status: 503 });
    let entered = false;
    try {
      return await this.backends.for(config).use(config, (m) => {
        entered = true;
        return fn(m);
      });
    } catch (err) {
      if (!entered && isCvuError(err) && NO_MODEL_CODES.has(err.code)) return unavailable(err);
      throw err;
    }
  }

  /** One chat answer with the feature's sampling (the in-process backend queues them on its chat sequence). */
  chat(m: GenerationModel, feature: ChatTurnFeature, messages: readonly ChatMessage[], opts: ChatTurnOptions): Promise<ChatTurnOutput> {
    return runChatTurn(m, feature, messages, opts);
  }

  /** Disposes the backends and the runtime (daemon shutdown); later uses are refused. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.backends.dispose();
  }
}
