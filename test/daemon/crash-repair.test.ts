import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { Workspace } from '../../workspace/workspace.js';
import { spawnCli } from '../helpers/cli.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { writeTinyEmbedder } from '../../fixtures/models/tiny-embedder.js';

/** A tree big enough that indexing takes several commits (batchSize 32 below). */
function generateTree(root: string, files: number, seed: number, config = `export default { index: { batchSize: 32 } };\n`): void {
  const tree: Record<string, string> = {
    'cvu.config.ts': config,
  };
  for (let i = 0; i < files; i++) {
    const n = i + seed;
    tree[`pkg${i % 12}/mod${i}.ts`] = `import { helper${(n + 1) % files} } from './mod${(i + 1) % files}.js';

export interface Record${n} {
  id: number;
  name: string;
}

export function helper${n}(input: Record${n}): string {
  const label = input.name.toUpperCase();
  return \`\${label}-\${input.id}\`;
}

export class Service${n} {
  private cache = new Map<number, string>();

  lookup(id: number): string | undefined {
    return this.cache.get(id);
  }

  store(record: Record${n}): void {
    this.cache.set(record.id, helper${n}(record));
  }
}
`;
  }
  writeTree(root, tree);
}

/** Everything that defines an index's content, in a comparable form. */
async function snapshot(ws: Workspace) {
  const files = [...ws.store.files.values()].map((f) => `${f.path} ${f.hash}`).sort();
  const chunks = (await ws.store.allChunks(['id', 'path', 'start_line', 'end_line', 'hash'])).map((c) => `${c.path}:${c.start_line}-${c.end_line} ${c.hash}`).sort();
  return { files, chunks, symbols: ws.store.symbols.size };
}

function waitForExit(child: ReturnType<typeof spawnCli>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('crash repair', () => {
  let root: string;
  let home: string;
  let cleanHome: string;
  beforeEach(() => {
    root = makeTempDir('cvu-crash-ws-');
    home = makeTempDir('cvu-crash-home-');
    cleanHome = makeTempDir('cvu-crash-clean-');
  });
  afterEach(() => {
    for (const d of [root, home, cleanHome]) removeDir(d);
  });

  it('a `cvu index` killed with SIGKILL mid-index is repaired to exactly match the tree', async () => {
    generateTree(root, 600, 0);
    const env = { CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none', CVU_LOG_LEVEL: 'silent' };
    const kills: number[] = [];
    for (let round = 0; round < 3; round++) {
      const child = spawnCli(['index', root, '--json'], { env });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      // Wait until the store exists and has taken some commits, then kill at a varying moment.
      const started = Date.now();
      const chunksDir = () => {
        const idx = path.join(home, 'indexes');
        if (!fs.existsSync(idx)) return null;
        const [ws] = fs.readdirSync(idx);
        return ws ? path.join(idx, ws, 'chunks.lance', '_versions') : null;
      };
      for (;;) {
        const d = chunksDir();
        if (d && fs.existsSync(d) && fs.readdirSync(d).length >= 2 + round * 3) break;
        if (child.exitCode !== null || Date.now() - started > 60_000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills.push(round);
      }
      await waitForExit(child);
      // The tree changes while nothing runs: added, deleted, renamed and edited files.
      writeTree(root, { [`added/round${round}.ts`]: `export function addedInRound${round}() { return ${round}; }\n` });
      fs.rmSync(path.join(root, `pkg${round}/mod${round}.ts`));
      fs.renameSync(path.join(root, `pkg5/mod${17 + round * 12}.ts`), path.join(root, `pkg5/renamed${round}.ts`));
      fs.appendFileSync(path.join(root, `pkg7/mod${19 + round * 12}.ts`), `\nexport const edited${round} = true;\n`);
      expect(output).not.toContain('"files"'); // it really was killed before finishing
    }
    expect(kills.length).toBeGreaterThan(0);

    const { config } = await loadConfig(root, { home, env: { CVU_EMBEDDING_MODEL: 'none' } });
    const repaired = await Workspace.open(root, { home, config });
    await repaired.sync();
    const clean = await Workspace.open(root, { home: cleanHome, config });
    await clean.sync();
    const a = await snapshot(repaired);
    const b = await snapshot(clean);
    expect(a.files.length).toBe(b.files.length);
    expect(a.files).toEqual(b.files);
    expect(a.chunks).toEqual(b.chunks);
    expect(new Set(a.chunks).size).toBe(a.chunks.length);
    expect(a.symbols).toBe(b.symbols);
    // The changes made while it was down are found.
    expect((await repaired.search('addedInRound2'))[0].path).toBe('added/round2.ts');
    expect(repaired.store.files.has('pkg0/mod0.ts')).toBe(false);
    expect(repaired.store.files.has('pkg5/renamed1.ts')).toBe(true);
    await repaired.close();
    await clean.close();
  });

  it('a `cvu index` killed with SIGKILL while embedding resumes without duplicate or missing vectors', async () => {
    // Small embedding batches: many commits, so the kill lands between two of them (embedding settings are the user's config).
    generateTree(root, 300, 7);
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ embedding: { batchSize: 1, dtype: 'auto', allowDownload: false } }));
    const model = await writeTinyEmbedder(path.join(cleanHome, 'tiny-embedder'));
    const env = { CVU_HOME: home, CVU_EMBEDDING_MODEL: model, CVU_LOG_LEVEL: 'silent' };
    const child = spawnCli(['index', root, '--json'], { env });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    const started = Date.now();
    const versions = () => {
      const idx = path.join(home, 'indexes');
      const [ws] = fs.existsSync(idx) ? fs.readdirSync(idx) : [];
      const dir = ws ? path.join(idx, ws, 'embeddings.lance', '_versions') : '';
      return dir && fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
    };
    while (versions() < 4 && child.exitCode === null && Date.now() - started < 90_000) await new Promise((r) => setTimeout(r, 5));
    expect(child.exitCode).toBeNull(); // still embedding: the kill lands mid-way
    child.kill('SIGKILL');
    await waitForExit(child);
    expect(output).not.toContain('"files"');

    const { config } = await loadConfig(root, { home, env: { CVU_EMBEDDING_MODEL: model } });
    config.embedding.allowDownload = false;
    const ws = await Workspace.open(root, { home, config });
    await ws.sync();
    const before = ws.status().pending;
    expect(before).toBeGreaterThan(0); // the kill left work to do
    expect(await ws.embed()).toBe(before);
    expect(ws.status().pending).toBe(0);
    // Every chunk has exactly one vector: nothing duplicated by the interrupted run, nothing missing.
    const embeddings = (ws.store as unknown as { embeddings: { query(): { select(c: string[]): { toArray(): Promise<{ hash: string }[]> } } } }).embeddings;
    const hashes = (await embeddings.query().select(['hash']).toArray()).map((r) => r.hash);
    expect(new Set(hashes).size).toBe(hashes.length);
    const chunkHashes = new Set((await ws.store.allChunks(['hash'])).map((c) => c.hash));
    for (const h of chunkHashes) expect(hashes).toContain(h);
    await ws.close();
  });
});
