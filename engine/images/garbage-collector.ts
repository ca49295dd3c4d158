/**
 * Garbage collection: removes layers and blobs that no image, snapshot or live lease
 * refers to. Images themselves are never collected here; `pruneImages` decides which
 * images go and then collects what they leave behind.
 */
import fs from 'node:fs';
import type { LocalContentStore } from '../content/local/local-content-store.js';
import type { EngineDatabase } from '../metadata/database.js';
import { transaction } from '../metadata/database.js';
import { liveLeases } from '../metadata/leases.js';
import type { ImageStore } from './image-store.js';
import type { LayerStore } from './layer-store.js';

/** What a collection removed. */
export interface CollectReport {
  layers: string[];
  blobs: string[];
  reclaimedBytes: number;
}

/** The parts a collection works on. */
export interface CollectTargets {
  db: EngineDatabase;
  content: LocalContentStore;
  layers: LayerStore;
}

/** Removes every unreferenced layer and blob. Safe to run while other processes load images. */
export function collectGarbage({ db, content, layers }: CollectTargets): CollectReport {
  const leased = liveLeases(db);
  const report: CollectReport = { layers: [], blobs: [], reclaimedBytes: 0 };

  const doomedLayers = transaction(db, () => {
    const live = new Set<string>();
    const roots = db.prepare('SELECT top_layer AS c FROM images WHERE top_layer IS NOT NULL UNION SELECT parent FROM snapshots WHERE parent IS NOT NULL').all() as { c: string }[];
    const parentOf = new Map((db.prepare('SELECT chain_id, parent FROM layers').all() as { chain_id: string; parent: string | null }[]).map((r) => [r.chain_id, r.parent]));
    const mark = (start: string | null | undefined): void => {
      for (let c = start; c && !live.has(c); c = parentOf.get(c)) live.add(c);
    };
    for (const { c } of roots) mark(c);
    for (const resource of leased) if (resource.startsWith('layer:')) mark(resource.slice('layer:'.length));
    const doomed = [...parentOf.keys()].filter((c) => !live.has(c));
    // Children before parents, so that no row is left pointing at a deleted parent.
    const depth = (c: string): number => { let d = 0; for (let p = parentOf.get(c); p; p = parentOf.get(p)) d++; return d; };
    return doomed.sort((a, b) => depth(b) - depth(a)).map((c) => layers.require(c));
  });
  for (const layer of doomedLayers) {
    layers.delete(layer.chainId);
    report.layers.push(layer.chainId);
    report.reclaimedBytes += layer.size;
  }
  report.layers.push(...layers.cleanup(leased));

  const wanted = new Set<string>();
  const refs = db.prepare(
    `SELECT config_digest AS d FROM images UNION SELECT manifest_digest FROM images WHERE manifest_digest IS NOT NULL
     UNION SELECT lb.digest FROM layer_blobs lb WHERE lb.diff_id IN (SELECT diff_id FROM layers)
     UNION SELECT digest FROM registry_blobs UNION SELECT digest FROM registry_manifests`,
  ).all() as { d: string }[];
  for (const { d } of refs) wanted.add(d);
  for (const digest of content.list()) {
    if (wanted.has(digest) || leased.has(`blob:${digest}`)) continue;
    const size = statSize(content.blobPath(digest));
    content.delete(digest);
    report.blobs.push(digest);
    report.reclaimedBytes += size;
  }
  db.prepare('DELETE FROM layer_blobs WHERE diff_id NOT IN (SELECT diff_id FROM layers)').run();
  content.cleanupIngests();
  return report;
}

/**
 * `image prune`: removes dangling images (no name), or with `all` every image no
 * container uses, then collects what they leave behind.
 */
export function pruneImages(images: ImageStore, targets: CollectTargets, options: { all?: boolean } = {}): CollectReport & { images: string[] } {
  const removed: string[] = [];
  for (const image of images.list()) {
    if (images.users(image.id).length > 0) continue;
    if (!options.all && image.refs.length > 0) continue;
    images.remove(image.id, { force: true });
    removed.push(image.id);
  }
  return { images: removed, ...collectGarbage(targets) };
}

function statSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
