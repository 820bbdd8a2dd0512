/** Definitions inside Python function bodies: nested functions and classes. */
import type { LocalDefinitionRules } from '../language-support.js';

const PY_QUERY = `
(function_definition name: (identifier) @name) @def
(class_definition name: (identifier) @name) @def
`;

export const pythonLocalDefinitions: LocalDefinitionRules = {
  query: PY_QUERY,
  functionTypes: new Set(['function_definition']),
  kind: (def) => (def.type === 'class_definition' ? 'class' : 'function'),
};
