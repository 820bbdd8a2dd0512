/**
 * A repository is data: registering a folder whose cvu.config.ts tries to run
 * code runs none of it, its literal index settings apply, and what it may not
 * decide (the model) is refused with an error GET /status shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setEnv } from '../helpers/env.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

interface StatusBody {
  workspaces: { root: string; config?: { file: string | null; errors: { file: string; line: number; column: number; key: string; message: string }[] } }[];
  userConfig?: { file: string | null; errors: unknown[] };
}

describe('a workspace config registered with the daemon', () => {
  let home: string;
  let tmp: string;
  let served: ServedDaemon;
  let restoreEnv: () => void;

  beforeAll(async () => {
    tmp = makeTempDir('cvu-wsconfig-');
    home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    // The user's own config may set the model; the workspace's may not.
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ completion: { maxTokens: 24 } }));
    restoreEnv = setEnv({ CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none', CVU_MODEL: undefined });
    served = await serveDaemon({ home, token: 't0k' });
  });

  afterAll(async () => {
    await served?.close();
    restoreEnv?.();
    removeDir(tmp);
  });

  it('runs none of it, applies its literal index.ignore, and shows the refused model in /status', async () => {
    const marker = path.join(tmp, 'owned');
    const root = path.join(tmp, 'repo');
    writeTree(root, {
      'cvu.config.ts': [
        `import fs from 'node:fs';`,
        `fs.writeFileSync(${JSON.stringify(marker)}, 'top-level');`,
        `export default defineConfig({`,
        `  index: { ignore: ['generated/**'] },`,
        `  model: { path: '/tmp/attacker.gguf' },`,
        `  prompts: { system: (() => { fs.writeFileSync(${JSON.stringify(marker)}, 'iife'); return 'x'; })() },`,
        `});`,
        ``,
      ].join('\n'),
      'src/kept.ts': `export function keptVisibleFunction() { return 'kept'; }\n`,
      'generated/skipped.ts': `export function ignoredGeneratedFunction() { return 'ignored'; }\n`,
    });
    await served.register(root);

    expect(fs.existsSync(marker)).toBe(false);
    const kept = (await served.call('POST', '/search', { body: { root, query: 'keptVisibleFunction' } })).body as { results: { path: string }[] };
    expect(kept.results.map((r) => r.path)).toContain('src/kept.ts');
    const ignored = (await served.call('POST', '/search', { body: { root, query: 'ignoredGeneratedFunction' } })).body as { results: { path: string }[] };
    expect(ignored.results.map((r) => r.path)).not.toContain('generated/skipped.ts');

    const status = (await served.call('GET', '/status')).body as StatusBody;
    expect(status.userConfig).toEqual({ file: path.join(home, 'config.json'), errors: [] });
    const ws = status.workspaces.find((w) => w.root === root)!;
    expect(ws.config?.file).toBe(path.join(root, 'cvu.config.ts'));
    const errors = ws.config?.errors ?? [];
    expect(errors).toContainEqual({ file: path.join(root, 'cvu.config.ts'), line: 5, column: 3, key: 'model', message: expect.stringMatching(/not allowed in a workspace config: the model is the user's choice/) });
    expect(errors).toContainEqual(expect.objectContaining({ line: 6, key: 'prompts.system', message: expect.stringMatching(/a call .* is not a literal/) }));
    expect(errors).toContainEqual(expect.objectContaining({ line: 2, key: '', message: expect.stringMatching(/not read/) }));
    expect(served.daemon.workspaces().find((w) => w.root === root)!.config).toMatchObject({ model: { path: null }, completion: { maxTokens: 24 }, index: { ignore: ['generated/**'] } });
    expect((await served.call('GET', '/health')).status).toBe(200);
  });

  it('indexes a workspace whose config is a 50 MB literal, a link out of the root, or deeply nested, and says why each was not read', async () => {
    const outside = path.join(tmp, 'outside');
    writeTree(outside, { 'config.ts': `export default { index: { ignore: ['**'] } };\n` });
    const cases: Record<string, (root: string) => void> = {
      big: (root) => fs.writeFileSync(path.join(root, 'cvu.config.ts'), `export default { prompts: { system: '${'x'.repeat(50 * 1024 * 1024)}' } };`),
      linked: (root) => fs.symlinkSync(path.join(outside, 'config.ts'), path.join(root, 'cvu.config.ts')),
      deep: (root) => fs.writeFileSync(path.join(root, 'cvu.config.ts'), `export default { index: { ignore: ${'['.repeat(20_000)}${']'.repeat(20_000)} } };`),
    };
    const roots: string[] = [];
    for (const [name, make] of Object.entries(cases)) {
      const root = path.join(tmp, `case-${name}`);
      writeTree(root, { 'src/a.ts': `export const present${name} = 1;\n` });
      make(root);
      roots.push(root);
    }
    await served.register(...roots);
    const status = (await served.call('GET', '/status')).body as StatusBody;
    const messages = (root: string) => status.workspaces.find((w) => w.root === root)!.config!.errors.map((e) => e.message).join('\n');
    expect(messages(roots[0])).toMatch(/over the 65536-byte limit/);
    expect(messages(roots[1])).toMatch(/outside the workspace; not read/);
    expect(messages(roots[2])).toMatch(/nested deeper than/);
    // Each still indexed its source: the outside config's ignore-everything was not applied.
    for (const [i, name] of Object.keys(cases).entries()) {
      const found = (await served.call('POST', '/search', { body: { root: roots[i], query: `present${name}` } })).body as { results: { path: string }[] };
      expect(found.results.map((r) => r.path)).toContain('src/a.ts');
    }
  });
});
