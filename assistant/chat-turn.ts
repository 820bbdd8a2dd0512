/**
 * One chat answer on a chat sequence: the conversation in node-llama-cpp's
 * chat history form (the model's own template renders it), the sampling
 * each feature wants, and what the answer cost.
 */
import type { ChatHistoryItem, LlamaChat } from 'node-llama-cpp';
import { CvuError, throwIfAborted } from '../core/errors.js';
import type { ChatFeature, ChatMessage } from '../prompts/index.js';

/** The features that answer on the chat sequence: explain, refactor, ask, and the OpenAI-style chat. */
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

export interface ChatTurnOutput {
  /** The answer, without the prefill. */
  text: string;
  stopReason: string;
  promptTokens: number;
  generatedTokens: number;
  firstTokenMs: number;
}

/** Cvu's chat messages as node-llama-cpp's history, ending with the model's turn (opened with `prefill`). */
export function chatHistory(messages: readonly ChatMessage[], prefill?: string): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: 'user', text: m.content },
  );
  history.push({ type: 'model', response: prefill ? [prefill] : [] });
  return history;
}

/** Generates one answer on `chat`'s sequence; an aborted signal ends it with the abort's reason. */
export async function runChatTurn(chat: LlamaChat, feature: ChatTurnFeature, messages: readonly ChatMessage[], opts: ChatTurnOptions): Promise<ChatTurnOutput> {
  throwIfAborted(opts.signal, feature);
  const started = performance.now();
  let firstTokenMs = 0;
  let generated = 0;
  try {
    const r = await chat.generateResponse(chatHistory(messages, opts.prefill), {
      maxTokens: opts.maxTokens,
      ...(opts.signal ? { signal: opts.signal } : {}),
      // Code and explanations of code: little randomness.
      temperature: opts.temperature ?? (feature === 'refactor' ? 0 : 0.2),
      ...(feature === 'refactor' ? {} : { topP: 0.9, seed: 1 }),
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
    if (opts.signal?.aborted) {
      const reason: unknown = opts.signal.reason;
      throw reason instanceof CvuError ? reason : new CvuError('CVU_ERR_ABORTED', `${feature} aborted`, { status: 499, cause: err });
    }
    throw err;
  }
}
