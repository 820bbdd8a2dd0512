/** Definitions inside Rust function bodies: nested functions (a test's helpers) and the types declared there. */
import type { LocalDefinitionRules } from '../language-support.js';

const RS_QUERY = `
(function_item name: (identifier) @name) @def
(struct_item name: (type_identifier) @name) @def
(enum_item name: (type_identifier) @name) @def
`;

export const rustLocalDefinitions: LocalDefinitionRules = {
  query: RS_QUERY,
  functionTypes: new Set(['function_item', 'closure_expression']),
  kind: (def) => (def.type === 'function_item' ? 'function' : def.type === 'struct_item' ? 'struct' : 'enum'),
};
