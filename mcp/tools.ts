/**
 * The five MCP tools (API.md, MCP): what each does, and its answer written for a model — paths with
 * 1-based line ranges, compact signatures, nothing else — cut to the call's token budget, with the
 * same results as `structuredContent`. A tool never throws: a bad argument, an unknown name or path
 * is an answer with `isError` that says what would work instead.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import { Value } from '../core/typebox.js';
import { CvuError } from '../core/errors.js';
import { estimateTokens, type TokenCounter } from '../core/tokens.js';
import {
  MCP_TOOLS,
  type ContextForArgs, type FindDefinitionArgs, type FindReferencesArgs, type OutlineArgs, type SearchCodeArgs, type ToolResultContent,
} from '../protocol/mcp-tools.js';
import type { Snippet } from '../protocol/snippet.js';
import type { OutlineEntry } from '../retrieval/navigation.js';
import type { Workspace } from '../workspace/workspace.js';

/** The workspaces the tools answer from. */
export interface ToolWorkspaces {
  /** Where names and queries are looked up: the root a session is scoped to, or every registered one. */
  list(): Workspace[];
  /** A path, absolute or relative to a root, → its workspace and workspace-relative path; a CvuError outside every root. */
  resolve(p: string): { ws: Workspace; rel: string };
  /** Settles once the saves seen in a workspace are searchable (bounded); absent where nothing watches. */
  savesLanded?(ws: Workspace): Promise<void>;
}

export interface ToolAnswer {
  content: { type: 'text'; text: string }[];
  structuredContent?: ToolResultContent;
  isError?: boolean;
}

/** A result's place in the code, and what each tool adds to it (a name, a kind, the lines found). */
type ResultItem = ToolResultContent['results'][number] & Record<string, unknown>;

const DEFAULT_MAX_TOKENS = 2000;
const DEFAULT_SEARCH_LIMIT = 10;
const DEFAULT_REFERENCE_FILES = 20;
/** A definition longer than this is shown by its head. */
const DEFINITION_LINES = 12;
const DEFINITION_HEAD = 6;
/** Lines listed per file in find_references before "… n more". */
const REFERENCE_LINES_PER_FILE = 8;
/** What remains of the budget for the note that says an answer was cut. */
const TRUNCATION_NOTE_TOKENS = 30;


/** Runs one tool call; every failure comes back as an answer with `isError`. */
export async function callTool(name: string, args: unknown, workspaces: ToolWorkspaces): Promise<ToolAnswer> {
  const tool = MCP_TOOLS.find((t) => t.name === name);
  if (!tool) return failure(`Unknown tool "${name}". The tools are: ${MCP_TOOLS.map((t) => t.name).join(', ')}.`);
  const input = args ?? {};
  if (!Value.Check(tool.inputSchema, input)) {
    const problems = [...Value.Errors(tool.inputSchema, input)].slice(0, 3).map((e) => `${e.instancePath || 'arguments'} ${e.message}`);
    return failure(`Invalid arguments for ${name}: ${problems.join('; ')}.`);
  }
  try {
    switch (name) {
      case 'search_code':
        return await searchCode(input as SearchCodeArgs, workspaces);
      case 'find_definition':
        return findDefinition(input as FindDefinitionArgs, workspaces);
      case 'find_references':
        return findReferences(input as FindReferencesArgs, workspaces);
      case 'context_for':
        return await contextFor(input as ContextForArgs, workspaces);
      default:
        return outline(input as OutlineArgs, workspaces);
    }
  } catch (err) {
    return failure(err instanceof CvuError ? err.message : `${name} failed: ${(err as Error).message}`);
  }
}

/** Text blocks added while they fit the budget; the first block that does not fit ends the answer. */
class Answer {
  private readonly blocks: string[] = [];
  private used = 0;
  readonly results: ResultItem[] = [];
  truncated = false;

  constructor(
    private readonly tokens: TokenCounter,
    private readonly budget: number,
    private readonly indexingFiles: number | null,
  ) {
    if (indexingFiles !== null) this.note(`Indexing is still running (${indexingFiles} files indexed so far): this answer covers those.`);
  }

