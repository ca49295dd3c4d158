/**
 * A two-platform OCI layout written by hand (linux/amd64 and linux/arm64 over the same
 * busybox layer), shaped as `skopeo copy --all` reads one: index.json names a nested image
 * index whose entries carry their platforms.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeBusyboxRootfs, tarLayer } from '../../helpers/image-fixtures.js';

/** What was written: the image IDs per architecture and the nested index's digest. */
export interface MultiArchLayout {
  dir: string;
  imageIds: Record<'amd64' | 'arm64', string>;
  indexDigest: string;
}

/** Writes the layout to `dir` with the image index tagged `tag`. */
export function writeMultiArchLayout(dir: string, work: string, tag: string): MultiArchLayout {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer): { digest: string; size: number } => {
    const hex = crypto.createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const rootfs = path.join(work, 'multi-rootfs');
  makeBusyboxRootfs(rootfs);
  const { file, diffId } = tarLayer(rootfs, path.join(work, 'multi-layer.tar.gz'), { gzip: true });
  const layer = put(fs.readFileSync(file));
  const imageIds = {} as Record<'amd64' | 'arm64', string>;
  const manifests = (['amd64', 'arm64'] as const).map((architecture) => {
    const config = put(Buffer.from(JSON.stringify({ architecture, os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } })));
    imageIds[architecture] = config.digest;
    const manifest = put(Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    })));
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { os: 'linux', architecture } };
  });
  const index = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })));
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return { dir, imageIds, indexDigest: index.digest };
}
