/**
 * Glance's interoperable image import, `web-download` method, for container registries:
 * `docker://HOST[:PORT]/REPO[:TAG|@DIGEST]` is pulled through the engine's registry
 * client into the store, and the queued image becomes that engine image. The import runs
 * after the 202 (status `importing`); a failure puts the image back to `queued` with the
 * reason in `os_glance_failed_import`, as Glance reports failed imports.
 */
import type { Engine } from '../../engine/engine.js';
import { InvalidArgumentError } from '../../engine/errors.js';
import { parseReference } from '../../engine/images/reference.js';
import { pullImage } from '../../engine/registry/pull.js';
import type { GlanceImage } from './glance-image.js';
import type { GlanceRecords } from './glance-records.js';
import { archiveDigest } from './image-data.js';

/** The import methods offered in `GET /v2/info/import`. */
export const importMethods = ['web-download'];

/** The registry reference in a `docker://` URI; InvalidArgumentError for anything else. */
export function registryReferenceOf(uri: unknown): string {
  if (typeof uri !== 'string' || !uri.startsWith('docker://')) {
    throw new InvalidArgumentError(`web-download imports registry images only: the URI must be docker://HOST/REPOSITORY[:TAG], got '${String(uri)}'`);
  }
  const text = uri.slice('docker://'.length);
  parseReference(text);
  return text;
}

/**
 * Pulls `reference` and makes `image` (already marked importing) active over it. Never
 * rejects: the outcome is written to the record.
 */
export async function runRegistryImport(engine: Engine, records: GlanceRecords, image: GlanceImage, reference: string): Promise<void> {
  const started = Date.now();
  try {
    const { image: pulled } = await pullImage(engine, reference);
    const current = records.get(image.id);
    if (!current) return;
    const { os_glance_failed_import: _dropped, ...properties } = current.properties;
    const backed: GlanceImage = {
      ...current, engineImageId: pulled.id, exportRefs: pulled.refs, opaqueData: false, properties,
      containerFormat: current.containerFormat ?? 'docker', diskFormat: current.diskFormat ?? 'raw', statusReason: undefined,
    };
    const sums = await archiveDigest(engine, records, backed, pulled);
    records.update({ ...backed, status: 'active', size: sums.size, checksum: sums.md5, osHashValue: sums.sha512, updatedAt: new Date() }, 'importing');
    records.deleteSyncedSince(pulled.id, started);
  } catch (err) {
    const current = records.get(image.id);
    if (!current) return;
    const reason = `web-download of docker://${reference} failed: ${(err as Error).message}`;
    records.update({ ...current, status: 'queued', statusReason: reason, properties: { ...current.properties, os_glance_failed_import: reason }, updatedAt: new Date() }, 'importing');
  }
}
