/**
 * The OCI 1.1 referrers API, `GET /v2/NAME/referrers/DIGEST[?artifactType=]`: an image
 * index of the repository's manifests whose `subject` is DIGEST (signatures, SBOMs).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDigest } from '../../engine/content/digest.js';
import { MediaTypes } from '../../engine/images/media-types.js';
import type { Descriptor } from '../../engine/images/oci-descriptor.js';
import type { RegistryContext } from './registry-context.js';
import { RegistryError } from './registry-errors.js';

/** The fields of a pushed manifest the referrers list reports. */
interface ReferringManifest {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string };
  subject?: { digest?: string };
  annotations?: Record<string, string>;
}

/** GET: the referrers of DIGEST as an OCI index (empty when there are none). */
export async function listReferrers(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, digest: string): Promise<void> {
  await ctx.access.authorize(request, name, 'pull');
  if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', `'${digest}' is not a sha256 digest`, { digest });
  const wanted = (request.query as Record<string, string | undefined>).artifactType;
  const manifests: Descriptor[] = [];
  for (const served of ctx.store.pushedManifests(name)) {
    let doc: ReferringManifest;
    try {
      doc = JSON.parse(served.bytes.toString('utf8')) as ReferringManifest;
    } catch {
      continue;
    }
    if (doc.subject?.digest !== digest) continue;
    const artifactType = doc.artifactType ?? doc.config?.mediaType;
    if (wanted !== undefined && artifactType !== wanted) continue;
    manifests.push({
      mediaType: served.mediaType,
      digest: served.digest,
      size: served.bytes.length,
      ...(artifactType !== undefined && { artifactType }),
      ...(doc.annotations !== undefined && { annotations: doc.annotations }),
    } as Descriptor);
  }
  if (wanted !== undefined) reply.header('oci-filters-applied', 'artifactType');
  // Serialized here: fastify would append '; charset=utf-8' to a media type clients compare exactly.
  await reply.header('content-type', MediaTypes.ociIndex).send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests })));
}
