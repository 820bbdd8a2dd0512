// `npm run build` bundles the parse worker (bin/bundle-dist.mjs): the bundle, started as a
// worker from a folder with only node_modules beside it, prepares files exactly as the modules do.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFile, type PrepareOptions, type Prepared } from '../../indexer/prepare-file.js';
import { bundleDir, repoRoot, runBundleDist } from '../helpers/bundle-dist.js';
import { removeDir, writeTree } from '../helpers/temp.js';
const opts: PrepareOptions = { maxFileBytes: 1 << 20, chunk: {} };

describe('the parse worker bundle', () => {
  let dir: string;
  let bundle: string;
  let worker: Worker;
  beforeAll(() => {
    dir = bundleDir();
    bundle = path.join(dir, 'indexer/parse-worker.bundle.js');
    runBundleDist(['--entry', path.join(repoRoot, 'indexer/parse-worker.ts'), '--out', bundle]);
    writeTree(dir, {
      'src/a.ts': 'import { b } from "./b.js";\n\n/** Adds one. */\nexport function alpha(x: number) {\n  const twice = b(x) * 2;\n  return twice + 1;\n}\n\nexport class Beta {\n  gamma() { return alpha(2); }\n}\n',
      'src/b.py': 'from .c import d\n\ndef delta():\n    """Four."""\n    return d(4)\n',
      'src/main.go': 'package main\n\nimport "fmt"\n\ntype Server struct{ port int }\n\nfunc (s *Server) Start() { fmt.Println(s.port) }\n',
    });
  });
  afterAll(async () => {
    await worker?.terminate();
    removeDir(dir);
  });

  const prepareInWorker = (job: object) =>
    new Promise<{ result?: Prepared; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(job);
    });

  it('inlines the project and its packages but web-tree-sitter, which loads its .wasm from beside itself', () => {
    const code = fs.readFileSync(bundle, 'utf8');
    const packages = [...code.matchAll(/^import .* from "([^".][^"]*)";$/gm)].map((m) => m[1]).filter((p) => !p.startsWith('node:'));
    expect(new Set(packages)).toEqual(new Set(['web-tree-sitter']));
  });

  it('prepares each file as prepareFile does on this thread', async () => {
    worker = new Worker(bundle);
    for (const rel of ['src/a.ts', 'src/b.py', 'src/main.go']) {
      const abs = path.join(dir, rel);
      const file = { path: rel, absPath: abs, size: fs.statSync(abs).size, mtimeMs: 1 };
      const answer = await prepareInWorker({ id: 1, file, knownHash: null, opts });
      expect(answer.error).toBeUndefined();
      const expected = await prepareFile(file, null, opts);
      expect(expected.kind).toBe('change');
      expect(answer.result).toEqual(expected);
    }
  });
});
