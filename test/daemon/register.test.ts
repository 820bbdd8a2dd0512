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
