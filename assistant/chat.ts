/**
 * The OpenAI-style chat (`/v1/chat/completions`): the caller's conversation,
 * with the workspace code most relevant to its last user message added as a
 * system message — as many snippets as fit beside the conversation.
 */
import { CvuError, throwIfAborted } from '../core/errors.js';
import { CHAT_MESSAGE_OVERHEAD_TOKENS, contextSection, type ChatMessage } from '../prompts/index.js';
import { answerTokens, promptBudget, timingsOf, withModelName, type ChatCallOptions, type ChatResult } from './answer.js';
import { ASK_ANSWER_TOKENS, ASK_RESULTS } from './ask.js';
import type { ModelSession } from './model-session.js';
import type { AssistantWorkspace } from './workspace-access.js';

export interface ChatRequest {
  messages: ChatMessage[];
  /** An installed model's name; the workspace's configured model when absent. */
  model?: string;
  maxTokens?: number;
  temperature?: number;
}

export async function chat(session: ModelSession, ws: AssistantWorkspace, req: ChatRequest, opts: ChatCallOptions = {}): Promise<ChatResult> {
  const t0 = performance.now();
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')?.content.trim() ?? '';
  const results = lastUser ? await ws.search(lastUser.slice(0, 2000), { limit: ASK_RESULTS, ...(opts.signal ? { signal: opts.signal } : {}) }) : [];
  throwIfAborted(opts.signal, 'chat');
  const retrievalMs = performance.now() - t0;
  const config = withModelName(ws.config, req.model);
  return session.withModel(config, async (m) => {
    const counter = session.tokenCounter();
    const maxTokens = answerTokens(config, req.maxTokens ?? ASK_ANSWER_TOKENS);
    const budget = promptBudget(config, maxTokens);
    const own = req.messages.reduce((n, m) => n + counter.count(m.content) + CHAT_MESSAGE_OVERHEAD_TOKENS, 0);
    if (own > budget) {
      throw new CvuError('CVU_ERR_BAD_REQUEST', `the messages need ${own} tokens; with ${maxTokens} for the answer the model has room for ${budget}`, { status: 400 });
    }
    const used = [...results];
    while (used.length && own + counter.count(contextSection(used)) + CHAT_MESSAGE_OVERHEAD_TOKENS > budget) used.pop();
    const out = await session.chat(m, 'chat', withRepositoryCode(req.messages, used), {
      maxTokens, signal: opts.signal, onToken: opts.onToken, ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    });
    return {
      model: m.facts.name,
      answer: out.text,
      sources: used,
      stopReason: out.stopReason,
      promptTokens: out.promptTokens,
      completionTokens: out.generatedTokens,
      timings: timingsOf(out, retrievalMs, t0),
    };
  });
}

/** The conversation with the repository's code after the caller's own system messages, before the rest. */
function withRepositoryCode(messages: ChatMessage[], snippets: Parameters<typeof contextSection>[0]): ChatMessage[] {
  if (!snippets.length) return [...messages];
  const lead = messages.findIndex((m) => m.role !== 'system');
  const at = lead < 0 ? messages.length : lead;
  return [...messages.slice(0, at), { role: 'system', content: contextSection(snippets) }, ...messages.slice(at)];
}
