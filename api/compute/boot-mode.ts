/**
 * How a server boots: as an application container (the image's command, the default) or
 * as a system container (the image's own /sbin/init, e.g. systemd, as on a machine). An
 * image asks for the latter with the Glance property `intermodal_init=system`, a flavor
 * with the extra spec `intermodal:init=system`; either is enough, and `app` in either
 * place does not override a `system` in the other.
 */
import type { SpawnRequest } from '../../drivers/compute-driver.js';
import type { ComputeImage } from './compute-images.js';
import type { Flavor } from './flavor-store.js';

/** The Glance image property. */
export const imageInitProperty = 'intermodal_init';
/** The flavor extra spec. */
export const flavorInitSpec = 'intermodal:init';

/** `system` when the image or the flavor asks for it; undefined (app) otherwise. */
export function bootModeOf(image: Pick<ComputeImage, 'properties'>, flavor: Pick<Flavor, 'extraSpecs'>): SpawnRequest['init'] {
  return image.properties?.[imageInitProperty] === 'system' || flavor.extraSpecs?.[flavorInitSpec] === 'system' ? 'system' : undefined;
}
