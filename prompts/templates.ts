/**
 * Chat prompt templates, one per feature, each overridable from
 * `cvu.config.ts` (`prompts: { explain: '…' }`; null keeps the default).
 *
 * Placeholders, filled once (a value is never scanned for placeholders):
 * - `{language}`    the code's language (`typescript`, `python`, …)
 * - `{path}`        the code's workspace-relative path
 * - `{code}`        the code as a complete fenced block, its language named
 * - `{question}`    the user's question (ask, explain)
 * - `{instruction}` the user's refactoring instruction
 * - `{context}`     the retrieved snippets as a complete section: a heading
 *                   line, then each snippet headed by `path:start-end` in a
 *                   fenced block ('' when there are none)
 * A line holding nothing but a placeholder whose value is empty is dropped,
 * and the blank lines around it collapse to one, so optional parts leave no
 * holes. Other `{…}` text is left alone.
 */

export type PromptFeature = 'system' | 'explain' | 'refactor' | 'ask';
export type PromptTemplates = Record<PromptFeature, string>;

export const PLACEHOLDERS = ['language', 'path', 'code', 'question', 'instruction', 'context'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Partial<Record<Placeholder, string>>;

export const DEFAULT_TEMPLATES: Readonly<PromptTemplates> = Object.freeze({
  system: [
    "You are Cvu, a coding assistant that runs locally inside the user's repository.",
    'Answer precisely and briefly, in Markdown. Base what you say on the code you are given; when it is not enough, say so instead of guessing.',
    'When you use a repository snippet, cite it as path:start-end, exactly as its heading shows.',
  ].join('\n'),
  explain: [
    '{context}',
    '',
    'Explain this {language} code from {path}: what it does, how it works, and how it uses the code it calls.',
    '',
    '{code}',
    '',
    '{question}',
  ].join('\n'),
  refactor: [
    '{context}',
    '',
    'Refactor this {language} code from {path}.',
    'Instruction: {instruction}',
    '',
    '{code}',
    '',
    'Reply with the replacement code only, in one fenced {language} code block that replaces exactly the code above, keeping its indentation and style. After the block, say in one or two sentences what changed.',
  ].join('\n'),
  ask: [
    '{context}',
    '',
    '{code}',
    '',
    'Question: {question}',
    '',
    'Answer from the repository code above. Cite every snippet you use as path:start-end.',
  ].join('\n'),
});

/** The templates in effect: each override that is a string, else the default. */
export function resolveTemplates(overrides?: Partial<Record<PromptFeature, string | null | undefined>> | null): PromptTemplates {
  const out = { ...DEFAULT_TEMPLATES };
  for (const key of Object.keys(out) as PromptFeature[]) {
    const o = overrides?.[key];
    if (typeof o === 'string') out[key] = o;
  }
  return out;
}

const PLACEHOLDER = /\{(language|path|code|question|instruction|context)\}/g;
const ALONE = /^\s*\{(language|path|code|question|instruction|context)\}\s*$/;

/** Fills a template (see the module comment for the rules). */
export function fillTemplate(template: string, values: PlaceholderValues): string {
  const kept: string[] = [];
  for (const line of template.replace(/\r\n/g, '\n').split('\n')) {
    const alone = ALONE.exec(line);
    if (alone && !values[alone[1] as Placeholder]) continue;
    // Collapse runs of blank template lines (blank before filling: code is never touched).
    if (line.trim() === '' && (kept.length === 0 || kept[kept.length - 1].trim() === '')) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1].trim() === '') kept.pop();
  return kept.join('\n').replace(PLACEHOLDER, (_, name: Placeholder) => values[name] ?? '');
}

/** A fenced Markdown block that no backtick run inside `code` can close early. */
export function fence(code: string, info = ''): string {
  let longest = 0;
  for (const m of code.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const f = '`'.repeat(Math.max(3, longest + 1));
  return `${f}${info}\n${code.replace(/\n$/, '')}\n${f}`;
}
