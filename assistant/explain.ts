/** Explain: a selection (or a whole file) explained with cross-file context, streamed. */
import { buildChatPrompt } from '../prompts/index.js';
import type { AnswerResult } from '../protocol/api.js';
import { answerOf, answerTokens, promptBudget, type ChatCallOptions } from './answer.js';
import type { ModelSession } from './model-session.js';
import { clampRange, fileLines, selectionContext, type LineRange } from './selection.js';
import type { AssistantWorkspace } from './workspace-access.js';

export interface ExplainRequest {
  /** Workspace-relative path. */
  path: string;
  /** The buffer; the file on disk when absent. */
  text?: string;
  /** The selection; the whole file when absent. */
  range?: LineRange;
  question?: string;
  maxTokens?: number;
}

/** Answer tokens when the request names none. */
const DEFAULT_ANSWER_TOKENS = 512;
/** Lines shown around the selection (the prompt trims them first). */
const AROUND_LINES = 20;

export async function explain(session: ModelSession, ws: AssistantWorkspace, req: ExplainRequest, opts: ChatCallOptions = {}): Promise<AnswerResult> {
  const { text, lines } = fileLines(ws, req.path, req.text);
  const selection = clampRange(req.range ?? { startLine: 1, endLine: Math.max(1, lines.length) }, lines.length);
  const from = Math.max(1, selection.startLine - AROUND_LINES);
  const to = Math.min(lines.length, selection.endLine + AROUND_LINES);
  const config = ws.config;
  return session.withModel(config, async (m) => {
    const maxTokens = answerTokens(config, req.maxTokens ?? DEFAULT_ANSWER_TOKENS);
    const budget = promptBudget(config, maxTokens);
    const t0 = performance.now();
    const snippets = await selectionContext(ws, req.path, text, selection, budget, opts.signal);
    const retrievalMs = performance.now() - t0;
    const prompt = buildChatPrompt({
      feature: 'explain', path: req.path, language: ws.languageOf(req.path),
      code: lines.slice(from - 1, to).join(''), codeStartLine: from, selection,
      ...(req.question ? { question: req.question } : {}),
      snippets, templates: config.prompts, budgetTokens: budget, counter: session.tokenCounter(),
    });
    const out = await session.chat(m, 'explain', prompt.messages, { maxTokens, signal: opts.signal, onToken: opts.onToken });
    return answerOf(out, prompt.usedSnippets, retrievalMs, t0);
  });
}
