/** What Heat's resource handlers may use: the services in-process, as the stack's creator. */
import type { ComputeFacade } from '../compute/compute-facade.js';
import type { NetworkFacade } from '../network/network-facade.js';
import type { GlanceImages } from '../../translators/image/glance-images.js';
import type { RequestContext } from '../http/request-context.js';

/** Wait condition signals, as the signal URL receives them. */
export interface SignalBox {
  /** Signals sent to the wait condition handle with this physical id, oldest first. */
  received(handleId: string): Array<{ status?: string; reason?: string; data?: unknown; id?: string }>;
  /** Forgets a handle's signals (the handle is deleted). */
  clear(handleId: string): void;
}

export interface HeatClients {
  compute: ComputeFacade;
  /** The user who created (or last updated) the stack, with their roles then. */
  caller: RequestContext;
  /** The content of a software config (SoftwareConfig, CloudConfig, MultipartMime) of the stack's project, by id. */
  configContent(id: string): string | undefined;
  signals: SignalBox;
  /** Neutron in-process (OS::Neutron::*); absent on a cloud without the network service. */
  network?: NetworkFacade;
  /** Glance in-process (OS::Glance::WebImage); absent on a cloud without the image service. */
  images?: Pick<GlanceImages, 'create' | 'startImport' | 'find' | 'delete'>;
  /** Aborted when the API is stopping: long waits (wait conditions) give up then. */
  stopping?: AbortSignal;
}
