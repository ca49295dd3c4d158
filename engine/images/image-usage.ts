/**
 * Disk use of images with shared layers counted once, as `docker system df -v` reports:
 * an image's size is all its layers, its shared size the part other images use too.
 */
import type { Engine } from '../engine.js';
import type { ImageRecord } from './image-store.js';

/** One image's sizes in bytes (uncompressed layer content). */
export interface ImageUsage {
  image: ImageRecord;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  /** The config's `created`, when it has one. */
  created?: Date;
}

/** Usage of every image, and the store's total with each layer counted once. */
export function imageUsage(engine: Engine): { images: ImageUsage[]; totalLayerBytes: number; layerCount: number } {
  const images = engine.images.list();
  const chains = new Map(images.map((image) => [image.id, image.topLayer === undefined ? [] : engine.layers.chain(image.topLayer)]));
  // A layer dir is keyed by chain ID, so sharing is counted by chain ID too.
  const users = new Map<string, number>();
  for (const chain of chains.values()) for (const layer of chain) users.set(layer.chainId, (users.get(layer.chainId) ?? 0) + 1);
  const distinct = new Map<string, number>();
  const usage = images.map((image) => {
    let size = 0;
    let sharedSize = 0;
    for (const layer of chains.get(image.id)!) {
      size += layer.size;
      if ((users.get(layer.chainId) ?? 0) > 1) sharedSize += layer.size;
      distinct.set(layer.chainId, layer.size);
    }
    const createdText = safeCreated(engine, image);
    return { image, size, sharedSize, uniqueSize: size - sharedSize, ...(createdText && { created: createdText }) };
  });
  const totalLayerBytes = [...distinct.values()].reduce((a, b) => a + b, 0);
  return { images: usage, totalLayerBytes, layerCount: distinct.size };
}

function safeCreated(engine: Engine, image: ImageRecord): Date | undefined {
  const created = engine.images.config(image.id).created;
  const date = created ? new Date(created) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}
