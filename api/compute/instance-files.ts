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
import type { ServerRecord } from './server-store.js';

/** `ssh_authorized_keys` of a `#cloud-config` user data (root's, as cloud-init gives the default user's); none for anything else. */
function cloudConfigKeys(userData: string | undefined): string[] {
  const text = userData === undefined ? '' : Buffer.from(userData, 'base64').toString('utf8');
  if (!text.startsWith('#cloud-config')) return [];
  try {
    const doc = yamlLoad(text, { schema: JSON_SCHEMA }) as { ssh_authorized_keys?: unknown } | null;
    return Array.isArray(doc?.ssh_authorized_keys) ? doc.ssh_authorized_keys.map((k) => String(k).trim()).filter(Boolean) : [];
  } catch {
    return []; // not YAML after all: the boot script conversion reports it
  }
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
