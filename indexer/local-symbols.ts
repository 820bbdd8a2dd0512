/**
 * Definitions inside function bodies: nested named functions (fastify's
 * `function inject () {}` inside `function fastify () {}`), and `const`/`let`
 * bindings of computed values. The declaration classifiers in symbols.ts stop
 * at function bodies; these are found with tree-sitter queries instead.
 *
 * They go into the symbol table with kind 'function'/'class' (nested
 * definitions are real API) or 'local' (a binding: retrieval ranks these low,
 * but a name bound once in the whole code base usually means one concept).
 */
import { Query, type Language, type Node } from 'web-tree-sitter';
import type { SymbolDef } from './chunker.js';
import type { LanguageId } from './languages.js';

const JS_QUERY = `
(function_declaration name: (identifier) @name) @def
(generator_function_declaration name: (identifier) @name) @def
(lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value)) @def
(variable_declaration (variable_declarator name: (identifier) @name value: (_) @value)) @def
`;
const PY_QUERY = `
(function_definition name: (identifier) @name) @def
(class_definition name: (identifier) @name) @def
`;

const QUERIES: Partial<Record<LanguageId, string>> = { typescript: JS_QUERY, tsx: JS_QUERY, javascript: JS_QUERY, python: PY_QUERY };

/** Values worth a symbol: computed ones. `const i = 0` or `let s = ''` defines nothing anyone looks up. */
const TRIVIAL_VALUES = new Set(['number', 'string', 'true', 'false', 'null', 'undefined', 'identifier', 'template_string', 'array', 'regex', 'unary_expression', 'binary_expression', 'member_expression', 'subscript_expression', 'parenthesized_expression', 'ternary_expression']);
const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
const FUNCTION_NODES = new Set(['function_declaration', 'generator_function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition', 'generator_function', 'function_definition']);
/** A file with more than this many local definitions keeps the first ones: generated code must not flood the table. */
const MAX_LOCALS = 1000;

const cache = new WeakMap<Language, Query | null>();

function queryFor(lang: LanguageId, language: Language): Query | null {
  if (cache.has(language)) return cache.get(language)!;
  const src = QUERIES[lang];
  let q: Query | null = null;
  if (src) {
    try {
      q = new Query(language, src);
    } catch {
      q = null;
    }
  }
  cache.set(language, q);
  return q;
}

/** The name of the nearest enclosing function, or null at file, class or namespace level. */
function enclosingFunction(n: Node): string | null {
  for (let p = n.parent; p; p = p.parent) {
    if (FUNCTION_NODES.has(p.type)) {
      const name = p.childForFieldName('name');
      if (name) return name.text;
      // An anonymous function assigned to a binding takes the binding's name.
      const decl = p.parent?.type === 'variable_declarator' ? p.parent.childForFieldName('name') : null;
      return decl?.text ?? '(anonymous)';
    }
  }
  return null;
}

export function extractLocalSymbols(root: Node, lang: LanguageId, path: string, known: readonly SymbolDef[]): SymbolDef[] {
  const q = queryFor(lang, root.tree.language);
  if (!q) return [];
  const seen = new Set(known.map((s) => `${s.name}:${s.startLine}`));
  const out: SymbolDef[] = [];
  for (const m of q.matches(root)) {
    if (out.length >= MAX_LOCALS) break;
    const nameNode = m.captures.find((c) => c.name === 'name')?.node;
    const def = m.captures.find((c) => c.name === 'def')?.node;
    const value = m.captures.find((c) => c.name === 'value')?.node ?? null;
    if (!nameNode || !def) continue;
    const container = enclosingFunction(def);
    if (container === null) continue; // file or class level: symbols.ts has it
    const name = nameNode.text;
    const startLine = def.startPosition.row + 1;
    if (seen.has(`${name}:${startLine}`)) continue;
    let kind: string;
    if (def.type === 'lexical_declaration' || def.type === 'variable_declaration') {
      if (!value || TRIVIAL_VALUES.has(value.type)) continue;
      // `const x = require('y')`, `await import('y')`: an import binding, not a definition.
      if (/^(await\s+)?(require|import)\s*\(/.test(value.text)) continue;
      kind = FUNCTION_VALUES.has(value.type) ? 'function' : value.type === 'class' ? 'class' : 'local';
    } else {
      kind = def.type === 'class_definition' ? 'class' : 'function';
    }
    seen.add(`${name}:${startLine}`);
    const firstLine = def.text.split('\n', 1)[0];
    out.push({
      name, kind, path, startLine, endLine: def.endPosition.row + 1, container,
      signature: firstLine.trim().slice(0, 200), exported: false,
    });
  }
  return out;
}
