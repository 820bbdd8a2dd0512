/**
 * Reads a config module as data, never running it: the source is parsed with
 * tree-sitter and its default export is evaluated from literals only —
 * strings, numbers, booleans, null, arrays, objects, template strings without
 * substitutions, `as const` / `satisfies`, unary minus, and the
 * `defineConfig(...)` wrapper. Anything else (a call, an identifier, a
 * spread, a getter, a computed key) is an issue naming its line, column and
 * key, and only that key is left out.
 *
 * ```ts
 * const { value, issues } = await readLiteralConfig('export default defineConfig({ index: { ignore: ["gen/**"] } })', 'cvu.config.ts');
 * // value = { index: { ignore: ['gen/**'] } }, issues = []
 * ```
 */
import { Parser, type Node } from 'web-tree-sitter';
import { bundledGrammarPath, loadGrammarFile } from '../core/tree-sitter.js';
import type { ConfigIssue } from '../protocol/api.js';

export type { ConfigIssue };


/** Where each key of the result was written (for issues found after reading, such as a refused key). */
export type KeyPositions = Map<string, { line: number; column: number }>;

export interface LiteralConfig {
  /** The default export's literal value; null when nothing could be read. */
  value: Record<string, unknown> | null;
  positions: KeyPositions;
  issues: ConfigIssue[];
}

/** Objects and arrays nest at most this deep: the config's shape is 3 levels, and a 100,000-level literal must cost nothing. */
const MAX_DEPTH = 16;
/** Keys that would reach an object's prototype when merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** The typing helpers a config may wrap its object in; they do nothing at run time. */
const WRAPPERS = new Set(['defineConfig', 'defineUserConfig']);
/** Wrappers of an expression that only speak to the type checker. */
const TYPE_ONLY = new Set(['as_expression', 'satisfies_expression', 'parenthesized_expression', 'non_null_expression']);
/** Top-level statements that are fine to leave unread: they declare types or import, and nothing here runs them. */
const HARMLESS_STATEMENTS = new Set(['import_statement', 'comment', 'empty_statement', 'type_alias_declaration', 'interface_declaration', 'hash_bang_line']);

let parser: Promise<Parser> | null = null;

function typescriptParser(): Promise<Parser> {
  parser ??= (async () => {
    const wasm = bundledGrammarPath('tree-sitter-typescript.wasm');
    if (!wasm) throw new Error('the TypeScript grammar (@vscode/tree-sitter-wasm) is not installed');
    const grammar = await loadGrammarFile(wasm);
    const p = new Parser();
    p.setLanguage(grammar);
    return p;
  })();
  parser.catch(() => (parser = null));
  return parser;
}

class Unreadable extends Error {
  constructor(readonly node: Node, message: string) {
    super(message);
  }
}

/**
 * Evaluates the default export of `source` (TypeScript or JavaScript) or,
 * with `json`, the whole of it as one value. `file` names the source in issues.
 */
export async function readLiteralConfig(source: string, file: string, opts: { json?: boolean } = {}): Promise<LiteralConfig> {
  // JSON is a JavaScript expression: read it as one, and take the prefix off the first line's columns.
  const prefix = opts.json ? 'export default ' : '';
  const text = prefix + source;
  const lines = text.split('\n');
  const issues: ConfigIssue[] = [];
  const positions: KeyPositions = new Map();
  const at = (node: Node) => {
    const { row, column } = node.startPosition;
    // tree-sitter counts bytes; editors count characters.
    const chars = Buffer.from(lines[row] ?? '', 'utf8').subarray(0, column).toString('utf8').length;
    return { line: row + 1, column: Math.max(1, chars + 1 - (row === 0 ? prefix.length : 0)) };
  };
  const issue = (node: Node | null, key: string, message: string) => issues.push({ file, ...(node ? at(node) : { line: 0, column: 0 }), key, message });

  const p = await typescriptParser();
  const tree = p.parse(text);
  if (!tree) {
    issue(null, '', 'could not be parsed');
    return { value: null, positions, issues };
  }
  try {
    let value: Record<string, unknown> | null = null;
    let exported = false;
    for (const statement of tree.rootNode.children) {
      if (!statement) continue;
      const expr = exportedExpression(statement);
      if (expr === undefined) {
        if (HARMLESS_STATEMENTS.has(statement.type)) continue;
        if (statement.type === 'expression_statement' && statement.firstNamedChild?.type === 'string') continue; // 'use strict'
        issue(statement, '', statement.type === 'ERROR' || statement.hasError ? 'syntax error' : `this ${describe(statement)} is not read: a workspace config is data, read without running it; only imports and \`export default\` count`);
        continue;
      }
      if (exported) {
        issue(statement, '', 'a second default export is not read');
        continue;
      }
      exported = true;
      if (!expr) {
        issue(statement, '', 'syntax error: `export default` has no value');
        continue;
      }
      try {
        const root = unwrapRoot(expr);
        if (root.type !== 'object') throw new Unreadable(root, `the default export must be an object literal (or defineConfig({...})), not ${describe(root)}`);
        value = evaluateObject(root, '', 0, { issue, positions, at });
      } catch (err) {
        if (!(err instanceof Unreadable)) throw err;
        issue(err.node, '', err.message);
      }
    }
    if (!exported) issue(null, '', opts.json ? 'no value found' : 'no `export default` found: nothing was read');
    // An error tree-sitter recovered from without leaving it in a key that was read (a missing bracket after the object).
    if (tree.rootNode.hasError && !issues.some((i) => i.message.startsWith('syntax error'))) issue(firstError(tree.rootNode), '', 'syntax error');
    return { value, positions, issues };
  } finally {
    tree.delete();
  }
}

