import { CvuError, isCvuError } from '../../core/errors.js';
import type { CommandIO } from './io.js';
import { indexCommand } from './commands/index-cmd.js';
import { searchCommand } from './commands/search-cmd.js';
import { statusCommand } from './commands/status-cmd.js';

const USAGE = `cvu — a local, repo-aware code assistant

usage:
  cvu index [DIR] [--json] [--no-embed]   index a workspace in the foreground
  cvu search "QUERY" [--limit N] [--json] ranked snippets (full-text, symbols, vectors)
  cvu status [--json]                     index and model state

every command takes --root DIR (default: the enclosing git root, else the current folder)`;

const commands: Record<string, (argv: string[], io: CommandIO) => Promise<number>> = {
  index: indexCommand,
  search: searchCommand,
  status: statusCommand,
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
  const command = commands[name];
  if (!command) {
    io.err(`cvu: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
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

export const processIO: CommandIO = {
  cwd: process.cwd(),
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};
