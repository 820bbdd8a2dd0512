import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Daemon } from '../../daemon/daemon.js';
import { Workspace } from '../../workspace/workspace.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { until } from '../helpers/wait.js';
import { setEnv } from '../helpers/env.js';

let home: string;
let root: string;
let restoreEnv: () => void;

beforeEach(() => {
  restoreEnv = setEnv({ CVU_EMBEDDING_MODEL: 'none' });
  home = makeTempDir('cvu-register-home-');
  root = makeTempDir('cvu-register-ws-');
  writeTree(root, {
    'src/a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
    'src/b.ts': 'export function b(): number {\n  return 1;\n}\n',
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  restoreEnv();
  removeDir(home);
  removeDir(root);
});

it('prepares cursor retrieval (the import graph) once a registered workspace is first indexed, before any request', async () => {
  const prepared = vi.spyOn(Workspace.prototype, 'prepareRetrieval');
  const daemon = new Daemon({ home, parseWorkers: 1 });
  try {
    const ws = await daemon.register(root);
    await until(() => prepared.mock.calls.length > 0, 'retrieval prepared');
    expect(ws.status().files).toBe(2);
    expect(prepared.mock.contexts[0]).toBe(ws);
    // Registering it again prepares nothing more.
    await daemon.register(root);
    await new Promise((r) => setTimeout(r, 200));
    expect(prepared).toHaveBeenCalledTimes(1);
  } finally {
    await daemon.close();
  }
});

it('embeds the chunks of a file saved while an embedding pass runs, in one more pass after it', async () => {
  const fs = await import('node:fs');
  const { writeTinyEmbedder } = await import('../../fixtures/models/tiny-embedder.js');
  const model = await writeTinyEmbedder(`${home}/models/tiny`);
  restoreEnv();
  restoreEnv = setEnv({ CVU_EMBEDDING_MODEL: undefined });
  fs.writeFileSync(`${home}/config.json`, JSON.stringify({ embedding: { model, dtype: 'auto', allowDownload: false }, threads: 1 }));
  writeTree(root, Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`src/gen${i}.ts`, `export function gen${i}(x: number) {\n  return x * ${i};\n}\n`])));
  const embed = vi.spyOn(Workspace.prototype, 'embed');
  const daemon = new Daemon({ home, parseWorkers: 1 });
  try {
    const ws = await daemon.register(root);
    // A save once the first pass has listed what to embed and started.
    await until(() => embed.mock.calls.length > 0 && ws.store.hasVectors(), 'the first embedding pass under way', 30_000);
    writeTree(root, { 'src/saved.ts': 'export function savedWhileEmbedding() {\n  return 42;\n}\n' });
    daemon.filesChanged(ws.root, ['src/saved.ts']);
    await until(() => ws.store.files.has('src/saved.ts') && ws.store.pendingHashes().length === 0 && !daemon.scheduler.stats.background.running, 'every chunk embedded, the saved one too', 30_000);
    expect(ws.store.pendingHashes()).toEqual([]);
  } finally {
    await daemon.close();
  }
}, 90_000);
