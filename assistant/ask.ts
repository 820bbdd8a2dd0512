/**
 * Ask: a question about the workspace, answered from hybrid search results.
 * With no usable model it still answers: the code locations most relevant to
 * the question, and a notice saying which command installs a model.
 */
import { throwIfAborted } from '../core/errors.js';
import { buildChatPrompt } from '../prompts/index.js';
import type { AnswerResult, LocationsResult } from '../protocol/api.js';
import { answerOf, answerTokens, promptBudget, type ChatCallOptions } from './answer.js';
import type { ModelSession } from './model-session.js';
import type { AssistantWorkspace } from './workspace-access.js';

export interface AskRequest {
  question: string;
  maxTokens?: number;
  /** Search results to put in the prompt (default 8). */
  limit?: number;
}

/** Answer tokens and search results when the request names none (the OpenAI-style chat takes the same). */
export const ASK_ANSWER_TOKENS = 512;
export const ASK_RESULTS = 8;

export async function ask(session: ModelSession, ws: AssistantWorkspace, req: AskRequest, opts: ChatCallOptions = {}): Promise<AnswerResult | LocationsResult> {
  const t0 = performance.now();
  const results = await ws.search(req.question, { limit: req.limit ?? ASK_RESULTS, ...(opts.signal ? { signal: opts.signal } : {}) });
  throwIfAborted(opts.signal, 'ask');
  const retrievalMs = performance.now() - t0;
  const config = ws.config;
  return session.withModelOr(
    config,
    async (m) => {
      const maxTokens = answerTokens(config, req.maxTokens ?? ASK_ANSWER_TOKENS);
      const prompt = buildChatPrompt({
        feature: 'ask', question: req.question, snippets: results, templates: config.prompts,
        budgetTokens: promptBudget(config, maxTokens), counter: session.tokenCounter(),
      });
      const out = await session.chat(m, 'ask', prompt.messages, { maxTokens, signal: opts.signal, onToken: opts.onToken });
      return answerOf(out, prompt.usedSnippets, retrievalMs, t0);
    },
    (err): LocationsResult => ({ answer: null, sources: results, notice: { code: err.code, message: err.message } }),
  );
}
