/**
 * Volumes with a real size: a sparse file formatted ext4 and loop-mounted on the volume's
 * data directory, so a writer gets ENOSPC at the size, as on a block device (Cinder's
 * volumes). A directory volume has no limit of its own; this is the one kind that has.
 *
 * The loop device is set up by mount(8) with autoclear, so it is released by the kernel
 * with the last mount of the filesystem: unmounting the host mount (and the clones in
 * containers, see volume-hotplug.ts) is all it takes, and nothing is left in `losetup -a`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '../errors.js';
import { isMountPoint, unmount } from '../mount/index.js';

/** The smallest size accepted: ext4 with a journal needs a few MiB. */
export const minimumVolumeBytes = 16 * 1024 * 1024;

/** The backing file of a sized volume whose data directory is `dataDir`. */
export function backingFile(dataDir: string): string {
  return path.join(path.dirname(dataDir), 'disk.img');
}

/** Throws unless `bytes` can be a volume's size. */
export function checkVolumeSize(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < minimumVolumeBytes) throw new InvalidArgumentError(`invalid volume size ${bytes}: a sized volume needs a whole number of bytes, at least ${minimumVolumeBytes}`);
}

/** Makes the backing file of `bytes` (sparse: it takes room only as data is written) and formats it. */
export function formatVolume(dataDir: string, bytes: number): void {
  checkVolumeSize(bytes);
  const file = backingFile(dataDir);
  // Thin, as Cinder's LVM thin pools are, but never promised beyond what the disk has now.
  const disk = fs.statfsSync(path.dirname(file));
  if (disk.bavail * disk.bsize < bytes) throw new FailedPreconditionError(`not enough disk space for a volume of ${bytes} bytes: ${disk.bavail * disk.bsize} bytes are free`);
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.ftruncateSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
  // No reserved blocks (the whole size is the user's); the inode tables and journal of a
  // sparse file read as zeros already, so they are not written out (lazy init).
  run('mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', '-L', 'intermodal', file]);
}

/** Mounts the volume's filesystem on its data directory unless it is mounted already. */
export function mountVolume(dataDir: string): void {
  if (isMountPoint(dataDir)) return;
  const file = backingFile(dataDir);
  if (!fs.existsSync(file)) throw new FailedPreconditionError(`the backing file of volume directory ${path.dirname(dataDir)} is missing`);
  // noinit_itable: the kernel need not zero the inode tables of a sparse file.
  run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev,noinit_itable', file, dataDir]);
}

/** Unmounts the volume's filesystem (releasing its loop device once no container holds it). */
export function unmountVolume(dataDir: string): void {
  unmount(dataDir);
}

function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new FailedPreconditionError(`${command} failed: ${stderr || (err as Error).message}`);
  }
}
