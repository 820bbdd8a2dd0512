import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** A copy of a schema in which no object takes a field it does not list (a record, with its patternProperties, still takes any key). */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strict(v);
  if (out.type === 'object' && out.properties && !out.patternProperties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/**
 * What is wrong with `value` as `schema`'s: TypeBox's errors, and every field
 * the schema does not list, so that an answer says nothing its contract
 * (and docs/api.md) leaves out. Empty when it fits.
 */
export function contractErrors(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(strict(schema) as TSchema, value)].map(
    (e) => `${e.instancePath || '(top)'}: ${e.message}${e.keyword === 'additionalProperties' ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}
