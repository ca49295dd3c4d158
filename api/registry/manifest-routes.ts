/** `/v2/NAME/manifests/REFERENCE`: GET, HEAD, PUT and DELETE by tag or digest. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDigest } from '../../engine/content/digest.js';
import { manifestSizeLimit, pushManifest } from './push-manifest.js';
import type { RegistryContext } from './registry-context.js';
import { RegistryError } from './registry-errors.js';

const tagPattern = /^[\w][\w.-]{0,127}$/;

function checkReference(reference: string): void {
  if (reference.startsWith('sha256:') ? !isDigest(reference) : !tagPattern.test(reference)) {
    throw new RegistryError(reference.includes(':') ? 'DIGEST_INVALID' : 'MANIFEST_INVALID', `'${reference}' is neither a tag nor a sha256 digest`);
  }
}

/** GET or HEAD: the manifest's exact bytes with its media type and digest. */
export async function getManifest(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, reference: string): Promise<void> {
  await ctx.access.authorize(request, name, 'pull');
  checkReference(reference);
  const served = ctx.store.manifest(name, reference);
  if (!served) {
    if (!ctx.store.repository(name)) throw new RegistryError('NAME_UNKNOWN', `repository '${name}' not known to registry`, { name });
    throw new RegistryError('MANIFEST_UNKNOWN', `manifest '${reference}' not known to repository '${name}'`, { name, reference });
  }
  reply
    .header('content-type', served.mediaType)
    .header('content-length', served.bytes.length)
    .header('docker-content-digest', served.digest)
    .header('etag', `"${served.digest}"`);
  await reply.send(request.method === 'HEAD' ? undefined : served.bytes);
}

/** PUT: validates and stores a manifest (see push-manifest.ts). */
export async function putManifest(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, reference: string): Promise<void> {
  const caller = await ctx.access.authorize(request, name, 'push');
  checkReference(reference);
  const bytes = await readLimited(request.raw, manifestSizeLimit);
  const pushed = await pushManifest(ctx.engine, ctx.store, {
    repository: name,
    reference,
    bytes,
    ...(request.headers['content-type'] !== undefined && { contentType: request.headers['content-type'] }),
    ...(caller.projects[0] !== undefined && { project: caller.projects[0] }),
  });
  reply.code(201).header('location', `${ctx.prefix}/${name}/manifests/${pushed.digest}`).header('docker-content-digest', pushed.digest).header('content-length', 0);
  // OCI 1.1: tells the client this registry indexes referrers, so it need not keep a fallback tag.
  if (pushed.subject !== undefined) reply.header('oci-subject', pushed.subject);
  await reply.send();
}

/** DELETE by digest: the manifest and every tag naming it; by tag: only that tag. */
export async function deleteManifest(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, reference: string): Promise<void> {
  await ctx.access.authorize(request, name, 'push');
  checkReference(reference);
  const served = ctx.store.manifest(name, reference);
  if (!served) throw new RegistryError('MANIFEST_UNKNOWN', `manifest '${reference}' not known to repository '${name}'`, { name, reference });
  if (reference.startsWith('sha256:')) ctx.store.deleteManifest(name, reference);
  else ctx.store.deleteTag(name, reference);
  await reply.code(202).header('content-length', 0).send();
}

/** Reads a request body whole, refusing one over `limit` bytes with 413. */
async function readLimited(source: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limit) throw new RegistryError('MANIFEST_INVALID', `manifest is over the ${limit}-byte limit`, { limit }, 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
