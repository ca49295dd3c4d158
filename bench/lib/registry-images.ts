/**
 * The registry benchmark's images, put into a local docker-registry by other tools than
 * ours: the minbase image by `skopeo copy` (which gzips the layer, as `docker push` does),
 * and an "app" image on top of it (minbase's layer plus one small layer) written with
 * plain HTTP calls, so that a re-pull finds its base layer already stored.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { MediaTypes } from '../../engine/images/media-types.js';

const sha256 = (data: Buffer): string => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

/** Copies the minbase docker-archive into the registry as `repo:latest`. */
export function pushMinbase(archive: string, host: string, repo: string): void {
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${host}/${repo}:latest`], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function uploadBlob(host: string, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status}`);
  return digest;
}

/** A one-file tar (512-byte header, data, padding, end blocks), enough for a small top layer. */
function oneFileTar(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\0' + '00', 257);
  header.write('        ', 148);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** Writes `appRepo:latest`: minbase's layer (mounted from `baseRepo`) plus a small layer of its own. */
export async function pushAppOnMinbase(host: string, baseRepo: string, appRepo: string): Promise<void> {
  const manifestResponse = await fetch(`http://${host}/v2/${baseRepo}/manifests/latest`, { headers: { accept: MediaTypes.dockerManifest } });
  const base = (await manifestResponse.json()) as { config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] };
  const config = (await (await fetch(`http://${host}/v2/${baseRepo}/blobs/${base.config.digest}`)).json()) as {
    rootfs: { diff_ids: string[] };
    history?: unknown[];
    config?: Record<string, unknown>;
  };
  for (const layer of base.layers) {
    const mount = await fetch(`http://${host}/v2/${appRepo}/blobs/uploads/?mount=${layer.digest}&from=${baseRepo}`, { method: 'POST' });
    if (mount.status !== 201) throw new Error(`mount ${layer.digest}: ${mount.status}`);
  }
  const tar = oneFileTar('app.conf', Buffer.from('maxmemory 64mb\n'));
  const gz = zlib.gzipSync(tar);
  const layerDigest = await uploadBlob(host, appRepo, gz);
  const appConfig = {
    ...config,
    config: { ...config.config, Cmd: ['redis-server', '/app.conf'] },
    rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids, sha256(tar)] },
    history: [...(config.history ?? []), { created_by: 'bench app layer' }],
  };
  const configBytes = Buffer.from(JSON.stringify(appConfig));
  const configDigest = await uploadBlob(host, appRepo, configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.dockerManifest,
    config: { mediaType: MediaTypes.dockerConfig, digest: configDigest, size: configBytes.length },
    layers: [...base.layers, { mediaType: MediaTypes.dockerLayerGzip, digest: layerDigest, size: gz.length }],
  };
  const put = await fetch(`http://${host}/v2/${appRepo}/manifests/latest`, { method: 'PUT', headers: { 'content-type': MediaTypes.dockerManifest }, body: JSON.stringify(manifest) });
  if (put.status !== 201) throw new Error(`manifest put: ${put.status}`);
}
