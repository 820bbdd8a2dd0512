/**
 * Definitions inside TypeScript and JavaScript function bodies: nested
 * named functions (fastify's `function inject () {}` inside
 * `function fastify () {}`) and `const`/`let` bindings of computed values.
 */
import type { LocalDefinitionRules } from '../language-support.js';

const JS_QUERY = `
(function_declaration name: (identifier) @name) @def
(generator_function_declaration name: (identifier) @name) @def
(lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value)) @def
(variable_declaration (variable_declarator name: (identifier) @name value: (_) @value)) @def
`;
/** Values worth a symbol: computed ones. `const i = 0` or `let s = ''` defines nothing anyone looks up. */
const TRIVIAL_VALUES = new Set(['number', 'string', 'true', 'false', 'null', 'undefined', 'identifier', 'template_string', 'array', 'regex', 'unary_expression', 'binary_expression', 'member_expression', 'subscript_expression', 'parenthesized_expression', 'ternary_expression']);
const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
/** Nodes that open a function body. */
const FUNCTION_NODES = new Set(['function_declaration', 'generator_function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition', 'generator_function']);

export const typescriptLocalDefinitions: LocalDefinitionRules = {
  query: JS_QUERY,
  functionTypes: FUNCTION_NODES,
  // An anonymous function assigned to a binding takes the binding's name.
  anonymousName: (fn) => (fn.parent?.type === 'variable_declarator' ? fn.parent.childForFieldName('name')?.text : undefined),
  kind(def, value) {
    if (def.type === 'lexical_declaration' || def.type === 'variable_declaration') {
      if (!value || TRIVIAL_VALUES.has(value.type)) return null;
      // `const x = require('y')`, `await import('y')`: an import binding, not a definition.
      if (/^(await\s+)?(require|import)\s*\(/.test(value.text)) return null;
      return FUNCTION_VALUES.has(value.type) ? 'function' : value.type === 'class' ? 'class' : 'local';
    }
    return 'function';
  },
};
