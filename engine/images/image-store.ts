/**
 * The image store: images (a config blob over a layer chain) and the references that name
 * them. An image's ID is its config digest, as in Docker, so loading the same image twice
 * gives the same ID and stores nothing new. Moving a tag to another image leaves the old
 * one untagged ("dangling") until it is removed or pruned, as Docker does.
 */
import type { LocalContentStore } from '../content/local/local-content-store.js';
import { isDigest } from '../content/digest.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { EngineDatabase } from '../metadata/database.js';
import { transaction } from '../metadata/database.js';
import { type ImageConfig, parseImageConfig } from './image-config.js';
import type { LayerStore } from './layer-store.js';
import { formatReference, parseReference } from './reference.js';

/** An image as listed. */
export interface ImageRecord {
  /** 'sha256:<hex>' of the config blob. */
  id: string;
  manifestDigest?: string;
  /** Chain ID of the top layer; undefined for an image with no layers. */
  topLayer?: string;
  createdAt: Date;
  /** Its references, sorted. */
  refs: string[];
}

/** What makes a new image. */
export interface NewImage {
  configDigest: string;
  manifestDigest?: string;
  topLayer?: string;
}

interface ImageRow {
  id: string;
  manifest_digest: string | null;
  top_layer: string | null;
  created_at: number;
}

/** Images and their names. */
export class ImageStore {
  constructor(
    private readonly db: EngineDatabase,
    private readonly content: LocalContentStore,
    private readonly layers: LayerStore,
  ) {}

  /**
   * Records an image and points `refs` at it, in one transaction. The config blob and the
   * layer chain must already be stored. Returns the image.
   */
  add(image: NewImage, refs: string[]): ImageRecord {
    const normalized = refs.map((ref) => formatReference(parseReference(ref)));
    if (!this.content.has(image.configDigest)) throw new NotFoundError(`config blob '${image.configDigest}' not found`);
    if (image.topLayer !== undefined) this.layers.require(image.topLayer);
    transaction(this.db, () => {
      this.db
        .prepare('INSERT OR IGNORE INTO images (id, config_digest, manifest_digest, top_layer, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(image.configDigest, image.configDigest, image.manifestDigest ?? null, image.topLayer ?? null, Date.now());
      if (image.manifestDigest !== undefined) {
        this.db.prepare('UPDATE images SET manifest_digest = ? WHERE id = ? AND manifest_digest IS NULL').run(image.manifestDigest, image.configDigest);
      }
      const upsert = this.db.prepare('INSERT INTO image_refs (ref, image_id) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id');
      for (const ref of normalized) upsert.run(ref, image.configDigest);
    });
    return this.get(image.configDigest);
  }

  /** The image with this exact ID; NotFoundError if absent. */
  get(id: string): ImageRecord {
    const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    if (!row) throw new NotFoundError(`image '${id}' not found`);
    return this.record(row);
  }

  /**
   * Finds an image by reference (`busybox`, `busybox:1.36`, `name@sha256:...`), full ID
   * (`sha256:...`) or a unique ID prefix of at least 4 hex digits, as Docker does.
   */
  resolve(nameOrId: string): ImageRecord {
    const byId = this.findById(nameOrId);
    if (byId) return byId;
    let stored: string;
    try {
      stored = formatReference(parseReference(nameOrId));
    } catch {
      throw new NotFoundError(`image '${nameOrId}' not found`);
    }
    const ref = this.db.prepare('SELECT image_id FROM image_refs WHERE ref = ?').get(stored) as { image_id: string } | undefined;
    if (ref) return this.get(ref.image_id);
    const parsed = parseReference(nameOrId);
    if (parsed.digest !== undefined) {
      // name@digest also finds an image by its manifest digest, as after a pull.
      const row = this.db.prepare('SELECT * FROM images WHERE manifest_digest = ?').get(parsed.digest) as ImageRow | undefined;
      if (row) return this.record(row);
    }
    throw new NotFoundError(`image '${nameOrId}' not found`);
  }

  /** Every image, newest first. */
  list(): ImageRecord[] {
    return (this.db.prepare('SELECT * FROM images ORDER BY created_at DESC').all() as ImageRow[]).map((row) => this.record(row));
  }

  /** The parsed config of an image. */
  config(id: string): ImageConfig {
    return parseImageConfig(this.content.readAll(id), `image ${id}`);
  }

  /** Points `target` at the image `source` names. */
  tag(source: string, target: string): ImageRecord {
    const image = this.resolve(source);
    const ref = formatReference(parseReference(target));
    this.db.prepare('INSERT INTO image_refs (ref, image_id) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id').run(ref, image.id);
    return this.get(image.id);
  }

  /** Keys of the snapshots (containers) made from an image. */
  users(id: string): string[] {
    return (this.db.prepare('SELECT key FROM snapshots WHERE image_id = ?').all(id) as { key: string }[]).map((r) => r.key);
  }

  /**
   * Removes a name or an image, as `docker rmi`: a reference that is one of several names
   * is only untagged; otherwise the image goes, unless a container uses it (then only
   * `force` untags it, and the image stays until that container is gone).
   */
  remove(nameOrId: string, options: { force?: boolean } = {}): { untagged: string[]; deleted?: string } {
    const image = this.resolve(nameOrId);
    const byRef = image.refs.find((ref) => ref === safeFormat(nameOrId));
    return transaction(this.db, () => {
      if (byRef !== undefined && image.refs.length > 1) {
        this.db.prepare('DELETE FROM image_refs WHERE ref = ?').run(byRef);
        return { untagged: [byRef] };
      }
      if (byRef === undefined && image.refs.length > 1 && !options.force) {
        throw new FailedPreconditionError(`image ${shortId(image.id)} is referenced in multiple repositories (${image.refs.join(', ')}); use -f to remove them all`);
      }
      const users = this.users(image.id);
      if (users.length > 0 && !options.force) {
        throw new FailedPreconditionError(`image '${nameOrId}' is in use by container ${users[0]}; use -f to untag it anyway`);
      }
      this.db.prepare('DELETE FROM image_refs WHERE image_id = ?').run(image.id);
      if (users.length > 0) return { untagged: image.refs };
      this.db.prepare('DELETE FROM images WHERE id = ?').run(image.id);
      return { untagged: image.refs, deleted: image.id };
    });
  }

  private findById(text: string): ImageRecord | undefined {
    const hex = text.startsWith('sha256:') ? text.slice(7) : text;
    if (isDigest(text)) {
      const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(text) as ImageRow | undefined;
      return row && this.record(row);
    }
    if (!/^[a-f0-9]{4,64}$/.test(hex)) return undefined;
    const rows = this.db.prepare("SELECT * FROM images WHERE id LIKE ? LIMIT 2").all(`sha256:${hex}%`) as ImageRow[];
    if (rows.length > 1) throw new InvalidArgumentError(`image ID prefix '${text}' is ambiguous`);
    return rows[0] && this.record(rows[0]);
  }

  private record(row: ImageRow): ImageRecord {
    const refs = (this.db.prepare('SELECT ref FROM image_refs WHERE image_id = ? ORDER BY ref').all(row.id) as { ref: string }[]).map((r) => r.ref);
    return {
      id: row.id,
      ...(row.manifest_digest !== null && { manifestDigest: row.manifest_digest }),
      ...(row.top_layer !== null && { topLayer: row.top_layer }),
      createdAt: new Date(row.created_at),
      refs,
    };
  }
}

/** The 12-hex short ID Docker prints. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function safeFormat(text: string): string | undefined {
  try {
    return formatReference(parseReference(text));
  } catch {
    return undefined;
  }
}
