/**
 * Definitions inside Java method bodies and anonymous classes: local classes and their methods, and
 * the methods an anonymous class (`new Runnable() { public void run() {…} }`) implements, which are
 * that type's (its container is the type it instantiates), at field level too.
 */
import type { LocalDefinitionRules } from '../language-support.js';

const JAVA_QUERY = `
(class_declaration name: (identifier) @name) @def
(method_declaration name: (identifier) @name) @def
`;

export const javaLocalDefinitions: LocalDefinitionRules = {
  query: JAVA_QUERY,
  functionTypes: new Set(['method_declaration', 'constructor_declaration', 'lambda_expression']),
  owner(def) {
    if (def.type !== 'method_declaration') return undefined;
    const body = def.parent;
    if (body?.type !== 'class_body') return undefined;
    // A local class's method is the class's (members of the file's own classes are symbols.ts's).
    if (body.parent?.type === 'class_declaration') return body.parent.childForFieldName('name')?.text ?? null;
    if (body.parent?.type !== 'object_creation_expression') return undefined;
    const type = body.parent.childForFieldName('type');
    return type?.text.replace(/<.*$/s, '').split('.').pop() ?? null;
  },
  kind: (def) => (def.type === 'class_declaration' ? 'class' : 'method'),
};
