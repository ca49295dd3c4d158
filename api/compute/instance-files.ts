/**
 * What a server gets written into it before it boots, as a config drive would carry it:
 * `meta_data.json` and `user_data` under /mnt/config/openstack/latest (and the same user
 * data under /var/lib/cloud, where cloud-init-less images look), and the keypair in root's
 * authorized_keys (with a `#cloud-config`'s ssh_authorized_keys), and a cloud-config turned into
 * the boot script that does what cloud-init would (bootcmd, write_files, runcmd).
 */
import type { InjectedFile } from '../../drivers/compute-driver.js';
import { JSON_SCHEMA, load as yamlLoad } from 'js-yaml';
import { bootableUserData } from '../orchestration/resources/boot-user-data.js';
import { hostnameOf } from './compute-manager.js';
import type { ServerRecord } from './server-store.js';

/** The `#cloud-config` document of a server's user data; undefined for anything else. */
function cloudConfigOf(userData: string | undefined): Record<string, unknown> | undefined {
  const text = userData === undefined ? '' : Buffer.from(userData, 'base64').toString('utf8');
  if (!text.startsWith('#cloud-config')) return undefined;
  try {
    const doc = yamlLoad(text, { schema: JSON_SCHEMA });
    return doc !== null && typeof doc === 'object' ? doc as Record<string, unknown> : undefined;
  } catch {
    return undefined; // not YAML after all: the boot script conversion reports it
  }
}

/** `ssh_authorized_keys` of a `#cloud-config` user data (root's, as cloud-init gives the default user's); none for anything else. */
function cloudConfigKeys(userData: string | undefined): string[] {
  const keys = cloudConfigOf(userData)?.ssh_authorized_keys;
  return Array.isArray(keys) ? keys.map((k) => String(k).trim()).filter(Boolean) : [];
}

/**
 * The hostname a server boots with: a cloud-config's `hostname` (or the first label of its
 * `fqdn`), as cloud-init's set_hostname would set it, else the one Nova derives from the
 * name. The instance gets it from the start (a container cannot change its own hostname).
 */
export function instanceHostname(server: Pick<ServerRecord, 'name' | 'userData'>): string {
  const doc = cloudConfigOf(server.userData);
  const wanted = doc?.hostname ?? (typeof doc?.fqdn === 'string' ? doc.fqdn.split('.')[0] : undefined);
  const clean = typeof wanted === 'string' ? hostnameOf(wanted.split('.')[0]!) : '';
  return clean !== '' && clean !== 'server' ? clean : hostnameOf(server.name);
}

const configDrive = '/mnt/config/openstack/latest';

/** OpenStack's `meta_data.json` of a server (config drive and metadata service alike). */
export function metaDataOf(server: ServerRecord, hostname: string) {
  const keys = server.keyName !== undefined && server.keyData !== undefined ? [{ name: server.keyName, type: 'ssh', data: server.keyData }] : [];
  return {
    uuid: server.id, name: server.name, hostname, launch_index: 0, availability_zone: server.availabilityZone,
    project_id: server.projectId, meta: server.metadata, keys,
    public_keys: Object.fromEntries(keys.map((k) => [k.name, k.data])),
  };
}

export function instanceFiles(server: ServerRecord, hostname: string): { files: InjectedFile[]; bootScript?: Buffer } {
  const metaData = metaDataOf(server, hostname);
  const files: InjectedFile[] = [{ path: `${configDrive}/meta_data.json`, contents: Buffer.from(JSON.stringify(metaData)), mode: 0o644 }];
  let bootScript: Buffer | undefined;
  if (server.userData !== undefined) {
    const data = Buffer.from(server.userData, 'base64');
    files.push({ path: `${configDrive}/user_data`, contents: data, mode: 0o644 });
    files.push({ path: '/var/lib/cloud/instance/user-data.txt', contents: data, mode: 0o600 });
    // A `#cloud-config` or MIME document runs as the equivalent shell script (no cloud-init needed in the image).
    const bootable = bootableUserData(data.toString('utf8'));
    if (bootable.startsWith('#!')) bootScript = bootable === data.toString('utf8') ? data : Buffer.from(bootable);
  }
  const keys = [...(server.keyData !== undefined ? [server.keyData.trim()] : []), ...cloudConfigKeys(server.userData)];
  if (keys.length > 0) files.push({ path: '/root/.ssh/authorized_keys', contents: Buffer.from(keys.join('\n') + '\n'), mode: 0o600 });
  return { files, ...(bootScript && { bootScript }) };
}
