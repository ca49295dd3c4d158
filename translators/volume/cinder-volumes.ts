/**
 * Cinder volumes over the engine's volumes: each Cinder volume is the sized engine volume
 * `volume-<id>` (a loop-mounted ext4 file of `size` GiB, engine/containers/volume-filesystem.ts),
 * so `intermodal volume ls` lists it and a writer gets ENOSPC at its size. The Cinder
 * fields (name, description, metadata, project, the attachment) are kept in its labels.
 *
 * Containers have no block devices: an attachment's device name (Nova's `/dev/vdb`) only
 * chooses where the volume is mounted in the server, `/dev/<name>` at `/mnt/<name>`, any
 * other absolute path at itself (mountPathFor).
 *
 * LIMITATIONS against Cinder: no volume types, snapshots, backups, images (`imageRef`),
 * shrinking or transfer; one attachment per volume (no multiattach); sizes are whole GiB.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { Volume, VolumeStore } from '../../engine/containers/volume-store.js';

const gib = 1024 * 1024 * 1024;

/** Where a volume is attached. */
export interface CinderAttachment {
  attachmentId: string;
  serverId: string;
  /** The device name the user gave or was given (`/dev/vdb`). */
  device: string;
  /** Where the volume is mounted inside the server. */
  mountPath: string;
  attachedAt: string;
}

/** A volume as Cinder shows it. */
export interface CinderVolume {
  id: string;
  name: string;
  description: string;
  metadata: Record<string, string>;
  /** GiB. */
  size: number;
  status: 'available' | 'in-use';
  attachments: CinderAttachment[];
  projectId: string;
  createdAt: string;
  /** The engine volume holding it. */
  engineVolume: string;
}

const label = {
  id: 'org.openstack.volume-id',
  project: 'org.openstack.project-id',
  name: 'org.openstack.volume.name',
  description: 'org.openstack.volume.description',
  metadata: 'org.openstack.volume.metadata',
  attachment: 'org.openstack.volume.attachment',
} as const;

/** The one volume type, as Cinder names its default. */
export const defaultVolumeType = '__DEFAULT__';

/** The largest size accepted (GiB): the backing file is sparse, but mkfs still writes its tables. */
export const maximumVolumeGb = 1024;

/** The mount path inside a server for a Nova device name: `/dev/vdb` at `/mnt/vdb`, another absolute path at itself. */
export function mountPathFor(device: string): string {
  if (typeof device !== 'string' || !path.isAbsolute(device) || path.normalize(device) !== device) throw new InvalidArgumentError(`invalid mountpoint '${device}': give a device name such as /dev/vdb or an absolute path`);
  const name = /^\/dev\/([A-Za-z0-9_.-]+)$/.exec(device)?.[1];
  if (device.startsWith('/dev/') && !name) throw new InvalidArgumentError(`invalid mountpoint '${device}': a device name is /dev/<name>`);
  return name ? `/mnt/${name}` : device;
}

export class CinderVolumes {
  constructor(private readonly volumes: VolumeStore) {}

  /** Creates a volume of `size` GiB; nothing is left if it fails. */
  create(projectId: string, input: { size: number; name?: string; description?: string; metadata?: Record<string, string>; imageRef?: string }): CinderVolume {
    if (input.imageRef !== undefined && input.imageRef !== null) throw new InvalidArgumentError('creating a volume from an image is not supported here: volumes start empty (an ext4 filesystem)');
    if (!Number.isInteger(input.size) || input.size < 1 || input.size > maximumVolumeGb) throw new InvalidArgumentError(`invalid volume size ${String(input.size)}: give a whole number of GiB from 1 to ${maximumVolumeGb}`);
    const metadata = input.metadata ?? {};
    if (typeof metadata !== 'object' || Array.isArray(metadata) || Object.values(metadata).some((v) => typeof v !== 'string')) throw new InvalidArgumentError('volume metadata must map names to strings');
    const id = crypto.randomUUID();
    const volume = this.volumes.create(`volume-${id}`, {
      sizeBytes: input.size * gib,
      labels: { [label.id]: id, [label.project]: projectId, [label.name]: input.name ?? '', [label.description]: input.description ?? '', [label.metadata]: JSON.stringify(metadata) },
    });
    return this.view(volume);
  }

