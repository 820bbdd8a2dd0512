import { CvuError } from '../../../core/errors.js';
import { answerPrinter, printSources } from '../answer.js';
import { intOption, parse } from '../args.js';
import { connectForCommand } from '../connect.js';
import type { CommandIO } from '../io.js';

/**
 * `cvu ask "QUESTION"`: an answer from the codebase, streamed, then its
 * `path:start-end` citations. With no model installed it prints the most
 * relevant code locations and which command installs a model (exit 0).
 */
export async function askCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { 'max-tokens': { type: 'string' }, limit: { type: 'string', short: 'n' } });
  const question = positionals.join(' ').trim();
  if (!question) throw new CvuError('CVU_ERR_USAGE', 'cvu ask "QUESTION": a question is required', { status: 400 });
  const maxTokens = values['max-tokens'] === undefined ? undefined : intOption(values['max-tokens'], 'max-tokens', 1);
  const limit = values.limit === undefined ? undefined : intOption(values.limit, 'limit', 8);
  const conn = await connectForCommand(io, { root: values.root, json: Boolean(values.json), wait: true });
  const body = { root: conn.root, question, ...(maxTokens !== undefined ? { maxTokens } : {}), ...(limit !== undefined ? { limit } : {}) };
  if (values.json) {
    io.out(JSON.stringify(await conn.client.ask(body)));
    return 0;
  }
  const printer = answerPrinter(io);
  const result = await conn.client.askStream(body, { onToken: printer.onToken });
  printer.finish();
  if (result.answer === null) {
    if (!result.sources.length) io.out('no matching code found');
    for (const s of result.sources) {
      io.out(`${s.path}:${s.startLine}-${s.endLine}  ${s.source}${s.symbol ? `  ${s.symbol}` : ''}`);
      for (const line of s.text.split('\n').slice(0, 4)) io.out(`    ${line}`);
      io.out('');
    }
    io.err(`cvu ask: no answer, only the code locations above: ${result.notice?.message ?? 'no generation model is available'}`);
    return 0;
  }
  printSources(io, result.sources);
  return 0;
}
