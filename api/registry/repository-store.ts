/**
 * Repositories as the registry serves them: what was pushed (the registry_* tables) joined
 * with what the image store names `repository:tag`, so an image loaded or committed locally
 * can be pulled too. The image store stays the truth for names: a pushed tag is served only
 * while `repository:tag` still names the image the push made.
 */
import type { Engine } from '../../engine/engine.js';
import { transaction } from '../../engine/metadata/database.js';
import { type ImageRecord } from '../../engine/images/image-store.js';
import { type ManifestDocument, imageManifest } from '../../engine/images/image-manifest.js';
import { splitStoredReference } from '../../engine/images/reference.js';

/** A repository's access settings. */
export interface RepositoryRecord {
  name: string;
  /** Owning project; undefined when any logged-in user may push (a local image never pushed). */
  project?: string;
  public: boolean;
}

/** A manifest the registry can serve: stored bytes, or one generated for a local image. */
export interface ServedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** Registry names: lowercase path components, as the distribution spec defines them. */
export const repositoryNamePattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Reads and records repositories over one engine. */
export class RepositoryStore {
  constructor(private readonly engine: Engine) {}

  private get db() {
    return this.engine.db;
  }

  /** The repository's settings, or undefined when nothing by that name exists. */
  repository(name: string): RepositoryRecord | undefined {
    const row = this.db.prepare('SELECT name, project, public FROM registry_repositories WHERE name = ?').get(name) as
      | { name: string; project: string | null; public: number }
      | undefined;
    if (row) return { name, ...(row.project !== null && { project: row.project }), public: row.public === 1 };
    return this.localImages(name).length > 0 ? { name, public: false } : undefined;
  }

  /** Records the repository (owned by `project` if new), keeping an existing owner. */
  ensureRepository(name: string, project: string | undefined): void {
    this.db
      .prepare('INSERT OR IGNORE INTO registry_repositories (name, project, public, created_at) VALUES (?, ?, 0, ?)')
      .run(name, project ?? null, Date.now());
  }

  /** Marks a repository public (anonymous pulls) or private. */
  setPublic(name: string, isPublic: boolean): void {
    this.ensureRepository(name, undefined);
    this.db.prepare('UPDATE registry_repositories SET public = ? WHERE name = ?').run(isPublic ? 1 : 0, name);
  }

  /** Every repository name, sorted: pushed ones and the host-less names of local images. */
  names(): string[] {
    const names = new Set((this.db.prepare('SELECT name FROM registry_repositories').all() as { name: string }[]).map((r) => r.name));
    for (const { ref } of this.db.prepare('SELECT ref FROM image_refs').all() as { ref: string }[]) {
      const { repository } = splitStoredReference(ref);
      if (repositoryNamePattern.test(repository)) names.add(repository);
    }
    return [...names].sort();
  }

  /** Tags of a repository, sorted: valid pushed tags and `repository:tag` image names. */
  tags(name: string): string[] {
    const tags = new Set<string>();
    for (const ref of this.refsOf(name)) if (!ref.includes('@', name.length)) tags.add(ref.slice(name.length + 1));
    return [...tags].sort();
  }

  /** True when the blob may be served from this repository. */
  hasBlob(name: string, digest: string): boolean {
    if (!this.engine.content.has(digest)) return false;
    if (this.db.prepare('SELECT 1 FROM registry_blobs WHERE repository = ? AND digest = ?').get(name, digest)) return true;
    // A local image's blobs belong to every repository that names it.
    return this.localImages(name).some((image) => {
      const doc = this.generated(image);
      return doc !== undefined && (doc.manifest.config.digest === digest || doc.manifest.layers.some((l) => l.digest === digest));
    });
  }