  /** The volume; NotFoundError when it does not exist or belongs to another project (unless `projectId` is undefined: any). */
  get(id: string, projectId?: string): CinderVolume {
    const volume = typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id) ? this.volumes.find(`volume-${id}`) : undefined;
    if (!volume || volume.labels[label.id] !== id || (projectId !== undefined && volume.labels[label.project] !== projectId)) throw new NotFoundError(`Volume ${id} could not be found.`);
    return this.view(volume);
  }

  /** The project's volumes (every project's when undefined). */
  list(projectId?: string): CinderVolume[] {
    return this.volumes.list().filter((v) => v.labels[label.id] !== undefined && (projectId === undefined || v.labels[label.project] === projectId)).map((v) => this.view(v));
  }

  /** Changes name, description or metadata. */
  update(id: string, changes: { name?: string; description?: string; metadata?: Record<string, string> }): CinderVolume {
    const volume = this.get(id);
    const labels = { ...this.volumes.get(volume.engineVolume).labels };
    if (changes.name !== undefined) labels[label.name] = changes.name;
    if (changes.description !== undefined) labels[label.description] = changes.description;
    if (changes.metadata !== undefined) labels[label.metadata] = JSON.stringify(changes.metadata);
    return this.view(this.volumes.setLabels(volume.engineVolume, labels));
  }

  /** Grows a volume to `size` GiB, attached or not (the server sees the new size at once); it never shrinks. */
  extend(id: string, size: number): CinderVolume {
    const volume = this.get(id);
    if (!Number.isInteger(size) || size > maximumVolumeGb) throw new InvalidArgumentError(`invalid volume size ${String(size)}: give a whole number of GiB up to ${maximumVolumeGb}`);
    if (size === volume.size) return volume;
    if (size < volume.size) throw new InvalidArgumentError(`Invalid input received: New size for extend must be greater than current size. (current: ${volume.size}, extended: ${size}).`);
    return this.view(this.volumes.grow(volume.engineVolume, size * gib));
  }

  /** Deletes an available volume and its data (releasing its loop device); an unknown id is already gone. */
  delete(id: string): void {
    let volume: CinderVolume;
    try {
      volume = this.get(id);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    if (volume.status === 'in-use') throw new FailedPreconditionError(`Volume ${id} is attached to server ${volume.attachments[0]!.serverId}; detach it first.`);
    this.volumes.remove(volume.engineVolume);
  }

  /** Refuses an attachment the volume cannot take now (it is attached already). */
  checkAttachable(id: string): CinderVolume {
    const volume = this.get(id);
    if (volume.status === 'in-use') throw new FailedPreconditionError(`Invalid volume: volume ${id} is already attached to server ${volume.attachments[0]!.serverId}.`);
    return volume;
  }

  /** The first free device name of a server (`/dev/vdb`, `/dev/vdc`, ...), as Nova picks one. */
  nextDevice(serverId: string): string {
    const taken = new Set(this.list().flatMap((v) => v.attachments).filter((a) => a.serverId === serverId).map((a) => a.device));
    for (const letter of 'bcdefghijklmnopqrstuvwxyz') if (!taken.has(`/dev/vd${letter}`)) return `/dev/vd${letter}`;
    throw new FailedPreconditionError(`server ${serverId} has no free device name left`);
  }

  /** Records the attachment made by the compute driver. */
  recordAttachment(id: string, attachment: Omit<CinderAttachment, 'attachmentId' | 'attachedAt'>): CinderAttachment {
    const volume = this.get(id);
    const full: CinderAttachment = { ...attachment, attachmentId: crypto.randomUUID(), attachedAt: new Date().toISOString() };
    this.volumes.setLabels(volume.engineVolume, { ...this.volumes.get(volume.engineVolume).labels, [label.attachment]: JSON.stringify(full) });
    return full;
  }

  /** Forgets the attachment (after the driver detached it). */
  clearAttachment(id: string): void {
    const volume = this.get(id);
    const labels = { ...this.volumes.get(volume.engineVolume).labels };
    delete labels[label.attachment];
    this.volumes.setLabels(volume.engineVolume, labels);
  }

  private view(volume: Volume): CinderVolume {
    const l = volume.labels;
    // The recorded attachment holds only while a container still uses the volume: a server
    // deleted meanwhile ended it with its container.
    const recorded = l[label.attachment] ? JSON.parse(l[label.attachment]!) as CinderAttachment : undefined;
    const attachments = recorded && this.volumes.attachments(volume.name).length > 0 ? [recorded] : [];
    return {
      id: l[label.id]!,
      name: l[label.name] ?? '',
      description: l[label.description] ?? '',
      metadata: JSON.parse(l[label.metadata] ?? '{}') as Record<string, string>,
      size: Math.round((volume.sizeBytes ?? 0) / gib),
      status: attachments.length > 0 ? 'in-use' : 'available',
      attachments,
      projectId: l[label.project] ?? '',
      createdAt: volume.createdAt.toISOString(),
      engineVolume: volume.name,
    };
  }
}