  /** A line that always goes in (a header or a note). */
  note(text: string): void {
    this.blocks.push(text);
    this.used += this.tokens.count(text) + 1;
  }

  /** Adds a result's block if it fits; false once the budget is spent. */
  add(text: string, result: ResultItem): boolean {
    if (this.truncated) return false;
    const cost = this.tokens.count(text) + 1;
    if (this.used + cost > this.budget - TRUNCATION_NOTE_TOKENS) {
      this.truncated = true;
      return false;
    }
    this.blocks.push(text);
    this.used += cost;
    this.results.push(result);
    return true;
  }

  done(more = 0): ToolAnswer {
    if (this.truncated || more > 0) {
      this.truncated = true;
      this.blocks.push(`… more results left out to stay within ${this.budget} tokens: narrow the request or raise maxTokens.`);
    }
    const structuredContent: ToolResultContent = { results: this.results, truncated: this.truncated, ...(this.indexingFiles !== null ? { indexing: { files: this.indexingFiles } } : {}) };
    return { content: [{ type: 'text', text: this.blocks.join('\n') }], structuredContent };
  }
}

function startAnswer(workspaces: Workspace[], maxTokens: number | undefined): Answer {
  // A first index still running, not the re-index of a save (the state says 'indexing' for both).
  const indexing = workspaces.filter((w) => w.state === 'indexing' && w.lastIndexedAt === null);
  const files = indexing.length ? indexing.reduce((n, w) => n + w.store.files.size, 0) : null;
  return new Answer(workspaces[0]?.tokens ?? estimateTokens, maxTokens ?? DEFAULT_MAX_TOKENS, files);
}

/** How a path is shown: relative to its root when one workspace is in play, else absolute. */
function shownPath(ws: Workspace, rel: string, many: boolean): string {
  return many ? path.join(ws.root, rel) : rel;
}

function requireWorkspaces(workspaces: ToolWorkspaces): Workspace[] {
  const list = workspaces.list();
  if (!list.length) throw new CvuError('CVU_ERR_NOT_FOUND', 'No workspace is registered yet: start `cvu mcp --root DIR` in the repository, or register one with `cvu index DIR`.', { status: 404 });
  return list;
}

async function searchCode(args: SearchCodeArgs, workspaces: ToolWorkspaces): Promise<ToolAnswer> {
  const list = requireWorkspaces(workspaces);
  const limit = args.limit ?? DEFAULT_SEARCH_LIMIT;
  const match = args.path ? pathFilter(args.path) : null;
  const found: { ws: Workspace; s: Snippet }[] = [];
  for (const ws of list) {
    // A path filter is applied after the search: ask for more so that it still has `limit` to keep.
    await workspaces.savesLanded?.(ws);
    const snippets = await ws.search(args.query, { limit: match ? limit * 5 : limit });
    for (const s of snippets) if (!match || match(s.path)) found.push({ ws, s });
  }
  found.sort((a, b) => b.s.score - a.s.score);
  const answer = startAnswer(list, args.maxTokens);
  const many = list.length > 1;
  const shown = found.slice(0, limit);
  if (!shown.length) return failure(`Nothing in the index matches "${args.query}"${args.path ? ` under ${args.path}` : ''}. Try other words, or find_definition if you know a name.`);
  let added = 0;
  for (const { ws, s } of shown) {
    const p = shownPath(ws, s.path, many);
    if (!answer.add(snippetBlock(p, s), { path: p, startLine: s.startLine, endLine: s.endLine, ...(s.symbol ? { symbol: s.symbol } : {}) })) break;
    added++;
  }
  return answer.done(shown.length - added);
}