/** The expression a statement exports as the config (`export default X`, `module.exports = X`); null for an export with no value; undefined for any other statement. */
function exportedExpression(statement: Node): Node | null | undefined {
  if (statement.type === 'export_statement' && statement.children.some((c) => c?.type === 'default')) {
    return statement.childForFieldName('value') ?? statement.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
  }
  if (statement.type === 'expression_statement') {
    const e = statement.firstNamedChild;
    if (e?.type === 'assignment_expression' && e.childForFieldName('left')?.text === 'module.exports') return e.childForFieldName('right');
  }
  return undefined;
}

/** `defineConfig({...})`, `({...}) as const`, `{...} satisfies UserConfig` → the object literal. */
function unwrapRoot(node: Node): Node {
  let n = unwrapTypes(node);
  if (n.type === 'call_expression') {
    const fn = n.childForFieldName('function');
    const args = n.childForFieldName('arguments')?.namedChildren.filter((c) => c && c.type !== 'comment') ?? [];
    if (!fn || fn.type !== 'identifier' || !WRAPPERS.has(fn.text)) throw new Unreadable(n, `${describe(n)} is not run: a workspace config is data (only defineConfig({...}) is understood)`);
    if (args.length !== 1 || !args[0]) throw new Unreadable(n, `${fn.text}() takes one object literal`);
    n = unwrapTypes(args[0]);
  }
  return n;
}

function unwrapTypes(node: Node): Node {
  let n = node;
  while (TYPE_ONLY.has(n.type)) {
    const inner = n.namedChildren.find((c) => c && c.type !== 'comment');
    if (!inner) break;
    n = inner;
  }
  return n;
}

interface Ctx {
  issue(node: Node | null, key: string, message: string): void;
  positions: KeyPositions;
  at(node: Node): { line: number; column: number };
}

/** An object literal's readable keys; each unreadable key is an issue and is left out. */
function evaluateObject(node: Node, key: string, depth: number, ctx: Ctx): Record<string, unknown> {
  if (depth >= MAX_DEPTH) throw new Unreadable(node, `nested deeper than ${MAX_DEPTH} levels`);
  const out: Record<string, unknown> = {};
  for (const member of node.namedChildren) {
    if (!member || member.type === 'comment') continue;
    if (member.type !== 'pair') {
      ctx.issue(member, key, `${describe(member)} is not a literal key: value pair (a workspace config is read, not run)`);
      continue;
    }
    if (member.hasError) {
      // Recovery may have dropped or invented part of this value: leave the key out rather than guess.
      const name = member.childForFieldName('key');
      ctx.issue(firstError(member), name ? `${key ? `${key}.` : ''}${name.text.replace(/^['"]|['"]$/g, '')}` : key, 'syntax error');
      continue;
    }
    const keyNode = member.childForFieldName('key');
    const valueNode = member.childForFieldName('value');
    let name: string;
    try {
      if (!keyNode || !valueNode) throw new Unreadable(member, 'syntax error');
      name = keyName(keyNode);
    } catch (err) {
      if (!(err instanceof Unreadable)) throw err;
      ctx.issue(err.node, key, err.message);
      continue;
    }
    const sub = key ? `${key}.${name}` : name;
    if (FORBIDDEN_KEYS.has(name)) {
      ctx.issue(keyNode, sub, 'this key name is not allowed');
      continue;
    }
    ctx.positions.set(sub, ctx.at(keyNode));
    try {
      out[name] = evaluate(valueNode, sub, depth + 1, ctx);
    } catch (err) {
      if (!(err instanceof Unreadable)) throw err;
      ctx.issue(err.node, sub, err.message);
    }
  }
  return out;
}

/** The first ERROR or missing node under `node`, walked without recursion (a tree may be 100,000 levels deep). */
function firstError(node: Node): Node {
  const cursor = node.walk();
  try {
    for (;;) {
      const n = cursor.currentNode;
      if (n.type === 'ERROR' || n.isMissing) return n;
      if (n.hasError && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return node;
      }
    }
  } finally {
    cursor.delete();
  }
}

function keyName(node: Node): string {
  switch (node.type) {
    case 'property_identifier':
      return node.text;
    case 'string':
      return stringValue(node);
    case 'number':
      return String(numberValue(node));
    default:
      throw new Unreadable(node, `${describe(node)} is not a literal key`);
  }
}

