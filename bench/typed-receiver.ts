/**
 * bench:context's "typed" columns: the engine's kept member tasks (`x.name` on the blanked line)
 * asked again the way an editor asks while the user types, with the line written up to the member's
 * name — the receiver and its accessor typed (`    context = command.`), the cursor after them. The
 * engine blanks the whole line, so its figures never see a receiver the user has just typed; these
 * do. Scored with the engine's own rule (ccbench.mjs's hit()).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Task } from './ccbench.js';

/** A snippet as /context returns it. */
interface Snippet {
  path: string;
  startLine: number;
  endLine: number;
  text: string;
}

/**
 * The buffer of a member task with its receiver typed: the task's line cut right after the accessor
 * before its first `.name`, `?.name`, `::name` or `->name`, the cursor there. Null when the line
 * writes the name after no accessor.
 */
export function typedReceiverBuffer(root: string, t: Pick<Task, 'file' | 'line' | 'name'>): { lines: string[]; row: number; col: number } | null {
  const lines = fs.readFileSync(path.join(root, t.file), 'utf8').split('\n');
  const row = t.line - 1;
  const line = lines[row] ?? '';
  const name = t.name.replace(/[$]/g, '\\$&');
  const m = new RegExp(`(?:\\?\\.|\\.|::|->)\\s*(?=${name}(?![\\w$]))`).exec(line);
  if (!m) return null;
  const col = m.index + m[0].length;
  lines[row] = line.slice(0, col);
  return { lines, row, col };
}

/**
 * Whether a definition line (`def.file` relative to the workspace `root`) lies in a snippet taken
 * before `budget` characters are used: ccbench.mjs's hit(), which bench:context cannot import (the
 * engine runs its command line when loaded).
 */
export function hitWithin(snippets: readonly Snippet[], root: string, def: { file: string; start: number }, budget: number): boolean {
  let used = 0;
  for (const s of snippets) {
    if (used >= budget) break;
    used += s.text?.length ?? 0;
    const rel = path.isAbsolute(s.path) ? path.relative(root, s.path) : s.path;
    if (rel === def.file && s.startLine <= def.start && def.start <= s.endLine) return true;
  }
  return false;
}

/**
 * Each member task with its receiver typed, asked of a running daemon's /context at `budget`
 * characters (budgetTokens = budget / 4, as the engine asks): task key → hit, and each request's
 * time. Tasks whose line names the member after no accessor are left out.
 */
export async function scoreTypedReceivers(
  post: (route: string, body: unknown) => Promise<{ snippets: Snippet[] }>,
  root: string,
  tasks: readonly Task[],
  budget: number,
  key: (t: Task) => string,
): Promise<{ hits: Map<string, boolean>; latencyMs: number[] }> {
  const hits = new Map<string, boolean>();
  const latencyMs: number[] = [];
  for (const t of tasks) {
    if (t.use !== 'member') continue;
    const buffer = typedReceiverBuffer(root, t);
    if (!buffer) continue;
    const t0 = performance.now();
    const body = await post('/context', { path: path.join(root, t.file), text: buffer.lines.join('\n'), position: { line: buffer.row, character: buffer.col }, budgetTokens: Math.round(budget / 4) });
    latencyMs.push(performance.now() - t0);
    hits.set(key(t), hitWithin(body.snippets, root, t.def, budget));
  }
  return { hits, latencyMs };
}
