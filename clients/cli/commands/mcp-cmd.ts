import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../../../core/version.js';
import { connectWorkspace, type WorkspaceConnection } from '../../daemon-discovery.js';
import { parse, resolveRoot } from '../args.js';
import type { CommandIO } from '../io.js';

/**
 * `cvu mcp [--root DIR]`: MCP on stdio for a coding agent, relayed to the daemon's `/mcp` scoped to
 * the root, so that the agent and the editor share one live index and one memory budget. It
 * registers the root without waiting for the index (tools answer from what is indexed and say how
 * far it is) and, when the daemon goes away, starts it again on the next call.
 */
export async function mcpCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parse(argv, {});
  const root = resolveRoot(values.root, io.cwd);
  const upstream = new DaemonMcp(root);
  await upstream.client(); // fail now, on the command line, if the daemon cannot be reached or started
  const server = new Server({ name: 'cvu', version: VERSION }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => upstream.call((c) => c.listTools()));
  server.setRequestHandler(CallToolRequestSchema, async (req) => upstream.call((c) => c.callTool(req.params) as Promise<CallToolResult>));
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  await server.connect(new StdioServerTransport());
  io.err(`cvu mcp: serving ${root} on stdio (daemon on port ${upstream.port})`);
  await closed;
  await upstream.close();
  return 0;
}

/** The daemon's MCP endpoint for one root, reconnected (and the daemon restarted) when a call cannot reach it. */
class DaemonMcp {
  private current: { conn: WorkspaceConnection; client: Client } | null = null;

  constructor(private readonly root: string) {}

  get port(): number | undefined {
    return this.current?.conn.info.port;
  }

  async client(): Promise<Client> {
    if (this.current) return this.current.client;
    const conn = await connectWorkspace(this.root, { clientId: `mcp-${process.pid}` });
    const url = new URL(`${conn.client.baseUrl}/mcp`);
    url.searchParams.set('root', conn.root);
    const client = new Client({ name: 'cvu-mcp-stdio', version: VERSION });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${conn.info.token}` } } }));
    this.current = { conn, client };
    return client;
  }

  /** One upstream call; a connection failure (the daemon stopped or moved) reconnects once and retries. */
  async call<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.client());
    } catch (err) {
      if (!isConnectionFailure(err)) throw err;
      await this.close();
      return fn(await this.client());
    }
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = null;
    await c?.client.close().catch(() => {});
  }
}

/** fetch's own failure (refused, reset), not an answer from the daemon. */
function isConnectionFailure(err: unknown): boolean {
  const e = err as { cause?: { code?: string }; message?: string };
  return err instanceof TypeError || /ECONNREFUSED|ECONNRESET|fetch failed|socket hang up/i.test(`${e?.message ?? ''} ${e?.cause?.code ?? ''}`);
}
