/**
 * Runs an operation that stores blobs and layers before the image that refers to them:
 * everything it makes is leased while it runs, and if it fails, what it made and nothing
 * refers to is collected again, so a refused input leaves no partial image behind.
 */
import type { Engine } from '../engine.js';
import type { Lease } from '../metadata/leases.js';
import { collectGarbage } from './garbage-collector.js';

/** Runs `operation` under a lease; all or nothing. */
export async function leasedOperation<T>(engine: Engine, operation: (lease: Lease) => Promise<T>): Promise<T> {
  const lease = engine.lease();
  try {
    return await operation(lease);
  } catch (err) {
    lease.release();
    collectGarbage(engine);
    throw err;
  } finally {
    lease.release();
  }
}

/** A content-store write option that leases the blob before it becomes visible. */
export function leaseBlob(lease: Lease): { hold: (digest: string) => void } {
  return { hold: (digest) => lease.add(`blob:${digest}`) };
}
