/**
 * Fill-in-the-middle prompt formats. A completion prompt is not one string
 * but a plan of segments that the model runtime turns into tokens:
 *
 * - `kind: 'special'` — the format's own control text (`<|fim_prefix|>`, the
 *   literal parts of a `model.fimTemplate`). Tokenize it with special-token
 *   parsing on, so that each control token becomes its single id
 *   (node-llama-cpp: `model.tokenize(text, true)`).
 * - `kind: 'text'` — workspace content: code, paths, the repository name.
 *   Tokenize it as plain text (`model.tokenize(text, false)`), so that a file
 *   which happens to contain `<|file_sep|>` cannot inject a control token.
 *
 * `stable: true` marks the leading run of segments that stays byte-identical
 * while the user types on the current line: retrieved snippets, headers, and
 * the complete lines of the file prefix. Everything from the cursor's line on
 * is `stable: false`. Stable parts come first so that the runtime's KV cache,
 * which keeps the longest common token prefix of consecutive prompts, is
 * reused from one keystroke to the next.
 *
 * ```ts
 * const p = renderFimPrompt({ kind: 'qwen-repo' }, { repoName: 'shop', path: 'src/cart.ts', language: 'typescript',
 *   snippets: [{ path: 'src/price.ts', text: 'export function price() {}' }], prefix: 'const total = ', suffix: ';\n' });
 * promptText(p);
 * // <|repo_name|>shop\n<|file_sep|>src/price.ts\nexport function price() {}\n<|file_sep|>src/cart.ts\n
 * // <|fim_prefix|>const total = <|fim_suffix|>;\n<|fim_middle|>
 * ```
 */
import { CvuError } from '../core/errors.js';
import type { Snippet } from '../protocol/snippet.js';
import { commentLine } from './syntax.js';

/** One piece of a prompt plan (see the module comment for `kind` and `stable`). */
export interface PromptSegment {
  kind: 'special' | 'text';
  text: string;
  stable: boolean;
}

/** The three FIM control strings of a model family. */
export interface FimTokens {
  prefix: string;
  suffix: string;
  middle: string;
}

/**
 * How a model wants its fill-in-the-middle prompt:
 * - `qwen-repo`: Qwen2.5-Coder's repository-level format (`<|repo_name|>`, `<|file_sep|>`, FIM tokens);
 * - `psm`: prefix-suffix-middle with the model's own FIM token strings, context as comment blocks in the prefix;
 * - `template`: a user's `model.fimTemplate` with `{prefix}`, `{suffix}` and optional `{context}`, `{path}`, `{repo}`.
 */
export type FimFormat =
  | { kind: 'qwen-repo' }
  | { kind: 'psm'; tokens: FimTokens }
  | { kind: 'template'; template: string };

/** A rendered FIM prompt: segments to tokenize in order, and the strings that end the middle. */
export interface FimPrompt {
  format: FimFormat['kind'];
  segments: PromptSegment[];
  /** Generation should stop at any of these (besides the model's end-of-generation tokens). */
  stop: string[];
}

/** What goes into a FIM prompt. */
export interface FimInput {
  repoName: string;
  /** Workspace-relative path of the file being edited. */
  path: string;
  /** Its language (comment syntax of context blocks in `psm` and `template`). */
  language: string;
  /** Context, in prompt order; each is rendered headed by its path. */
  snippets: ReadonlyArray<Pick<Snippet, 'path' | 'text'>>;
  /** The file before and after the cursor. */
  prefix: string;
  suffix: string;
}

export const QWEN_REPO_TOKENS = {
  repoName: '<|repo_name|>',
  fileSep: '<|file_sep|>',
  prefix: '<|fim_prefix|>',
  suffix: '<|fim_suffix|>',
  middle: '<|fim_middle|>',
} as const;

