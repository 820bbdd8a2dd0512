import fs from 'node:fs';
import path from 'node:path';
import { applyUnifiedDiff } from '../../../core/diff.js';
import { CvuError } from '../../../core/errors.js';
import { isFile } from '../answer.js';
import { intOption, parse } from '../args.js';
import { connectForCommand } from '../connect.js';
import type { CommandIO } from '../io.js';
import { parseLocation } from '../position.js';

/**
 * `cvu refactor PATH:START-END ["INSTRUCTION"] [--apply [--force]]`: the
 * model's proposed change of those lines as a unified diff on stdout (its
 * explanation on stderr). `--apply` writes it, refusing when the file changed
 * since it was read, and — unless `--force` — when the model's code block was
 * cut short.
 */
export async function refactorCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { apply: { type: 'boolean' }, force: { type: 'boolean' }, 'max-tokens': { type: 'string' } });
  if (positionals.length === 0) throw new CvuError('CVU_ERR_USAGE', 'cvu refactor PATH:START-END ["INSTRUCTION"]: a line range is required', { status: 400 });
  const loc = parseLocation(positionals[0], { exists: (p) => isFile(path.resolve(io.cwd, p)) });
  if (loc.kind === 'file') throw new CvuError('CVU_ERR_USAGE', `${positionals[0]}: expected PATH:START-END (1-based lines)`, { status: 400 });
  const [start, end] = loc.kind === 'range' ? [loc.startLine, loc.endLine] : [loc.line, loc.line];
  const instruction = positionals.slice(1).join(' ').trim();
  const maxTokens = values['max-tokens'] === undefined ? undefined : intOption(values['max-tokens'], 'max-tokens', 1);
  const abs = path.resolve(io.cwd, loc.path);
  let original: string;
  try {
    original = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new CvuError('CVU_ERR_NOT_FOUND', `${loc.path} cannot be read: ${(err as Error).message}`, { status: 404 });
  }
  const conn = await connectForCommand(io, { root: values.root, json: Boolean(values.json), wait: true });
  // The text goes along, so the diff is made against exactly what --apply checks.
  const result = await conn.client.refactor({
    path: abs, text: original, lines: { start, end },
    ...(instruction ? { instruction } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  });
  let applied = false;
  if (values.apply && result.diff) {
    if (result.truncated && !values.force) {
      throw new CvuError('CVU_ERR_BAD_REQUEST', `the model's answer was cut short (it hit its token limit before closing the code block), so the change may be incomplete; review the diff (run without --apply), raise --max-tokens, or pass --force to write it anyway`, { status: 422 });
    }
    let now: string;
    try {
      now = fs.readFileSync(abs, 'utf8');
    } catch (err) {
      throw new CvuError('CVU_ERR_FILE_UNREADABLE', `${loc.path} cannot be read again: ${(err as Error).message}`, { status: 422 });
    }
    if (now !== original) throw new CvuError('CVU_ERR_BAD_REQUEST', `${loc.path} changed while the refactor was computed; nothing was written, run it again`, { status: 409 });
    writeAtomically(fs.realpathSync(abs), applyUnifiedDiff(original, result.diff));
    applied = true;
  }
  if (values.json) {
    io.out(JSON.stringify({ ...result, applied }));
    return 0;
  }
  if (!result.diff) io.err('cvu refactor: the model proposes no change');
  else io.out(result.diff.replace(/\n$/, ''));
  if (result.explanation) io.err(result.explanation);
  if (result.truncated) io.err('cvu refactor: the answer was cut short (token limit); the change may be incomplete');
  if (applied) io.err(`cvu refactor: applied to ${loc.path}`);
  return 0;
}

/** Replaces a file by writing a sibling and renaming it (keeping the file's mode). */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.cvu-${process.pid}.tmp`;
  const mode = fs.statSync(file).mode & 0o7777;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}
