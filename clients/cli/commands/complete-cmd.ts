import path from 'node:path';
import { CvuError } from '../../../core/errors.js';
import { isFile } from '../answer.js';
import { intOption, parse } from '../args.js';
import { connectForCommand } from '../connect.js';
import type { CommandIO } from '../io.js';
import { parsePosition } from '../position.js';

/** A column past any line: the daemon clamps it to the line end. */
const LINE_END = 1_000_000;

/** `cvu complete PATH:LINE[:COL]`: the inline completion at a position (POST /complete). */
export async function completeCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { 'max-tokens': { type: 'string' } });
  if (positionals.length !== 1) throw new CvuError('CVU_ERR_USAGE', 'cvu complete PATH:LINE[:COL]: exactly one position is required', { status: 400 });
  const loc = parsePosition(positionals[0], { exists: (p) => isFile(path.resolve(io.cwd, p)) });
  const maxTokens = values['max-tokens'] === undefined ? undefined : intOption(values['max-tokens'], 'max-tokens', 1);
  const conn = await connectForCommand(io, { root: values.root, json: Boolean(values.json), wait: true });
  const result = await conn.client.complete({
    path: path.resolve(io.cwd, loc.path),
    position: { line: loc.line - 1, character: loc.column === null ? LINE_END : loc.column - 1 },
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  });
  if (values.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  if (result.completion) io.out(result.completion);
  else io.err('cvu complete: no suggestion at this position');
  return 0;
}
