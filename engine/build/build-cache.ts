/**
 * The build cache: which image a step made from which parent. A key is the sha256 of the
 * parent image id, the instruction after substitution, the build args in scope and, for
 * COPY and ADD, the content hash of the copied files. A row also keeps the image's config
 * bytes and top layer, so a cached image that was removed from the image store (a build
 * removes its intermediate images; `image prune` removes untagged ones) is recorded again
 * from its row as long as its layers are still stored; the layers of a built image's
 * chain are kept by that image, so an unchanged rebuild always hits.
 *
 * The table is this module's own (created on first use) rather than a schema migration,
 * so the build cache can be dropped without touching the engine's schema.
 */
import crypto from 'node:crypto';
import type { Engine } from '../engine.js';
import { NotFoundError } from '../errors.js';
import { type ImageConfig, parseImageConfig } from '../images/image-config.js';
import type { ImageRecord } from '../images/image-store.js';
import { leaseBlob, leasedOperation } from '../images/leased-operation.js';

/** What a cache key is made of. */
export interface CacheKeyParts {
  parentImageId: string;
  instruction: string;
  buildArgs: string[];
  contentHash?: string;
}

/** The key of a step. */
export function cacheKey(parts: CacheKeyParts): string {
  return crypto.createHash('sha256').update(JSON.stringify([parts.parentImageId, parts.instruction, parts.buildArgs, parts.contentHash ?? null])).digest('hex');
}

interface CacheRow {
  key: string;
  image_id: string;
  config: Buffer;
  top_layer: string | null;
}

/** Lookups and records of build steps. */
export class BuildCache {
  constructor(private readonly engine: Engine) {
    engine.db.exec(`CREATE TABLE IF NOT EXISTS build_cache (
      key        TEXT PRIMARY KEY,
      image_id   TEXT NOT NULL,
      config     BLOB NOT NULL,
      top_layer  TEXT,
      created_at INTEGER NOT NULL
    )`);
  }

  /**
   * The image a step with this key made; undefined on a miss. A hit is not necessarily in
   * the image store (see `stored`): a fully cached rebuild then writes nothing at all.
   */
  lookup(key: string): ImageRecord | undefined {
    const row = this.engine.db.prepare('SELECT key, image_id, config, top_layer FROM build_cache WHERE key = ?').get(key) as CacheRow | undefined;
    if (!row) return undefined;
    try {
      return this.engine.images.get(row.image_id);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    if (row.top_layer !== null && this.engine.layers.get(row.top_layer) === undefined) {
      // Its layers were collected: the row is useless now.
      this.engine.db.prepare('DELETE FROM build_cache WHERE key = ?').run(key);
      return undefined;
    }
    return { id: row.image_id, ...(row.top_layer !== null && { topLayer: row.top_layer }), createdAt: new Date(), refs: [] };
  }

  /** The image's config, from the content store or, for an image no longer stored, its cache row. */
  config(image: ImageRecord): ImageConfig {
    if (this.engine.content.has(image.id)) return this.engine.images.config(image.id);
    return parseImageConfig(this.row(image.id).config, `cached image ${image.id}`);
  }

  /** The image, recorded in the image store again if a cache hit found it only here. */
  async stored(image: ImageRecord): Promise<ImageRecord> {
    try {
      return this.engine.images.get(image.id);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const row = this.row(image.id);
    return leasedOperation(this.engine, async (lease) => {
      const written = await this.engine.content.write(row.config, leaseBlob(lease));
      return this.engine.images.add({ configDigest: written.digest, ...(row.top_layer !== null && { topLayer: row.top_layer }) }, []);
    });
  }

  private row(imageId: string): CacheRow {
    const row = this.engine.db.prepare('SELECT key, image_id, config, top_layer FROM build_cache WHERE image_id = ? LIMIT 1').get(imageId) as CacheRow | undefined;
    if (!row) throw new NotFoundError(`image '${imageId}' not found`);
    return row;
  }

  /** Records that the step with this key made `image`. */
  record(key: string, image: ImageRecord): void {
    const config = this.engine.content.readAll(image.id);
    this.engine.db
      .prepare('INSERT INTO build_cache (key, image_id, config, top_layer, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET image_id = excluded.image_id, config = excluded.config, top_layer = excluded.top_layer')
      .run(key, image.id, config, image.topLayer ?? null, Date.now());
  }
}
