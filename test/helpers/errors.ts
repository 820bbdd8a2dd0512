import { expect } from 'vitest';
import { isCvuError, type CvuError } from '../../core/errors.js';
import { ErrorBodySchema } from '../../protocol/error-body.js';
import { contractErrors } from './contract.js';
import type { RawAnswer } from './http.js';

/** The CvuError a promise rejects with (anything else is rethrown; fulfilment fails the test). */
export async function rejection(p: Promise<unknown>): Promise<CvuError> {
  try {
    await p;
  } catch (err) {
    if (isCvuError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** The answer's body is the one error shape (protocol/error-body.ts): a catalogue code, a message, maybe a field, nothing else. */
export function expectErrorShape(r: RawAnswer): void {
  expect(contractErrors(ErrorBodySchema, r.body), r.text.slice(0, 300)).toEqual([]);
}

/** The answer is the error `code` with HTTP `status`, in the one error shape, its message matching `messagePart` when given. */
export function expectError(r: RawAnswer, status: number, code: string, messagePart?: string | RegExp): void {
  expect(r.status, r.text.slice(0, 300)).toBe(status);
  expectErrorShape(r);
  expect(r.body.error.code).toBe(code);
  if (messagePart) expect(r.body.error.message).toMatch(messagePart);
}
