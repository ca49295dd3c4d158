/**
 * The layer unpacker: turns one image layer (a tar, optionally compressed) into a directory
 * overlayfs can use as a lower layer. Layers come from registries and archives nobody here
 * vouches for, so this is where a hostile image is stopped: no entry may create, change or
 * link anything outside the target (see apply-entry.ts and layer-tree.ts for how), sizes
 * and entry counts are capped while streaming, and a refused layer leaves nothing behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { LayerLimits } from '../config.js';
import { FailedPreconditionError, IntermodalError, QuotaExceededError, hasErrno } from '../errors.js';
import { applyEntry, setXattrs } from './apply-entry.js';
import { decompressedStream, type LayerCompression } from './compression.js';
import { LayerTree } from './layer-tree.js';
import { readTar } from './tar-reader.js';

/** What unpacking a layer found. */
export interface UnpackResult {
  /** 'sha256:<hex>' of the uncompressed tar bytes: the layer's diff ID. */
  diffId: string;
  /** Uncompressed tar bytes. */
  size: number;
  /** Archive entries, extension headers not counted. */
  entries: number;
  compression: LayerCompression;
}

/**
 * Unpacks one image layer (tar, optionally compressed) into targetDir (created if missing;
 * must be empty), converting OCI whiteouts to overlayfs whiteouts. On any failure it removes
 * targetDir entirely and throws an error naming the offending entry: InvalidArgumentError for
 * a hostile or malformed archive, QuotaExceededError past `limits`. A targetDir that exists
 * and is not empty is refused with FailedPreconditionError and left alone.
 */
export async function unpackLayer(source: AsyncIterable<Buffer>, targetDir: string, limits: LayerLimits): Promise<UnpackResult> {
  prepareTarget(targetDir);
  try {
    const { compression, stream } = await decompressedStream(source);
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
    return { diffId: `sha256:${hash.digest('hex')}`, size: counter.size, entries, compression };
  } catch (err) {
    fs.rmSync(targetDir, { recursive: true, force: true });
    throw err;
  }
}

function prepareTarget(targetDir: string): void {
  try {
    fs.mkdirSync(targetDir, { recursive: false, mode: 0o755 });
    return;
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) {
      fs.mkdirSync(targetDir, { recursive: true, mode: 0o755 });
      return;
    }
    if (!hasErrno(err, 'EEXIST')) throw err;
  }
  // The unpacker's safety rests on the target starting empty (see layer-tree.ts), and on it
  // being a real directory rather than a symlink to somewhere else.
  if (!fs.lstatSync(targetDir).isDirectory() || fs.readdirSync(targetDir).length > 0) {
    throw new FailedPreconditionError(`layer target '${targetDir}' exists and is not an empty directory`);
  }
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
