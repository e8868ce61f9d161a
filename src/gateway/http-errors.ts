/**
 * Maps anything thrown inside the pipeline or a route to a catalogued error in the turbopuffer
 * shape. No input may produce an unexplained 500.
 */
import { HevError, isHevError } from '../wire/errors.ts';

export function toHevError(err: unknown): HevError {
  if (isHevError(err)) return err;
  return new HevError('HEV_INTERNAL', 'internal error; see the gateway log for the request id', {
    cause: err,
  });
}
