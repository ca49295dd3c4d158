/** What Heat's resource handlers may use: the services in-process, as the stack's creator. */
import type { ComputeFacade } from '../compute/compute-facade.js';
import type { RequestContext } from '../http/request-context.js';

export interface HeatClients {
  compute: ComputeFacade;
  /** The user who created (or last updated) the stack, with their roles then. */
  caller: RequestContext;
}
