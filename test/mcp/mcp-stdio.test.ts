import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { cliArgs, runCli } from '../helpers/cli.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { until } from '../helpers/wait.js';
import { MCP_TREE } from './tree.js';

/** `cvu mcp` as an agent runs it: a child process on stdio, relaying to a real daemon with a real watcher. */
describe('cvu mcp (stdio)', () => {
  let home: string;
  let root: string;
  let client: Client;
  let env: Record<string, string>;

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: { results: { path: string; startLine: number }[] } };
  const text = (r: CallToolResult) => (r.content as { text: string }[]).map((p) => p.text).join('\n');

  beforeAll(async () => {
    home = makeTempDir('cvu-mcp-stdio-home-');
    root = makeTempDir('cvu-mcp-stdio-ws-');
    writeTree(root, MCP_TREE);
    env = { ...(process.env as Record<string, string>), CVU_HOME: home, CVU_EMBEDDING_MODEL: 'none' };
    client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: cliArgs(['mcp', '--root', root]), env, stderr: 'pipe' }));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    runCli(['daemon', 'stop'], { env });
    removeDir(root);
    removeDir(home);
  });

  it('lists the five tools and answers them from the daemon the command started', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['context_for', 'find_definition', 'find_references', 'outline', 'search_code']);
    expect(fs.existsSync(path.join(home, 'daemon.json'))).toBe(true);
    // The command does not wait for the index: the first answers may come while it runs.
    const def = await until(async () => {
      const r = await call('find_definition', { name: 'withRetries' });
      return !r.isError && r;
    }, 'the workspace to be indexed', 60_000);
    expect(def.structuredContent!.results[0]).toMatchObject({ path: 'src/net/retry.ts', startLine: 2 });
    const refs = await call('find_references', { name: 'Square' });
    expect(new Set(refs.structuredContent!.results.map((r) => r.path))).toEqual(new Set(['src/geometry/shapes.ts', 'src/app.ts', 'src/report.ts', 'src/budget.ts']));
    const search = await call('search_code', { query: 'retry a failing request with backoff' });
    expect(search.structuredContent!.results[0]?.path).toBe('src/net/retry.ts');
    const context = await call('context_for', { path: 'src/budget.ts', line: 6 });
    expect(context.structuredContent!.results.map((r) => `${r.path}:${r.startLine}`)).toContain('src/geometry/shapes.ts:12');
  });

  it('sees a file saved a moment ago (the daemon watches the root)', async () => {
    writeTree(root, { 'src/net/timeout.ts': 'export function withTimeout(ms: number): AbortSignal {\n  return AbortSignal.timeout(ms);\n}\n' });
    const saved = performance.now();
    await until(async () => !(await call('find_definition', { name: 'withTimeout' })).isError, 'the saved definition to be found', 15_000, 100);
    console.log(`save → find_definition over stdio: ${Math.round(performance.now() - saved)} ms`);
    const outline = await call('outline', { path: 'src/net' });
    expect(text(outline)).toContain('src/net/timeout.ts');
  });

  it('starts the daemon again when it went away between calls', async () => {
    expect(runCli(['daemon', 'stop'], { env }).code).toBe(0);
    const r = await call('outline', { path: 'src/app.ts' });
    expect(r.isError, text(r)).toBeFalsy();
    expect(text(r)).toMatch(/^3-6 function main/m);
  }, 60_000);
});
