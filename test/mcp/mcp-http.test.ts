import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { estimateTokens } from '../../core/tokens.js';
import { serveDaemon, type ServedDaemon } from '../helpers/served-daemon.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/temp.js';
import { MCP_TREE } from './tree.js';

const TOKEN = 'mcp-test-token';

type Structured = { results: { path: string; startLine: number; endLine: number; [k: string]: unknown }[]; truncated: boolean; indexing?: { files: number } };

describe('MCP over Streamable HTTP (/mcp on the daemon)', () => {
  let home: string;
  let root: string;
  let served: ServedDaemon;
  let client: Client;

  const connect = async (query = '') => {
    const c = new Client({ name: 'test-agent', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${served.port}/mcp${query}`), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
    return c;
  };
  const call = async (name: string, args: Record<string, unknown>, c = client) => (await c.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: Structured };
  const text = (r: CallToolResult) => (r.content as { type: string; text: string }[]).map((p) => p.text).join('\n');

  beforeAll(async () => {
    home = makeTempDir('cvu-mcp-home-');
    root = makeTempDir('cvu-mcp-ws-');
    writeTree(root, MCP_TREE);
    served = await serveDaemon({ home, token: TOKEN });
    await served.register(root);
    client = await connect(`?root=${encodeURIComponent(root)}`);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await served?.close();
    removeDir(root);
    removeDir(home);
  });

  it('lists exactly the five tools, each with an input and an output schema, in under 1,500 tokens', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['context_for', 'find_definition', 'find_references', 'outline', 'search_code']);
    for (const t of tools) {
      expect(t.description?.length).toBeGreaterThan(40);
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
    }
    const tokens = estimateTokens.count(JSON.stringify(tools));
    console.log(`tools/list: ${tokens} tokens (estimated, chars/4) for ${tools.length} tools`);
    expect(tokens).toBeLessThan(1500);
  });

  it('find_definition: a class, a member by Container.member, with 1-based lines and the body', async () => {
    const square = await call('find_definition', { name: 'Square' });
    expect(square.isError).toBeFalsy();
    expect(square.structuredContent!.results[0]).toMatchObject({ path: 'src/geometry/shapes.ts', startLine: 2, endLine: 9, kind: 'class' });
    expect(text(square)).toContain('src/geometry/shapes.ts:2-9 class Square');
    const area = await call('find_definition', { name: 'Square.area' });
    expect(area.structuredContent!.results).toHaveLength(1);
    expect(area.structuredContent!.results[0]).toMatchObject({ path: 'src/geometry/shapes.ts', startLine: 6, endLine: 8, name: 'Square.area' });
    expect(text(area)).toContain('return this.side * this.side;');
  });

  it('find_definition of an unknown name is an error that offers the closest names', async () => {
    const r = await call('find_definition', { name: 'totalAria' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/No definition of "totalAria".*Closest names: .*totalArea/);
  });

  it('find_references: every file that uses a name, the defining file first, lines 1-based', async () => {
    const r = await call('find_references', { name: 'totalArea' });
    expect(r.isError).toBeFalsy();
    const files = r.structuredContent!.results.map((x) => x.path);
    expect(files[0]).toBe('src/geometry/shapes.ts');
    expect(new Set(files)).toEqual(new Set(['src/geometry/shapes.ts', 'src/app.ts', 'src/report.ts', 'src/budget.ts']));
    const app = r.structuredContent!.results.find((x) => x.path === 'src/app.ts')!;
    expect(app.lines).toEqual([1, 5]);
    expect(text(r)).toMatch(/12: export function totalArea.*\[definition\]/);
  });

  it('outline: a file as a tree (methods under their class), a folder by file, an unknown path with the closest', async () => {
    const file = await call('outline', { path: 'src/geometry/shapes.ts' });
    const lines = text(file).split('\n');
    expect(lines.some((l) => /^2-9 class /.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}6-8 method area\(\)/.test(l))).toBe(true);
    expect(lines.some((l) => /^12-14 function /.test(l))).toBe(true);
    const folder = await call('outline', { path: 'src' });
    expect(folder.structuredContent!.results.map((x) => x.path)).toEqual(['src/app.ts', 'src/budget.ts', 'src/geometry/shapes.ts', 'src/net/retry.ts', 'src/report.ts']);
    const wrong = await call('outline', { path: 'src/geometry/shape.ts' });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toContain('src/geometry/shapes.ts');
    const outside = await call('outline', { path: '../../etc/passwd' });
    expect(outside.isError).toBe(true);
    expect(text(outside)).toMatch(/outside/);
  });

  it('context_for: the definitions a line uses from other files', async () => {
    const r = await call('context_for', { path: 'src/app.ts', line: 5, column: 3 });
    expect(r.isError).toBeFalsy();
    const found = r.structuredContent!.results.map((x) => `${x.path}:${x.startLine}`);
    expect(found).toContain('src/geometry/shapes.ts:12');
    expect(found.every((f) => !f.startsWith('src/app.ts'))).toBe(true);
    const past = await call('context_for', { path: 'src/app.ts', line: 400 });
    expect(past.isError).toBe(true);
    expect(text(past)).toContain('past its end');
  });

  it('search_code: a plain-language question finds the function it describes; a path glob narrows it', async () => {
    const r = await call('search_code', { query: 'retry a failing request with backoff' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent!.results[0]?.path).toBe('src/net/retry.ts');
    const narrowed = await call('search_code', { query: 'area', path: 'src/geometry/**' });
    expect(narrowed.structuredContent!.results.length).toBeGreaterThan(0);
    expect(narrowed.structuredContent!.results.every((x) => x.path.startsWith('src/geometry/'))).toBe(true);
  });

  it('keeps every answer within maxTokens and says when it cut', async () => {
    const small = await call('find_references', { name: 'totalArea', maxTokens: 100 });
    expect(estimateTokens.count(text(small))).toBeLessThanOrEqual(100);
    expect(small.structuredContent!.truncated).toBe(true);
    expect(text(small)).toContain('raise maxTokens');
    const whole = await call('find_references', { name: 'totalArea' });
    expect(whole.structuredContent!.truncated).toBe(false);
  });

  it('answers bad arguments and unknown tools with an error result, not a protocol failure', async () => {
    const missing = await call('find_definition', {});
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/Invalid arguments for find_definition/);
    const extra = await call('outline', { path: 'src', depth: 3 });
    expect(extra.isError).toBe(true);
    const unknown = await call('grep', { pattern: 'x' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('search_code');
  });

  it('says how far indexing is while a workspace is still indexing', async () => {
    const ws = served.daemon.workspaces()[0];
    const [was, indexedAt] = [ws.state, ws.lastIndexedAt];
    try {
      // A save being re-indexed is not "still indexing": the answer says nothing of it.
      ws.state = 'indexing';
      expect((await call('find_definition', { name: 'Square' })).structuredContent!.indexing).toBeUndefined();
      // The first index, still running.
      ws.lastIndexedAt = null;
      const r = await call('find_definition', { name: 'Square' });
      expect(r.structuredContent!.indexing).toEqual({ files: Object.keys(MCP_TREE).length });
      expect(text(r)).toMatch(/^Indexing is still running \(5 files indexed so far\)/);
    } finally {
      [ws.state, ws.lastIndexedAt] = [was, indexedAt];
    }
  });

  it('serves concurrent clients, and a client without a root sees every workspace', async () => {
    const others = await Promise.all([connect(), connect(), connect()]);
    try {
      const answers = await Promise.all(others.flatMap((c) => [call('find_definition', { name: 'withRetries' }, c), call('outline', { path: path.join(root, 'src/app.ts') }, c)]));
      for (const a of answers) expect(a.isError, text(a)).toBeFalsy();
      // Unscoped with one workspace registered: paths stay relative to it.
      expect(answers[0].structuredContent!.results[0].path).toBe('src/net/retry.ts');
    } finally {
      await Promise.all(others.map((c) => c.close()));
    }
  });

  it('refuses a request without the token, from a web page, or for a root that is not registered', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { accept: 'application/json, text/event-stream' };
    const noToken = await served.call('POST', '/mcp', { body: init, token: null, headers });
    expect(noToken.status).toBe(401);
    const page = await served.call('POST', '/mcp', { body: init, headers: { ...headers, origin: 'https://evil.example' } });
    expect(page.status).toBe(403);
    const unknownRoot = await served.call('POST', `/mcp?root=${encodeURIComponent(path.join(root, 'nope'))}`, { body: init, headers });
    expect(unknownRoot.status).toBe(404);
    const get = await served.call('GET', '/mcp', { headers });
    expect(get.status).toBe(405);
  });
});
