/**
 * Moving images between our store and a Docker daemon, always by image id, never by name.
 * Our image id is the digest of the image's config, and so is Docker's: a docker-archive
 * of our image (written by the engine's `save` code, with no tags) loaded into the daemon
 * gives an image whose id is ours, so the daemon is asked for that id and the archive is
 * only streamed when the daemon lacks it. Snapshots go the other way: `docker commit`, the
 * image get API (a docker-archive), and the engine's `load` code.
 */
import { PassThrough } from 'node:stream';
import type { Engine } from '../../engine/engine.js';
import { FailedPreconditionError, NotFoundError } from '../../engine/errors.js';
import { loadImageArchive } from '../../engine/images/archive/load.js';
import { saveDockerArchive } from '../../engine/images/archive/save-docker-archive.js';
import type { ContainerConfig, ImageConfig } from '../../engine/images/image-config.js';
import type { ImageRecord } from '../../engine/images/image-store.js';
import { leaseBlob, leasedOperation } from '../../engine/images/leased-operation.js';
import { type DockerApi, readAll } from './docker-api.js';

/** Whether the daemon has the image with this id. */
export async function daemonHasImage(api: DockerApi, imageId: string): Promise<boolean> {
  try {
    await api.json('GET', `/images/${imageId}/json`);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/** Keeps concurrent spawns of one image on one daemon to a single load. */
const inFlight = new WeakMap<DockerApi, Map<string, Promise<void>>>();

/** Makes our image `image` available on the daemon under its own id. */
export function ensureImageOnDaemon(api: DockerApi, engine: Engine, image: ImageRecord): Promise<void> {
  let loads = inFlight.get(api);
  if (!loads) inFlight.set(api, (loads = new Map()));
  const running = loads.get(image.id);
  if (running) return running;
  const load = (async () => {
    if (await daemonHasImage(api, image.id)) return;
    const archive = new PassThrough();
    const saving = saveDockerArchive(engine, [{ image, refs: [] }], archive);
    const res = await api.raw('POST', '/images/load', { query: { quiet: 1 }, body: archive, contentType: 'application/x-tar' });
    const text = (await readAll(res)).toString();
    await saving;
    // The load API answers 200 with a JSON stream even when it fails; errors are in it.
    const error = /"error(?:Detail)?"\s*:\s*(?:\{"message":)?"([^"]*)"/.exec(text)?.[1];
    if (res.statusCode! >= 400 || error !== undefined) throw new FailedPreconditionError(`docker daemon at ${api.endpoint} refused image ${image.id}: ${error ?? text}`);
    if (!(await daemonHasImage(api, image.id))) throw new FailedPreconditionError(`docker daemon at ${api.endpoint} loaded image ${image.id} under another id: ${text.trim()}`);
  })();
  loads.set(image.id, load);
  return load.finally(() => loads.delete(image.id));
}

/**
 * Commits the container to a daemon image and brings it into our store; returns our record.
 * Docker's commit keeps the container's own command (the boot script wrapper) and labels
 * (the instance's), and its API cannot clear them, so the config is set back to the
 * source image's command and labels in our store: a snapshot boots as its image did. The
 * daemon's intermediate image is removed; the snapshot is loaded again by id when booted.
 */
export async function commitToStore(api: DockerApi, engine: Engine, containerId: string, source: ContainerConfig, options: { comment?: string }): Promise<ImageRecord> {
  const committed = await api.json<{ Id: string }>('POST', '/commit', {
    // The daemon pauses the container while it reads the filesystem, as our commit does.
    query: { container: containerId, comment: options.comment, pause: true },
  });
  try {
    const archive = await api.stream('GET', `/images/${committed.Id}/get`);
    const records = await loadImageArchive(engine, archive);
    const loaded = records.find((r) => r.id === committed.Id);
    if (!loaded) throw new FailedPreconditionError(`the snapshot archive of ${committed.Id} held ${records.map((r) => r.id).join(', ') || 'no image'}`);
    const config = JSON.parse(engine.content.readAll(loaded.id).toString()) as ImageConfig;
    const { Entrypoint: _e, Cmd: _c, Labels: _l, Hostname: _h, Image: _i, ...rest } = config.config ?? {} as ContainerConfig & { Hostname?: string; Image?: string };
    const cleaned: ImageConfig = {
      ...config,
      config: { ...rest, ...(source.Entrypoint && { Entrypoint: source.Entrypoint }), ...(source.Cmd && { Cmd: source.Cmd }), ...(source.Labels && { Labels: source.Labels }) },
    };
    const record = await leasedOperation(engine, async (lease) => {
      const blob = await engine.content.write(Buffer.from(JSON.stringify(cleaned)), leaseBlob(lease));
      return engine.images.add({ configDigest: blob.digest, ...(loaded.topLayer !== undefined && { topLayer: loaded.topLayer }) }, []);
    });
    if (record.id !== loaded.id) engine.images.remove(loaded.id);
    return record;
  } finally {
    await api.json('DELETE', `/images/${committed.Id}`, { query: { noprune: false } }).catch(() => undefined);
  }
}
