import { isCvuError, type CvuError } from '../../core/errors.js';

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
