import path from 'node:path';
import { answerPrinter, isFile, printSources } from '../answer.js';
import { intOption, parse } from '../args.js';
import { connectForCommand } from '../connect.js';
import type { CommandIO } from '../io.js';
import { parseLocation } from '../position.js';
import { CvuError } from '../../../core/errors.js';
import type { ExplainRequestBody } from '../../daemon-client.js';

/**
 * `cvu explain PATH[:START[-END]] ["QUESTION"]`: an explanation of a file, a
 * line or a range, streamed as the model writes it, then the sources it used.
 */
export async function explainCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { 'max-tokens': { type: 'string' } });
  if (positionals.length === 0) throw new CvuError('CVU_ERR_USAGE', 'cvu explain PATH[:START[-END]] ["QUESTION"]: a file is required', { status: 400 });
  const loc = parseLocation(positionals[0], { exists: (p) => isFile(path.resolve(io.cwd, p)) });
  const question = positionals.slice(1).join(' ').trim();
  const maxTokens = values['max-tokens'] === undefined ? undefined : intOption(values['max-tokens'], 'max-tokens', 1);
  const body: ExplainRequestBody = {
    path: path.resolve(io.cwd, loc.path),
    ...(loc.kind === 'range' ? { lines: { start: loc.startLine, end: loc.endLine } } : loc.kind === 'position' ? { lines: { start: loc.line, end: loc.line } } : {}),
    ...(question ? { question } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
  const conn = await connectForCommand(io, { root: values.root, json: Boolean(values.json), wait: true });
  if (values.json) {
    io.out(JSON.stringify(await conn.client.explain(body)));
    return 0;
  }
  const printer = answerPrinter(io);
  const result = await conn.client.explainStream(body, { onToken: printer.onToken });
  printer.finish();
  printSources(io, result.sources);
  return 0;
}
