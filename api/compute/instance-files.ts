/**
 * What a server gets written into it before it boots, as a config drive would carry it:
 * `meta_data.json` and `user_data` under /mnt/config/openstack/latest (and the same user
 * data under /var/lib/cloud, where cloud-init-less images look), and the keypair in root's
 * authorized_keys.
 */
import type { InjectedFile } from '../../drivers/compute-driver.js';
import type { ServerRecord } from './server-store.js';

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
    if (data.subarray(0, 2).toString() === '#!') bootScript = data;
  }
  if (server.keyData !== undefined) files.push({ path: '/root/.ssh/authorized_keys', contents: Buffer.from(server.keyData.trim() + '\n'), mode: 0o600 });
  return { files, ...(bootScript && { bootScript }) };
}
