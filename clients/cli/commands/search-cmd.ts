import { Workspace } from '../../../daemon/workspace.js';
import { createLogger } from '../../../core/log.js';
import { CvuError } from '../../../core/errors.js';
import { intOption, parse, resolveRoot } from '../args.js';
import type { CommandIO } from '../io.js';

export async function searchCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { limit: { type: 'string', short: 'n' } });
  const query = positionals.join(' ').trim();
  if (!query) throw new CvuError('CVU_ERR_USAGE', 'cvu search "QUERY": a query is required', { status: 400 });
  const limit = intOption(values.limit, 'limit', 10);
  const ws = await Workspace.open(resolveRoot(values.root, io.cwd), { logger: createLogger() });
  try {
    // In-process for now: bring the lexical tier up to date first (cheap when nothing changed).
    await ws.sync();
    const results = await ws.search(query, { limit });
    if (values.json) {
      io.out(JSON.stringify({ results: results.map(({ symbol: _s, ...snippet }) => snippet) }));
      return 0;
    }
    if (!results.length) io.out('no results');
    for (const r of results) {
      io.out(`${r.path}:${r.startLine}-${r.endLine}  ${r.source}${r.symbol ? `  ${r.symbol}` : ''}`);
      for (const line of r.text.split('\n').slice(0, 6)) io.out(`    ${line}`);
      io.out('');
    }
    return 0;
  } finally {
    await ws.close();
  }
}
