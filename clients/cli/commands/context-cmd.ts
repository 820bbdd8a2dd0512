import fs from 'node:fs';
import path from 'node:path';
import { CvuError } from '../../../core/errors.js';
import { intOption, parse, resolveRoot } from '../args.js';
import { parsePosition, toApiPosition } from '../position.js';
import { connectForCommand } from '../connect.js';
import type { CommandIO } from '../io.js';

/** `cvu context PATH:LINE[:COL]`: the context a completion there would get (POST /context). */
export async function contextCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { budget: { type: 'string' } });
  if (positionals.length !== 1) throw new CvuError('CVU_ERR_USAGE', 'cvu context PATH:LINE[:COL]: exactly one location is required', { status: 400 });
  const loc = parsePosition(positionals[0], { exists: (p) => isFile(path.resolve(io.cwd, p)) });
  const budgetTokens = values.budget === undefined ? undefined : intOption(values.budget, 'budget', 1);
  const abs = path.resolve(io.cwd, loc.path);
  const conn = await connectForCommand(io, { root: values.root, json: Boolean(values.json), wait: true });
  const result = await conn.client.context({ path: abs, position: toApiPosition(loc), ...(budgetTokens !== undefined ? { budgetTokens } : {}) });
  if (values.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  const where = `${loc.path}:${loc.line}${loc.column !== null ? `:${loc.column}` : ''}`;
  io.out(`context for ${where}: ${result.snippets.length} snippet${result.snippets.length === 1 ? '' : 's'}, ${result.tokens} tokens`);
  for (const s of result.snippets) {
    io.out('');
    io.out(`${s.path}:${s.startLine}-${s.endLine}  ${s.source}${s.symbol ? `  ${s.symbol}` : ''}`);
    for (const line of s.text.split('\n')) io.out(`    ${line}`);
  }
  return 0;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
