/** Reading Keystone request bodies: `{"project": {...}}` and typed fields, with Keystone's 400s. */
import { badRequest } from '../http/api-error.js';

type Json = Record<string, unknown>;

/** The object under `key` in the body, or 400. */
export function requireObject(body: unknown, key: string): Json {
  const inner = typeof body === 'object' && body !== null ? (body as Json)[key] : undefined;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw badRequest(`Expecting to find ${key} in request body.`);
  return inner as Json;
}

/** A string field; null counts as absent (keystoneclient sends nulls for unset options). */
export function optionalString(body: Json, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid input for field '${key}': expected a string.`);
  if (v.length > 255 && key !== 'password' && key !== 'description') throw badRequest(`Invalid input for field '${key}': longer than 255 characters.`);
  return v;
}

export function optionalBoolean(body: Json, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`Invalid input for field '${key}': expected a boolean.`);
  return v;
}
