// `npm run lint:layers` (.dependency-cruiser.cjs) can fail: every rule, run by the real CLI on a
// small written tree with one violation of each kind, reports exactly the imports that break it,
// and nothing of the imports DESIGN.md allows. The repository itself passes.
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const config = path.join(repo, '.dependency-cruiser.cjs');
const cruiser = path.join(repo, 'node_modules/dependency-cruiser');
const cli = path.join(cruiser, (JSON.parse(readFileSync(path.join(cruiser, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['depcruise']);

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

/** Runs the CLI with the config of `npm run lint:layers` in `cwd`: the violations it reports. */
function cruise(cwd: string): Violation[] {
  const r = spawnSync(process.execPath, [cli, '--config', config, '--output-type', 'json', '.'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (!r.stdout) throw new Error(`depcruise printed nothing (status ${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** The exit status of the CLI as `npm run lint:layers` runs it (its default reporter), in `cwd`, and what it printed. */
function lint(cwd: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [cli, '--config', config, '.'], { cwd, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** One line per violation, `rule: from -> to`, sorted. */
const lines = (vs: Violation[]) => vs.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

const tree: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  // Allowed: downward imports, type-only ones, node builtins.
  'core/errors.ts': `export class CvuError extends Error {}\n`,
  'protocol/api.ts': `import type { CvuError } from '../core/errors.js';\nexport type Answer = { error?: CvuError };\n`,
  'assistant/ask.ts': `import type { Answer } from '../protocol/api.js';\nexport const ask = (): Answer => ({});\n`,
  'daemon/lifecycle.ts': `import fs from 'node:fs';\nimport { ask } from '../assistant/ask.js';\nexport const start = () => [fs, ask];\n`,
  'clients/cli/main.ts': `import { start } from '../../daemon/lifecycle.js';\nexport const main = start;\n`,
  // The executable imports the build, which a fresh clone does not have yet.
  'bin/cvu.js': `await import('../dist/clients/cli/cli.js');\n`,
  // Upward (core 0 -> daemon 7), and a type-only one (indexer 3 -> retrieval 4): both count.
  'core/log.ts': `import { start } from '../daemon/lifecycle.js';\nexport const log = start;\n`,
  'indexer/chunk.ts': `import type { Hit } from '../retrieval/search.js';\nexport type Chunk = Hit;\n`,
  'retrieval/search.ts': `export type Hit = { file: string };\n`,
  // Same rank (store 2, models 2).
  'models/embedder.ts': `export const embed = 1;\n`,
  'store/table.ts': `import { embed } from '../models/embedder.js';\nexport const table = embed;\n`,
  // A file cycle inside one folder.
  'prompts/a.ts': `import { b } from './b.js';\nexport const a = () => b;\n`,
  'prompts/b.ts': `import { a } from './a.js';\nexport const b = () => a;\n`,
  // Client code: protocol/, core/, each other, node builtins and vscode are fine; daemon/, config/ and other packages are not.
  'config/schema.ts': `export type CvuConfig = { model: string };\n`,
  'clients/daemon-client.ts':
    `import { CvuError } from '../core/errors.js';\nimport type { Answer } from '../protocol/api.js';\n` +
    `import { start } from '../daemon/lifecycle.js';\nexport type A = Answer;\nexport const c = [CvuError, start];\n`,
  'clients/vscode/src/extension.ts':
    `import path from 'node:path';\nimport * as vscode from 'vscode';\nimport { c } from '../../daemon-client.js';\n` +
    `import type { CvuConfig } from '../../../config/schema.js';\nimport fastify from 'fastify';\n` +
    `export type C = CvuConfig;\nexport const e = [path, vscode, c, fastify];\n`,
  // Product code never imports tests, benchmarks or fixtures; fixtures import neither tests nor benchmarks; benchmarks take twins from fixtures/.
  'test/helpers/random.ts': `export const random = () => 4;\n`,
  'fixtures/models/twin.ts': `import { random } from '../../test/helpers/random.js';\nexport const twin = random;\n`,
  'bench/bench.ts': `import { twin } from '../fixtures/models/twin.js';\nimport { random } from '../test/helpers/random.js';\nexport const b = [twin, random];\n`,
  'workspace/workspace.ts': `import { twin } from '../fixtures/models/twin.js';\nimport { b } from '../bench/bench.js';\nexport const w = [twin, b];\n`,
  'retrieval/rank.ts': `import { random } from '../test/helpers/random.js';\nexport const rank = random;\n`,
  // A folder with no rank, and an import that does not resolve.
  'plugins/extra.ts': `import { CvuError } from '../core/errors.js';\nexport const x = CvuError;\n`,
  'models/llm.ts': `import { gone } from './gone.js';\nexport const llm = gone;\n`,
};

describe('lint:layers (dependency-cruiser)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cvu-layers-'));
    for (const [file, text] of Object.entries(tree)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    // The repository's packages, so that `vscode` and `fastify` resolve as they do in the repository.
    await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each broken rule at the import that breaks it, and nothing else', () => {
    expect(lines(cruise(dir))).toEqual(
      [
        'layer-core: core/log.ts -> daemon/lifecycle.ts',
        'layer-indexer: indexer/chunk.ts -> retrieval/search.ts',
        'layer-store: store/table.ts -> models/embedder.ts',
        // One cycle, reported once. (core/log.ts -> daemon -> assistant -> protocol -> core/errors.ts is no cycle: errors.ts imports nothing.)
        'no-circular: prompts/a.ts -> prompts/b.ts',
        'client-code-speaks-protocol: clients/daemon-client.ts -> daemon/lifecycle.ts',
        'client-code-speaks-protocol: clients/vscode/src/extension.ts -> config/schema.ts',
        // node_modules is a link to the repository's: the cruiser names the package where it really is.
        `client-code-speaks-protocol: clients/vscode/src/extension.ts -> ${path.relative(realpathSync(dir), realpathSync(path.join(repo, 'node_modules/fastify/fastify.js')))}`,
        'product-not-to-tests: workspace/workspace.ts -> fixtures/models/twin.ts',
        'product-not-to-tests: workspace/workspace.ts -> bench/bench.ts',
        'product-not-to-tests: retrieval/rank.ts -> test/helpers/random.ts',
        'fixtures-stand-alone: fixtures/models/twin.ts -> test/helpers/random.ts',
        'bench-not-to-tests: bench/bench.ts -> test/helpers/random.ts',
        'ranked-folders-only: plugins/extra.ts -> core/errors.ts',
        'not-to-unresolvable: models/llm.ts -> ./gone.js',
      ].sort(),
    );
  });

  it('fails CI: a violation is a non-zero exit status', () => {
    const { status, output } = lint(dir);
    expect(status).not.toBe(0);
    expect(output).toContain('error layer-core: core/log.ts → daemon/lifecycle.ts');
  });

  it('the repository keeps its layers', () => {
    expect(lines(cruise(repo))).toEqual([]);
  });
});
