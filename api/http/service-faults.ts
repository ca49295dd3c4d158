/**
 * Each OpenStack service answers errors in its own format; this installs one service's
 * format on its encapsulated fastify scope (errors and unknown paths alike).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type winston from 'winston';
import { ApiError, statusOf } from './api-error.js';

/** Builds a service's fault body from a status and message. */
export type FaultFormat = (status: number, message: string, err: unknown) => unknown;

/** The public URL of this server as the client reached it (links, catalog, Location). */
export function baseUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? '127.0.0.1'}`;
}

/** Installs `format` for every error thrown in this scope, and for unknown paths in it. */
export function installFaults(app: FastifyInstance, format: FaultFormat, options: { log: winston.Logger; onUnauthorized?: (request: FastifyRequest) => Record<string, string> }): void {
  app.setErrorHandler(async (err, request, reply) => {
    const { status, message, headers } = statusOf(err);
    // The client gets a generic 500; the log gets the stack, under the request id the client saw.
    if (status >= 500) options.log.error('request failed', { request_id: request.requestId, error: String((err as Error)?.stack ?? err) });
    const extra = status === 401 && options.onUnauthorized ? options.onUnauthorized(request) : {};
    return reply.code(status).headers({ ...headers, ...extra }).type('application/json').send(format(status, message, err));
  });
  app.setNotFoundHandler(async (request) => {
    throw new ApiError(404, `The resource could not be found. (${request.method} ${request.url.split('?')[0]})`);
  });
}

export const httpTitles: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};
