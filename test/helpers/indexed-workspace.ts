import path from 'node:path';
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

export async function indexedWorkspace(tree: Record<string, string>, prefix = 'cvu-ws-', folder?: string): Promise<IndexedWorkspace> {
  const home = makeTempDir('cvu-home-');
  // `folder`: the workspace is a folder of that name in the temp folder (a name the code imports it by).
  const top = makeTempDir(prefix);
  const root = folder ? path.join(top, folder) : top;
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
      removeDir(top);
    },
  };
}

/**
 * A real workspace over `files` and a buffer at `path` (written to disk too, its marker left out),
 * asked for the context at the buffer's marker: the end of its line that ends in `|`. The caller
 * closes it.
 */
export async function contextAtMarker(
  files: Record<string, string>,
  path: string,
  buffer: string,
  budgetTokens: number,
  prefix = 'cvu-ws-',
): Promise<{ snippets: Awaited<ReturnType<Workspace['context']>>['snippets']; close(): Promise<void> }> {
  const lines = buffer.split('\n');
  const row = lines.findIndex((l) => l.endsWith('|'));
  lines[row] = lines[row].slice(0, -1);
  const indexed = await indexedWorkspace({ ...files, [path]: lines.join('\n') }, prefix);
  try {
    const { snippets } = await indexed.ws.context({ path, text: lines.join('\n'), position: { line: row, character: lines[row].length }, budgetTokens });
    return { snippets, close: indexed.close };
  } catch (err) {
    await indexed.close();
    throw err;
  }
}
