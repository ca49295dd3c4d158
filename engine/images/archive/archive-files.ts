/**
 * First pass over an image archive (docker-archive or OCI layout tarball): every file is
 * streamed into the content store as it arrives (memory stays flat however large the
 * layers), small metadata documents are kept in memory, and links between entries are
 * remembered. The second pass (docker-archive.ts, oci-layout.ts) reads the metadata and
 * assembles images from what was stored.
 */
import path from 'node:path';
import type { LocalContentStore } from '../../content/local/local-content-store.js';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { Lease } from '../../metadata/leases.js';
import { readTar } from '../../layers/tar-reader.js';
import { leaseBlob } from '../leased-operation.js';

/** Metadata documents are small; anything larger is refused as a document. */
const maxDocumentBytes = 4 * 1024 * 1024;

/** Names whose content is metadata to parse rather than a blob to store. */
const documentNames = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);

/** A stored or buffered file of the archive. */
type ArchiveFile = { digest: string; size: number } | { bytes: Buffer };

/** The files of one archive, by normalised path. */
export class ArchiveFiles {
  private readonly files = new Map<string, ArchiveFile>();
  private readonly links = new Map<string, string>();

  /** True when the archive has this file (directly or through a link). */
  has(name: string): boolean {
    return this.files.has(this.follow(name));
  }

  /** A metadata document's bytes, or a stored blob read whole (configs may be either). */
  document(name: string, content: LocalContentStore): Buffer {
    const file = this.files.get(this.follow(name));
    if (!file) throw new NotFoundError(`archive has no file '${name}'`);
    return 'bytes' in file ? file.bytes : content.readAll(file.digest, maxDocumentBytes);
  }

  /** The content-store digest of a file, storing a buffered document first if needed. */
  async blob(name: string, content: LocalContentStore, lease: Lease): Promise<{ digest: string; size: number }> {
    const key = this.follow(name);
    const file = this.files.get(key);
    if (!file) throw new NotFoundError(`archive has no file '${name}'`);
    if (!('bytes' in file)) return file;
    const stored = await content.write(file.bytes, leaseBlob(lease));
    this.files.set(key, stored);
    return stored;
  }

  /** Reads the whole archive, storing blobs as they stream past. */
  static async collect(source: AsyncIterable<Buffer>, content: LocalContentStore, lease: Lease): Promise<ArchiveFiles> {
    const archive = new ArchiveFiles();
    for await (const entry of readTar(source)) {
      const name = normalise(entry.header.name);
      const type = entry.header.type;
      if (type === 'symlink' || type === 'link') {
        // docker save links repeated layers to their first copy; resolve later, inside the archive only.
        const target = type === 'symlink' ? path.posix.join(path.posix.dirname(name), entry.header.linkname) : entry.header.linkname;
        archive.links.set(name, normalise(target));
        continue;
      }
      if (type !== 'file') continue;
      const blobName = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
      if (!blobName && (documentNames.has(name) || name.endsWith('.json')) && entry.header.size <= maxDocumentBytes) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry.body) chunks.push(chunk);
        archive.files.set(name, { bytes: Buffer.concat(chunks) });
        continue;
      }
      const expected = blobName ? `sha256:${blobName[1]}` : undefined;
      try {
        const stored = await content.write(entry.body, {
          ...(expected !== undefined && { digest: expected }),
          size: entry.header.size,
          ...leaseBlob(lease),
        });
        archive.files.set(name, stored);
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`archive entry '${name}': ${err.message}`, { cause: err });
        throw err;
      }
    }
    return archive;
  }

  private follow(name: string): string {
    let current = normalise(name);
    for (let hops = 0; hops < 16 && !this.files.has(current); hops++) {
      const next = this.links.get(current);
      if (next === undefined) break;
      current = next;
    }
    return current;
  }
}

function normalise(name: string): string {
  const clean = path.posix.normalize(name.replace(/^\.?\/+/, '')).replace(/\/$/, '');
  if (clean.startsWith('..') || path.posix.isAbsolute(clean)) throw new InvalidArgumentError(`archive entry '${name}' points outside the archive`);
  return clean;
}
