/**
 * What Nova needs from the image service (the Glance translator implements it): find an
 * image a caller may use, the engine reference to boot it, and snapshot records that are
 * listed at once (queued) and completed when the commit is done.
 */
import type { RequestContext } from '../http/request-context.js';

export interface ComputeImage {
  id: string;
  name: string;
  status: string;
  minRam: number;
  minDisk: number;
  size?: number;
  createdAt: Date;
  updatedAt: Date;
  properties: Record<string, string>;
}

export interface ComputeImages {
  find(ctx: RequestContext, id: string): ComputeImage;
  list(ctx: RequestContext): ComputeImage[];
  /** The engine image to boot; throws InvalidArgumentError when the image is not bootable. */
  bootReference(ctx: RequestContext, id: string): string;
  createSnapshotRecord(ctx: RequestContext, input: { name: string; properties: Record<string, string>; minRam: number; minDisk: number }): ComputeImage;
  completeSnapshot(id: string, engineImageId: string): void;
  failSnapshot(id: string, reason: string): void;
  delete(ctx: RequestContext, id: string): void;
}
