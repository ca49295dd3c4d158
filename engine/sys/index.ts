/**
 * Bindings for the Linux system calls Node.js lacks (mount, umount, mknod, xattrs, idmapped
 * mounts, SOCK_SEQPACKET sockets), from the
 * native addon in `native/sys.c`. Errors carry the errno name in `code`, as Node's fs errors do.
 */
import { createRequire } from 'node:module';
import { projectRoot } from '../project-root.js';
import path from 'node:path';

/** The native addon's functions; see native/sys.c for each call's exact semantics. */
export interface SysCalls {
  mount(source: string, target: string, fstype: string, flags: number, data: string | null): void;
  /** Mounts overlayfs; falls back to the new mount API's `lowerdir+` when the layers do not fit one page. */
  overlayMount(target: string, lowerdirs: string[], upperdir: string | null, workdir: string | null, extraOptions: string): void;
  umount(target: string, flags: number): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  /** Returns null when the attribute is absent. */
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  /** Mounts on `target` an idmapped clone of the tree at `source`: on-disk id N is seen as hostId+N (N < count). */
  idmapClone(source: string, target: string, hostId: number, count: number): void;
  /** A blocking, close-on-exec SOCK_SEQPACKET connection to the unix socket at `path` (any length); returns the fd. */
  seqpacketConnect(path: string): number;
  /** shutdown(2): 0 read side, 1 write side, 2 both. */
  shutdown(fd: number, how: number): void;
  /**
   * Mounts a clone of the host mount at `source` on `target` (made if missing) inside the
   * mount namespace of process `pid`, nosuid and nodev (read-only when asked); `target`
   * resolves inside that namespace's root.
   */
  mountIntoNamespace(pid: number, source: string, target: string, readOnly: boolean): void;
  /** Detaches the mount at `target` inside the mount namespace of process `pid`. */
  umountInNamespace(pid: number, target: string): void;
  /** Sets ext4's top-directory inode flag (chattr +T) on a directory; false where the filesystem has none. */
  setTopDirectory(path: string): boolean;
  /** Sends a gratuitous ARP for `address` at `mac` out of `ifname` (a bridge), so neighbour caches drop a MAC the address had before. */
  announceAddress(ifname: string, address: string, mac: string): void;
  /** Makes a network namespace pinned by a bind mount at `path`, a file it creates (EEXIST if there is one). */
  makeNetNamespace(path: string): void;
  /** Runs a program to completion on a thread of the addon (see run-program.ts). */
  runProgram(argv: string[], input: Buffer | null, callback: (err: NodeJS.ErrnoException | null, result?: { code: number | null; signal: number | null; stdout: Buffer; stderr: Buffer }) => void): void;
  /** A close-on-exec pipe [readFd, writeFd] with a kernel buffer of up to `bytes` (as much as the kernel allows). */
  pipeWithCapacity(bytes: number): [number, number];
  /**
   * The native layer unpacker (native/sys-tar-unpack.c): unpacks the tar read from `fd` into
   * `targetDir` on a thread of its own and calls back once done (error: see unpack-in-worker.ts).
   */
  unpackTarFd(
    fd: number, targetDir: string, maxLayerBytes: number, maxLayerEntries: number, allowDevices: boolean,
    done: (error: Error | null, result: { diffId: string; size: number; entries: number } | undefined) => void,
  ): void;
}

/** MS_* and MNT_* constants from <sys/mount.h> that the engine uses. */
export const MountFlags = {
  MS_RDONLY: 0x1,
  MS_NOSUID: 0x2,
  MS_NODEV: 0x4,
  MS_NOEXEC: 0x8,
  MS_REMOUNT: 0x20,
  MS_BIND: 0x1000,
  MS_REC: 0x4000,
  MS_PRIVATE: 0x40000,
  MNT_DETACH: 0x2,
} as const;

const require = createRequire(import.meta.url);

/** The loaded addon; built by `npm run build` (node-gyp) into build/Release. */
export const sys: SysCalls = require(path.join(projectRoot, 'build', 'Release', 'intermodal_sys.node')) as SysCalls;
