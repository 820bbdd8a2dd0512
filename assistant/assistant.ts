/**
 * The assistant: one per daemon. It holds the generation model (a
 * {@link ModelSession}) and answers the features over a workspace.
 *
 * ```ts
 * const assistant = new Assistant({ home });
 * await assistant.complete(ws, { path: 'src/cart.ts', text, position, client: 'vscode-1' });
 * await assistant.explain(ws, { path: 'src/cart.ts', text, range: { startLine: 10, endLine: 24 } }, { onToken: write });
 * await assistant.refactor(ws, { path, text, range, instruction: 'use async/await' }); // { replacement, diff, explanation }
 * await assistant.ask(ws, { question: 'where do we retry uploads?' }, { onToken: write }); // { answer, sources }
 * ```
 *
 * This class wires the parts, one module each:
 * - assistant/model-session.ts: the model's contexts and sequences, the
 *   idle unload's consequences, the chat queue (assistant/chat-turn.ts: one
 *   chat answer);
 * - assistant/complete.ts: inline completion (one service per workspace
 *   root: its cache and typing anchors);
 * - assistant/explain.ts, refactor.ts, ask.ts: the chat features;
 * - assistant/chat.ts, complete-text.ts: the OpenAI-style surface;
 * - assistant/workspace-access.ts: what they use of a workspace.
 */
import { throwIfAborted } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { TokenCounter } from '../core/tokens.js';
import type { CvuConfig } from '../config/schema.js';
import type { BackendStatus } from '../models/generation.js';
import { LlmRuntime } from '../models/llm.js';
import type { AnswerResult, LocationsResult, RefactorResult } from '../protocol/api.js';
import type { ChatCallOptions, ChatResult } from './answer.js';
import { ask, type AskRequest } from './ask.js';
import { chat, type ChatRequest } from './chat.js';
import { CompletionService, type CompleteRequest, type CompleteResult } from './complete.js';
import { completeText, type TextCompletionRequest } from './complete-text.js';
import { explain, type ExplainRequest } from './explain.js';
import { fimModelOf } from './fim-model.js';
import { ModelSession } from './model-session.js';
import { refactor, type RefactorRequest } from './refactor.js';
import type { AssistantWorkspace } from './workspace-access.js';

// The features' names, for the assistant's callers (the answers are wire types, from protocol/).
export type { AnswerResult, ChatTimings, LocationsResult, RefactorResult } from '../protocol/api.js';
export type { ChatCallOptions, ChatResult } from './answer.js';
export type { AskRequest } from './ask.js';
export type { ChatRequest } from './chat.js';
export type { CompleteResult } from './complete.js';
export type { TextCompletionRequest } from './complete-text.js';
export type { ExplainRequest } from './explain.js';
export { CONTEXT_SEQUENCES } from './model-session.js';
export type { RefactorRequest } from './refactor.js';
export type { LineRange } from './selection.js';
export type { AssistantWorkspace } from './workspace-access.js';

export interface AssistantStatus {
  /** The model's name once one was loaded (or tried, or named by its server); null before. */
  name: string | null;
  loaded: boolean;
  /** Where generation runs, and whether a model server answers. */
  backend: BackendStatus;
}

export interface AssistantOptions {
  home: string;
  log?: Logger;
  /** Default: a runtime over `home`. */
  runtime?: LlmRuntime;
}

export class Assistant {
  readonly runtime: LlmRuntime;
  private readonly session: ModelSession;
  /** One completion service (cache, typing anchors) per workspace root. */
  private readonly completions = new Map<string, CompletionService>();

  constructor(opts: AssistantOptions) {
    const log = opts.log ?? silentLogger;
    this.runtime = opts.runtime ?? new LlmRuntime({ home: opts.home, log });
    this.session = new ModelSession(this.runtime, log);
  }

  /** The model's own tokenizer while it is loaded, the estimate otherwise. */
  tokenCounter(): TokenCounter {
    return this.session.tokenCounter();
  }

  /** The status of the backend `config` names (of the last one used without a config). */
  status(config: CvuConfig | null = null): AssistantStatus {
    const backend = this.session.backendStatus(config);
    return { name: backend.name, loaded: backend.loaded, backend };
  }

  /**
   * The status, naming the model a workspace's config would load even before
   * it is loaded (null when none is configured or installed).
   */
  async describe(config: CvuConfig | null): Promise<AssistantStatus> {
    const s = this.status(config);
    if (s.name !== null || !config || s.backend.type !== 'in-process') return s;
    try {
      return { ...s, name: (await this.runtime.manager.resolve(config)).name };
    } catch {
      return s;
    }
  }

  async complete(ws: AssistantWorkspace, req: CompleteRequest): Promise<CompleteResult> {
    throwIfAborted(req.signal, 'completion');
    const config = ws.config;
    return this.session.withModel(config, (m) => this.completionService(ws).complete(ws, fimModelOf(m, config), req));
  }

  /** Files changed on disk: their cached completions and the typing anchors are stale. */
  filesChanged(root: string, paths: string[]): void {
    const service = this.completions.get(root);
    if (service) for (const p of paths) service.forget(p);
  }

  private completionService(ws: AssistantWorkspace): CompletionService {
    let s = this.completions.get(ws.root);
    if (!s) {
      s = new CompletionService(ws.config);
      this.completions.set(ws.root, s);
    }
    return s;
  }

  /** Explains a selection (or a file) with cross-file context; streams through `onToken`. */
  explain(ws: AssistantWorkspace, req: ExplainRequest, opts: ChatCallOptions = {}): Promise<AnswerResult> {
    return explain(this.session, ws, req, opts);
  }

  /** Proposes a replacement for lines `range` and the unified diff of the file. */
  refactor(ws: AssistantWorkspace, req: RefactorRequest, opts: ChatCallOptions = {}): Promise<RefactorResult> {
    return refactor(this.session, ws, req, opts);
  }

  /** Answers a question about the workspace; without a usable model, the code locations and a notice. */
  ask(ws: AssistantWorkspace, req: AskRequest, opts: ChatCallOptions = {}): Promise<AnswerResult | LocationsResult> {
    return ask(this.session, ws, req, opts);
  }

  /** An OpenAI-style chat (`/v1/chat/completions`) with the workspace's most relevant code added. */
  chat(ws: AssistantWorkspace, req: ChatRequest, opts: ChatCallOptions = {}): Promise<ChatResult> {
    return chat(this.session, ws, req, opts);
  }

  /** An OpenAI-style text completion (`/v1/completions`); fill-in-the-middle with a `suffix`. */
  completeText(ws: AssistantWorkspace, req: TextCompletionRequest, opts: ChatCallOptions = {}): Promise<ChatResult> {
    return completeText(this.session, ws, req, opts);
  }

  /** Disposes the contexts and the runtime (daemon shutdown). */
  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