function evaluate(node: Node, key: string, depth: number, ctx: Ctx): unknown {
  const n = unwrapTypes(node);
  if (n.isMissing || n.type === 'ERROR') throw new Unreadable(n, 'syntax error');
  switch (n.type) {
    case 'string':
      return stringValue(n);
    case 'template_string':
      return templateValue(n);
    case 'number':
      return numberValue(n);
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'unary_expression': {
      const op = n.childForFieldName('operator')?.text ?? n.firstChild?.text;
      const arg = n.childForFieldName('argument');
      if (op !== '-' || !arg || unwrapTypes(arg).type !== 'number') throw new Unreadable(n, `${describe(n)} is not a literal (only a minus before a number is)`);
      return -numberValue(unwrapTypes(arg));
    }
    case 'object': {
      // A bad key inside an object nested in the config is dropped with the rest of that object's good keys kept.
      return evaluateObject(n, key, depth, ctx);
    }
    case 'array': {
      if (depth >= MAX_DEPTH) throw new Unreadable(n, `nested deeper than ${MAX_DEPTH} levels`);
      // One unreadable element drops the whole list: a list missing one entry (an ignore pattern) means something else.
      return n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment').map((c) => {
        if (c.type === 'spread_element') throw new Unreadable(c, 'a spread (...) is not a literal');
        return evaluate(c, key, depth + 1, ctx);
      });
    }
    default:
      throw new Unreadable(n, `${describe(n)} is not a literal (a workspace config is read, not run)`);
  }
}

function numberValue(node: Node): number {
  const t = node.text.replace(/_/g, '');
  if (/n$/.test(t)) throw new Unreadable(node, 'a BigInt is not a config value');
  // Number() reads decimal, 0x, 0o and 0b forms; a legacy octal (017) is not JavaScript's Number syntax and is refused.
  const v = /^0\d/.test(t) ? NaN : Number(t);
  if (!Number.isFinite(v)) throw new Unreadable(node, `${node.text} is not a finite number`);
  return v;
}

function stringValue(node: Node): string {
  let out = '';
  for (const part of node.namedChildren) {
    if (!part) continue;
    if (part.type === 'string_fragment') out += part.text;
    else if (part.type === 'escape_sequence') out += unescape(part);
    else if (part.type !== 'comment') throw new Unreadable(part, 'syntax error in a string');
  }
  return out;
}

function templateValue(node: Node): string {
  let out = '';
  for (const part of node.namedChildren) {
    if (!part) continue;
    if (part.type === 'template_substitution') throw new Unreadable(part, 'a template string with ${…} is not a literal');
    if (part.type === 'string_fragment') out += part.text;
    else if (part.type === 'escape_sequence') out += unescape(part);
    else throw new Unreadable(part, 'syntax error in a template string');
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

function unescape(node: Node): string {
  const body = node.text.slice(1);
  if (body in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[body];
  if (/^x[0-9a-fA-F]{2}$/.test(body)) return String.fromCharCode(parseInt(body.slice(1), 16));
  if (/^u[0-9a-fA-F]{4}$/.test(body)) return String.fromCharCode(parseInt(body.slice(1), 16));
  const braced = /^u\{([0-9a-fA-F]{1,6})\}$/.exec(body);
  if (braced) {
    const cp = parseInt(braced[1], 16);
    if (cp > 0x10ffff) throw new Unreadable(node, `${node.text} is not a code point`);
    return String.fromCodePoint(cp);
  }
  if (/^(\r\n|\n|\r|\u2028|\u2029)$/.test(body)) return ''; // a line continuation
  if (body.length === 1 && !/[0-9xu]/.test(body)) return body; // \' \" \\ \` and identity escapes
  throw new Unreadable(node, `${node.text} is not a supported escape`);
}

/** A short name for a node in an issue: `a call (fs.writeFileSync(…))`. */
function describe(node: Node): string {
  const snippet = node.text.length > 40 ? `${node.text.slice(0, 37).replace(/\s+/g, ' ')}…` : node.text.replace(/\s+/g, ' ');
  const kinds: Record<string, string> = {
    call_expression: 'a call',
    new_expression: 'a constructor call',
    identifier: 'an identifier',
    shorthand_property_identifier: 'a shorthand property (an identifier)',
    spread_element: 'a spread (...)',
    method_definition: /^\s*(get|set)\b/.test(node.text) ? 'a getter or setter' : 'a method',
    computed_property_name: 'a computed key',
    member_expression: 'a property access',
    await_expression: 'an await',
    arrow_function: 'a function',
    function_expression: 'a function',
    binary_expression: 'an expression',
    template_string: 'a template string',
    import: 'an import()',
    lexical_declaration: 'declaration',
    variable_declaration: 'declaration',
    expression_statement: 'statement',
    function_declaration: 'function declaration',
    class_declaration: 'class declaration',
  };
  const kind = kinds[node.type] ?? node.type.replace(/_/g, ' ');
  return `${kind} (${snippet})`;
}
