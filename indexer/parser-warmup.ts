/**
 * The tree-sitter runtime's hot code compiled by V8's optimising tier while a parse worker idles
 * at the daemon's start, instead of during a workspace's first index.
 *
 * The runtime (its parse loop, its query compiler and cursor) is one WebAssembly module for every
 * language, and V8 shares a module's compiled code between the threads of a process: a few parses
 * of a small built-in text (INI: languages.ts says why), and a query made and run over each, in
 * one worker tier it up for all of them. Left to the first index, V8's compile threads spent
 * 300-400 ms of CPU on it beside two busy parse workers (its parse loop alone 60-130 ms), while the
 * files before it ran on the baseline code. Each grammar's own lexer still tiers up on the first
 * files of its language.
 */
import { Query } from 'web-tree-sitter';
import { runtimeWarmUpParser } from './languages.js';

/** Parses of the sample: 10 were enough for V8 to tier up the runtime's parse loop, 20 leave a margin (about 60 ms). */
const ROUNDS = 20;

const SAMPLE_QUERY = '(setting (setting_name) @name (setting_value) @value) @def (section (section_name) @section)';

/** Settings under sections, comments between: every construct of the grammar, about 10 KB. */
function sampleText(): string {
  let text = '';
  for (let i = 0; i < 200; i++) text += `[section${i}]\nkey${i} = value ${i}\nother_${i}=${i * 7} ; note\n\n`;
  return text;
}

/**
 * Runs the warm-up, a round at a time, until it is done or `stop()` says real work arrived (the
 * worker takes its messages between rounds). Returns the rounds run; 0 when no INI grammar loads.
 */
export async function warmUpParserRuntime(stop: () => boolean): Promise<number> {
  const parser = await runtimeWarmUpParser();
  if (!parser?.language) return 0;
  const text = sampleText();
  let rounds = 0;
  while (rounds < ROUNDS && !stop()) {
    // A query made each round too: building one for a large grammar (TypeScript's local
    // definitions: 16-33 ms a worker) runs the runtime's query compiler, which tiers up as well.
    const query = new Query(parser.language, SAMPLE_QUERY);
    const tree = parser.parse(text);
    try {
      if (!tree) break;
      query.matches(tree.rootNode);
    } finally {
      tree?.delete();
      query.delete();
    }
    rounds++;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return rounds;
}
