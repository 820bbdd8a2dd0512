/**
 * An MCP server over the tools (mcp/tools.ts), for any transport: the daemon serves it as
 * Streamable HTTP at /mcp, and `cvu mcp` relays stdio to that. The low-level SDK server is used
 * because the tools' schemas are JSON Schema already (protocol/mcp-tools.ts), not zod.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../core/version.js';
import { MCP_TOOLS } from '../protocol/mcp-tools.js';
import { callTool, type ToolWorkspaces } from './tools.js';

/** Said once at initialisation: what the server is for, so an agent picks its tools over grep. */
const INSTRUCTIONS = 'Cvu: a live index of this codebase (definitions, references, search, cursor context). Lines are 1-based.';

/** `tools/list`'s answer, made once: the daemon makes a server per request (stateless /mcp). */
const TOOL_LIST = MCP_TOOLS.map((t) => ({ name: t.name, description: t.description, inputSchema: plain(t.inputSchema), outputSchema: plain(t.outputSchema) }));

/** A new MCP server answering from `workspaces`; connect it to one transport. */
export function createMcpServer(workspaces: ToolWorkspaces): Server {
  const server = new Server({ name: 'cvu', version: VERSION }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOL_LIST }));
  server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => (await callTool(req.params.name, req.params.arguments, workspaces)) as CallToolResult);
  return server;
}

/** A schema as plain JSON (TypeBox keeps symbols on its objects). */
function plain<T>(schema: T): T & { type: 'object' } {
  return JSON.parse(JSON.stringify(schema)) as T & { type: 'object' };
}
