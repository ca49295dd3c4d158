/**
 * Images for the registry tests, put into a real registry by skopeo (not by our code), so
 * that our client reads what another implementation wrote.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';

/** A two-layer image archive: busybox, then a layer with /srv/marker holding `marker`. */
export interface FixtureImage {
  archive: string;
  configDigest: string;
  diffIds: string[];
}

/** Builds the archive under `work` (the busybox base is shared between calls). */
export function fixtureImage(work: string, marker: string): FixtureImage {
  const base = path.join(work, 'busybox');
  if (!fs.existsSync(base)) makeBusyboxRootfs(base);
  const top = path.join(work, `top-${marker}`);
  fs.mkdirSync(path.join(top, 'srv'), { recursive: true });
  fs.writeFileSync(path.join(top, 'srv/marker'), `${marker}\n`);
  const archive = path.join(work, `${marker}.tar`);
  const built = buildDockerArchive(archive, { layers: [{ dir: base }, { dir: top }], tags: [`fixture/${marker}:latest`], cmd: ['/bin/cat', '/srv/marker'], workDir: work });
  return { archive, ...built };
}

/** `skopeo copy` of an archive into the registry (gzip layers); `oci` for an OCI manifest. */
export function skopeoPush(archive: string, destination: string, options: { format?: 'oci' | 'v2s2'; creds?: string } = {}): void {
  execFileSync('skopeo', [
    'copy', '--quiet', '--dest-tls-verify=false',
    ...(options.format ? ['--format', options.format] : []),
    ...(options.creds ? ['--dest-creds', options.creds] : []),
    `docker-archive:${archive}`, `docker://${destination}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `skopeo inspect --raw`: the manifest bytes as the registry holds them. */
export function rawManifest(reference: string): Buffer {
  return execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference}`]);
}

/** Content-store blobs and unpacked layer directories of a data dir: what a refused pull must not change. */
export function storeSnapshot(dataDir: string): { blobs: string[]; layers: string[] } {
  const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  return { blobs: list(path.join(dataDir, 'content/blobs/sha256')), layers: list(path.join(dataDir, 'layers')) };
}
