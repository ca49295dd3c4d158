/**
 * `load`: brings the images of an archive into the store. Takes a docker-archive (`docker
 * save`) or an OCI image layout tarball, either possibly compressed. All or nothing: if any
 * part is refused, what this load stored is collected again and no image is recorded.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Engine } from '../../engine.js';
import { decompressedStream } from '../../layers/compression.js';
import { leasedOperation } from '../leased-operation.js';
import type { ImageRecord } from '../image-store.js';
import { ArchiveFiles } from './archive-files.js';
import { importDockerArchive } from './docker-archive.js';
import { importOciLayout } from './oci-layout.js';

/** Options for load. */
export interface LoadOptions {
  /** Name for OCI layout images that carry only a tag annotation. */
  name?: string;
}

/** Loads every image in the archive stream; returns them. */
export async function loadImageArchive(engine: Engine, source: AsyncIterable<Buffer>, options: LoadOptions = {}): Promise<ImageRecord[]> {
  return leasedOperation(engine, async (lease) => {
    const { stream } = await decompressedStream(source);
    const files = await ArchiveFiles.collect(stream, engine.content, lease);
    if (files.has('manifest.json')) return await importDockerArchive(engine, files, lease);
    if (files.has('index.json')) return await importOciLayout(engine, files, lease, options);
    throw new InvalidArgumentError('archive is neither a docker-archive (no manifest.json) nor an OCI layout (no index.json)');
  });
}
