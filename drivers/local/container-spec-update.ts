/**
 * Replacing a container's stored spec. The engine's container store has no update for the
 * spec (a container is normally immutable once created), but a resize must outlive a
 * restart and a boot script's wrapper is only known once the rootfs can be looked at. This
 * is the one write the driver makes to the engine's database, on the same row and column
 * the store reads, and only for containers that are its own instances.
 */
import type { Engine } from '../../engine/engine.js';
import type { ContainerSpec } from '../../engine/containers/container-spec.js';
import { NotFoundError } from '../../engine/errors.js';

/** Stores `spec` as container `id`'s spec; NotFoundError when the container is gone. */
export function replaceContainerSpec(engine: Engine, id: string, spec: ContainerSpec): void {
  const result = engine.db.prepare('UPDATE containers SET spec = ? WHERE id = ?').run(JSON.stringify(spec), id);
  if (result.changes !== 1) throw new NotFoundError(`no such container: ${id}`);
}
