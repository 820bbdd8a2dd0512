import { afterEach, beforeEach, expect, it } from 'vitest';
import { defaultConfig } from '../../config/schema.js';
import { Daemon } from '../../daemon/daemon.js';
import { Workspace } from '../../workspace/workspace.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { until } from '../helpers/wait.js';

const FILES = 3000;
let home: string;
let root: string;
let saved: string | undefined;

beforeEach(() => {
  saved = process.env.CVU_EMBEDDING_MODEL;
  process.env.CVU_EMBEDDING_MODEL = 'none';
  home = makeTempDir('cvu-shutdown-home-');
  root = makeTempDir('cvu-shutdown-ws-');
  const tree: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) tree[`src/m${Math.floor(i / 100)}/f${i}.ts`] = `export function f${i}(x: number): number {\n  return x + ${i};\n}\n${'// filler line to give the file some weight\n'.repeat(20)}`;
  writeTree(root, tree);
});
afterEach(() => {
  if (saved === undefined) delete process.env.CVU_EMBEDDING_MODEL;
  else process.env.CVU_EMBEDDING_MODEL = saved;
  removeDir(home);
  removeDir(root);
});

it('a daemon closed while it indexes a large workspace stops at the next batch, and the next sync finds the rest', async () => {
  const daemon = new Daemon({ home, parseWorkers: 1 });
  const ws = await daemon.register(root);
  // Closed after the first commits, long before the last one.
  await until(() => ws.status().files > 0, 'the first batch committed');
  await daemon.close();
  const stoppedAt = ws.status().files;
  expect(stoppedAt).toBeGreaterThan(0);
  expect(stoppedAt).toBeLessThan(FILES);

  const config = defaultConfig();
  config.embedding.model = null;
  const again = await Workspace.open(root, { home, config });
  try {
    await again.sync();
    expect(again.status().files).toBe(FILES);
  } finally {
    await again.close();
  }
});
