/** What JavaScript's `target = function …` assignments define, for the file-level classifier and the local-definition rules alike. */

const IDENT = /^[A-Za-z_$][\w$]*$/;
/** Objects a function set on is no method of a code-base object: the module itself (`exports.x`, `module.exports`) and the globals. */
const NOT_OBJECTS = /^(module|exports|this|window|globalThis|global)$/;

/**
 * The object a function assigned to `target` becomes a method of, and the method's name:
 * `webidl.brandCheck` → webidl's brandCheck, `webidl.errors.exception` → errors' exception,
 * `Reply.prototype.send` → Reply's send. Null for the module's own exports, globals, `this`
 * (the caller knows its function) and anything but a dotted path of names.
 */
export function assignedMethod(target: string): { container: string; name: string } | null {
  const path = target.split('.');
  if (path.length < 2 || !path.every((p) => IDENT.test(p)) || NOT_OBJECTS.test(path[0])) return null;
  const name = path.pop()!;
  if (path.length > 1 && path[path.length - 1] === 'prototype') path.pop();
  return { container: path[path.length - 1], name };
}
