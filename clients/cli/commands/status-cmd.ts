import { Workspace } from '../../../daemon/workspace.js';
import { createLogger } from '../../../core/log.js';
import { parse, resolveRoot } from '../args.js';
import type { CommandIO } from '../io.js';

export async function statusCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parse(argv, {});
  const ws = await Workspace.open(resolveRoot(values.root, io.cwd), { logger: createLogger() });
  try {
    const s = ws.status();
    const model = ws.config.embedding.model;
    const info = {
      workspaces: [{ ...s, state: s.files === 0 ? 'indexing' : s.state, embedder: model ? (ws.store.hasVectors() || s.pending === 0 ? 'ready' : 'pending') : 'disabled', embeddingModel: model }],
      daemon: { running: false },
    };
    if (values.json) io.out(JSON.stringify(info));
    else {
      const w = info.workspaces[0];
      io.out(`workspace ${w.root}`);
      io.out(`  index: ${w.files} files, ${w.chunks} chunks${w.lastIndexedAt ? `, last indexed ${w.lastIndexedAt}` : s.files === 0 ? ' (not indexed yet: run `cvu index`)' : ''}`);
      io.out(`  vectors: ${model ? `${model}, ${w.pending} chunks waiting` : 'disabled (embedding.model = null)'}`);
      io.out('  daemon: not running (commands run in-process)');
    }
    return 0;
  } finally {
    await ws.close();
  }
}
