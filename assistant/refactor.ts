/**
 * Refactor: a replacement for a selection, the unified diff of the file, and
 * the model's explanation. The answer is opened with a fenced block in the
 * code's language, so that the model writes code first; the text after the
 * block is the explanation.
 */
import { unifiedDiff } from '../core/diff.js';
import { buildChatPrompt, fenceLanguage, parseRefactorAnswer } from '../prompts/index.js';
import type { RefactorResult } from '../protocol/api.js';
import { answerTokens, promptBudget, sourcesOf, timingsOf, type ChatCallOptions } from './answer.js';
import type { ModelSession } from './model-session.js';
import { clampRange, fileLines, selectionContext, type LineRange } from './selection.js';
import type { AssistantWorkspace } from './workspace-access.js';

export interface RefactorRequest {
  path: string;
  text?: string;
  range: LineRange;
  instruction?: string;
  maxTokens?: number;
}

export async function refactor(session: ModelSession, ws: AssistantWorkspace, req: RefactorRequest, opts: ChatCallOptions = {}): Promise<RefactorResult> {
  const { text, lines } = fileLines(ws, req.path, req.text);
  const range = clampRange(req.range, lines.length);
  const selected = lines.slice(range.startLine - 1, range.endLine);
  const language = ws.languageOf(req.path);
  const config = ws.config;
  return session.withModel(config, async (m) => {
    const counter = session.tokenCounter();
    // Room for the selection rewritten, and a sentence or two after it.
    const wanted = req.maxTokens ?? Math.ceil(counter.count(selected.join('')) * 1.5) + 192;
    const maxTokens = answerTokens(config, wanted);
    const budget = promptBudget(config, maxTokens);
    const t0 = performance.now();
    const snippets = await selectionContext(ws, req.path, text, range, budget, opts.signal);
    const retrievalMs = performance.now() - t0;
    const prompt = buildChatPrompt({
      feature: 'refactor', path: req.path, language, code: selected.join(''), codeStartLine: range.startLine,
      ...(req.instruction ? { instruction: req.instruction } : {}),
      snippets, templates: config.prompts, budgetTokens: budget, counter,
    });
    const opening = '```' + fenceLanguage(language) + '\n';
    opts.onToken?.(opening);
    const out = await session.chat(m, 'refactor', prompt.messages, { maxTokens, signal: opts.signal, onToken: opts.onToken, prefill: opening });
    const parsed = parseRefactorAnswer(opening + out.text);
    let replacement: string;
    let explanation: string;
    let truncated = false;
    if (parsed.replacement !== null) {
      replacement = parsed.replacement;
      explanation = parsed.explanation;
    } else {
      // The block was never closed (the answer hit maxTokens): everything after the opening is code.
      replacement = out.text.replace(/\n?[ \t]*`{0,2}$/, '');
      explanation = '';
      truncated = true;
    }
    const block = inFileEols(replacement, selected, text);
    const after = lines.slice(0, range.startLine - 1).join('') + block + lines.slice(range.endLine).join('');
    return {
      replacement: block,
      diff: unifiedDiff(text, after, { path: req.path }),
      explanation,
      path: req.path,
      startLine: range.startLine,
      endLine: range.endLine,
      truncated,
      sources: sourcesOf(explanation, prompt.usedSnippets),
      stopReason: out.stopReason,
      timings: timingsOf(out, retrievalMs, t0),
    };
  });
}

/** The replacement with the selection's line endings (the file's when the selection is empty), ending in one when the selection did. */
function inFileEols(replacement: string, selected: string[], text: string): string {
  const eol = selected.some((l) => l.endsWith('\r\n')) || (!selected.length && text.includes('\r\n')) ? '\r\n' : '\n';
  const endsWithEol = selected.length === 0 || /\n$/.test(selected[selected.length - 1]);
  const block = replacement.replace(/\r\n/g, '\n').split('\n').join(eol);
  return endsWithEol && block !== '' ? block + eol : block;
}
