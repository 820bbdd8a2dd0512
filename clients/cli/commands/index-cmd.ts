import { Workspace } from '../../../daemon/workspace.js';
import { createLogger } from '../../../core/log.js';
import { parse, resolveRoot } from '../args.js';
import { ProgressBar } from '../progress.js';
import type { CommandIO } from '../io.js';

export async function indexCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { 'no-embed': { type: 'boolean' } });
  const root = resolveRoot(positionals[0] ?? values.root, io.cwd);
  const started = performance.now();
  const ws = await Workspace.open(root, { logger: createLogger() });
  const bar = new ProgressBar(process.stderr, !values.json && Boolean(process.stderr.isTTY));
  try {
    const result = await ws.sync({ onProgress: (p) => bar.update(p.phase === 'scan' ? 'scanning' : 'indexing', p.done, p.total) });
    bar.done();
    let embedded: number | null = null;
    if (!values['no-embed']) {
      embedded = await ws.embed({ onProgress: (p) => bar.update('embedding', p.done, p.total) });
      bar.done();
    }
    const status = ws.status();
    const out = {
      files: status.files,
      chunks: status.chunks,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      indexed: result.indexed,
      removed: result.removed,
      skipped: result.skipped.length,
      embedded,
      embedder: status.embedder,
    };
    if (values.json) io.out(JSON.stringify(out));
    else {
      io.out(`indexed ${root}: ${out.files} files, ${out.chunks} chunks in ${out.seconds}s (${out.indexed} re-indexed, ${out.removed} removed, ${out.skipped} skipped)`);
      if (embedded === null && !values['no-embed']) io.out('vectors: none (no embedding model); search uses the full-text and symbol index');
      else if (embedded !== null) io.out(`vectors: ${embedded} chunks embedded`);
    }
    return 0;
  } finally {
    bar.done();
    await ws.close();
  }
}
