/**
 * The benchmark's large image: a Debian `debootstrap --variant=minbase` root filesystem
 * (with redis-server and python3, about 200 MB), saved as a one-layer docker-archive.
 * Built once from the Debian mirror apt already uses and cached under the data dir.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive } from '../../test/helpers/image-fixtures.js';

/** The Debian mirror from apt's own configuration. */
function debianMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const uri = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text)?.[1] ?? /^deb\s+(\S+\/debian)\s+bookworm/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new Error('no Debian mirror in apt sources');
}

/** Path of the cached minbase docker-archive, building it if absent. */
export function minbaseArchive(cacheDir: string): { archive: string; rootfs: string; bytes: number } {
  const rootfs = path.join(cacheDir, 'minbase-rootfs');
  const archive = path.join(cacheDir, 'minbase.tar');
  if (!fs.existsSync(path.join(rootfs, 'usr/bin/redis-server'))) {
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.mkdirSync(cacheDir, { recursive: true });
    process.stderr.write('building the minbase image with debootstrap (once; cached)...\n');
    execFileSync('debootstrap', ['--variant=minbase', '--include=redis-server,python3', 'bookworm', rootfs, debianMirror()], { stdio: ['ignore', 'ignore', 'inherit'] });
    // apt's package cache is not part of the image.
    fs.rmSync(path.join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    fs.mkdirSync(path.join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
  }
  if (!fs.existsSync(archive)) {
    // Images carry no device nodes (the runtime makes /dev); debootstrap leaves some.
    for (const entry of fs.readdirSync(path.join(rootfs, 'dev'))) fs.rmSync(path.join(rootfs, 'dev', entry), { recursive: true, force: true });
    buildDockerArchive(`${archive}.tmp`, { layers: [{ dir: rootfs }], tags: ['bench/minbase:latest'], cmd: ['/bin/bash'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], workDir: cacheDir });
    fs.renameSync(`${archive}.tmp`, archive);
  }
  return { archive, rootfs, bytes: fs.statSync(archive).size };
}
