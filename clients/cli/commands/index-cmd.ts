import { Workspace } from '../../../workspace/workspace.js';
import { readDaemonInfo } from '../../../daemon/lifecycle.js';
import { CvuError } from '../../../core/errors.js';
import { boundHeapGrowth } from '../../../core/v8-flags.js';
import { cvuHome } from '../../../core/home.js';
import { createLogger } from '../../../core/log.js';
import { IndexBusyError } from '../../../store/index-lock.js';
import { connectForCommand } from '../connect.js';
import { parse, resolveRoot } from '../args.js';
import { ProgressBar } from '../progress.js';
import type { CommandIO } from '../io.js';

export async function indexCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(argv, { 'no-embed': { type: 'boolean' } });
  const root = resolveRoot(positionals[0] ?? values.root, io.cwd);
  const started = performance.now();
  let ws: Workspace;
  try {
    ws = await Workspace.open(root, { logger: createLogger() });
  } catch (err) {
    // The daemon holds this index and keeps it current: let it do the work and report.
    const daemon = readDaemonInfo(cvuHome());
    if (err instanceof IndexBusyError && daemon?.pid === err.pid) return indexThroughDaemon(root, Boolean(values.json), started, io);
    if (err instanceof IndexBusyError) throw new CvuError('CVU_ERR_INDEX_BUSY', `${err.message} (another \`cvu index\`?): try again when it is done`, { status: 409 });
    throw err;
  }
  const bar = new ProgressBar(process.stderr, !values.json && Boolean(process.stderr.isTTY));
  // This process indexes like the daemon does: the same bound on its heap.
  boundHeapGrowth();
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

/** `cvu index` while the daemon holds the index: it registers the root, waits for the daemon's pass, and reports it. */
async function indexThroughDaemon(root: string, json: boolean, started: number, io: CommandIO): Promise<number> {
  const conn = await connectForCommand(io, { root, json, wait: true });
  const status = (await conn.client.status()).workspaces.find((w) => w.root === conn.root);
  const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
  if (json) io.out(JSON.stringify({ files: status?.files ?? 0, chunks: status?.chunks ?? 0, seconds, daemon: conn.info.pid }));
  else io.out(`indexed ${conn.root} by the running daemon (pid ${conn.info.pid}), which keeps it current: ${status?.files ?? 0} files, ${status?.chunks ?? 0} chunks`);
  return 0;
}
