import { CvuError } from '../../../core/errors.js';
import { intOption, parse, resolveRoot } from '../args.js';
import { connectForCommand } from '../connect.js';
import type { CommandIO } from '../io.js';

/** `cvu search "QUERY"`: POST /search on the daemon (started when not running). */
export async function searchCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { limit: { type: 'string', short: 'n' } });
  const query = positionals.join(' ').trim();
  if (!query) throw new CvuError('CVU_ERR_USAGE', 'cvu search "QUERY": a query is required', { status: 400 });
  const limit = intOption(values.limit, 'limit', 10);
  const conn = await connectForCommand(io, { root: values.root, json: Boolean(values.json), wait: true });
  const { results } = await conn.client.search({ root: conn.root, query, limit });
  if (values.json) {
    io.out(JSON.stringify({ results }));
    return 0;
  }
  if (!results.length) io.out('no results');
  for (const r of results) {
    io.out(`${r.path}:${r.startLine}-${r.endLine}  ${r.source}${r.symbol ? `  ${r.symbol}` : ''}`);
    for (const line of r.text.split('\n').slice(0, 6)) io.out(`    ${line}`);
    io.out('');
  }
  return 0;
}