function findDefinition(args: FindDefinitionArgs, workspaces: ToolWorkspaces): ToolAnswer {
  const list = requireWorkspaces(workspaces);
  const many = list.length > 1;
  const defs = list.flatMap((ws) => ws.definitions(args.name).map((d) => ({ ws, d })));
  if (!defs.length) return unknownName(args.name, list);
  const answer = startAnswer(list, args.maxTokens);
  let added = 0;
  for (const { ws, d } of defs) {
    const p = shownPath(ws, d.path, many);
    const qualified = d.container ? `${d.container}.${d.name}` : d.name;
    const body = definitionBody(ws.readLines(d.path), d.startLine, d.endLine) ?? d.signature;
    const text = `${p}:${d.startLine}-${d.endLine} ${d.kind} ${qualified}${d.exported ? ' (exported)' : ''}\n${body}`;
    if (!answer.add(text, { path: p, startLine: d.startLine, endLine: d.endLine, name: qualified, kind: d.kind, signature: d.signature })) break;
    added++;
  }
  return answer.done(defs.length - added);
}

function findReferences(args: FindReferencesArgs, workspaces: ToolWorkspaces): ToolAnswer {
  const list = requireWorkspaces(workspaces);
  const many = list.length > 1;
  const limit = args.limit ?? DEFAULT_REFERENCE_FILES;
  const files = list.flatMap((ws) => ws.references(args.name, limit).map((f) => ({ ws, f })));
  if (!files.length) return unknownName(args.name, list);
  files.sort((a, b) => Number(b.f.defines) - Number(a.f.defines) || b.f.lines.length - a.f.lines.length);
  const answer = startAnswer(list, args.maxTokens);
  const total = files.reduce((n, { f }) => n + f.lines.length, 0);
  answer.note(`${args.name}: ${total} lines in ${files.length}${files.length >= limit ? '+' : ''} files`);
  let added = 0;
  for (const { ws, f } of files.slice(0, limit)) {
    const p = shownPath(ws, f.path, many);
    const shown = f.lines.slice(0, REFERENCE_LINES_PER_FILE);
    const rows = shown.map((l) => `  ${l.line}: ${clip(l.text, 160)}${l.definition ? '   [definition]' : ''}`);
    if (f.lines.length > shown.length) rows.push(`  … ${f.lines.length - shown.length} more lines`);
    const text = `${p}${f.defines ? ' (defines it)' : ''}\n${rows.join('\n')}`;
    if (!answer.add(text, { path: p, startLine: f.lines[0].line, endLine: f.lines[f.lines.length - 1].line, lines: f.lines.map((l) => l.line), defines: f.defines })) break;
    added++;
  }
  return answer.done(Math.min(files.length, limit) - added);
}

async function contextFor(args: ContextForArgs, workspaces: ToolWorkspaces): Promise<ToolAnswer> {
  const { ws, rel } = workspaces.resolve(args.path);
  const lines = ws.readLines(rel);
  if (!lines) return unknownPath(args.path, rel, ws);
  if (args.line > lines.length) return failure(`${rel} has ${lines.length} lines; line ${args.line} is past its end.`);
  const answer = startAnswer([ws], args.maxTokens);
  const budget = args.maxTokens ?? DEFAULT_MAX_TOKENS;
  answer.note(`Context for ${rel}:${args.line}${args.column ? `:${args.column}` : ''} (definitions it uses first):`);
  const { snippets } = await ws.context({ path: rel, position: { line: args.line - 1, character: (args.column ?? 1) - 1 }, budgetTokens: Math.max(50, budget - 100) });
  let added = 0;
  for (const s of snippets) {
    if (!answer.add(snippetBlock(s.path, s), { path: s.path, startLine: s.startLine, endLine: s.endLine, ...(s.symbol ? { symbol: s.symbol } : {}) })) break;
    added++;
  }
  if (!snippets.length) answer.note('Nothing from other files: the code around this line names nothing defined elsewhere in the index.');
  return answer.done(snippets.length - added);
}

