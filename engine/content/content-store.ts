/**
 * Content store: immutable blobs addressed by their sha256 digest ('sha256:<64 hex>').
 * A blob is visible only once it is whole and verified: writers stream into a private
 * ingest file, fsync it, check digest and size, then rename it into place. Readers never
 * see a partial blob, and a blob whose bytes do not match its claimed digest is never
 * stored under that digest.
 */
import type { Readable } from 'node:stream';

/** What the store knows of a blob. */
export interface BlobInfo {
  digest: string;
  size: number;
}

/** What a writer expects a blob to be; a mismatch refuses the blob. */
export interface Expected {
  digest?: string;
  size?: number;
  /**
   * Called with the verified digest just before the blob becomes visible, so that the
   * caller can lease it before a garbage collection in another process could see it.
   */
  hold?: (digest: string) => void;
}

/** Reads blobs. */
export interface Provider {
  /** True when the blob is stored. */
  has(digest: string): boolean;
  /** Size of a stored blob; NotFoundError if absent. */
  info(digest: string): BlobInfo;
  /** Streams a stored blob, optionally a byte range [start, end] inclusive; NotFoundError if absent. */
  read(digest: string, range?: { start: number; end?: number }): Readable;
  /** Reads a small blob whole (configs, manifests); refuses blobs over `limit` bytes. */
  readAll(digest: string, limit?: number): Buffer;
}

/** Writes blobs. */
export interface Ingester {
  /**
   * Streams `source` into the store and returns its digest and size. With `expected.digest`
   * a mismatch throws InvalidArgumentError and stores nothing; an existing blob is kept
   * as it is (content addressing makes a second copy pointless).
   */
  write(source: AsyncIterable<Buffer> | Buffer, expected?: Expected): Promise<BlobInfo>;
}

/** Lists and deletes blobs. */
export interface Manager {
  /** Every stored blob's digest. */
  list(): string[];
  /** Deletes a blob; resolves if it is absent. */
  delete(digest: string): void;
  /** Removes ingest files left by processes that no longer run. */
  cleanupIngests(): string[];
}

/** The whole content store, composed from its roles. */
export type ContentStore = Provider & Ingester & Manager;
