/** Who may see and change a server: its project (another project's server is a 404), admins, and writers only for changes. */
import { NotFoundError } from '../../engine/errors.js';
import { forbidden } from '../http/api-error.js';
import { canWrite, isAdmin, type RequestContext } from '../http/request-context.js';
import type { ComputeDeps } from './compute-deps.js';
import type { ServerRecord } from './server-store.js';

/** The server if the caller may see it; another project's server is a 404, as if it did not exist. */
export function visibleServer(deps: ComputeDeps, ctx: RequestContext, id: string): ServerRecord {
  const server = deps.servers.get(id);
  if (server.projectId !== ctx.projectId && !isAdmin(ctx)) throw new NotFoundError(`Instance ${id} could not be found.`);
  return server;
}

export function requireWriter(ctx: RequestContext): void {
  if (!canWrite(ctx)) throw forbidden('Policy does not allow this action to be performed.');
}

