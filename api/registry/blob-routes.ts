/** `/v2/NAME/blobs/DIGEST`: GET (with a single Range), HEAD and DELETE. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDigest } from '../../engine/content/digest.js';
import type { RegistryContext } from './registry-context.js';
import { RegistryError } from './registry-errors.js';

function checkDigest(digest: string): void {
  if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', `'${digest}' is not a sha256 digest`, { digest });
}

/** GET or HEAD of a blob the repository holds; `Range: bytes=a-b` gives 206 with those bytes. */
export async function getBlob(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, digest: string): Promise<void> {
  await ctx.access.authorize(request, name, 'pull');
  checkDigest(digest);
  if (!ctx.store.hasBlob(name, digest)) throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} not known to repository '${name}'`, { digest });
  const { size } = ctx.engine.content.info(digest);
  reply
    .header('content-type', 'application/octet-stream')
    .header('docker-content-digest', digest)
    .header('etag', `"${digest}"`)
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'max-age=31536000');
  const range = parseRange(request.headers.range, size);
  if (range === 'invalid') {
    reply.header('content-range', `bytes */${size}`);
    throw new RegistryError('RANGE_INVALID', `range '${request.headers.range}' is not satisfiable for ${size} bytes`, { size });
  }
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`);
  const length = range ? range.end - range.start + 1 : size;
  reply.header('content-length', length);
  if (request.method === 'HEAD' || length === 0) {
    await reply.send();
    return;
  }
  await reply.send(ctx.engine.content.read(digest, range ?? undefined));
}

/** DELETE: unlinks the blob from the repository; the garbage collector frees it when nothing refers to it. */
export async function deleteBlob(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, digest: string): Promise<void> {
  await ctx.access.authorize(request, name, 'push');
  checkDigest(digest);
  if (!ctx.store.unlinkBlob(name, digest)) throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} not known to repository '${name}'`, { digest });
  await reply.code(202).header('content-length', 0).send();
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; null for none, 'invalid' when unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}
