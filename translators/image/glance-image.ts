/**
 * A Glance image as the cloud records it: the catalogue entry users see (name, owner,
 * visibility, status, formats, checksums, properties, tags), and what backs its data:
 * an engine image (bootable) or an opaque file (raw/qcow2 disks, kept but not bootable).
 */

/** Glance's image states, plus `error` shown for a failed snapshot (see the view). */
export type GlanceStatus = 'queued' | 'saving' | 'importing' | 'active' | 'deactivated' | 'killed';

export type GlanceVisibility = 'private' | 'shared' | 'community' | 'public';

/** How a record came to be: created through the API, a snapshot, or found in the engine store. */
export type GlanceOrigin = 'api' | 'snapshot' | 'engine';

export const containerFormats = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const diskFormats = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const visibilities: readonly GlanceVisibility[] = ['private', 'shared', 'community', 'public'];

/** One image record. */
export interface GlanceImage {
  id: string;
  name: string | null;
  /** Owning project; null only for records made before any project existed. */
  owner: string | null;
  visibility: GlanceVisibility;
  status: GlanceStatus;
  containerFormat: string | null;
  diskFormat: string | null;
  /**
   * Bytes of image data; null until data is uploaded. For an engine-backed image this and
   * the checksums describe the archive a download sends (what clients verify), not the
   * archive that was uploaded; they are null until first computed.
   */
  size: number | null;
  /** md5 hex of the data, as Glance's `checksum`. */
  checksum: string | null;
  /** sha512 hex of the data (`os_hash_value`, algorithm `sha512`). */
  osHashValue: string | null;
  minRam: number;
  minDisk: number;
  protected: boolean;
  osHidden: boolean;
  tags: string[];
  /** Custom properties, all strings (Glance's additionalProperties). */
  properties: Record<string, string>;
  /** The engine image (`sha256:...`) that backs a bootable image. */
  engineImageId?: string;
  /**
   * The names a download's archive carries, fixed when the image became active, so the
   * archive (and so `checksum`) stays the same when the engine's tags move later.
   */
  exportRefs?: string[];
  /** True when the data is an opaque file (not bootable). */
  opaqueData: boolean;
  origin: GlanceOrigin;
  /** Why a snapshot failed (status killed). */
  statusReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Attributes the server computes: a client may not set them (Glance answers 403
 * "Attribute 'x' is read-only").
 */
export const readOnlyAttributes = new Set([
  'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'created_at', 'updated_at',
  'os_hash_algo', 'os_hash_value', 'locations', 'stores',
]);

/** Attributes Glance reserves entirely (403 "Attribute 'x' is reserved"). */
export const reservedAttributes = new Set(['deleted', 'deleted_at', 'location']);

/** Core attributes with their own columns; every other key is a custom string property. */
export const coreAttributes = new Set([
  'id', 'name', 'owner', 'visibility', 'container_format', 'disk_format', 'min_ram', 'min_disk', 'protected', 'os_hidden', 'tags',
]);

/** Whether a property key is reserved for the server (Glance's `os_glance_` namespace). */
export function isReservedKey(key: string): boolean {
  return reservedAttributes.has(key) || key.startsWith('os_glance_');
}