function outline(args: OutlineArgs, workspaces: ToolWorkspaces): ToolAnswer {
  const target = args.path === '.' || args.path === './' ? '' : args.path;
  let ws: Workspace;
  let rel: string;
  if (target === '') {
    const list = requireWorkspaces(workspaces);
    if (list.length > 1) return failure(`Several workspaces are registered (${list.map((w) => w.root).join(', ')}): give a path inside one of them.`);
    [ws, rel] = [list[0], ''];
  } else ({ ws, rel } = workspaces.resolve(target));
  const tree = ws.outline(rel);
  if (!tree) return unknownPath(args.path, rel, ws);
  const answer = startAnswer([ws], args.maxTokens);
  if (tree.kind === 'file') {
    if (!tree.entries.length) answer.note(`${rel}: no definitions indexed (a data file, or code with only statements).`);
    let added = 0;
    const flat = flatten(tree.entries, 0);
    for (const { e, depth } of flat) {
      if (!answer.add(`${'  '.repeat(depth)}${e.startLine}-${e.endLine} ${e.kind} ${clip(bareSignature(e.signature) || e.name, 140)}`, { path: rel, startLine: e.startLine, endLine: e.endLine, name: e.name, kind: e.kind })) break;
      added++;
    }
    return answer.done(flat.length - added);
  }
  answer.note(`${rel || '.'}/: ${tree.files.length} files`);
  let added = 0;
  for (const f of tree.files) {
    const rows = f.entries.map((e) => `  ${e.startLine} ${e.kind} ${clip(bareSignature(e.signature) || e.name, 100)}${e.children.length ? ` (+${e.children.length} members)` : ''}`);
    const last = f.entries.at(-1);
    if (!answer.add([f.path, ...rows].join('\n'), { path: f.path, startLine: f.entries[0]?.startLine ?? 1, endLine: last?.endLine ?? 1, definitions: f.entries.length })) break;
    added++;
  }
  return answer.done(tree.files.length - added);
}

function snippetBlock(p: string, s: Snippet): string {
  return `${p}:${s.startLine}-${s.endLine}${s.symbol ? ` (${s.symbol})` : ''}\n${s.text}`;
}

/** A definition whole when short, else its head and how much is left out. */
function definitionBody(lines: string[] | null, start: number, end: number): string | null {
  if (!lines || start > lines.length) return null;
  const last = Math.min(end, lines.length);
  if (last - start + 1 <= DEFINITION_LINES) return lines.slice(start - 1, last).join('\n');
  return `${lines.slice(start - 1, start - 1 + DEFINITION_HEAD).join('\n')}\n  … ${last - start + 1 - DEFINITION_HEAD} more lines`;
}

function flatten(entries: OutlineEntry[], depth: number): { e: OutlineEntry; depth: number }[] {
  return entries.flatMap((e) => [{ e, depth }, ...flatten(e.children, depth + 1)]);
}

/** A glob ("src/**\/*.ts") or, without glob characters, a folder or file prefix. */
function pathFilter(spec: string): (p: string) => boolean {
  const clean = spec.replace(/^\.\//, '');
  if (!/[*?[\]{}]/.test(clean)) {
    const prefix = clean.replace(/\/$/, '');
    return (p) => p === prefix || p.startsWith(`${prefix}/`);
  }
  return picomatch(clean, { dot: true });
}

function unknownName(name: string, list: Workspace[]): ToolAnswer {
  const near = [...new Set(list.flatMap((ws) => ws.closest('name', name)))].slice(0, 5);
  return failure(`No definition of "${name}" in the index.${near.length ? ` Closest names: ${near.join(', ')}.` : ''} search_code finds code by description.`);
}

function unknownPath(asked: string, rel: string, ws: Workspace): ToolAnswer {
  const near = ws.closest('path', rel);
  return failure(`No indexed file or folder at "${asked}".${near.length ? ` Closest: ${near.join(', ')}.` : ''}`);
}

function failure(text: string): ToolAnswer {
  return { content: [{ type: 'text', text }], isError: true };
}

/** Declaration keywords a signature starts with, which the kind printed before it already says. */
const DECLARATION_WORDS = /^(?:(?:export|default|declare|public|private|protected|internal|static|abstract|async|pub(?:\([^)]*\))?|function|class|interface|type|enum|def|func|fn|struct|trait|const|let|var)\s+)+/;

/** A signature's first line without the keywords the outline's kind column repeats (`export function f()` → `f()`). */
function bareSignature(signature: string): string {
  return signature.split('\n', 1)[0].trim().replace(DECLARATION_WORDS, '');
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
