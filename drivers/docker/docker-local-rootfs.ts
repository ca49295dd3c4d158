/**
 * The filesystem of a created, not yet started container, opened directly on this machine
 * when the daemon is local and keeps containers on overlay2: the container's own layers
 * (its upper directory over the image's) are mounted on a private directory of ours, the
 * injected files are written there with the local driver's checked writes, and the mount
 * goes again before the daemon starts the container. The files land where the archive API
 * would put them (the container's upper layer, so `docker diff` and a commit see them), at
 * a fraction of its cost: the daemon's archive PUT mounts the same layers and runs a
 * re-executed dockerd to unpack a tar, 40-50 ms per boot against a few here.
 *
 * The mount directory names the process that made it, so a driver starting on this machine
 * can remove what a crashed one left mounted (removeStaleFillMounts).
 *
 * Whenever this route cannot be taken (a remote daemon, another storage driver, layers
 * not visible from here, a mount refused) or a write is refused (a path through a
 * symlink, which the archive API follows inside the container), the caller uses the
 * archive API instead, whose verdict is the daemon's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountAll, mountsUnder, unmount } from '../../engine/mount/index.js';
import { existsInRoot, writeFileInRoot } from '../local/rootfs-write.js';
import type { DockerApi } from './docker-api.js';

/** A file to put into the container. */
export interface ContainerFile {
  path: string;
  contents: Buffer;
  mode: number;
}

interface GraphDriverAnswer {
  GraphDriver?: { Name?: string; Data?: Record<string, string> | null };
}

/** Our mount directories: `<tmp>/intermodal-docker-fill-<pid>-XXXXXX`, the pid of the process that made it. */
const fillPrefix = 'intermodal-docker-fill-';
const fillDir = /^intermodal-docker-fill-(\d+)-[^/]+$/;

/**
 * Unmounts and removes the mount directories of processes that died holding one (a crash
 * between mount and unmount), so the daemon never starts a container whose layers are still
 * mounted elsewhere. Those of live processes are theirs, and left alone.
 */
export function removeStaleFillMounts(): void {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const tmp = os.tmpdir();
  let names: string[];
  try {
    names = fs.readdirSync(tmp).filter((n) => n.startsWith(fillPrefix));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(fillDir.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    const dir = path.join(tmp, name);
    try {
      for (const m of mountsUnder(dir).reverse()) unmount(m.mountPoint);
      fs.rmdirSync(dir);
    } catch {
      // Not ours to fight over: the next driver start tries again.
    }
  }
}

/** Whether this kernel's overlayfs indexes by default (the daemon then mounts with index=off too). */
const indexOnByDefault = (): boolean => {
  try {
    return fs.readFileSync('/sys/module/overlay/parameters/index', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
};

/** The container's filesystem, mounted on a private directory until `close`. */
export class LocalContainerRoot {
  private closed = false;

  private constructor(readonly root: string) {}

  /**
   * Mounts the created container `id`'s layers; undefined when that cannot be done here,
   * for any reason (the caller then uses the daemon's archive API).
   */
  static async open(api: DockerApi, id: string): Promise<LocalContainerRoot | undefined> {
    if (!api.isLocal || process.getuid?.() !== 0) return undefined;
    let answer: GraphDriverAnswer;
    try {
      answer = await api.json<GraphDriverAnswer>('GET', `/containers/${id}/json`);
    } catch {
      return undefined;
    }
    const data = answer.GraphDriver?.Data ?? undefined;
    if (answer.GraphDriver?.Name !== 'overlay2' || !data?.['LowerDir'] || !data['UpperDir'] || !data['WorkDir']) return undefined;
    const lowers = data['LowerDir'].split(':');
    // The daemon's layer directories must be the ones seen here (same machine, same mount
    // namespace), and the container's root must be this machine's root: a daemon that remaps
    // user namespaces (or runs rootless) owns the layer by another id, and files written as
    // root here would belong to nobody inside; the archive API maps them for it.
    if (![data['UpperDir'], data['WorkDir'], ...lowers].every((dir) => path.isAbsolute(dir) && fs.existsSync(dir))) return undefined;
    const upper = fs.statSync(data['UpperDir']);
    if (upper.uid !== 0 || upper.gid !== 0) return undefined;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${fillPrefix}${process.pid}-`));
    try {
      mountAll([{
        type: 'overlay', source: 'overlay',
        options: [`lowerdir=${lowers.join(':')}`, `upperdir=${data['UpperDir']}`, `workdir=${data['WorkDir']}`, ...(indexOnByDefault() ? ['index=off'] : [])],
      }], root);
    } catch {
      fs.rmdirSync(root);
      return undefined;
    }
    return new LocalContainerRoot(root);
  }

  /** Whether `file` exists as the container will see it (symlinks followed inside it). */
  has(file: string): boolean {
    return existsInRoot(this.root, file);
  }

  /**
   * Writes the files; false when one cannot be written here (the caller then hands them
   * all to the archive API, which writes the same bytes again or gives the daemon's reason).
   */
  write(files: ContainerFile[]): boolean {
    try {
      for (const f of files) writeFileInRoot(this.root, f.path, f.contents, f.mode);
      return true;
    } catch {
      return false;
    }
  }

  /** Unmounts (before the daemon mounts the same layers to start the container) and removes the directory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    unmount(this.root);
    fs.rmdirSync(this.root);
  }
}
