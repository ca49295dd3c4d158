/**
 * The layer store: every image layer unpacked once, into its own directory keyed by its
 * chain ID, and shared by every image and snapshot whose chain contains it. Directories
 * appear atomically: a layer is unpacked into `layers/.tmp-<pid>-<random>` and renamed to
 * `layers/<chain hex>` only once whole, so a crash or a refused archive leaves no partial
 * layer that anyone could mount.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LayerLimits } from '../config.js';
import type { LocalContentStore } from '../content/local/local-content-store.js';
import { digestHex, digestOf } from '../content/digest.js';
import { InvalidArgumentError, NotFoundError, hasErrno } from '../errors.js';
import { markTopDirectory } from '../layers/top-directory.js';
import { type UnpackResult, unpackLayer } from '../layers/unpack.js';
import type { EngineDatabase } from '../metadata/database.js';
import type { Lease } from '../metadata/leases.js';
import { processIsAlive } from '../process-alive.js';

/** A layer as the store knows it. */
export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent?: string;
  /** Bytes of the layer's uncompressed tar. */
  size: number;
  /** Absolute path of the unpacked directory. */
  dir: string;
}

/** A blob that carries a layer's tar. */
export interface LayerBlob {
  digest: string;
  mediaType: string;
}

/**
 * A layer blob still downloading, unpacked from its bytes as they arrive (see
 * engine/registry/blob-tee.ts) rather than from the content store afterwards.
 */
export interface ArrivingBlob {
  /** The blob's bytes in order, as the content store is reading them. */
  bytes: AsyncIterable<Buffer>;
  /** Stops `bytes` when the layer turns out to be stored already, or the unpack ends early. */
  detach(): void;
  /** Resolves once the content store has verified and kept the blob; the layer is kept only then. */
  stored: Promise<unknown>;
  /** Resolves once the parent layer is recorded (a layer's row refers to its parent's). */
  parentRecorded: Promise<unknown>;
}

interface LayerRow {
  chain_id: string;
  diff_id: string;
  parent: string | null;
  size: number;
  dir: string;
}

/** Chain ID as the OCI spec defines it: the diff ID for a base layer, else sha256("<parent> <diffID>"). */
export function chainIdOf(parent: string | undefined, diffId: string): string {
  return parent === undefined ? diffId : digestOf(`${parent} ${diffId}`);
}

