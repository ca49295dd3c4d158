/**
 * Who is calling: what a valid token says, attached to every authenticated request.
 * Handlers decide from this alone; none of them reads a token or the identity tables.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, unauthorized } from './api-error.js';

/** The caller, from a validated token. */
export interface RequestContext {
  tokenId: string;
  userId: string;
  userName: string;
  userDomainId: string;
  /** Set for project-scoped tokens. */
  projectId?: string;
  projectName?: string;
  /** Set for domain-scoped tokens. */
  domainId?: string;
  /** Role names the user holds on the scope. */
  roles: string[];
  expiresAt: Date;
}

/** What the identity service offers the other services. */
export interface TokenValidator {
  /** The context for a token, or an ApiError(401) when it is invalid, expired or revoked. */
  validate(token: string): RequestContext;
}

declare module 'fastify' {
  interface FastifyRequest {
    context?: RequestContext;
  }
}

/** Reads and validates `X-Auth-Token`; throws 401 when it is missing or invalid. */
export function authenticate(request: FastifyRequest, validator: TokenValidator): RequestContext {
  const token = request.headers['x-auth-token'];
  if (typeof token !== 'string' || token.length === 0) throw unauthorized();
  const context = validator.validate(token);
  request.context = context;
  return context;
}

/** The context of a request that passed `authenticate`. */
export function contextOf(request: FastifyRequest): RequestContext {
  if (!request.context) throw new ApiError(401, 'The request you have made requires authentication.');
  return request.context;
}

export const isAdmin = (ctx: RequestContext): boolean => ctx.roles.includes('admin');

/** Members and admins may change things in their project; readers may only look. */
export const canWrite = (ctx: RequestContext): boolean => ctx.roles.includes('admin') || ctx.roles.includes('member');

/** A project-scoped token's project, or 401 (Nova and Glance need a project). */
export function projectOf(ctx: RequestContext): string {
  if (!ctx.projectId) throw new ApiError(403, 'This operation needs a project-scoped token.');
  return ctx.projectId;
}
