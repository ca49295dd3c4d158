/**
 * Volumes with a real size: a sparse file formatted ext4 and loop-mounted on the volume's
 * data directory, so a writer gets ENOSPC at the size, as on a block device (Cinder's
 * volumes). A directory volume has no limit of its own; this is the one kind that has.
 *
 * The loop device is set up by mount(8) with autoclear, so it is released by the kernel
 * with the last mount of the filesystem: unmounting the host mount (and the clones in
 * containers, see volume-hotplug.ts) is all it takes, and nothing is left in `losetup -a`.
 * A volume grows (growVolume); it never shrinks.
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

/**
 * Grows a sized volume to `bytes`; it never shrinks. The backing file grows (sparse); a
 * volume no container uses is grown offline (unmounted, checked, resized, mounted again);
 * one in use is grown online, the loop device learning its new capacity and the mounted
 * ext4 growing under its users, which needs CAP_SYS_RESOURCE: without it the volume is
 * refused unchanged with the reason.
 */
export function growVolume(dataDir: string, bytes: number, inUse: boolean): void {
  checkVolumeSize(bytes);
  const file = backingFile(dataDir);
  const current = fs.statSync(file).size;
  if (bytes < current) throw new InvalidArgumentError(`a volume cannot shrink: it has ${current} bytes, asked for ${bytes}`);
  if (bytes === current) return;
  const disk = fs.statfsSync(path.dirname(file));
  if (disk.bavail * disk.bsize < bytes - current) throw new FailedPreconditionError(`not enough disk space to grow the volume by ${bytes - current} bytes: ${disk.bavail * disk.bsize} bytes are free`);
  if (!inUse) {
    unmount(dataDir);
    // Offline only if that was the last mount: a mount left anywhere (a container's copy)
    // keeps the loop device and the kernel's view of the filesystem, which an offline
    // resize under it would corrupt.
    if (loopReleased(file)) return growOffline(dataDir, file, bytes);
    mountVolume(dataDir);
  }
  if (!hasCapability(capSysResource)) throw new FailedPreconditionError('cannot grow a volume in use: growing a mounted ext4 needs CAP_SYS_RESOURCE, which this host process lacks; detach the volume and grow it then');
  mountVolume(dataDir);
  const device = loopDeviceOf(file);
  if (!device) throw new FailedPreconditionError(`no loop device backs ${file}`);
  fs.truncateSync(file, bytes);
  run('losetup', ['-c', device]);
  run('resize2fs', [device]);
}

function growOffline(dataDir: string, file: string, bytes: number): void {
  try {
    fs.truncateSync(file, bytes);
    run('e2fsck', ['-f', '-p', file]);
    run('resize2fs', [file]);
  } finally {
    mountVolume(dataDir);
  }
}

/** Whether the loop device of `file` is gone (autoclear), waiting a moment for the kernel to let go. */
function loopReleased(file: string): boolean {
  for (let tries = 0; tries < 20; tries++) {
    if (loopDeviceOf(file) === undefined) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  return false;
}

/** The loop device backing `file`, if one does. */
function loopDeviceOf(file: string): string | undefined {
  return execFileSync('losetup', ['-j', file, '-n', '-O', 'NAME'], { encoding: 'utf8' }).trim().split('\n')[0] || undefined;
}

const capSysResource = 24;

/** Whether this process has capability `bit` in its effective set. */
export function hasCapability(bit: number): boolean {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
  return line !== undefined && ((BigInt(`0x${line.slice(7).trim()}`) >> BigInt(bit)) & 1n) === 1n;
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