/** FIM token strings of common model families, for `{ kind: 'psm', tokens }`. */
export const FIM_TOKENS = {
  qwen: { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
  starcoder: { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' },
  codellama: { prefix: '<PRE>', suffix: '<SUF>', middle: '<MID>' },
  deepseek: { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' },
} as const satisfies Record<string, FimTokens>;

const QWEN_STOP = ['<|endoftext|>', '<|file_sep|>', '<|repo_name|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|im_end|>'];

/**
 * The format for a model: a configured `model.fimTemplate` wins; else the
 * repository format when the model has Qwen's FIM, repo-name and file-separator
 * tokens; else PSM with the model's FIM tokens. A model without any is
 * `CVU_ERR_CONFIG_INVALID` naming `model.fimTemplate`.
 */
export function fimFormatFor(
  model: { fimTokens?: Partial<FimTokens> | null; repoTokens?: { repoName?: string | null; fileSep?: string | null } | null },
  fimTemplate?: string | null,
): FimFormat {
  if (fimTemplate) {
    parseTemplate(fimTemplate);
    return { kind: 'template', template: fimTemplate };
  }
  const t = model.fimTokens;
  if (t?.prefix && t.suffix && t.middle) {
    const qwen = t.prefix === QWEN_REPO_TOKENS.prefix && t.suffix === QWEN_REPO_TOKENS.suffix && t.middle === QWEN_REPO_TOKENS.middle;
    if (qwen && model.repoTokens?.repoName === QWEN_REPO_TOKENS.repoName && model.repoTokens.fileSep === QWEN_REPO_TOKENS.fileSep) return { kind: 'qwen-repo' };
    return { kind: 'psm', tokens: { prefix: t.prefix, suffix: t.suffix, middle: t.middle } };
  }
  throw new CvuError('CVU_ERR_CONFIG_INVALID', 'model.fimTemplate: the model declares no fill-in-the-middle tokens; set model.fimTemplate (e.g. "<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>")');
}

/** Renders a prompt with everything given, untrimmed (the budgeted path is `buildCompletionPrompt`). */
export function renderFimPrompt(format: FimFormat, input: FimInput): FimPrompt {
  const context = input.snippets.map((s) => ({ path: s.path, lines: snippetLines(s.text) }));
  const cut = input.prefix.lastIndexOf('\n') + 1;
  return assembleFim(format, {
    repoName: input.repoName,
    path: input.path,
    language: input.language,
    context,
    prefixLines: input.prefix.slice(0, cut),
    currentLine: input.prefix.slice(cut),
    suffix: input.suffix,
  });
}

/** The whole prompt as one string (special tokens written out): for logs and tests. */
export function promptText(prompt: { segments: readonly PromptSegment[] }): string {
  return prompt.segments.map((s) => s.text).join('');
}

/** The stable leading part of a prompt as one string. */
export function stableText(prompt: { segments: readonly PromptSegment[] }): string {
  let out = '';
  for (const s of prompt.segments) {
    if (!s.stable) break;
    out += s.text;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Internals shared with the budgeted assembly (completion-prompt.ts).

/** @internal A prompt's parts after trimming. */
export interface FimParts {
  repoName: string;
  path: string;
  language: string;
  context: ReadonlyArray<{ path: string; lines: readonly string[] }>;
  /** Complete lines before the cursor's line, each with its `\n`. */
  prefixLines: string;
  /** The cursor's line up to the cursor. */
  currentLine: string;
  suffix: string;
}

/** @internal The lines of a snippet's text (a final newline ends the last line, it does not add an empty one). */
export function snippetLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** @internal The segments that head a snippet block, before its lines. */
export function snippetHead(format: FimFormat, language: string, path: string): PromptSegment[] {
  if (format.kind === 'qwen-repo') return [special(QWEN_REPO_TOKENS.fileSep, true), text(`${path}\n`, true)];
  return [text(`${commentLine(language, path)}\n`, true)];
}

/** @internal One snippet line as rendered in a block, with its newline. */
export function snippetLine(format: FimFormat, language: string, line: string): string {
  if (format.kind === 'qwen-repo') return `${line}\n`;
  return `${commentLine(language, line)}\n`;
}

/** @internal Lays the parts out in the format; empty text segments dropped, neighbours merged. */
export function assembleFim(format: FimFormat, parts: FimParts): FimPrompt {
  const out: Piece[] = [];
  const context = (): void => {
    for (const block of parts.context) {
      if (block.lines.length === 0) continue;
      for (const s of snippetHead(format, parts.language, block.path)) out.push({ ...s, volatile: false });
      out.push({ kind: 'text', text: block.lines.map((l) => snippetLine(format, parts.language, l)).join(''), volatile: false });
    }
  };
  const prefix = (): void => {
    out.push({ kind: 'text', text: parts.prefixLines, volatile: false });
    out.push({ kind: 'text', text: parts.currentLine, volatile: true });
  };
  const suffix = (): void => {
    out.push({ kind: 'text', text: parts.suffix, volatile: true });
  };
  const sp = (t: string, volatile = false): void => {
    out.push({ kind: 'special', text: t, volatile });
  };
  let stop: string[];

  switch (format.kind) {
    case 'qwen-repo': {
      // Qwen2.5-Coder's documented repository-level FIM layout
      // (QwenLM/Qwen2.5-Coder examples/Qwen2.5-Coder-repolevel-fim.py):
      // <|repo_name|>{repo}\n<|file_sep|>{path}\n{content}\n … <|file_sep|>{path}\n<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>
      sp(QWEN_REPO_TOKENS.repoName);
      out.push({ kind: 'text', text: `${parts.repoName}\n`, volatile: false });
      context();
      sp(QWEN_REPO_TOKENS.fileSep);
      out.push({ kind: 'text', text: `${parts.path}\n`, volatile: false });
      sp(QWEN_REPO_TOKENS.prefix);
      prefix();
      sp(QWEN_REPO_TOKENS.suffix, true);
      suffix();
      sp(QWEN_REPO_TOKENS.middle, true);
      stop = [...QWEN_STOP];
      break;
    }
    case 'psm': {
      const t = format.tokens;
      sp(t.prefix);
      context();
      prefix();
      sp(t.suffix, true);
      suffix();
      sp(t.middle, true);
      stop = [t.prefix, t.suffix, t.middle];
      break;
    }
    case 'template': {
      const pieces = parseTemplate(format.template);
      const hasContext = pieces.some((p) => p.kind === 'context');
      let seenVolatile = false;
      stop = [];
      for (const p of pieces) {
        if (p.kind === 'literal') {
          sp(p.text, seenVolatile);
          const token = p.text.trim();
          if (token && !stop.includes(token)) stop.push(token);
        } else if (p.kind === 'context') context();
        else if (p.kind === 'prefix') {
          // Without a {context} placeholder the context leads the prefix, as in psm.
          if (!hasContext) context();
          prefix();
          seenVolatile = true;
        } else if (p.kind === 'suffix') {
          suffix();
          seenVolatile = true;
        } else if (p.kind === 'path') out.push({ kind: 'text', text: parts.path, volatile: seenVolatile });
        else out.push({ kind: 'text', text: parts.repoName, volatile: seenVolatile });
      }
      break;
    }
  }
  return { format: format.kind, segments: finish(out), stop };
}

interface Piece {
  kind: 'special' | 'text';
  text: string;
  volatile: boolean;
}

function special(t: string, stable: boolean): PromptSegment {
  return { kind: 'special', text: t, stable };
}
function text(t: string, stable: boolean): PromptSegment {
  return { kind: 'text', text: t, stable };
}

/** Marks the leading non-volatile run stable, drops empty segments, merges neighbouring text of equal stability. */
function finish(pieces: Piece[]): PromptSegment[] {
  const out: PromptSegment[] = [];
  let stable = true;
  for (const p of pieces) {
    if (p.volatile) stable = false;
    if (p.text === '') continue;
    const last = out[out.length - 1];
    if (last && last.kind === 'text' && p.kind === 'text' && last.stable === stable) last.text += p.text;
    else out.push({ kind: p.kind, text: p.text, stable });
  }
  return out;
}

type TemplatePiece =
  | { kind: 'literal'; text: string }
  | { kind: 'prefix' | 'suffix' | 'context' | 'path' | 'repo' };

const PLACEHOLDER = /\{(prefix|suffix|middle|context|path|repo)\}/g;

/**
 * Splits a `model.fimTemplate`: `{prefix}` and `{suffix}` once each,
 * optionally `{context}`, `{path}`, `{repo}`, and `{middle}` as the last
 * thing (where generation goes; it renders as nothing). Other text is the
 * model's control text. A bad template is `CVU_ERR_CONFIG_INVALID`.
 */
export function parseTemplate(template: string): TemplatePiece[] {
  const pieces: TemplatePiece[] = [];
  const seen = new Map<string, number>();
  let at = 0;
  let middleAt = -1;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (m.index > at) pieces.push({ kind: 'literal', text: template.slice(at, m.index) });
    at = m.index + m[0].length;
    seen.set(name, (seen.get(name) ?? 0) + 1);
    if (name === 'middle') middleAt = at;
    else pieces.push({ kind: name as 'prefix' | 'suffix' | 'context' | 'path' | 'repo' });
  }
  if (at < template.length) pieces.push({ kind: 'literal', text: template.slice(at) });
  const bad = (why: string): never => {
    throw new CvuError('CVU_ERR_CONFIG_INVALID', `model.fimTemplate: ${why}`);
  };
  if (seen.get('prefix') !== 1 || seen.get('suffix') !== 1) bad('must contain {prefix} and {suffix} exactly once each');
  if ((seen.get('context') ?? 0) > 1) bad('{context} may appear at most once');
  if ((seen.get('middle') ?? 0) > 1 || (middleAt >= 0 && middleAt !== template.length)) bad('{middle} may only end the template');
  return pieces;
}
