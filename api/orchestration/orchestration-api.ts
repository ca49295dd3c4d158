/** Heat v1 under `/heat-api`, with Heat's fault format (`{"explanation", "code", "error": {"type", "message"}, "title"}`). */
import type { FastifyInstance } from 'fastify';
import type winston from 'winston';
import { baseUrlOf, httpTitles, installFaults } from '../http/service-faults.js';
import { registerStackRoutes, type StackRouteDeps } from './stack-routes.js';

const errorTypes: Record<number, string> = { 400: 'StackValidationFailed', 401: 'NotAuthenticated', 403: 'Forbidden', 404: 'EntityNotFound', 409: 'StackExists' };

export async function orchestrationApi(app: FastifyInstance, opts: { deps: StackRouteDeps; log: winston.Logger }): Promise<void> {
  installFaults(app, (status, message) => ({
    explanation: message, code: status, title: httpTitles[status] ?? 'Error',
    error: { type: errorTypes[status] ?? 'HTTPException', message, traceback: null },
  }), { log: opts.log });
  app.get('/', async (request, reply) => reply.code(300).send({
    versions: [{ id: 'v1.0', status: 'CURRENT', links: [{ rel: 'self', href: `${baseUrlOf(request)}/heat-api/v1/` }] }],
  }));
  registerStackRoutes(app, opts.deps);
}
