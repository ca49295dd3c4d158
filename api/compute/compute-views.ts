/**
 * Nova 2.1 response bodies. Strict clients (tempest's schemas) allow no extra keys, so each
 * view has exactly the 2.1 fields.
 */
import { createHash } from 'node:crypto';
import type { Flavor } from './flavor-store.js';
import type { Keypair } from './keypair-store.js';
import type { ServerRecord } from './server-store.js';

export const novaTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const links = (base: string, project: string | undefined, kind: string, id: string) => [
  { rel: 'self', href: `${base}/compute/v2.1/${project ? `${project}/` : ''}${kind}/${id}` },
  { rel: 'bookmark', href: `${base}/compute/${project ? `${project}/` : ''}${kind}/${id}` },
];

/** Nova's status from vm_state and task_state (nova/api/openstack/common.py's state map). */
export function statusOf(s: Pick<ServerRecord, 'vmState' | 'taskState'>): string {
  switch (s.vmState) {
    case 'building': return 'BUILD';
    case 'stopped': return 'SHUTOFF';
    case 'paused': return 'PAUSED';
    case 'resized': return 'VERIFY_RESIZE';
    case 'error': return 'ERROR';
    case 'deleted': return 'DELETED';
    case 'active':
      switch (s.taskState) {
        case 'rebooting': return 'REBOOT';
        case 'rebooting_hard': return 'HARD_REBOOT';
        case 'resize_prep': case 'resize_finish': case 'resize_reverting': return 'RESIZE';
        case 'rebuilding': return 'REBUILD';
        default: return 'ACTIVE';
      }
  }
}

export function serverLinks(base: string, id: string) {
  return links(base, undefined, 'servers', id);
}

export function serverBasic(base: string, s: ServerRecord) {
  return { id: s.id, name: s.name, links: serverLinks(base, s.id) };
}

function addressesOf(s: ServerRecord) {
  return Object.fromEntries(Object.entries(s.addresses).map(([net, list]) => [net, list.map((a) => ({
    version: a.address.includes(':') ? 6 : 4, addr: a.address, 'OS-EXT-IPS:type': a.type ?? 'fixed', 'OS-EXT-IPS-MAC:mac_addr': a.mac ?? '',
  }))]));
}

/** The hostId Nova shows: a hash of project and host, the same for a project's servers on one host. */
export function hostIdOf(projectId: string, host: string): string {
  return createHashHex(`${projectId}${host}`);
}

function createHashHex(s: string): string {
  return createHash('sha224').update(s).digest('hex');
}

/**
 * `host`: the API's compute host, shown for a server whose driver does not say where it
 * landed; `volumeIds`: the Cinder volumes attached to it.
 */
export function serverDetail(base: string, s: ServerRecord, apiHost: string, volumeIds: string[] = []) {
  const host = s.host ?? apiHost;
  return {
    id: s.id, name: s.name, status: statusOf(s), tenant_id: s.projectId, user_id: s.userId, metadata: s.metadata,
    hostId: hostIdOf(s.projectId, host), image: { id: s.imageId, links: links(base, undefined, 'images', s.imageId).slice(1) },
    flavor: { id: s.flavorId, links: links(base, undefined, 'flavors', s.flavorId).slice(1) },
    created: novaTime(s.createdAt), updated: novaTime(s.updatedAt), addresses: addressesOf(s),
    accessIPv4: s.accessIPv4, accessIPv6: s.accessIPv6, links: serverLinks(base, s.id),
    'OS-DCF:diskConfig': 'MANUAL', progress: s.vmState === 'building' ? 0 : 100,
    'OS-EXT-AZ:availability_zone': s.availabilityZone, config_drive: s.configDrive ? 'True' : '',
    key_name: s.keyName ?? null,
    'OS-SRV-USG:launched_at': s.launchedAt ? s.launchedAt.toISOString().replace('Z', '') : null,
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-SRV-ATTR:host': host, 'OS-EXT-SRV-ATTR:instance_name': `instance-${s.id}`, 'OS-EXT-SRV-ATTR:hypervisor_hostname': host,
    'OS-EXT-STS:task_state': s.taskState ?? null, 'OS-EXT-STS:vm_state': s.vmState, 'OS-EXT-STS:power_state': s.powerState,
    'os-extended-volumes:volumes_attached': volumeIds.map((id) => ({ id })),
    security_groups: s.securityGroups.map((name) => ({ name })),
    ...(s.fault !== undefined && s.vmState === 'error' && { fault: s.fault }),
  };
}

export function flavorBasic(base: string, f: Flavor) {
  return { id: f.id, name: f.name, links: links(base, undefined, 'flavors', f.id) };
}

export function flavorDetail(base: string, f: Flavor) {
  return {
    id: f.id, name: f.name, ram: f.ram, vcpus: f.vcpus, disk: f.disk, swap: f.swap === 0 ? '' : f.swap,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral, 'OS-FLV-DISABLED:disabled': f.disabled, 'os-flavor-access:is_public': f.isPublic,
    rxtx_factor: f.rxtxFactor, links: links(base, undefined, 'flavors', f.id),
  };
}

export function keypairListEntry(k: Keypair) {
  return { keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint } };
}

export function keypairShow(k: Keypair) {
  return {
    name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, user_id: k.userId, id: k.id,
    created_at: k.createdAt.toISOString().replace('Z', ''), deleted: false, deleted_at: null, updated_at: null,
  };
}
