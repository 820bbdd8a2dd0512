import fs from 'node:fs';
import type { Snippet } from '../daemon-client.js';
import type { CommandIO } from './io.js';

/**
 * Prints a streamed answer: each token as it comes when the output can take
 * partial lines (`io.write`), else the whole text once it is done.
 */
export function answerPrinter(io: CommandIO): { onToken: (text: string) => void; finish: () => void } {
  let text = '';
  return {
    onToken: (chunk) => {
      text += chunk;
      io.write?.(chunk);
    },
    finish: () => {
      if (!io.write) {
        if (text) io.out(text.replace(/\n$/, ''));
      } else if (text && !text.endsWith('\n')) io.write('\n');
    },
  };
}

/** `path:start-end` lines, as compilers and editors link them. */
export function printSources(io: CommandIO, sources: Snippet[], heading = 'sources:'): void {
  if (!sources.length) return;
  io.out('');
  io.out(heading);
  for (const s of sources) io.out(`  ${s.path}:${s.startLine}-${s.endLine}${s.symbol ? `  ${s.symbol}` : ''}`);
}

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
