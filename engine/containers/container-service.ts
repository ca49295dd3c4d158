/**
 * The container lifecycle, Docker style, over the image store, the overlay snapshotter and
 * an OCI runtime under conmon. A container's files live in `containers/<id>/` (bundle,
 * log, monitor files) and its root filesystem is its snapshot, mounted only while it runs,
 * so a stopped container holds no mount. Every step that can fail undoes what it did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError } from '../errors.js';
import type { Engine } from '../engine.js';
import { processArgs } from '../runtime/spec/build-spec.js';
import type { Runtime } from '../runtime/runtime.js';
import { checkContainerName, generateName, newContainerId } from './container-names.js';
import { resolveVolumes } from './container-mounts.js';
import type { ContainerSpec } from './container-spec.js';
import type { ContainerNetworking } from '../network/network.js';
import { type ContainerRecord, ContainerStore } from './container-store.js';
import { ContainerLifecycle } from './container-lifecycle.js';
import { killForRemoval } from './forced-removal.js';
import { VolumeStore } from './volume-store.js';
import type { Change } from '../snapshots/snapshotter.js';

const runtimeMountPoints = new Set(['/dev', '/proc', '/sys']);

function isEmptyDir(p: string): boolean {
  try {
    return fs.readdirSync(p).length === 0;
  } catch {
    return false;
  }
}

const refuseNetworks = { check: () => { throw new FailedPreconditionError('networking is not configured on this host'); } };

/** What the service needs from its host program. */
export interface ContainerServiceOptions {
  engine: Engine;
  /** Runtimes by name ('runc', 'crun'). */
  runtimes: Record<string, Runtime>;
  /** The command conmon runs when a container exits, given its id (records the exit, applies the restart policy). */
  exitCommand?: (id: string) => string[];
  /** Networking for containers that ask for networks (engine/network); without it they may not. */
  network?: ContainerNetworking;
}

/** Creates, runs and removes containers. */
export class ContainerService extends ContainerLifecycle {
  constructor(options: ContainerServiceOptions) {
    const root = path.join(options.engine.config.dataDir, 'containers');
    // Searchable by all (not listable): a --userns container's root, an unprivileged host
    // uid, must reach its rootfs below here. The exit files stay private.
    fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    if ((fs.statSync(root).mode & 0o111) !== 0o111) fs.chmodSync(root, 0o711);
    fs.mkdirSync(path.join(root, 'exits'), { recursive: true, mode: 0o700 });
    super({
      ...options,
      root,
      store: new ContainerStore(options.engine.db),
      volumes: new VolumeStore(options.engine.db, path.join(options.engine.config.dataDir, 'volumes')),
    });
  }

  /** Creates a container (not started). Nothing is left behind if any part is refused. */
  async create(spec: ContainerSpec, name?: string): Promise<ContainerRecord> {
    const { engine } = this.options;
    const image = engine.images.resolve(spec.image);
    const config = engine.images.config(image.id).config ?? {};
    processArgs(config, spec.entrypoint, spec.cmd);
    if (!this.options.runtimes[spec.runtime]) throw new FailedPreconditionError(`runtime '${spec.runtime}' is not available on this host`);
    if (name !== undefined) checkContainerName(name);
    if (spec.networks) (this.options.network ?? refuseNetworks).check(spec.networks);
    const mounts = [...spec.mounts, ...this.volumesFrom(spec.volumesFrom)];
    const id = newContainerId();
    const record = this.store.insert({
      id,
      name: name ?? generateName((n) => this.store.nameTaken(n)),
      imageId: image.id,
      imageRef: spec.image,
      spec: { ...spec, mounts, stopSignal: spec.stopSignal ?? config.StopSignal ?? 'SIGTERM' },
    });
    let volumesMade: string[] = [];
    try {
      const { uses, created } = resolveVolumes(this.volumes, mounts, Object.keys(config.Volumes ?? {}));
      volumesMade = created;
      const link = engine.db.prepare('INSERT INTO container_volumes (container_id, volume, destination) VALUES (?, ?, ?)');
      for (const use of uses) link.run(id, use.volume, use.destination);
      fs.mkdirSync(path.join(this.root, id, 'rootfs'), { recursive: true, mode: 0o711 });
      await engine.snapshots.prepare(id, image.topLayer, { imageId: image.id, labels: { 'intermodal.container': record.name } });
      return record;
    } catch (err) {
      await engine.snapshots.remove(id);
      this.store.delete(id);
      for (const volume of volumesMade) this.volumes.remove(volume, { force: true });
      fs.rmSync(path.join(this.root, id), { recursive: true, force: true });
      throw err;
    }
  }

