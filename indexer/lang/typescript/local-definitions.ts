/**
 * Definitions inside TypeScript and JavaScript function bodies: nested
 * named functions (fastify's `function inject () {}` inside
 * `function fastify () {}`) and `const`/`let` bindings of computed values;
 * and the methods of objects wherever they are built (object literals'
 * shorthand methods, `this.x = function`, `obj.x = function`).
 */
import type { LocalDefinitionRules } from '../language-support.js';
import { assignedMethod } from './object-members.js';

const JS_QUERY = `
(function_declaration name: (identifier) @name) @def
(generator_function_declaration name: (identifier) @name) @def
(lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value)) @def
(variable_declaration (variable_declarator name: (identifier) @name value: (_) @value)) @def
(object (method_definition name: (property_identifier) @name) @def)
(expression_statement (assignment_expression left: (member_expression property: (property_identifier) @name) right: [(function_expression) (arrow_function)] @value)) @def
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
  // An object literal's method is the object's: named by the binding, key or assignment it is the
  // value of (`const api = { validate() {} }`); `this.send = function` in a constructor function is
  // that function's; `fastify.decorate = function` the object's. (A key's function value, `check:
  // function () {}` or an arrow, stays out: an option's callback as often as a method, and on the
  // tuning draw fastify's `route: function _route` crowded out the lib/route.js its calls lead to.)
  owner(def, enclosing) {
    if (def.type === 'expression_statement') {
      const left = def.namedChild(0)?.childForFieldName('left');
      if (!left) return null;
      // (`module.exports = function x` and `exports.x = …` are the module's own: symbols.ts names them.)
      return left.childForFieldName('object')?.type === 'this' ? enclosing() : (assignedMethod(left.text)?.container ?? null);
    }
    if (def.type !== 'method_definition') return undefined;
    const holder = def.parent?.parent;
    if (!holder) return null;
    if (holder.type === 'variable_declarator') return holder.childForFieldName('name')?.text ?? null;
    if (holder.type === 'pair') return holder.childForFieldName('key')?.text.replace(/^['"]|['"]$/g, '') ?? null;
    if (holder.type === 'assignment_expression') return holder.childForFieldName('left')?.text.match(/([A-Za-z_$][\w$]*)$/)?.[1] ?? null;
    // Returned, passed or spread: the function that builds it.
    return enclosing();
  },
  kind(def, value) {
    if (def.type === 'method_definition' || def.type === 'expression_statement') return 'method';
    if (def.type === 'lexical_declaration' || def.type === 'variable_declaration') {
      if (!value || TRIVIAL_VALUES.has(value.type)) return null;
      // `const x = require('y')`, `await import('y')`: an import binding, not a definition.
      if (/^(await\s+)?(require|import)\s*\(/.test(value.text)) return null;
      return FUNCTION_VALUES.has(value.type) ? 'function' : value.type === 'class' ? 'class' : 'local';
    }
    return 'function';
  },
};
