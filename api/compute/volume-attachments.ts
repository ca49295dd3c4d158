/**
 * Nova's volume attach and detach (os-volume_attachments, Heat's OS::Cinder::VolumeAttachment):
 * the compute driver mounts the Cinder volume in the running server without restarting it,
 * at the path its device name gives (`/dev/vdb` at `/mnt/vdb`, see
 * translators/volume/cinder-volumes.ts), and Cinder records the attachment.
 */
import { NotFoundError, NotImplementedError } from '../../engine/errors.js';
import { type CinderAttachment, type CinderVolumes, mountPathFor } from '../../translators/volume/cinder-volumes.js';
import { isAdmin, projectOf, type RequestContext } from '../http/request-context.js';
import type { ComputeDeps } from './compute-deps.js';

/** The server if the caller may act on it; Nova's 404 otherwise. */
function serverOf(deps: ComputeDeps, ctx: RequestContext, serverId: string) {
  let server;
  try {
    server = deps.servers.get(serverId);
  } catch {
    server = undefined;
  }
  if (!server || (!isAdmin(ctx) && server.projectId !== projectOf(ctx))) throw new NotFoundError(`Instance ${serverId} could not be found.`);
  return server;
}

/** Attaches the volume at `device` (the next free /dev/vdX when omitted); nothing is recorded if the driver refuses. */
export async function attachServerVolume(deps: ComputeDeps, volumes: CinderVolumes, ctx: RequestContext, serverId: string, volumeId: string, device?: string): Promise<CinderAttachment> {
  const server = serverOf(deps, ctx, serverId);
  volumes.get(volumeId, isAdmin(ctx) ? undefined : projectOf(ctx));
  const volume = volumes.checkAttachable(volumeId);
  const deviceName = device ?? volumes.nextDevice(server.id);
  const mountPath = mountPathFor(deviceName);
  const driver = deps.manager.driver;
  if (!driver.attachVolume) throw new NotImplementedError(`the compute host of server ${server.id} cannot attach volumes`);
  await driver.attachVolume(server.id, { volumeId, engineVolume: volume.engineVolume }, mountPath);
  return volumes.recordAttachment(volumeId, { serverId: server.id, device: deviceName, mountPath });
}

/** Detaches the volume from the server; one not attached there (or a server gone) is already detached. */
export async function detachServerVolume(deps: ComputeDeps, volumes: CinderVolumes, ctx: RequestContext, serverId: string, volumeId: string): Promise<void> {
  const volume = volumes.get(volumeId, isAdmin(ctx) ? undefined : projectOf(ctx));
  const attached = volume.attachments.find((a) => a.serverId === serverId);
  const driver = deps.manager.driver;
  await driver.detachVolume?.(serverId, { volumeId, engineVolume: volume.engineVolume });
  if (attached || volume.attachments.length === 0) volumes.clearAttachment(volumeId);
}
