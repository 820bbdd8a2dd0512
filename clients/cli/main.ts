import { CvuError, isCvuError } from '../../core/errors.js';
import type { CommandIO } from './io.js';

const USAGE = `cvu — a local, repo-aware code assistant

usage:
  cvu index [DIR] [--json] [--no-embed]   index a workspace in the foreground (in-process)
  cvu search "QUERY" [--limit N] [--json] ranked snippets (full-text, symbols, vectors)
  cvu context PATH:LINE[:COL] [--budget N] [--json]
                                          the context a completion there would get
  cvu complete PATH:LINE[:COL] [--max-tokens N] [--json]
                                          the inline completion there (no column: the line end)
  cvu explain PATH[:START[-END]] ["QUESTION"] [--max-tokens N] [--json]
                                          streamed explanation with cross-file context and sources
  cvu refactor PATH:START-END ["INSTRUCTION"] [--apply [--force]] [--max-tokens N] [--json]
                                          the proposed change as a unified diff; --apply writes it
  cvu ask "QUESTION" [--limit N] [--max-tokens N] [--json]
                                          streamed answer from the codebase with path:start-end citations
                                          (no model: the most relevant code locations)
  cvu mcp                                 MCP server on stdio for coding agents (search_code, find_definition,
                                          find_references, context_for, outline) over the daemon's live index
  cvu status [--json]                     daemon, index and model state
  cvu daemon start [--port N] [--foreground] | stop | status
                                          the background daemon (other commands start it)
  cvu models list | pull [NAME|URI|PATH] | rm NAME | bench [--threads N]
                                          generation models: catalogue, download, speed

positions are 1-based, as compilers print them (path:line:col)

every command takes --root DIR (default: the enclosing git root, else the current folder)`;

type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** Loaded on use, so that a command pays only for its own imports. */
const commands: Record<string, () => Promise<Command>> = {
  index: async () => (await import('./commands/index-cmd.js')).indexCommand,
  search: async () => (await import('./commands/search-cmd.js')).searchCommand,
  status: async () => (await import('./commands/status-cmd.js')).statusCommand,
  context: async () => (await import('./commands/context-cmd.js')).contextCommand,
  complete: async () => (await import('./commands/complete-cmd.js')).completeCommand,
  explain: async () => (await import('./commands/explain-cmd.js')).explainCommand,
  refactor: async () => (await import('./commands/refactor-cmd.js')).refactorCommand,
  ask: async () => (await import('./commands/ask-cmd.js')).askCommand,
  daemon: async () => (await import('./commands/daemon-cmd.js')).daemonCommand,
  models: async () => (await import('./commands/models-cmd.js')).modelsCommand,
  mcp: async () => (await import('./commands/mcp-cmd.js')).mcpCommand,
};

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out((await import('../../core/version.js')).VERSION);
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    io.err(`cvu: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (err) {
    if (isCvuError(err, 'CVU_ERR_USAGE')) {
      io.err(`cvu ${name}: ${err.message}`);
      return 2;
    }
    const code = err instanceof CvuError ? err.code : 'CVU_ERR_INTERNAL';
    io.err(`cvu ${name}: ${(err as Error).message} [${code}]`);
    if (process.env.CVU_DEBUG) io.err(String((err as Error).stack));
    return 1;
  }
}

// `cvu search … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

export const processIO: CommandIO = {
  cwd: process.cwd(),
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  write: (text) => process.stdout.write(text),
};
