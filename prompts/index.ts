/**
 * prompts/ — what the model is asked, within a token budget, and what is
 * kept of its answer.
 *
 * ```ts
 * import { buildCompletionPrompt, completionBudget, fimFormatFor, postprocessCompletion } from '../prompts/index.js';
 *
 * const format = fimFormatFor({ fimTokens, repoTokens }, config.model.fimTemplate);
 * const { prompt, promptTokens } = buildCompletionPrompt({
 *   path, language, prefix, suffix, snippets, repoName, format, counter, ...completionBudget(config.completion),
 * });
 * // runtime: tokenize prompt.segments in order ('special' with special tokens parsed, 'text' as plain text),
 * // evaluate reusing the cached common prefix, stop at prompt.stop
 * const insert = postprocessCompletion({ completion: generated, prefix, suffix, language });
 *
 * const chat = buildChatPrompt({ feature: 'explain', path, language, code, snippets, templates: config.prompts, budgetTokens, counter });
 * const sources = citedSnippets(answer, chat.usedSnippets);
 * ```
 */
export {
  renderFimPrompt,
  fimFormatFor,
  parseTemplate,
  promptText,
  stableText,
  FIM_TOKENS,
  QWEN_REPO_TOKENS,
  type FimFormat,
  type FimInput,
  type FimPrompt,
  type FimTokens,
  type PromptSegment,
} from './fim-formats.js';
export {
  buildCompletionPrompt,
  PREFIX_TRIM_BLOCK_LINES,
  CURRENT_LINE_RESERVE_TOKENS,
  type CompletionPrompt,
  type CompletionPromptInput,
} from './completion-prompt.js';
export { completionBudget, normalizeShares, type PromptBudget, type PromptShares } from './budget.js';
export {
  buildChatPrompt,
  citation,
  citedSnippets,
  contextSection,
  extractCitations,
  parseRefactorAnswer,
  CHAT_MESSAGE_OVERHEAD_TOKENS,
  type ChatFeature,
  type ChatMessage,
  type ChatPrompt,
  type ChatPromptInput,
  type Citation,
} from './chat-prompts.js';
export { DEFAULT_TEMPLATES, PLACEHOLDERS, fillTemplate, resolveTemplates, type PromptFeature, type PromptTemplates } from './templates.js';
export { postprocessCompletion, type PostprocessInput } from './postprocess.js';
export { commentLine, fenceLanguage } from './syntax.js';
