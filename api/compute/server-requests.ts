/**
 * Creating servers, shared by `POST /servers` and by Heat's OS::Nova::Server: validation
 * against what exists (flavor, image, key, zone and host: availability-zones.ts), the quota check and the records in one
 * transaction, then the spawns in the background. A refusal changes nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest } from '../http/api-error.js';
import { projectOf, type RequestContext } from '../http/request-context.js';
import type { ComputeDeps } from './compute-deps.js';
import { requestedPlacement, soleZone } from './availability-zones.js';
import { bootModeOf } from './boot-mode.js';
import { requireWriter } from './server-access.js';
import type { ServerRecord } from './server-store.js';

type Json = Record<string, any>;

/** Creates the servers a (schema-checked) `server` body asks for; returns them and the admin password. */
export function createServers(deps: ComputeDeps, ctx: RequestContext, body: Json): { records: ServerRecord[]; adminPass: string } {
  requireWriter(ctx);
  const projectId = projectOf(ctx);
  const flavor = (() => { try { return deps.flavors.get(String(body.flavorRef).split('/').pop()!); } catch { throw badRequest(`Flavor ${body.flavorRef} could not be found.`); } })();
  if (body.imageRef === undefined || body.imageRef === '') throw badRequest('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
  const imageId = String(body.imageRef).split('/').pop()!;
  let image;
  try { image = deps.images.find(ctx, imageId); } catch { throw badRequest(`Image ${imageId} could not be found.`); }
  if (image.status !== 'active') throw badRequest(`Image ${imageId} is not active.`);
  if (flavor.ram < image.minRam) throw badRequest("Flavor's memory is too small for requested image.");
  if (flavor.disk > 0 && flavor.disk < image.minDisk) throw badRequest("Flavor's disk is too small for requested image.");
  const bootRef = (() => { try { return deps.images.bootReference(ctx, imageId); } catch (e) { throw badRequest(`Image ${imageId} cannot be booted: ${(e as Error).message}`); } })();
  let keyData: string | undefined;
  if (body.key_name !== undefined) {
    try { keyData = deps.keypairs.get(ctx.userId, body.key_name).publicKey; } catch { throw badRequest('Invalid key_name provided.'); }
  }
  const placement = requestedPlacement(deps, ctx, body.availability_zone);
  const networking = deps.networking?.();
  if (networking) networking.check(ctx, body);
  else if (Array.isArray(body.networks) && body.networks.length > 0) throw badRequest('Networks are not available on this cloud: omit "networks" or use "auto".');
  if (body.user_data !== undefined && Buffer.from(body.user_data, 'base64').toString('base64').replace(/=+$/, '') !== body.user_data.replace(/\s/g, '').replace(/=+$/, '')) {
    throw badRequest('User data needs to be valid base 64.');
  }
  const minCount = Number(body.min_count ?? 1);
  const maxCount = Number(body.max_count ?? minCount);
  if (maxCount < minCount) throw badRequest('min_count must be <= max_count');
  const adminPass: string = body.adminPass ?? randomBytes(9).toString('base64url');
  const records: ServerRecord[] = [];
  deps.quotas.reserve(projectId, () => deps.servers.usage(projectId), { instances: maxCount, cores: maxCount * flavor.vcpus, ram: maxCount * flavor.ram }, () => {
    for (let i = 1; i <= maxCount; i++) {
      const id = randomUUID();
      deps.servers.insert({
        id, name: maxCount > 1 ? `${body.name}-${i}` : body.name, projectId, userId: ctx.userId, imageId: image.id, flavorId: flavor.id,
        ...(body.key_name !== undefined && { keyName: body.key_name, keyData: keyData! }), vmState: 'building', taskState: 'spawning',
        metadata: body.metadata ?? {}, ...(body.user_data !== undefined && { userData: body.user_data }), configDrive: body.config_drive === true || body.config_drive === 'true',
        availabilityZone: placement?.zone ?? soleZone(deps), accessIPv4: body.accessIPv4 ?? '', accessIPv6: body.accessIPv6 ?? '',
        securityGroups: (body.security_groups as Array<{ name: string }> | undefined)?.map((g) => g.name) ?? ['default'],
        vcpus: flavor.vcpus, ram: flavor.ram, disk: flavor.disk,
      });
      networking?.plan(ctx, id, body);
      records.push(deps.servers.get(id));
    }
  });
  const init = bootModeOf(image, flavor);
  for (const record of records) deps.manager.spawn(record, bootRef, placement, init);
  return { records, adminPass };
}
