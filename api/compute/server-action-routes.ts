/**
 * POST /servers/{id}/action: power, reboot, pause, console output, snapshot (createImage),
 * resize with confirm/revert, rebuild. A state that does not allow the action is a 409
 * and changes nothing; a second action while one is under way is a 409 too.
 */
import type { FastifyInstance } from 'fastify';
import { PowerState } from '../../drivers/compute-driver.js';
import { badRequest, conflict } from '../http/api-error.js';
import { authenticate, contextOf, type RequestContext } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import { bootModeOf } from './boot-mode.js';
import type { ComputeDeps } from './compute-deps.js';
import type { ComputeImage } from './compute-images.js';
import { serverDetail } from './compute-views.js';
import { requireWriter, visibleServer } from './server-access.js';
import type { ServerRecord, VmState } from './server-store.js';

type Json = Record<string, any>;

/**
 * The registry name a snapshot is tagged with, so `docker pull HOST/<name>:latest` gets it
 * out again: the image name made a valid repository name (the newest snapshot of a name
 * takes the tag, as a new `docker push` of a tag would).
 */
export function dockerReferenceFor(name: string): string {
  const repo = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, '').replace(/[._-]{2,}/g, '-').slice(0, 128);
  return `${repo || 'snapshot'}:latest`;
}

const refused = (action: string, s: ServerRecord) =>
  conflict(`Cannot '${action}' instance ${s.id} while it is in ${s.taskState ? `task_state ${s.taskState}` : `vm_state ${s.vmState}`}`);

