import { Type, type Static } from '../core/typebox.js';
import { ErrorCodes, type ErrorCode } from '../core/errors.js';

/** Every code of core/errors.ts's catalogue, in its order. */
export const ERROR_CODES = Object.keys(ErrorCodes) as ErrorCode[];

/** The one error shape of every failed request, and of an `error` event in a stream (API.md). */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>({ type: 'string', enum: ERROR_CODES, description: 'a stable `CVU_ERR_*` code (clients match it, never the message)' }),
      message: Type.String({ description: 'for a person: what went wrong and, where there is one, what fixes it' }),
      field: Type.Optional(Type.String({ description: 'the request field at fault (`body.position.line`), for a 400' })),
    }),
  },
  { title: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBodySchema>;
