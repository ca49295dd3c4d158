/**
 * An error an API handler raises with an HTTP status. Each service's fault handler turns
 * it (and the engine's error categories) into that service's own fault body.
 */
import {
  AlreadyExistsError, FailedPreconditionError, ForbiddenError, InvalidArgumentError, NotFoundError,
  NotImplementedError, QuotaExceededError,
} from '../../engine/errors.js';

/** An HTTP-level error with the status the client must see. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const unauthorized = (message = 'The request you have made requires authentication.'): ApiError => new ApiError(401, message);
export const forbidden = (message: string): ApiError => new ApiError(403, message);
export const notFound = (message: string): ApiError => new ApiError(404, message);
export const conflict = (message: string): ApiError => new ApiError(409, message);

/** The status and message any thrown value answers with; unknown errors are 500 and say nothing internal. */
export function statusOf(err: unknown): { status: number; message: string; headers: Record<string, string> } {
  if (err instanceof ApiError) return { status: err.status, message: err.message, headers: err.headers };
  const validation = (err as { validation?: unknown; statusCode?: number; message?: string });
  if (validation && validation.validation) return { status: 400, message: `Invalid input for field/attribute: ${validation.message}`, headers: {} };
  if (err instanceof NotFoundError) return { status: 404, message: err.message, headers: {} };
  if (err instanceof InvalidArgumentError) return { status: 400, message: err.message, headers: {} };
  if (err instanceof AlreadyExistsError) return { status: 409, message: err.message, headers: {} };
  if (err instanceof FailedPreconditionError) return { status: 409, message: err.message, headers: {} };
  if (err instanceof ForbiddenError) return { status: 403, message: err.message, headers: {} };
  if (err instanceof QuotaExceededError) return { status: 403, message: err.message, headers: {} };
  if (err instanceof NotImplementedError) return { status: 501, message: err.message, headers: {} };
  // fastify's own client errors (body too large, bad JSON, bad content type) carry a 4xx statusCode.
  if (validation && typeof validation.statusCode === 'number' && validation.statusCode >= 400 && validation.statusCode < 500) {
    return { status: validation.statusCode, message: validation.message ?? 'bad request', headers: {} };
  }
  return { status: 500, message: 'The server has either erred or is incapable of performing the requested operation.', headers: {} };
}