export function registerServerActionRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const { servers, manager } = deps;
  const driver = manager.driver;

  /** Claims the task or answers 409. */
  const claim = (s: ServerRecord, action: string, task: string, states: VmState[]) => {
    if (!servers.claimTask(s.id, task, states)) throw refused(action, servers.get(s.id));
  };

  const handlers: Record<string, (s: ServerRecord, arg: any, ctx: RequestContext, base: string) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>> = {
    'os-stop': async (s) => {
      claim(s, 'stop', 'powering-off', ['active', 'error']);
      manager.act(s, 'stop', () => driver.powerOff(s.id), { vmState: 'stopped', powerState: PowerState.SHUTDOWN });
      return { status: 202 };
    },
    'os-start': async (s) => {
      claim(s, 'start', 'powering-on', ['stopped']);
      manager.act(s, 'start', () => driver.powerOn(s.id), { vmState: 'active' });
      return { status: 202 };
    },
    reboot: async (s, arg) => {
      const type = arg?.type;
      if (type !== 'SOFT' && type !== 'HARD') throw badRequest("Invalid input for field/attribute type. Value: must be one of ['SOFT', 'HARD'].");
      claim(s, 'reboot', type === 'SOFT' ? 'rebooting' : 'rebooting_hard', type === 'SOFT' ? ['active'] : ['active', 'stopped', 'paused', 'error']);
      manager.act(s, 'reboot', () => driver.reboot(s.id, type), { vmState: 'active' }, s.vmState);
      return { status: 202 };
    },
    pause: async (s) => {
      claim(s, 'pause', 'pausing', ['active']);
      manager.act(s, 'pause', () => driver.pause(s.id), { vmState: 'paused' });
      return { status: 202 };
    },
    unpause: async (s) => {
      claim(s, 'unpause', 'unpausing', ['paused']);
      manager.act(s, 'unpause', () => driver.unpause(s.id), { vmState: 'active' });
      return { status: 202 };
    },
    'os-getConsoleOutput': async (s, arg) => {
      let length: number | undefined;
      if (arg?.length !== undefined && arg.length !== null) {
        length = Number(arg.length);
        if (!Number.isInteger(length) || length < -1) throw badRequest('Invalid input for field/attribute length.');
        if (length === -1) length = undefined;
      }
      if (s.vmState === 'building') throw conflict(`Instance ${s.id} is not ready yet.`);
      return { status: 200, body: { output: await driver.getConsoleOutput(s.id, length) } };
    },
    createImage: async (s, arg, ctx, base) => {
      if (typeof arg?.name !== 'string' || arg.name.length < 1 || arg.name.length > 255) throw badRequest('Invalid input for field/attribute name.');
      const metadata = arg.metadata ?? {};
      if (typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) throw badRequest('Invalid input for field/attribute metadata.');
      claim(s, 'createImage', 'image_snapshot', ['active', 'stopped', 'paused']);
      let image;
      try {
        image = deps.images.createSnapshotRecord(ctx, {
          name: arg.name, minRam: 0, minDisk: s.disk,
          properties: { ...metadata, image_type: 'snapshot', instance_uuid: s.id, base_image_ref: s.imageId, user_id: ctx.userId, docker_reference: dockerReferenceFor(arg.name) },
        });
      } catch (err) {
        servers.update(s.id, { taskState: null });
        throw err;
      }
      manager.snapshot(s, image.id, arg.name, dockerReferenceFor(arg.name));
      return { status: 202, headers: { location: `${base}/compute/v2.1/images/${image.id}` } };
    },
    resize: async (s, arg) => {
      const ref = arg?.flavorRef;
      if (ref === undefined) throw badRequest('Invalid input for field/attribute flavorRef.');
      let flavor;
      try { flavor = deps.flavors.get(String(ref).split('/').pop()!); } catch { throw badRequest(`Flavor ${ref} could not be found.`); }
      if (flavor.id === s.flavorId) throw badRequest('When resizing, instances must change flavor!');
      const projectId = s.projectId;
      deps.quotas.reserve(projectId, () => servers.usage(projectId), { cores: Math.max(0, flavor.vcpus - s.vcpus), ram: Math.max(0, flavor.ram - s.ram) }, () => claim(s, 'resize', 'resize_prep', ['active', 'stopped']));
      servers.update(s.id, { oldFlavorId: s.flavorId, flavorId: flavor.id, vcpus: flavor.vcpus, ram: flavor.ram, disk: flavor.disk });
      manager.resize(servers.get(s.id), flavor);
      return { status: 202 };
    },
    confirmResize: async (s) => {
      if (s.vmState !== 'resized') throw refused('confirmResize', s);
      servers.update(s.id, { vmState: 'active', oldFlavorId: null });
      return { status: 204 };
    },
    revertResize: async (s) => {
      if (s.vmState !== 'resized' || s.oldFlavorId === undefined) throw refused('revertResize', s);
      const old = deps.flavors.get(s.oldFlavorId);
      servers.update(s.id, { flavorId: old.id, vcpus: old.vcpus, ram: old.ram, disk: old.disk, oldFlavorId: null, taskState: 'resize_reverting' });
      manager.act(servers.get(s.id), 'revertResize', () => driver.resize(s.id, { vcpus: old.vcpus, memoryMb: old.ram, diskGb: old.disk }), { vmState: 'active' });
      return { status: 202 };
    },
    rebuild: async (s, arg, ctx, base) => {
      const imageId = typeof arg?.imageRef === 'string' ? arg.imageRef.split('/').pop()! : undefined;
      if (!imageId) throw badRequest('Invalid input for field/attribute imageRef.');
      let bootRef: string;
      let image: ComputeImage;
      try { image = deps.images.find(ctx, imageId); bootRef = deps.images.bootReference(ctx, imageId); } catch { throw badRequest(`Image ${imageId} could not be found.`); }
      claim(s, 'rebuild', 'rebuilding', ['active', 'stopped', 'error']);
      const updated = servers.update(s.id, { imageId, ...(typeof arg.name === 'string' && { name: arg.name }), ...(arg.metadata && { metadata: arg.metadata }) });
      // A flavor deleted since the boot has no extra specs to ask for a mode any more.
      const extraSpecs = (() => { try { return deps.flavors.get(updated.flavorId).extraSpecs; } catch { return {}; } })();
      manager.rebuild(updated, bootRef, bootModeOf(image, { extraSpecs }));
      return { status: 202, body: { server: { ...serverDetail(base, updated, deps.host), adminPass: arg.adminPass ?? 'unset' } } };
    },
  };

  app.post('/servers/:id/action', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    const server = visibleServer(deps, ctx, (request.params as Json).id);
    const body = request.body as Json | undefined;
    const keys = body && typeof body === 'object' ? Object.keys(body) : [];
    if (keys.length !== 1) throw badRequest('There is no such action: expected exactly one action in the body.');
    const action = keys[0]!;
    const handler = handlers[action];
    if (!handler) throw badRequest(`There is no such action: ${action}`);
    if (action !== 'os-getConsoleOutput') requireWriter(contextOf(request));
    const result = await handler(server, body![action], ctx, baseUrlOf(request));
    reply.code(result.status).headers(result.headers ?? {});
    return result.body === undefined ? reply.send() : result.body;
  });
}
