/**
 * Chat prompts for explain, refactor and ask: a system message and a user
 * message built from the feature's template (templates.ts), the code in a
 * fenced block with its language named, the user's request, and retrieved
 * snippets each headed by `path:start-end` so that the answer can cite them.
 *
 * ```ts
 * const { messages, usedSnippets } = buildChatPrompt({
 *   feature: 'explain', path: 'src/cart.ts', language: 'typescript', code, codeStartLine: 40,
 *   snippets, templates: config.prompts, budgetTokens: 3000, counter,
 * });
 * // … the model answers …
 * const sources = citedSnippets(answer, usedSnippets);
 * ```
 *
 * Budget: when the messages would exceed `budgetTokens`, snippets are dropped
 * from the end first; then the code is trimmed around the selection, the end
 * farther from the selection first; then (explain, ask) the selection loses
 * its last lines. A refactor never cuts its selection: that is
 * `CVU_ERR_BAD_REQUEST`, as is a budget too small for the request itself.
 * The budget is for the prompt: leave the answer's tokens out of it.
 */
import { CvuError } from '../core/errors.js';
import { estimateTokens, type TokenCounter } from '../core/tokens.js';
import { languageForPath } from '../indexer/languages.js';
import type { Snippet } from '../protocol/snippet.js';
import { splitLines } from './budget.js';
import { fenceLanguage } from './syntax.js';
import { fence, fillTemplate, resolveTemplates, type PromptFeature } from './templates.js';

export type ChatFeature = 'explain' | 'refactor' | 'ask';