  /** Removes a container, its snapshot and files; `-f` kills a running one, `-v` removes its anonymous volumes. */
  override async remove(idOrName: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    let record = await this.refresh(this.store.resolve(idOrName));
    if (record.status === 'running' || record.status === 'paused' || record.status === 'restarting') {
      if (!options.force) throw new FailedPreconditionError(`cannot remove container ${record.name}: it is ${record.status}; stop it first or use -f`);
      // A restart under way belongs to the process restarting it: stop it the usual way.
      record = record.status === 'restarting' ? await this.killAndWait(record) : await killForRemoval(this.store, this.runtimeOf(record), record);
    }
    const { engine } = this.options;
    // Recording an exit already deleted the runtime state, and a container never started
    // has none; only a failed start or a half-done removal may have left some.
    const neverStarted = record.status === 'created' && record.startedAt === undefined && record.error === undefined;
    const needsDelete = record.status !== 'exited' && !neverStarted;
    this.store.update(record.id, { status: 'removing' });
    if (needsDelete) await this.runtimeOf(record).delete(record.id, { force: true });
    this.unmountRootfs(record.id);
    await this.options.network?.detach(record.id);
    await engine.snapshots.remove(record.id);
    const anonymous = (engine.db.prepare('SELECT v.name FROM container_volumes cv JOIN volumes v ON v.name = cv.volume WHERE cv.container_id = ? AND v.anonymous = 1').all(record.id) as { name: string }[]).map((r) => r.name);
    this.store.delete(record.id);
    if (options.volumes) for (const name of anonymous) if (this.volumes.users(name).length === 0) this.volumes.remove(name);
    fs.rmSync(path.join(this.root, record.id), { recursive: true, force: true });
    fs.rmSync(path.join(this.root, 'exits', record.id), { force: true });
  }

  /** Renames a container. */
  rename(idOrName: string, newName: string): ContainerRecord {
    checkContainerName(newName);
    return this.store.update(this.store.resolve(idOrName).id, { name: newName });
  }

  /** Every container (`all`) or only running ones, states refreshed. */
  async list(options: { all?: boolean } = {}): Promise<ContainerRecord[]> {
    const records = await Promise.all(this.store.list().map((r) => this.refresh(r)));
    return options.all ? records : records.filter((r) => r.status === 'running' || r.status === 'paused' || r.status === 'restarting');
  }

  /** The container, state refreshed. */
  async get(idOrName: string): Promise<ContainerRecord> {
    return this.refresh(this.store.resolve(idOrName));
  }

  /**
   * The container's changes, as `docker diff`. The runtime makes empty mount points for
   * /dev, /proc and /sys when the image lacks them; like Docker's init layer, they are
   * not the user's changes and are left out.
   */
  async diff(idOrName: string): Promise<Change[]> {
    const record = this.store.resolve(idOrName);
    const upper = await this.options.engine.snapshots.upperDir(record.id);
    return (await this.options.engine.snapshots.diff(record.id)).filter((c) => !(c.kind === 'A' && runtimeMountPoints.has(c.path) && isEmptyDir(path.join(upper, c.path))));
  }

  /**
   * Settles what a crash or a host restart left: records exits that happened meanwhile
   * (applying restart policies), unmounts root filesystems of containers that are not
   * running (a crash between mount and start), deletes runtime state nothing owns, and
   * removes snapshot directories no container owns.
   */
  async reconcile(): Promise<void> {
    const { engine } = this.options;
    for (const record of this.store.list()) {
      const current = await this.refresh(record);
      if (current.status === 'created' || current.status === 'exited' || current.status === 'removing') {
        await this.runtimeOf(current).delete(current.id, { force: true }).catch(() => undefined);
        this.unmountRootfs(current.id);
      }
      // 'removing': a removal cut short; an exited --rm container: its foreground waiter died.
      if (current.status === 'removing' || (current.status === 'exited' && current.spec.autoRemove)) await this.remove(current.id, { force: true, volumes: current.spec.autoRemove });
    }
    await engine.snapshots.cleanup();
  }

  private volumesFrom(sources: string[]): ContainerSpec['mounts'] {
    return sources.flatMap((source) => {
      const [ref, mode] = source.split(':');
      const other = this.store.resolve(ref!);
      const rows = this.options.engine.db.prepare('SELECT volume, destination FROM container_volumes WHERE container_id = ?').all(other.id) as { volume: string; destination: string }[];
      const binds = other.spec.mounts.filter((m) => m.type === 'bind');
      return [
        ...rows.map((r) => ({ type: 'volume' as const, source: r.volume, destination: r.destination, readOnly: mode === 'ro' })),
        ...binds.map((b) => ({ ...b, readOnly: mode === 'ro' || b.readOnly })),
      ];
    });
  }
}
