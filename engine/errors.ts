/**
 * The error categories thrown below the API. Each edge (CLI, each OpenStack service, the
 * registry API) maps these once to its own format; nothing below it formats faults.
 * Messages name the thing and the reason: `image 'bb' not found`, not `ENOENT`.
 */

/** Base of every categorised error; `code` is stable and safe to match on. */
export abstract class IntermodalError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The named thing does not exist. */
export class NotFoundError extends IntermodalError {
  readonly code = 'INTERMODAL_ERR_NOT_FOUND';
}

/** A thing with that name or key exists already. */
export class AlreadyExistsError extends IntermodalError {
  readonly code = 'INTERMODAL_ERR_ALREADY_EXISTS';
}

/** The request is well-formed but the current state does not allow it (image in use, container running). */
export class FailedPreconditionError extends IntermodalError {
  readonly code = 'INTERMODAL_ERR_FAILED_PRECONDITION';
}

/** The input itself is wrong: a malformed reference, a hostile archive entry, a digest that does not match. */
export class InvalidArgumentError extends IntermodalError {
  readonly code = 'INTERMODAL_ERR_INVALID_ARGUMENT';
}

/** A configured limit would be exceeded (layer size, entry count, quota). */
export class QuotaExceededError extends IntermodalError {
  readonly code = 'INTERMODAL_ERR_QUOTA_EXCEEDED';
}

/** The caller may not do this. */
export class ForbiddenError extends IntermodalError {
  readonly code = 'INTERMODAL_ERR_FORBIDDEN';
}

/** The operation is not supported by this implementation or host. */
export class NotImplementedError extends IntermodalError {
  readonly code = 'INTERMODAL_ERR_NOT_IMPLEMENTED';
}

/** True for any categorised error. */
export function isIntermodalError(err: unknown): err is IntermodalError {
  return err instanceof IntermodalError;
}

/** True when a Node.js system error has the given errno code (ENOENT, EEXIST, ...). */
export function hasErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
