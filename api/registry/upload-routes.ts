/**
 * Blob uploads: `POST /v2/NAME/blobs/uploads/` (monolithic with `?digest=`, cross-repository
 * mount with `?mount=&from=`, else a new session), then `PATCH` chunks, `PUT ?digest=` to
 * finish, `GET` for status and `DELETE` to cancel, on `/v2/NAME/blobs/uploads/UUID`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDigest } from '../../engine/content/digest.js';
import { isIntermodalError } from '../../engine/errors.js';
import type { RegistryContext } from './registry-context.js';
import { RegistryError } from './registry-errors.js';
import type { UploadSession } from './upload-sessions.js';

type Query = Record<string, string | undefined>;

/** POST: starts an upload, or completes one in a single request, or mounts a blob from another repository. */
export async function startUpload(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string): Promise<void> {
  const caller = await ctx.access.authorize(request, name, 'push');
  const query = request.query as Query;
  if (query.mount !== undefined && query.from !== undefined && isDigest(query.mount)) {
    // A mount the caller may not read from, or of a blob the source lacks, falls back to an upload as the spec says.
    const readable = await ctx.access.authorize(request, query.from, 'pull').then(() => true, () => false);
    if (readable && ctx.store.hasBlob(query.from, query.mount)) {
      ctx.store.ensureRepository(name, caller.projects[0]);
      ctx.store.linkBlobs(name, [query.mount]);
      await blobCreated(ctx, reply, name, query.mount);
      return;
    }
  }
  if (query.digest !== undefined) {
    const digest = query.digest;
    if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', `'${digest}' is not a sha256 digest`, { digest });
    // No expected digest for the store: it would trust a blob it already has without reading
    // the body, and a caller could then link another project's blob by naming its digest.
    // The store hashes every byte; the check happens just before the blob would show.
    const size = contentLength(request);
    await storeVerified(ctx, name, caller.projects[0], (hold) =>
      ctx.engine.content.write(request.raw, {
        ...(size !== undefined && { size }),
        hold: (actual) => {
          if (actual !== digest) throw new RegistryError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${digest}`, { digest });
          hold(actual);
        },
      }),
    );
    await blobCreated(ctx, reply, name, digest);
    return;
  }
  const session = ctx.uploads.start(name);
  await uploadAccepted(ctx, reply.code(202), session);
}

/** PATCH: appends a chunk (Content-Range, when sent, must start where the upload ends). */
export async function appendUpload(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, uuid: string): Promise<void> {
  await ctx.access.authorize(request, name, 'push');
  const session = ctx.uploads.get(name, uuid);
  const range = request.headers['content-range'];
  let start: number | undefined;
  if (range !== undefined) {
    const match = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(range.trim());
    if (!match) throw new RegistryError('RANGE_INVALID', `Content-Range '${range}' is not START-END`, { size: session.size });
    start = Number(match[1]);
  }
  await ctx.uploads.append(session, request.raw, start);
  await uploadAccepted(ctx, reply.code(202), session);
}

/** PUT ?digest=: appends a last chunk if any, verifies the digest, stores the blob. */
export async function finishUpload(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, uuid: string): Promise<void> {
  const caller = await ctx.access.authorize(request, name, 'push');
  const session = ctx.uploads.get(name, uuid);
  const digest = (request.query as Query).digest;
  if (digest === undefined || !isDigest(digest)) {
    await ctx.uploads.cancel(session);
    throw new RegistryError('DIGEST_INVALID', `finishing an upload needs ?digest=sha256:..., got '${digest ?? ''}'`, { digest });
  }
  await ctx.uploads.append(session, request.raw);
  await storeVerified(ctx, name, caller.projects[0], (hold) => ctx.uploads.finish(session, digest, hold));
  await blobCreated(ctx, reply, name, digest);
}

/** GET: how far the upload is. */
export async function uploadStatus(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, uuid: string): Promise<void> {
  await ctx.access.authorize(request, name, 'push');
  await uploadAccepted(ctx, reply.code(204), ctx.uploads.get(name, uuid));
}

/** DELETE: cancels the upload and removes what it received. */
export async function cancelUpload(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, uuid: string): Promise<void> {
  await ctx.access.authorize(request, name, 'push');
  await ctx.uploads.cancel(ctx.uploads.get(name, uuid));
  await reply.code(204).header('content-length', 0).send();
}

/**
 * Stores a blob through the content store's verifying ingest, leased until the repository
 * links it; a digest mismatch is DIGEST_INVALID and stores nothing.
 */
async function storeVerified(ctx: RegistryContext, name: string, project: string | undefined, write: (hold: (digest: string) => void) => Promise<{ digest: string }>): Promise<void> {
  const lease = ctx.engine.lease();
  try {
    let stored: { digest: string };
    try {
      stored = await write((d) => lease.add(`blob:${d}`));
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      if (isIntermodalError(err) && err.code === 'INTERMODAL_ERR_INVALID_ARGUMENT') {
        throw new RegistryError(/size/.test(err.message) || /larger/.test(err.message) ? 'SIZE_INVALID' : 'DIGEST_INVALID', err.message);
      }
      throw err;
    }
    ctx.store.ensureRepository(name, project);
    ctx.store.linkBlobs(name, [stored.digest]);
  } finally {
    lease.release();
  }
}

function contentLength(request: FastifyRequest): number | undefined {
  const value = request.headers['content-length'];
  return value === undefined || request.headers['transfer-encoding'] !== undefined ? undefined : Number(value);
}

async function blobCreated(ctx: RegistryContext, reply: FastifyReply, name: string, digest: string): Promise<void> {
  reply.code(201).header('location', `${ctx.prefix}/${name}/blobs/${digest}`).header('docker-content-digest', digest).header('content-length', 0);
  await reply.send();
}

async function uploadAccepted(ctx: RegistryContext, reply: FastifyReply, session: UploadSession): Promise<void> {
  reply
    .header('location', `${ctx.prefix}/${session.repository}/blobs/uploads/${session.uuid}`)
    .header('range', `0-${Math.max(0, session.size - 1)}`)
    .header('docker-upload-uuid', session.uuid)
    .header('content-length', 0);
  await reply.send();
}