  /** Links blobs to a repository (an upload, a mount, a manifest's references). */
  linkBlobs(name: string, digests: string[]): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO registry_blobs (repository, digest, created_at) VALUES (?, ?, ?)');
    transaction(this.db, () => {
      for (const digest of digests) insert.run(name, digest, Date.now());
    });
  }

  /** Unlinks a blob; false when it was not linked. */
  unlinkBlob(name: string, digest: string): boolean {
    return this.db.prepare('DELETE FROM registry_blobs WHERE repository = ? AND digest = ?').run(name, digest).changes > 0;
  }

  /** The manifest a tag or digest names in this repository, or undefined. */
  manifest(name: string, reference: string): ServedManifest | undefined {
    return reference.startsWith('sha256:') ? this.manifestByDigest(name, reference) : this.manifestByTag(name, reference);
  }

  /** Every manifest pushed to the repository, with its bytes. */
  pushedManifests(name: string): ServedManifest[] {
    const rows = this.db.prepare('SELECT digest, media_type FROM registry_manifests WHERE repository = ? ORDER BY created_at').all(name) as { digest: string; media_type: string }[];
    return rows.filter((r) => this.engine.content.has(r.digest)).map((r) => ({ digest: r.digest, mediaType: r.media_type, bytes: this.engine.content.readAll(r.digest) }));
  }

  /** Records a pushed manifest, its blobs, and its tag, in the caller's transaction. */
  recordManifest(name: string, manifest: { digest: string; mediaType: string; imageId?: string; blobs: string[] }, tag?: string): void {
    this.db
      .prepare('INSERT INTO registry_manifests (repository, digest, media_type, image_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(repository, digest) DO UPDATE SET image_id = COALESCE(excluded.image_id, image_id)')
      .run(name, manifest.digest, manifest.mediaType, manifest.imageId ?? null, Date.now());
    this.linkBlobs(name, [manifest.digest, ...manifest.blobs]);
    if (tag !== undefined) {
      this.db
        .prepare('INSERT INTO registry_tags (repository, tag, digest, image_id) VALUES (?, ?, ?, ?) ON CONFLICT(repository, tag) DO UPDATE SET digest = excluded.digest, image_id = excluded.image_id')
        .run(name, tag, manifest.digest, manifest.imageId ?? null);
    }
  }

  /** The image a pushed manifest made, if any. */
  pushedImage(name: string, digest: string): string | undefined {
    const row = this.db.prepare('SELECT image_id FROM registry_manifests WHERE repository = ? AND digest = ?').get(name, digest) as { image_id: string | null } | undefined;
    return row?.image_id ?? undefined;
  }

  /**
   * Deletes a manifest from a repository: its record, the tags naming it, and the image
   * store names those tags made. Returns false when the repository has no such manifest.
   */
  deleteManifest(name: string, digest: string): boolean {
    const served = this.manifestByDigest(name, digest);
    if (!served) return false;
    const untag: string[] = [];
    transaction(this.db, () => {
      for (const ref of this.refsOf(name)) {
        const at = ref.indexOf('@', name.length);
        if (at >= 0 ? ref.slice(at + 1) === digest : this.manifestByTag(name, ref.slice(name.length + 1))?.digest === digest) untag.push(ref);
      }
      this.db.prepare('DELETE FROM registry_tags WHERE repository = ? AND digest = ?').run(name, digest);
      this.db.prepare('DELETE FROM registry_manifests WHERE repository = ? AND digest = ?').run(name, digest);
      this.db.prepare('DELETE FROM registry_blobs WHERE repository = ? AND digest = ?').run(name, digest);
    });
    for (const ref of untag) {
      // force: a container still using the image keeps it; only the name goes, as `docker rmi -f`.
      try {
        this.engine.images.remove(ref, { force: true });
      } catch {
        // Already gone: a concurrent rmi.
      }
    }
    return true;
  }

  /** Removes a tag: the pushed record and the image store name `name:tag`. */
  deleteTag(name: string, tag: string): void {
    this.db.prepare('DELETE FROM registry_tags WHERE repository = ? AND tag = ?').run(name, tag);
    try {
      this.engine.images.remove(`${name}:${tag}`, { force: true });
    } catch {
      // No such image name: the tag was a pushed index or artifact only.
    }
  }

  private manifestByTag(name: string, tag: string): ServedManifest | undefined {
    const row = this.db.prepare('SELECT t.digest, t.image_id, m.media_type FROM registry_tags t JOIN registry_manifests m ON m.repository = t.repository AND m.digest = t.digest WHERE t.repository = ? AND t.tag = ?').get(name, tag) as
      | { digest: string; image_id: string | null; media_type: string }
      | undefined;
    const named = this.imageNamed(`${name}:${tag}`);
    if (row && (row.image_id === null || row.image_id === named?.id) && this.engine.content.has(row.digest)) {
      return { digest: row.digest, mediaType: row.media_type, bytes: this.engine.content.readAll(row.digest) };
    }
    if (!named) return undefined;
    const doc = this.generated(named);
    return doc && { digest: doc.digest, mediaType: doc.mediaType, bytes: doc.bytes };
  }

  private manifestByDigest(name: string, digest: string): ServedManifest | undefined {
    const row = this.db.prepare('SELECT media_type FROM registry_manifests WHERE repository = ? AND digest = ?').get(name, digest) as { media_type: string } | undefined;
    if (row && this.engine.content.has(digest)) return { digest, mediaType: row.media_type, bytes: this.engine.content.readAll(digest) };
    for (const image of this.localImages(name)) {
      const doc = this.generated(image);
      if (doc?.digest === digest) return { digest, mediaType: doc.mediaType, bytes: doc.bytes };
    }
    return undefined;
  }

  /** Stored references `name:tag` and `name@digest` of this repository, plus valid pushed tags. */
  private refsOf(name: string): string[] {
    const refs = new Set(
      (this.db.prepare("SELECT ref FROM image_refs WHERE substr(ref, 1, ?) IN (?, ?)").all(name.length + 1, `${name}:`, `${name}@`) as { ref: string }[])
        .map((r) => r.ref)
        .filter((ref) => !ref.slice(name.length + 1).includes('/')),
    );
    const pushed = this.db.prepare('SELECT tag, image_id FROM registry_tags WHERE repository = ? AND image_id IS NULL').all(name) as { tag: string }[];
    for (const { tag } of pushed) refs.add(`${name}:${tag}`);
    return [...refs];
  }

  private imageNamed(ref: string): ImageRecord | undefined {
    const row = this.db.prepare('SELECT image_id FROM image_refs WHERE ref = ?').get(ref) as { image_id: string } | undefined;
    return row ? this.engine.images.get(row.image_id) : undefined;
  }

  private localImages(name: string): ImageRecord[] {
    const rows = this.db.prepare("SELECT ref, image_id FROM image_refs WHERE substr(ref, 1, ?) IN (?, ?)").all(name.length + 1, `${name}:`, `${name}@`) as { ref: string; image_id: string }[];
    const ids = new Set(rows.filter((r) => !r.ref.slice(name.length + 1).includes('/')).map((r) => r.image_id));
    return [...ids].map((id) => this.engine.images.get(id));
  }

  private generated(image: ImageRecord): ManifestDocument | undefined {
    try {
      return imageManifest(this.engine, image);
    } catch {
      // An image whose layer blobs are gone (imported rootfs, pruned) cannot be served.
      return undefined;
    }
  }
}
