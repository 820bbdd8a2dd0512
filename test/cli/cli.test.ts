import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { parseLocation, parsePosition, toApiPosition } from '../../clients/cli/position.js';
import type { CommandIO } from '../../clients/cli/io.js';
import { isAlive, readDaemonInfo } from '../../daemon/lifecycle.js';
import { runCli } from '../helpers/cli.js';
import { setEnv } from '../helpers/env.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';

const SOURCES = {
  'src/util/validate.ts': `export function validateOptions(raw: unknown): { port: number } {
  if (typeof raw !== 'object' || raw === null) throw new Error('config must be an object');
  return { port: Number((raw as { port?: number }).port ?? 8080) };
}
`,
  'src/config/parse-config.ts': `import { validateOptions } from '../util/validate.js';

export function parseConfig(text: string): { port: number } {
  return validateOptions(JSON.parse(text));
}
`,
};

let home: string;
let root: string;
let outside: string;
let restoreEnv: () => void;

/** The CLI in-process (the daemon it starts is still a real child process). */
async function cvu(args: string[], cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { cwd, out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

beforeAll(() => {
  home = makeTempDir('cvu-cli-home-');
  root = makeTempDir('cvu-cli-ws-');
  outside = makeTempDir('cvu-cli-outside-');
  writeTree(root, SOURCES);
  fs.writeFileSync(path.join(outside, 'other.ts'), 'export const other = 1;\n');
  restoreEnv = setEnv({ CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none' });
});

afterAll(async () => {
  const info = readDaemonInfo(home);
  await cvu(['daemon', 'stop']);
  if (info && isAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  restoreEnv?.();
  removeDir(home);
  removeDir(root);
  removeDir(outside);
});

describe('position parser', () => {
  it('parses path, path:line, path:line:col and path:start-end', () => {
    expect(parseLocation('src/a.ts')).toEqual({ kind: 'file', path: 'src/a.ts' });
    expect(parseLocation('src/a.ts:12')).toEqual({ kind: 'position', path: 'src/a.ts', line: 12, column: null });
    expect(parseLocation('src/a.ts:12:7')).toEqual({ kind: 'position', path: 'src/a.ts', line: 12, column: 7 });
    expect(parseLocation('src/a.ts:3-9')).toEqual({ kind: 'range', path: 'src/a.ts', startLine: 3, endLine: 9 });
    expect(parseLocation('src/a.ts:4-4')).toEqual({ kind: 'range', path: 'src/a.ts', startLine: 4, endLine: 4 });
  });

  it('parses from the right: drive letters, colons in paths, compiler output', () => {
    expect(parseLocation('C:\\src\\a.ts:3:7')).toEqual({ kind: 'position', path: 'C:\\src\\a.ts', line: 3, column: 7 });
    expect(parseLocation('C:\\src\\a.ts:3')).toEqual({ kind: 'position', path: 'C:\\src\\a.ts', line: 3, column: null });
    expect(parseLocation('C:\\src\\a.ts')).toEqual({ kind: 'file', path: 'C:\\src\\a.ts' });
    expect(parseLocation('c:/src/a.ts:10-20')).toEqual({ kind: 'range', path: 'c:/src/a.ts', startLine: 10, endLine: 20 });
    expect(parseLocation('dir:with:colons/a.ts:5:1')).toEqual({ kind: 'position', path: 'dir:with:colons/a.ts', line: 5, column: 1 });
    expect(parseLocation('notes/2024:12:31.md:2')).toEqual({ kind: 'position', path: 'notes/2024:12:31.md', line: 2, column: null });
    expect(parseLocation('src/a.ts:3:7:')).toEqual({ kind: 'position', path: 'src/a.ts', line: 3, column: 7 }); // gcc/tsc "a.ts:3:7: error"
    expect(parseLocation('src/a.ts(3,7)')).toEqual({ kind: 'position', path: 'src/a.ts', line: 3, column: 7 }); // tsc --pretty false
    expect(parseLocation('  src/a.ts:3  ')).toEqual({ kind: 'position', path: 'src/a.ts', line: 3, column: null });
    // A file whose whole name looks like a position wins when it exists.
    expect(parseLocation('weird:12', { exists: (p) => p === 'weird:12' })).toEqual({ kind: 'file', path: 'weird:12' });
    expect(parseLocation('src/a.ts:abc')).toEqual({ kind: 'file', path: 'src/a.ts:abc' });
  });

  it('refuses zero, reversed ranges and empty input, and converts to 0-based', () => {
    for (const bad of ['a.ts:0', 'a.ts:0:1', 'a.ts:1:0', 'a.ts:9-3', 'a.ts:0-3', '', '   ', 'a.ts:99999999999999999999']) {
      expect(() => parseLocation(bad), bad).toThrow(expect.objectContaining({ code: 'CVU_ERR_USAGE' }));
    }
    expect(() => parsePosition('a.ts')).toThrow(expect.objectContaining({ code: 'CVU_ERR_USAGE' }));
    expect(() => parsePosition('a.ts:3-5')).toThrow(expect.objectContaining({ code: 'CVU_ERR_USAGE' }));
    expect(toApiPosition(parsePosition('a.ts:1:1'))).toEqual({ line: 0, character: 0 });
    expect(toApiPosition(parsePosition('a.ts:12:7'))).toEqual({ line: 11, character: 6 });
    expect(toApiPosition(parsePosition('a.ts:12'))).toEqual({ line: 11, character: 0 });
  });
});

describe('cvu CLI', () => {
  it('exits 2 on usage errors', async () => {
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['search'],
      ['search', '   '],
      ['search', 'x', '--limit', 'zero'],
      ['search', 'x', '--bogus'],
      ['context'],
      ['context', 'src/util/validate.ts'],
      ['context', 'src/util/validate.ts:0:1'],
      ['context', 'src/util/validate.ts:3-1'],
      ['context', 'src/util/validate.ts:2-3'],
      ['context', 'a.ts:1', 'b.ts:2'],
      ['context', 'src/util/validate.ts:2:1', '--budget', '-5'],
      ['daemon'],
      ['daemon', 'restart'],
      ['daemon', 'start', '--port', 'eighty'],
      ['daemon', 'start', '--port', '70000'],
    ];
    for (const args of cases) {
      const r = await cvu(args);
      expect(r.code, `cvu ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout === '' || args.length === 0).toBe(true);
    }
    // The real executable too.
    const proc = runCli(['frobnicate'], { env: { CVU_HOME: home } });
    expect(proc.code).toBe(2);
    expect(proc.stderr).toContain('unknown command');
  });

  it('search --json prints the API body (starting the daemon)', async () => {
    const r = await cvu(['search', 'parseConfig', '--json', '--limit', '3']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results.length).toBeLessThanOrEqual(3);
    expect(body.results[0]).toMatchObject({ path: 'src/config/parse-config.ts', source: expect.any(String) });
    const info = readDaemonInfo(home);
    expect(info && isAlive(info.pid)).toBe(true);
    const human = await cvu(['search', 'validateOptions', '--root', root], outside);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/src\/util\/validate\.ts:\d+-\d+/);
  });

  it('context --json prints { snippets, tokens }; human output lists the snippets', async () => {
    const r = await cvu(['context', 'src/config/parse-config.ts:4:20', '--json', '--budget', '500']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(Array.isArray(body.snippets)).toBe(true);
    expect(typeof body.tokens).toBe('number');
    const human = await cvu(['context', path.join(root, 'src/config/parse-config.ts') + ':4']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^context for .*parse-config\.ts:4: \d+ snippets?, \d+ tokens/);
    for (const s of body.snippets) expect(human.stdout).toContain(`${s.path}:${s.startLine}-${s.endLine}`);
  });

  it('exits 1 when the request fails: a path outside the root, a line past the end', async () => {
    const outsideFile = await cvu(['context', path.join(outside, 'other.ts') + ':1:1']);
    expect(outsideFile.code).toBe(1);
    expect(outsideFile.stderr).toContain('CVU_ERR_PATH_OUTSIDE_ROOT');
    expect(outsideFile.stdout).toBe('');
    const traversal = await cvu(['context', `../${path.basename(outside)}/other.ts:1`]);
    expect(traversal.code).toBe(1);
    expect(traversal.stderr).toContain('CVU_ERR_PATH_OUTSIDE_ROOT');
    const pastEnd = await cvu(['context', 'src/util/validate.ts:999:1', '--json']);
    expect(pastEnd.code).toBe(1);
    expect(pastEnd.stderr).toContain('CVU_ERR_BAD_REQUEST');
    const missing = await cvu(['context', 'src/nope.ts:1:1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('CVU_ERR_NOT_FOUND');
  });

  it('status --json and daemon status --json parse', async () => {
    const s = await cvu(['status', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const body = JSON.parse(s.stdout);
    expect(body.daemon).toMatchObject({ running: true, pid: readDaemonInfo(home)!.pid });
    expect(body.root).toBe(root);
    expect(body.workspaces[0]).toMatchObject({ root, state: expect.stringMatching(/ready|indexing/) });
    expect(body.model).toEqual({ name: null, loaded: false, backend: { type: 'in-process' } });
    const human = await cvu(['status']);
    expect(human.stdout).toContain(`workspace ${root}`);

    const d = await cvu(['daemon', 'status', '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ running: true, workspaces: expect.any(Array) });
    const start = await cvu(['daemon', 'start', '--json']);
    expect(JSON.parse(start.stdout)).toMatchObject({ running: true, started: false });
  });

  it("status prints a workspace config's refused and unreadable keys with file:line:column", async () => {
    const configured = makeTempDir('cvu-cli-configured-');
    try {
      writeTree(configured, { ...SOURCES, 'cvu.config.ts': `export default {\n  model: { path: '/x.gguf' },\n  index: { ignore: [process.env.HOME] },\n};\n` });
      const human = await cvu(['status', '--root', configured], configured);
      expect(human.code, human.stderr).toBe(0);
      const file = path.join(configured, 'cvu.config.ts');
      expect(human.stdout).toContain(`  config: ${file}`);
      expect(human.stdout).toContain(`  config error: ${file}:2:3: model: not allowed in a workspace config`);
      expect(human.stdout).toContain(`  config error: ${file}:3:21: index.ignore: a property access (process.env.HOME) is not a literal`);
      const json = JSON.parse((await cvu(['status', '--json', '--root', configured], configured)).stdout);
      expect(json.workspaces.find((w: { root: string }) => w.root === configured).config.errors).toHaveLength(2);
    } finally {
      removeDir(configured);
    }
  });

  it('index defers to the running daemon, which holds the index: no second writer', async () => {
    const pid = readDaemonInfo(home)!.pid;
    const r = await cvu(['index', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body).toMatchObject({ daemon: pid, files: 2 });
    expect(body.chunks).toBeGreaterThan(0);
    const human = await cvu(['index']);
    expect(human.stdout).toContain(`by the running daemon (pid ${pid})`);
  });
});
