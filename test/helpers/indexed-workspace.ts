import { defaultConfig } from '../../config/schema.js';
import { Workspace } from '../../workspace/workspace.js';
import { makeTempDir, removeDir, writeTree } from './temp.js';

/** A real Workspace over `tree`, indexed without an embedding model (full-text and symbols), in temp folders. */
export interface IndexedWorkspace {
  root: string;
  home: string;
  ws: Workspace;
  /** Closes the workspace and removes its folders. */
  close(): Promise<void>;
}

export async function indexedWorkspace(tree: Record<string, string>, prefix = 'cvu-ws-'): Promise<IndexedWorkspace> {
  const home = makeTempDir('cvu-home-');
  const root = makeTempDir(prefix);
  writeTree(root, tree);
  const config = defaultConfig();
  config.embedding.model = null;
  const ws = await Workspace.open(root, { home, config });
  await ws.sync();
  return {
    root,
    home,
    ws,
    async close() {
      await ws.close();
      removeDir(home);
      removeDir(root);
    },
  };
}
