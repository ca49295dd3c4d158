/**
 * Glance's tables in the cloud database (service name 'image') and the plain row access
 * over them. No policy here: callers decide who may see or change a record.
 */
import type { CloudDatabase } from '../../api/http/cloud-database.js';
import { migrateService } from '../../api/http/cloud-database.js';
import type { GlanceImage, GlanceOrigin, GlanceStatus, GlanceVisibility } from './glance-image.js';

const migrations = [
  `CREATE TABLE glance_images (
     id TEXT PRIMARY KEY,
     name TEXT,
     owner TEXT,
     visibility TEXT NOT NULL,
     status TEXT NOT NULL,
     container_format TEXT,
     disk_format TEXT,
     size INTEGER,
     checksum TEXT,
     os_hash_value TEXT,
     min_ram INTEGER NOT NULL DEFAULT 0,
     min_disk INTEGER NOT NULL DEFAULT 0,
     protected INTEGER NOT NULL DEFAULT 0,
     os_hidden INTEGER NOT NULL DEFAULT 0,
     tags TEXT NOT NULL DEFAULT '[]',
     properties TEXT NOT NULL DEFAULT '{}',
     engine_image_id TEXT,
     opaque_data INTEGER NOT NULL DEFAULT 0,
     origin TEXT NOT NULL,
     status_reason TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX glance_images_engine ON glance_images (engine_image_id);
   -- One record per engine image found in the store, however many requests sync at once.
   CREATE UNIQUE INDEX glance_images_engine_origin ON glance_images (engine_image_id) WHERE origin = 'engine';
   CREATE TABLE glance_members (
     image_id TEXT NOT NULL REFERENCES glance_images (id) ON DELETE CASCADE,
     member TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (image_id, member)
   );
   -- md5/sha512/size of the docker-archive a download produces, so its Content-MD5 is known before the first byte.
   CREATE TABLE glance_exports (
     key TEXT PRIMARY KEY,
     md5 TEXT NOT NULL,
     sha512 TEXT NOT NULL,
     size INTEGER NOT NULL
   );`,
  'ALTER TABLE glance_images ADD COLUMN export_refs TEXT;',
];

interface ImageRow {
  id: string; name: string | null; owner: string | null; visibility: string; status: string;
  container_format: string | null; disk_format: string | null; size: number | null; checksum: string | null; os_hash_value: string | null;
  min_ram: number; min_disk: number; protected: number; os_hidden: number; tags: string; properties: string;
  engine_image_id: string | null; export_refs: string | null; opaque_data: number; origin: string; status_reason: string | null; created_at: number; updated_at: number;
}

/** A member of a shared image. */
export interface GlanceMember {
  imageId: string;
  member: string;
  status: 'pending' | 'accepted' | 'rejected';
  createdAt: Date;
  updatedAt: Date;
}

function toImage(row: ImageRow): GlanceImage {
  return {
    id: row.id, name: row.name, owner: row.owner, visibility: row.visibility as GlanceVisibility, status: row.status as GlanceStatus,
    containerFormat: row.container_format, diskFormat: row.disk_format, size: row.size, checksum: row.checksum, osHashValue: row.os_hash_value,
    minRam: row.min_ram, minDisk: row.min_disk, protected: row.protected === 1, osHidden: row.os_hidden === 1,
    tags: JSON.parse(row.tags) as string[], properties: JSON.parse(row.properties) as Record<string, string>,
    ...(row.engine_image_id !== null && { engineImageId: row.engine_image_id }),
    ...(row.export_refs !== null && { exportRefs: JSON.parse(row.export_refs) as string[] }),
    opaqueData: row.opaque_data === 1, origin: row.origin as GlanceOrigin,
    ...(row.status_reason !== null && { statusReason: row.status_reason }),
    createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at),
  };
}

function toRow(image: GlanceImage): ImageRow {
  return {
    id: image.id, name: image.name, owner: image.owner, visibility: image.visibility, status: image.status,
    container_format: image.containerFormat, disk_format: image.diskFormat, size: image.size, checksum: image.checksum, os_hash_value: image.osHashValue,
    min_ram: image.minRam, min_disk: image.minDisk, protected: image.protected ? 1 : 0, os_hidden: image.osHidden ? 1 : 0,
    tags: JSON.stringify(image.tags), properties: JSON.stringify(image.properties), engine_image_id: image.engineImageId ?? null,
    export_refs: image.exportRefs === undefined ? null : JSON.stringify(image.exportRefs),
    opaque_data: image.opaqueData ? 1 : 0, origin: image.origin, status_reason: image.statusReason ?? null,
    created_at: image.createdAt.getTime(), updated_at: image.updatedAt.getTime(),
  };
}

const columns = ['id', 'name', 'owner', 'visibility', 'status', 'container_format', 'disk_format', 'size', 'checksum', 'os_hash_value', 'min_ram', 'min_disk',
  'protected', 'os_hidden', 'tags', 'properties', 'engine_image_id', 'export_refs', 'opaque_data', 'origin', 'status_reason', 'created_at', 'updated_at'] as const;

