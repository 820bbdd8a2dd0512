/**
 * Whether a task's definition is a function's local variable, which no other file can use.
 *
 * The v2 engine (../shared/bench/ccbench.mjs) takes every TS `const x = f()` and `const x = {…}`
 * as a definition, at any depth. So a task can ask for the local `const path = normalizePath(…)`
 * inside some function as the definition of `r.path` in an unrelated file, because no other
 * `path` matched the engine's queries: that task's ground truth is not what the line needs, and no
 * retriever should rank a stranger's local first. (A function nested in a function is another
 * matter: a factory's `function inject() {…}` is what `app.inject()` calls, so it counts.) The
 * report counts these tasks and gives recall without them beside the full figures; the headline
 * keeps them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { languageForPath, parserFor } from '../indexer/languages.js';

const FUNCTION_NODES = new Set(['function_declaration', 'function_expression', 'function', 'generator_function_declaration', 'generator_function', 'arrow_function', 'method_definition']);
const DECLARATIONS = new Set(['lexical_declaration', 'variable_declaration']);
/** A declared value that is itself callable or a class: reachable through what the function returns. */
const CALLABLE_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function', 'class']);
const JS_FILE = /\.(?:[mc]?[jt]sx?)$/;

/**
 * True when the definition starting at `line` (1-based) of `file` is a JS/TS variable declared
 * inside a function body whose value is data (a call's result, an object), not a function or a
 * class. Files that cannot be read or parsed count as not.
 */
export async function functionLocalData(root: string, file: string, line: number, trees = new Map<string, Node | null>()): Promise<boolean> {
  if (!JS_FILE.test(file)) return false;
  let tree = trees.get(file);
  if (tree === undefined) {
    tree = null;
    try {
      const parser = await parserFor(languageForPath(file));
      tree = parser?.parse(fs.readFileSync(path.join(root, file), 'utf8'))?.rootNode ?? null;
    } catch {
      tree = null;
    }
    trees.set(file, tree);
  }
  if (!tree) return false;
  const declaration = declarationOn(tree, line - 1);
  if (!declaration) return false;
  const values = declaration.namedChildren.filter((c) => c?.type === 'variable_declarator').map((d) => d!.childForFieldName('value')?.type);
  if (values.some((v) => v && CALLABLE_VALUES.has(v))) return false;
  for (let n = declaration.parent; n; n = n.parent) if (FUNCTION_NODES.has(n.type)) return true;
  return false;
}

/** The variable declaration that starts on a row, if one does. */
function declarationOn(root: Node, row: number): Node | null {
  const text = root.text.split('\n', row + 1)[row] ?? '';
  let node: Node | null = root.descendantForPosition({ row, column: /^\s*/.exec(text)![0].length });
  for (; node && node.startPosition.row === row; node = node.parent) if (DECLARATIONS.has(node.type)) return node;
  return null;
}
