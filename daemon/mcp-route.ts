/**
 * MCP over Streamable HTTP at `/mcp` (API.md, MCP), behind the same Host, Origin and token checks as
 * every route (the server's onRequest hook runs first). Stateless: each POST gets a fresh MCP server
 * and transport, answered as JSON, so concurrent agents share nothing but the daemon's index and
 * nothing lingers after a request. `?root=DIR` scopes a session to one registered workspace (what
 * `cvu mcp --root DIR` asks for); without it, names are looked up in every registered workspace.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../core/log.js';
import { createMcpServer } from '../mcp/server.js';
import type { ToolWorkspaces } from '../mcp/tools.js';
import type { Daemon } from './daemon.js';

export function registerMcpRoute(app: FastifyInstance, daemon: Daemon, log: Logger): void {
  app.post<{ Querystring: { root?: string } }>('/mcp', async (request, reply) => {
    // Resolved before the reply is taken over, so that an unknown root is the daemon's usual 404.
    const workspaces = toolWorkspaces(daemon, request.query.root);
    const server = createMcpServer(workspaces);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (err) {
      log.error(`POST /mcp failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null }));
    }
  });
  // Stateless: no server-to-client stream to open (GET) and no session to end (DELETE).
  const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.code(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST requests only' }, id: null });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
}

/** The tools' view of the daemon: one workspace when the session names a root, else all of them. */
function toolWorkspaces(daemon: Daemon, root: string | undefined): ToolWorkspaces {
  const scoped = root ? daemon.workspaceAt(root) : null;
  return {
    list: () => (scoped ? [scoped] : daemon.workspaces()),
    resolve: (p) => {
      const r = daemon.resolvePath(scoped && !path.isAbsolute(p) ? path.join(scoped.root, p) : p);
      return { ws: r.ws, rel: r.rel };
    },
    savesLanded: (ws) => daemon.savesLanded(ws),
  };
}