/** Row access to Glance's tables. */
export class GlanceRecords {
  constructor(readonly db: CloudDatabase) {
    migrateService(db, 'image', migrations);
  }

  get(id: string): GlanceImage | undefined {
    const row = this.db.prepare('SELECT * FROM glance_images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && toImage(row);
  }

  /** Every record; `visibleTo` narrows to what a project may see (undefined = all). */
  all(visibleTo?: string): GlanceImage[] {
    if (visibleTo === undefined) return (this.db.prepare('SELECT * FROM glance_images').all() as ImageRow[]).map(toImage);
    const rows = this.db.prepare(`SELECT * FROM glance_images i WHERE i.owner = ? OR i.visibility IN ('public', 'community')
        OR (i.visibility = 'shared' AND EXISTS (SELECT 1 FROM glance_members m WHERE m.image_id = i.id AND m.member = ?))`).all(visibleTo, visibleTo) as ImageRow[];
    return rows.map(toImage);
  }

  /** Uploads and imports under way, and snapshots not yet completed. */
  inFlight(): GlanceImage[] {
    const rows = this.db.prepare("SELECT * FROM glance_images WHERE status IN ('saving', 'importing') OR (status = 'queued' AND origin = 'snapshot')").all() as ImageRow[];
    return rows.map(toImage);
  }

  /** Records backed by an engine image. */
  byEngineImage(engineImageId: string): GlanceImage[] {
    return (this.db.prepare('SELECT * FROM glance_images WHERE engine_image_id = ?').all(engineImageId) as ImageRow[]).map(toImage);
  }

  /** Engine image ids some record refers to. */
  engineImageIds(): Set<string> {
    return new Set((this.db.prepare('SELECT DISTINCT engine_image_id AS e FROM glance_images WHERE engine_image_id IS NOT NULL').all() as { e: string }[]).map((r) => r.e));
  }

  insert(image: GlanceImage, options: { ignoreConflict?: boolean } = {}): boolean {
    const verb = options.ignoreConflict ? 'INSERT OR IGNORE' : 'INSERT';
    const info = this.db.prepare(`${verb} INTO glance_images (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`).run(toRow(image));
    return info.changes > 0;
  }

  /** Writes every column of `image`; with `whenStatus`, only if the stored status is that one. Returns whether it wrote. */
  update(image: GlanceImage, whenStatus?: GlanceStatus): boolean {
    const sets = columns.filter((c) => c !== 'id').map((c) => `${c} = @${c}`).join(', ');
    const guard = whenStatus === undefined ? '' : ' AND status = @when_status';
    const info = this.db.prepare(`UPDATE glance_images SET ${sets} WHERE id = @id${guard}`).run({ ...toRow(image), ...(whenStatus !== undefined && { when_status: whenStatus }) });
    return info.changes > 0;
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM glance_images WHERE id = ?').run(id);
  }

  /** Removes records found in the engine store for `engineImageId` and made at or after `since` (a concurrent sync's duplicates). */
  deleteSyncedSince(engineImageId: string, since: number): void {
    this.db.prepare("DELETE FROM glance_images WHERE engine_image_id = ? AND origin = 'engine' AND created_at >= ?").run(engineImageId, since);
  }

  members(imageId: string): GlanceMember[] {
    const rows = this.db.prepare('SELECT * FROM glance_members WHERE image_id = ? ORDER BY created_at').all(imageId) as { image_id: string; member: string; status: string; created_at: number; updated_at: number }[];
    return rows.map((r) => ({ imageId: r.image_id, member: r.member, status: r.status as GlanceMember['status'], createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at) }));
  }

  addMember(imageId: string, member: string): boolean {
    const now = Date.now();
    return this.db.prepare("INSERT OR IGNORE INTO glance_members (image_id, member, status, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)").run(imageId, member, now, now).changes > 0;
  }

  setMemberStatus(imageId: string, member: string, status: GlanceMember['status']): boolean {
    return this.db.prepare('UPDATE glance_members SET status = ?, updated_at = ? WHERE image_id = ? AND member = ?').run(status, Date.now(), imageId, member).changes > 0;
  }

  deleteMember(imageId: string, member: string): boolean {
    return this.db.prepare('DELETE FROM glance_members WHERE image_id = ? AND member = ?').run(imageId, member).changes > 0;
  }

  exportDigest(key: string): { md5: string; sha512: string; size: number } | undefined {
    return this.db.prepare('SELECT md5, sha512, size FROM glance_exports WHERE key = ?').get(key) as { md5: string; sha512: string; size: number } | undefined;
  }

  saveExportDigest(key: string, digest: { md5: string; sha512: string; size: number }): void {
    this.db.prepare('INSERT OR REPLACE INTO glance_exports (key, md5, sha512, size) VALUES (?, ?, ?, ?)').run(key, digest.md5, digest.sha512, digest.size);
  }

  forgetExportDigest(key: string): void {
    this.db.prepare('DELETE FROM glance_exports WHERE key = ?').run(key);
  }
}
