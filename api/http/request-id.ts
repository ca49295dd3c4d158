/**
 * Every response carries `x-openstack-request-id` (and Nova's `x-compute-request-id`), so
 * an operator can match a client's error to the log line; the log line has the same id.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type winston from 'winston';

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
  }
}

/** Installs the request id and access-log hooks on the root instance. */
export function installRequestIds(app: FastifyInstance, log: winston.Logger): void {
  app.decorateRequest('requestId', '');
  app.addHook('onRequest', async (request, reply) => {
    request.requestId = `req-${randomUUID()}`;
    reply.header('x-openstack-request-id', request.requestId);
    if (request.url.startsWith('/compute')) reply.header('x-compute-request-id', request.requestId);
  });
  app.addHook('onResponse', async (request, reply) => {
    log.info('request', {
      request_id: request.requestId, method: request.method, path: request.url.split('?')[0], status: reply.statusCode,
      ms: Math.round(reply.elapsedTime), user_id: request.context?.userId, project_id: request.context?.projectId,
    });
  });
}
