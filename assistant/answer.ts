/** What the chat features share: how they are called, their answer budget, and the timings and sources of an answer. */
import type { CvuConfig } from '../config/schema.js';
import { citedSnippets } from '../prompts/index.js';
import type { AnswerResult, ChatTimings } from '../protocol/api.js';
import type { Snippet } from '../protocol/snippet.js';

export interface ChatCallOptions {
  signal?: AbortSignal;
  /** Each chunk of the answer as the model writes it. */
  onToken?: (text: string) => void;
}

/** The OpenAI-style answers (`/v1/chat/completions`, `/v1/completions`). */
export interface ChatResult {
  /** The model that answered. */
  model: string;
  answer: string;
  /** The repository code added to the conversation. */
  sources: Snippet[];
  stopReason: string;
  promptTokens: number;
  completionTokens: number;
  timings: ChatTimings;
}

/** Tokens kept free between the prompt plus answer and the end of the context. */
const CONTEXT_MARGIN = 16;

/** Answer tokens: what was asked, at most half the context. */
export function answerTokens(config: CvuConfig, wanted: number): number {
  return Math.max(1, Math.min(wanted, Math.floor(config.model.contextSize / 2)));
}

/** Prompt tokens that fit beside an answer of `maxTokens`. */
export function promptBudget(config: CvuConfig, maxTokens: number): number {
  return config.model.contextSize - maxTokens - CONTEXT_MARGIN;
}

/** `config` with `model` (an installed model's name, as `/v1/models` lists them) chosen; unchanged when absent. */
export function withModelName(config: CvuConfig, model: string | undefined): CvuConfig {
  return model ? { ...config, model: { ...config.model, path: model } } : config;
}

/** A chat feature's timings, from the start of its retrieval (`t0`) to now. */
export function timingsOf(out: { promptTokens: number; firstTokenMs: number }, retrievalMs: number, t0: number): ChatTimings {
  return { retrievalMs: roundMs(retrievalMs), promptTokens: out.promptTokens, firstTokenMs: roundMs(out.firstTokenMs), totalMs: roundMs(performance.now() - t0) };
}

/** The snippets an answer cites, or every snippet its prompt held when it cites none. */
export function sourcesOf(answer: string, used: Snippet[]): Snippet[] {
  const cited = citedSnippets(answer, used);
  return cited.length ? cited : used;
}

/** An answer with its sources and timings. */
export function answerOf(out: { text: string; stopReason: string; promptTokens: number; firstTokenMs: number }, used: Snippet[], retrievalMs: number, t0: number): AnswerResult {
  return { answer: out.text, sources: sourcesOf(out.text, used), stopReason: out.stopReason, timings: timingsOf(out, retrievalMs, t0) };
}

/** Milliseconds to one decimal, as the timings report them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
