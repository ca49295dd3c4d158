/**
 * Test images built without our own code: root filesystems from Debian's busybox-static,
 * layer tars made by GNU tar, and docker-archives assembled by hand (manifest.json, config)
 * the way `docker save` lays them out. Our loader is then tested against input it did not
 * write.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const busyboxApplets = ['sh', 'ls', 'cat', 'echo', 'sleep', 'true', 'false', 'rm', 'mkdir', 'touch', 'id', 'env', 'test'];

/** Makes a minimal busybox root filesystem in `dir`. */
export function makeBusyboxRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'var/log']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const applet of busyboxApplets) fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
}

/** Writes a layer tar of `dir` with GNU tar (sorted names, numeric owners); returns its path and diff ID. */
export function tarLayer(dir: string, out: string, options: { gzip?: boolean } = {}): { file: string; diffId: string } {
  const plain = options.gzip ? `${out}.plain` : out;
  // With --xattrs GNU tar writes pax headers, which carry atime and ctime unless told not
  // to; without these deletions the same tree would give a different tar each time.
  execFileSync('tar', ['--sort=name', '--numeric-owner', '--xattrs', '--xattrs-include=*', '--pax-option=delete=atime,delete=ctime', '-C', dir, '-cf', plain, '.']);
  const diffId = `sha256:${sha256File(plain)}`;
  if (options.gzip) {
    execFileSync('sh', ['-c', `gzip -n -c "${plain}" > "${out}" && rm -f "${plain}"`]);
  }
  return { file: out, diffId };
}

/** A layer for buildDockerArchive: a directory to tar. */
export interface FixtureLayer {
  dir: string;
  gzip?: boolean;
}

/** Builds a docker-archive at `out` from layer directories (base first), as `docker save` would. */
export function buildDockerArchive(out: string, options: { layers: FixtureLayer[]; tags: string[]; cmd?: string[]; env?: string[]; workDir: string }): { configDigest: string; diffIds: string[] } {
  const staging = fs.mkdtempSync(path.join(options.workDir, 'archive-'));
  const layerPaths: string[] = [];
  const diffIds: string[] = [];
  options.layers.forEach((layer, i) => {
    const tmp = path.join(staging, `layer${i}.tar`);
    const { diffId } = tarLayer(layer.dir, tmp, { ...(layer.gzip !== undefined && { gzip: layer.gzip }) });
    const hex = sha256File(tmp);
    fs.mkdirSync(path.join(staging, hex));
    fs.renameSync(tmp, path.join(staging, hex, 'layer.tar'));
    layerPaths.push(`${hex}/layer.tar`);
    diffIds.push(diffId);
  });
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: '2026-01-02T03:04:05Z',
    config: { Cmd: options.cmd ?? ['/bin/sh'], Env: options.env ?? ['PATH=/bin'], WorkingDir: '/', Labels: { fixture: 'yes' } },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: '2026-01-02T03:04:05Z', created_by: `fixture layer ${i}` })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configHex = crypto.createHash('sha256').update(configBytes).digest('hex');
  fs.writeFileSync(path.join(staging, `${configHex}.json`), configBytes);
  fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify([{ Config: `${configHex}.json`, RepoTags: options.tags, Layers: layerPaths }]));
  execFileSync('tar', ['--sort=name', '-C', staging, '-cf', out, '.']);
  fs.rmSync(staging, { recursive: true, force: true });
  return { configDigest: `sha256:${configHex}`, diffIds };
}

/** sha256 hex of a file's bytes. */
export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Files (recursively) under a directory, relative and sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      out.push(child);
      if (fs.lstatSync(path.join(dir, child)).isDirectory()) walk(child);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}

/**
 * Two layer directories in the OCI whiteout convention: a busybox base with /etc/motd and
 * /data/old/file, and a top layer that deletes /etc/motd (`.wh.motd`) and makes /data
 * opaque (`.wh..wh..opq`) holding only /data/new.
 */
export function makeWhiteoutLayers(work: string): { base: string; top: string } {
  const base = path.join(work, 'base');
  makeBusyboxRootfs(base);
  fs.writeFileSync(path.join(base, 'etc/motd'), 'deleted in layer 2\n');
  fs.mkdirSync(path.join(base, 'data/old'), { recursive: true });
  fs.writeFileSync(path.join(base, 'data/old/file'), 'hidden by an opaque dir\n');
  fs.writeFileSync(path.join(base, 'etc/hostname'), 'base\n');
  const top = path.join(work, 'top');
  fs.mkdirSync(path.join(top, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(top, 'etc/.wh.motd'), '');
  fs.mkdirSync(path.join(top, 'data'), { recursive: true });
  fs.writeFileSync(path.join(top, 'data/.wh..wh..opq'), '');
  fs.writeFileSync(path.join(top, 'data/new'), 'layer 2\n');
  return { base, top };
}