export interface ChatMessage {
  /** `assistant`: an earlier answer, in a conversation a client replays (`/v1/chat/completions`). */
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Tokens a chat template adds around each message (role markers, separators): an allowance. */
export const CHAT_MESSAGE_OVERHEAD_TOKENS = 8;

export interface ChatPromptInput {
  feature: ChatFeature;
  /** Workspace-relative path of the code. */
  path?: string;
  language?: string;
  /** The code to show: the selection, possibly with lines around it. */
  code?: string;
  /** 1-based file line of the first line of `code` (default 1). */
  codeStartLine?: number;
  /** The selection, 1-based inclusive file lines (default: all of `code`); trimming keeps it. */
  selection?: { startLine: number; endLine: number };
  question?: string;
  instruction?: string;
  /** Retrieved context, best first. */
  snippets?: readonly Snippet[];
  /** Template overrides, e.g. `config.prompts` (null entries keep the defaults). */
  templates?: Partial<Record<PromptFeature, string | null>> | null;
  /** Budget of the prompt in tokens (default: unlimited). */
  budgetTokens?: number;
  counter?: TokenCounter;
}

export interface ChatPrompt {
  messages: ChatMessage[];
  /** The snippets in the prompt, in order: what citations can point at. */
  usedSnippets: Snippet[];
  /** Tokens of the messages by the counter, plus the per-message allowance; never above the budget. */
  promptTokens: number;
  /** The file lines of the code shown, or null when there is no code. */
  codeRange: { startLine: number; endLine: number } | null;
  /** Lines of `code` left out to fit the budget. */
  trimmedCodeLines: number;
}

const DEFAULT_INSTRUCTION = 'Improve its readability and structure without changing its behaviour.';

/** Builds the messages of a chat feature within the budget (module comment: how). */
export function buildChatPrompt(input: ChatPromptInput): ChatPrompt {
  const counter = input.counter ?? estimateTokens;
  const budget = input.budgetTokens ?? Number.POSITIVE_INFINITY;
  const templates = resolveTemplates(input.templates);
  const language = input.language ?? (input.path ? languageForPath(input.path) : 'text');
  const path = input.path ?? '';

  const lines = input.code !== undefined && input.code !== '' ? splitLines(input.code.replace(/\n$/, '') + '\n') : [];
  const first = Math.max(1, Math.floor(input.codeStartLine ?? 1));
  // The selection as indexes into `lines`, clamped.
  let selFrom = 0;
  let selTo = lines.length - 1;
  if (input.selection && lines.length > 0) {
    selFrom = clamp(input.selection.startLine - first, 0, lines.length - 1);
    selTo = clamp(input.selection.endLine - first, selFrom, lines.length - 1);
  }

  const render = (snippetCount: number, from: number, to: number): ChatMessage[] => {
    const snippets = (input.snippets ?? []).slice(0, snippetCount);
    const code = lines.length > 0 && to >= from ? fence(lines.slice(from, to + 1).join('').replace(/\n$/, ''), fenceLanguage(language)) : '';
    const values = {
      language: fenceLanguage(language) || 'text',
      path,
      code,
      question: input.question?.trim() ?? '',
      instruction: input.instruction?.trim() || (input.feature === 'refactor' ? DEFAULT_INSTRUCTION : ''),
      context: contextSection(snippets),
    };
    return [
      { role: 'system', content: fillTemplate(templates.system, values) },
      { role: 'user', content: fillTemplate(templates[input.feature], values) },
    ];
  };
  const measure = (messages: ChatMessage[]): number =>
    messages.reduce((n, m) => n + counter.count(m.content) + CHAT_MESSAGE_OVERHEAD_TOKENS, 0);

  let snippetCount = input.snippets?.length ?? 0;
  let from = 0;
  let to = lines.length - 1;
  let messages = render(snippetCount, from, to);
  let tokens = measure(messages);

  // 1. Snippets, from the end.
  while (tokens > budget && snippetCount > 0) {
    snippetCount--;
    messages = render(snippetCount, from, to);
    tokens = measure(messages);
  }
  // 2. Code around the selection: drop whole runs of lines at once by their counts, then re-measure.
  while (tokens > budget && (from < selFrom || to > selTo)) {
    let excess = tokens - budget;
    while (excess > 0 && (from < selFrom || to > selTo)) {
      const above = selFrom - from;
      const below = to - selTo;
      if (below >= above && below > 0) excess -= counter.count(lines[to--]);
      else excess -= counter.count(lines[from++]);
    }
    messages = render(snippetCount, from, to);
    tokens = measure(messages);
  }
  // 3. The selection itself, from its end (never for a refactor: its answer replaces the selection).
  if (tokens > budget && to >= from && lines.length > 0) {
    if (input.feature === 'refactor') {
      throw new CvuError('CVU_ERR_BAD_REQUEST', `the selection is too large for the model: the prompt needs ${tokens} tokens, the budget is ${budget}`, { status: 400 });
    }
    while (tokens > budget && to >= from) {
      let excess = tokens - budget;
      while (excess > 0 && to >= from) excess -= counter.count(lines[to--]);
      messages = render(snippetCount, from, to);
      tokens = measure(messages);
    }
  }
  if (tokens > budget) {
    throw new CvuError('CVU_ERR_BAD_REQUEST', `the request does not fit the model: the prompt needs ${tokens} tokens, the budget is ${budget}`, { status: 400 });
  }

  return {
    messages,
    usedSnippets: (input.snippets ?? []).slice(0, snippetCount),
    promptTokens: tokens,
    codeRange: lines.length > 0 && to >= from ? { startLine: first + from, endLine: first + to } : null,
    trimmedCodeLines: lines.length - Math.max(0, to - from + 1),
  };
}

/** The `{context}` section: a heading, then each snippet headed by `path:start-end` in a fenced block. */
export function contextSection(snippets: readonly Snippet[]): string {
  if (snippets.length === 0) return '';
  const blocks = snippets.map((s) => `${citation(s)}\n${fence(s.text, fenceLanguage(languageForPath(s.path)))}`);
  return ['Code from the repository that may be relevant, each piece headed by its path:start-end:', '', blocks.join('\n\n')].join('\n');
}

/** `path:start-end` of a snippet, as prompts head it and answers cite it. */
export function citation(s: Pick<Snippet, 'path' | 'startLine' | 'endLine'>): string {
  return `${s.path}:${s.startLine}-${s.endLine}`;
}

// ---------------------------------------------------------------------------
// Citations and answers.

/** A `path:start-end` (or `path:line`) reference found in an answer. */
export interface Citation {
  /** The reference as written. */
  text: string;
  path: string;
  startLine: number;
  endLine: number;
  /** The given snippet it points into (the one it overlaps most), or null. */
  snippet: Snippet | null;
}

const CITATION = /(?<![\w.\/\\@~$-])((?:\.{1,2}[\/\\])?[\w@~$+-][\w@~$+.-]*(?:[\/\\][\w@~$+.-]+)*):L?(\d+)(?:\s?[-–—]\s?L?(\d+))?(?![\w])/g;

/**
 * The citations in an answer, in order of first appearance, without
 * repeats, each matched to the snippet it points into. A reference counts
 * when it matches a snippet or looks like a path (has a `/` or a `.`), so
 * `localhost:8080` or `note:3` are not citations unless a snippet says so.
 */
export function extractCitations(answer: string, snippets: readonly Snippet[]): Citation[] {
  const out: Citation[] = [];
  const seen = new Set<string>();
  for (const m of answer.matchAll(CITATION)) {
    const path = normalizePath(m[1].replace(/\.+$/, ''));
    let startLine = Number(m[2]);
    let endLine = m[3] !== undefined ? Number(m[3]) : startLine;
    if (startLine < 1 || endLine < 1) continue;
    if (endLine < startLine) [startLine, endLine] = [endLine, startLine];
    const snippet = bestSnippet(path, startLine, endLine, snippets);
    if (!snippet && !/[/.]/.test(path)) continue;
    const key = `${path}:${startLine}-${endLine}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ text: m[0], path, startLine, endLine, snippet });
  }
  return out;
}

/** The snippets an answer cites, once each, in order of first citation. */
export function citedSnippets(answer: string, snippets: readonly Snippet[]): Snippet[] {
  const out: Snippet[] = [];
  for (const c of extractCitations(answer, snippets)) if (c.snippet && !out.includes(c.snippet)) out.push(c.snippet);
  return out;
}

/**
 * A refactor answer split into the replacement (the first fenced block's
 * content, or null when the answer has none) and the explanation (the rest).
 */
export function parseRefactorAnswer(answer: string): { replacement: string | null; explanation: string } {
  const text = answer.replace(/\r\n/g, '\n');
  const m = /^([ \t]*)(`{3,}|~{3,})[^\n`]*\n([\s\S]*?)^[ \t]*\2[`~]*[ \t]*$/m.exec(text);
  if (!m) return { replacement: null, explanation: text.trim() };
  const explanation = (text.slice(0, m.index) + text.slice(m.index + m[0].length)).replace(/\n{3,}/g, '\n\n').trim();
  return { replacement: m[3].replace(/\n$/, ''), explanation };
}

function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function bestSnippet(path: string, start: number, end: number, snippets: readonly Snippet[]): Snippet | null {
  let best: Snippet | null = null;
  let bestOverlap = 0;
  for (const s of snippets) {
    const sp = normalizePath(s.path);
    if (!(sp === path || sp.endsWith(`/${path}`) || path.endsWith(`/${sp}`))) continue;
    const overlap = Math.min(end, s.endLine) - Math.max(start, s.startLine) + 1;
    if (overlap > bestOverlap) {
      best = s;
      bestOverlap = overlap;
    }
  }
  return best;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
