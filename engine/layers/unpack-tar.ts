/**
 * The unpacking loop proper: reads a plain tar stream entry by entry, creates each entry
 * under the layer root through apply-entry.ts, caps size and entry count while streaming,
 * and hashes the bytes for the diff ID. This runs on the calling thread; the unpack thread's
 * native unpacker (engine/sys/native/sys-tar-*.c) keeps the same rules with the same messages.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { LayerLimits } from '../config.js';
import { IntermodalError, QuotaExceededError } from '../errors.js';
import { applyEntry, setXattrs } from './apply-entry.js';
import { LayerTree } from './layer-tree.js';
import { readTar } from './tar-reader.js';

/** What reading a layer's tar found. */
export interface TarUnpackResult {
  /** 'sha256:<hex>' of the uncompressed tar bytes: the layer's diff ID. */
  diffId: string;
  /** Uncompressed tar bytes. */
  size: number;
  /** Archive entries, extension headers not counted. */
  entries: number;
}

/**
 * Unpacks the tar in `stream` into `targetDir`, which exists and is empty. Errors name the
 * entry they concern; the caller removes `targetDir` on failure.
 */
export async function unpackTar(stream: AsyncIterable<Buffer>, targetDir: string, limits: LayerLimits): Promise<TarUnpackResult> {
  const hash = crypto.createHash('sha256');
  const counter = { size: 0 };
  const tree = new LayerTree(targetDir);
  let entries = 0;
  for await (const entry of readTar(metered(stream, hash, counter, limits.maxLayerBytes))) {
    try {
      if (++entries > limits.maxLayerEntries) throw new QuotaExceededError(`layer has more than ${limits.maxLayerEntries} entries`);
      await applyEntry(tree, entry, limits);
    } catch (err) {
      throw namingEntry(err, entry.header.name);
    }
  }
  applyDirectoryMetadata(tree);
  return { diffId: `sha256:${hash.digest('hex')}`, size: counter.size, entries };
}

/** Passes the decompressed tar through, hashing and counting it, and stops it past `maxBytes`. */
async function* metered(stream: AsyncIterable<Buffer>, hash: crypto.Hash, counter: { size: number }, maxBytes: number): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    counter.size += chunk.length;
    if (counter.size > maxBytes) throw new QuotaExceededError(`layer is larger than the limit of ${maxBytes} bytes uncompressed`);
    hash.update(chunk);
    yield chunk;
  }
}

/**
 * Directory ownership, modes, xattrs and times are applied last, so that creating entries
 * inside a directory does not move its mtime and a read-only mode does not get in the way.
 * Each directory is opened with O_NOFOLLOW|O_DIRECTORY and changed through the descriptor.
 */
function applyDirectoryMetadata(tree: LayerTree): void {
  const flags = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
  for (const [dirPath, dir] of tree.directories()) {
    const { mode, uid, gid, mtime, xattrs } = dir.metadata;
    const target = tree.absolute(dirPath);
    const fd = fs.openSync(target, flags);
    try {
      fs.fchownSync(fd, uid, gid);
      fs.fchmodSync(fd, mode);
      setXattrs(target, xattrs, false);
      if (mtime !== undefined) fs.futimesSync(fd, mtime, mtime);
    } catch (err) {
      throw namingEntry(err, dirPath === '' ? '.' : `${dirPath}/`);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** The same error, its message prefixed with the entry it concerns (control characters escaped). */
function namingEntry(err: unknown, name: string): Error {
  const shown = name.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const message = `layer entry '${shown}': ${(err as Error).message ?? String(err)}`;
  if (err instanceof IntermodalError) {
    const Category = err.constructor as new (message: string, options?: { cause?: unknown }) => IntermodalError;
    return new Category(message, { cause: err });
  }
  // System errors (ENOSPC, EIO) keep their errno code so callers can still tell them apart.
  return Object.assign(new Error(message, { cause: err }), { code: (err as NodeJS.ErrnoException).code });
}
