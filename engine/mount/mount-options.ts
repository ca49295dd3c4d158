/**
 * `mount -o` option words split into what mount(2) takes as flags and what it passes to the
 * filesystem as data. Only the words below are flags; anything else is the filesystem's own
 * option (size=64m for tmpfs, lowerdir=... for overlay) and goes through untouched.
 */
import { MountFlags } from '../sys/index.js';

// Values from <linux/mount.h>; engine/sys exports only the ones the rest of the engine uses.
const MS_SYNCHRONOUS = 0x10;
const MS_DIRSYNC = 0x80;
const MS_NOATIME = 0x400;
const MS_NODIRATIME = 0x800;
const MS_UNBINDABLE = 0x20000;
const MS_SLAVE = 0x80000;
const MS_SHARED = 0x100000;
const MS_RELATIME = 0x200000;
const MS_STRICTATIME = 0x1000000;

/** Per-mount flags: `[set, clear]`, so that `rw` undoes an earlier `ro` as mount(8) does. */
const flagWords: Record<string, [number, number]> = {
  ro: [MountFlags.MS_RDONLY, 0],
  rw: [0, MountFlags.MS_RDONLY],
  nosuid: [MountFlags.MS_NOSUID, 0],
  suid: [0, MountFlags.MS_NOSUID],
  nodev: [MountFlags.MS_NODEV, 0],
  dev: [0, MountFlags.MS_NODEV],
  noexec: [MountFlags.MS_NOEXEC, 0],
  exec: [0, MountFlags.MS_NOEXEC],
  sync: [MS_SYNCHRONOUS, 0],
  async: [0, MS_SYNCHRONOUS],
  dirsync: [MS_DIRSYNC, 0],
  noatime: [MS_NOATIME, 0],
  atime: [0, MS_NOATIME],
  nodiratime: [MS_NODIRATIME, 0],
  diratime: [0, MS_NODIRATIME],
  relatime: [MS_RELATIME, 0],
  norelatime: [0, MS_RELATIME],
  strictatime: [MS_STRICTATIME, 0],
  nostrictatime: [0, MS_STRICTATIME],
  defaults: [0, 0],
};

/** Propagation words; mount(2) takes these in a call of their own, after the mount exists. */
const propagationWords: Record<string, number> = {
  private: MountFlags.MS_PRIVATE,
  rprivate: MountFlags.MS_PRIVATE | MountFlags.MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MountFlags.MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MountFlags.MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MountFlags.MS_REC,
};

/** Mount options sorted by where mount(2) wants them. */
export interface MountOptions {
  /** MS_* per-mount flags (ro, nosuid, ...). */
  flags: number;
  /** MS_* propagation flags, 0 for none. */
  propagation: number;
  /** 'bind' or 'rbind' when the options ask for a bind mount, else undefined. */
  bind: 'bind' | 'rbind' | undefined;
  /** Everything else, for the filesystem, in the order given. */
  data: string[];
}

/** Sorts `options` into flags, propagation, bind kind and filesystem data. */
export function parseMountOptions(options: readonly string[]): MountOptions {
  const parsed: MountOptions = { flags: 0, propagation: 0, bind: undefined, data: [] };
  for (const option of options) {
    const flag = flagWords[option];
    if (flag) {
      parsed.flags = (parsed.flags | flag[0]) & ~flag[1];
    } else if (option in propagationWords) {
      parsed.propagation = propagationWords[option]!;
    } else if (option === 'bind' || option === 'rbind') {
      parsed.bind = option;
    } else {
      parsed.data.push(option);
    }
  }
  return parsed;
}
