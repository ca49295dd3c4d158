/** Everything the Nova routes use, built once by the compute service. */
import type { ComputeImages } from './compute-images.js';
import type { ComputeManager } from './compute-manager.js';
import type { FlavorStore } from './flavor-store.js';
import type { KeypairStore } from './keypair-store.js';
import type { QuotaStore } from './quotas.js';
import type { ServerNetworking } from './server-networking.js';
import type { ServerStore } from './server-store.js';
import type { TokenValidator } from '../http/request-context.js';
import type { CinderVolumes } from '../../translators/volume/cinder-volumes.js';

export interface ComputeDeps {
  tokens: TokenValidator;
  servers: ServerStore;
  flavors: FlavorStore;
  keypairs: KeypairStore;
  quotas: QuotaStore;
  images: ComputeImages;
  manager: ComputeManager;
  /** This compute host's name (OS-EXT-SRV-ATTR:host, hypervisors). */
  host: string;
  /** The network service (Neutron), when the cloud has one. */
  networking?: () => ServerNetworking | undefined;
  /** The block storage (Cinder), when the cloud has one. */
  volumes?: () => CinderVolumes | undefined;
}
