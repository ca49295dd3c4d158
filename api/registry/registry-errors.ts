/**
 * The distribution spec's error body, `{"errors":[{"code","message","detail"}]}`, and the
 * one mapping from engine error categories to it for everything under /v2.
 */
import { isIntermodalError } from '../../engine/errors.js';

/** The spec's error codes with the HTTP status each is sent with. */
export const registryErrorStatus = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  RANGE_INVALID: 416,
} as const;

/** A spec error code. */
export type RegistryErrorCode = keyof typeof registryErrorStatus;

/** An error answered with the spec's body; `status` overrides the code's usual status. */
export class RegistryError extends Error {
  readonly status: number;
  /** Extra response headers (the `WWW-Authenticate` challenge of an UNAUTHORIZED). */
  headers: Record<string, string> = {};
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly detail?: unknown,
    status?: number,
  ) {
    super(message);
    this.status = status ?? registryErrorStatus[code];
  }
}

/** The spec's JSON body for one error. */
export function errorBody(code: string, message: string, detail?: unknown): { errors: { code: string; message: string; detail?: unknown }[] } {
  return { errors: [{ code, message, ...(detail !== undefined && { detail }) }] };
}

/**
 * Maps anything thrown under /v2 to status and body. Engine categories have no registry
 * code of their own, so each route throws RegistryError for the cases a client acts on;
 * the rest land here with a generic code.
 */
export function toRegistryFault(err: unknown): { status: number; body: ReturnType<typeof errorBody> } {
  if (err instanceof RegistryError) return { status: err.status, body: errorBody(err.code, err.message, err.detail) };
  if (isIntermodalError(err)) {
    const byCode: Record<string, [number, RegistryErrorCode]> = {
      INTERMODAL_ERR_NOT_FOUND: [404, 'NAME_UNKNOWN'],
      INTERMODAL_ERR_INVALID_ARGUMENT: [400, 'MANIFEST_INVALID'],
      INTERMODAL_ERR_FORBIDDEN: [403, 'DENIED'],
      INTERMODAL_ERR_NOT_IMPLEMENTED: [405, 'UNSUPPORTED'],
      INTERMODAL_ERR_QUOTA_EXCEEDED: [400, 'SIZE_INVALID'],
      INTERMODAL_ERR_FAILED_PRECONDITION: [409, 'DENIED'],
      INTERMODAL_ERR_ALREADY_EXISTS: [409, 'DENIED'],
    };
    const [status, code] = byCode[err.code] ?? [500, 'UNSUPPORTED'];
    return { status, body: errorBody(code, err.message) };
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: errorBody(status === 413 ? 'SIZE_INVALID' : 'UNSUPPORTED', (err as Error).message) };
  }
  return { status: 500, body: errorBody('UNKNOWN', 'internal error') };
}
