/**
 * One chat answer: the sampling each feature wants, on whichever backend
 * generates (models/generation.ts), and an aborted request's own error.
 */
import { CvuError, throwIfAborted } from '../core/errors.js';
import type { ChatOutput, GenerationModel } from '../models/generation.js';
import type { ChatFeature, ChatMessage } from '../prompts/index.js';

/** The features that answer in chat: explain, refactor, ask, and the OpenAI-style chat. */
export type ChatTurnFeature = ChatFeature | 'chat';

export interface ChatTurnOptions {
  maxTokens: number;
  signal?: AbortSignal;
  /** Each chunk of the answer as the model writes it. */
  onToken?: (text: string) => void;
  /** The start of the answer, written for the model (it continues from there). */
  prefill?: string;
  temperature?: number;
}

export type ChatTurnOutput = ChatOutput;

/** Generates one answer; an aborted signal ends it with the abort's reason. */
export async function runChatTurn(model: GenerationModel, feature: ChatTurnFeature, messages: readonly ChatMessage[], opts: ChatTurnOptions): Promise<ChatTurnOutput> {
  throwIfAborted(opts.signal, feature);
  try {
    return await model.chat(messages, {
      maxTokens: opts.maxTokens,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onToken ? { onToken: opts.onToken } : {}),
      ...(opts.prefill ? { prefill: opts.prefill } : {}),
      // Code and explanations of code: little randomness.
      temperature: opts.temperature ?? (feature === 'refactor' ? 0 : 0.2),
      ...(feature === 'refactor' ? {} : { topP: 0.9, seed: 1 }),
    });
  } catch (err) {
    if (opts.signal?.aborted) {
      const reason: unknown = opts.signal.reason;
      throw reason instanceof CvuError ? reason : new CvuError('CVU_ERR_ABORTED', `${feature} aborted`, { status: 499, cause: err });
    }
    throw err;
  }
}