/** Unpacked layers keyed by chain ID, over a content store. */
export class LayerStore {
  constructor(
    private readonly db: EngineDatabase,
    private readonly content: LocalContentStore,
    readonly root: string,
    private readonly limits: LayerLimits,
  ) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    markTopDirectory(root);
  }

  /** The layer with this chain ID, if stored. */
  get(chainId: string): LayerRecord | undefined {
    const row = this.db.prepare('SELECT * FROM layers WHERE chain_id = ?').get(chainId) as LayerRow | undefined;
    return row && this.record(row);
  }

  /** The layer with this chain ID; NotFoundError if absent. */
  require(chainId: string): LayerRecord {
    const layer = this.get(chainId);
    if (!layer) throw new NotFoundError(`layer '${chainId}' not found`);
    return layer;
  }

  /** The layers of a chain, base first. */
  chain(chainId: string): LayerRecord[] {
    const rows = this.db
      .prepare(
        `WITH RECURSIVE c(chain_id, depth) AS (SELECT ?, 0 UNION ALL
           SELECT l.parent, c.depth + 1 FROM layers l JOIN c ON l.chain_id = c.chain_id WHERE l.parent IS NOT NULL)
         SELECT l.* FROM c JOIN layers l ON l.chain_id = c.chain_id ORDER BY c.depth DESC`,
      )
      .all(chainId) as LayerRow[];
    if (rows.length === 0) throw new NotFoundError(`layer '${chainId}' not found`);
    return rows.map((row) => this.record(row));
  }

  /** Unpacked directories of a chain, top-most first: the order overlayfs wants for lowerdir. */
  layerDirs(chainId: string): string[] {
    return this.chain(chainId).map((layer) => layer.dir).reverse();
  }

  /** Blobs known to carry the tar of a diff ID. */
  blobsOf(diffId: string): LayerBlob[] {
    return (
      this.db.prepare('SELECT digest, media_type FROM layer_blobs WHERE diff_id = ?').all(diffId) as {
        digest: string;
        media_type: string;
      }[]
    ).map((row) => ({ digest: row.digest, mediaType: row.media_type }));
  }

  /**
   * Ensures the layer carried by blob `blob` exists on top of `parent`, unpacking the blob
   * unless that chain is already stored. With `expectedDiffId` a layer whose tar hashes to
   * anything else is refused. The new layer is leased until an image refers to it.
   */
  async addFromBlob(
    blob: LayerBlob,
    parent: string | undefined,
    lease: Lease,
    expectedDiffId?: string,
    limits: Partial<LayerLimits> = {},
    arriving?: ArrivingBlob,
  ): Promise<LayerRecord> {
    if (expectedDiffId !== undefined) {
      const existing = this.get(chainIdOf(parent, expectedDiffId));
      if (existing) {
        if (arriving) {
          arriving.detach();
          await arriving.stored;
        }
        this.recordBlob(existing.diffId, blob);
        lease.add(`layer:${existing.chainId}`);
        return existing;
      }
    }
    const tmp = path.join(this.root, `.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    // unpackLayer removes `tmp` itself when it refuses the archive.
    let result: UnpackResult;
    try {
      result = await unpackLayer(arriving?.bytes ?? this.content.read(blob.digest), tmp, { ...this.limits, ...limits });
    } finally {
      arriving?.detach();
    }
    try {
      // Bytes still arriving were not verified yet: nothing is kept before the store has them.
      if (arriving) await Promise.all([arriving.stored, arriving.parentRecorded]);
      if (expectedDiffId !== undefined && result.diffId !== expectedDiffId) {
        throw new InvalidArgumentError(`layer ${blob.digest}: its content has diff ID ${result.diffId}, the image config says ${expectedDiffId}`);
      }
      const chainId = chainIdOf(parent, result.diffId);
      const dir = path.join(this.root, digestHex(chainId));
      lease.add(`layer:${chainId}`);
      try {
        fs.renameSync(tmp, dir);
      } catch (err) {
        // Another process finished the same layer first; its copy is as good as ours.
        if (!hasErrno(err, 'ENOTEMPTY') && !hasErrno(err, 'EEXIST')) throw err;
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      this.db
        .prepare('INSERT OR IGNORE INTO layers (chain_id, diff_id, parent, size, dir, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(chainId, result.diffId, parent ?? null, result.size, path.basename(dir), Date.now());
      this.recordBlob(result.diffId, blob);
      return this.require(chainId);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Remembers that `blob` carries the tar of `diffId`. */
  recordBlob(diffId: string, blob: LayerBlob): void {
    this.db
      .prepare('INSERT OR IGNORE INTO layer_blobs (diff_id, digest, media_type) VALUES (?, ?, ?)')
      .run(diffId, blob.digest, blob.mediaType);
  }

  /** Every stored layer. */
  list(): LayerRecord[] {
    return (this.db.prepare('SELECT * FROM layers').all() as LayerRow[]).map((row) => this.record(row));
  }

  /** Deletes a layer's row and directory; the caller has checked nothing refers to it. */
  delete(chainId: string): void {
    const layer = this.get(chainId);
    if (!layer) return;
    this.db.prepare('DELETE FROM layers WHERE chain_id = ?').run(chainId);
    const stillUsed = this.db.prepare('SELECT 1 FROM layers WHERE diff_id = ?').get(layer.diffId);
    if (!stillUsed) this.db.prepare('DELETE FROM layer_blobs WHERE diff_id = ?').run(layer.diffId);
    fs.rmSync(layer.dir, { recursive: true, force: true });
  }

  /**
   * Removes unpack directories of dead processes and layer directories no row names,
   * except those leased (a live process may be between rename and insert).
   */
  cleanup(leased: Set<string>): string[] {
    const known = new Set((this.db.prepare('SELECT dir FROM layers').all() as { dir: string }[]).map((r) => r.dir));
    const removed: string[] = [];
    for (const name of fs.readdirSync(this.root)) {
      const tmp = /^\.tmp-(\d+)-/.exec(name);
      if (tmp ? processIsAlive(Number(tmp[1])) : known.has(name) || leased.has(`layer:sha256:${name}`)) continue;
      fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  private record(row: LayerRow): LayerRecord {
    return {
      chainId: row.chain_id,
      diffId: row.diff_id,
      ...(row.parent !== null && { parent: row.parent }),
      size: row.size,
      dir: path.join(this.root, row.dir),
    };
  }
}
