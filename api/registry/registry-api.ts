/**
 * The Docker Registry v2 / OCI distribution API over the engine's image store, as a fastify
 * plugin: `app.register(registryApi, { prefix: '/v2', engine, auth })`. Blobs are the
 * content store's; what is pushed becomes an image named `repository:tag`; images loaded or
 * committed locally can be pulled. The plugin is encapsulated: its raw-stream body parser,
 * error format and headers do not leak to APIs mounted beside it.
 *
 * LIMITATIONS against distribution 2.8: no schema1 manifests; no redirect to blob storage;
 * the catalog and tag lists are computed from the database on each request; upload sessions
 * live in this process (a restart forgets them; start-up recovery removes their ingest files).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { getBlob, deleteBlob } from './blob-routes.js';
import { deleteManifest, getManifest, putManifest } from './manifest-routes.js';
import { listReferrers } from './referrers.js';
import { RegistryAccess } from './registry-access.js';
import { type RegistryAuthenticator, TokenSigner } from './registry-auth.js';
import type { RegistryContext } from './registry-context.js';
import { RegistryError, errorBody, toRegistryFault } from './registry-errors.js';
import { RepositoryStore, repositoryNamePattern } from './repository-store.js';
import { appendUpload, cancelUpload, finishUpload, startUpload, uploadStatus } from './upload-routes.js';
import { UploadSessions } from './upload-sessions.js';

/** Options of the registry plugin. */
export interface RegistryApiOptions {
  engine: Engine;
  auth: RegistryAuthenticator;
  /** Key for Bearer tokens; a random one per process by default (tokens then die with it). */
  tokenKey?: Buffer;
  /** Token lifetime; 300 s by default. */
  tokenTtlSeconds?: number;
}

type Handler = (ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string, arg: string) => Promise<void>;

/** Path shapes under the prefix, longest suffix first: NAME may itself contain slashes. */
const routes: { pattern: RegExp; methods: Partial<Record<string, Handler>> }[] = [
  { pattern: /^(.+)\/manifests\/([^/]+)$/, methods: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest } },
  { pattern: /^(.+)\/blobs\/uploads\/?()$/, methods: { POST: startUpload } },
  { pattern: /^(.+)\/blobs\/uploads\/([^/]+)$/, methods: { PATCH: appendUpload, PUT: finishUpload, GET: uploadStatus, DELETE: cancelUpload } },
  { pattern: /^(.+)\/blobs\/([^/]+)$/, methods: { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob } },
  { pattern: /^(.+)\/tags\/list$/, methods: { GET: listTags } },
  { pattern: /^(.+)\/referrers\/([^/]+)$/, methods: { GET: listReferrers } },
];

/** Mounts the registry API on `app` (encapsulated). */
export async function registryApi(app: FastifyInstance, opts: RegistryApiOptions): Promise<void> {
  const store = new RepositoryStore(opts.engine);
  const signer = new TokenSigner(opts.tokenKey, opts.tokenTtlSeconds);
  const uploads = new UploadSessions(opts.engine.content);
  const ctx: RegistryContext = { engine: opts.engine, store, uploads, access: new RegistryAccess(store, opts.auth, signer, app.prefix), prefix: app.prefix };
  app.addHook('onClose', async () => uploads.close());

  // Bodies are blobs and manifests: handlers read the raw stream (uploads stream straight
  // to disk; a manifest's exact bytes are its digest), so no parser may touch them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('docker-distribution-api-version', 'registry/2.0');
  });
  app.setErrorHandler(async (err, request, reply) => {
    const { status, body } = toRegistryFault(err);
    if (status >= 500) request.log.error({ err }, 'registry request failed');
    if (err instanceof RegistryError) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    // A HEAD answer has no body; the status says it all.
    await reply.code(status).header('content-type', 'application/json').send(request.method === 'HEAD' ? undefined : body);
  });

  app.get('/', async (request, reply) => {
    // An anonymous ping is challenged, so that `docker login` learns where the token realm is.
    if (request.headers.authorization === undefined) throw ctx.access.challenge(request, 'authentication required');
    await ctx.access.caller(request);
    await reply.header('content-type', 'application/json').send({});
  });
  app.get('/token', async (request, reply) => ctx.access.token(request, reply));
  app.post('/token', async (request, reply) => ctx.access.oauthToken(request, reply));
  app.get('/_catalog', async (request, reply) => listCatalog(ctx, request, reply));
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'],
    url: '/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const rest = (request.params as { '*': string })['*'];
      for (const { pattern, methods } of routes) {
        const match = pattern.exec(rest);
        if (!match) continue;
        const name = match[1]!;
        if (!repositoryNamePattern.test(name) || name.length > 255) throw new RegistryError('NAME_INVALID', `invalid repository name '${name}'`, { name });
        const handler = methods[request.method];
        if (!handler) throw new RegistryError('UNSUPPORTED', `${request.method} is not supported on ${request.url}`);
        await handler(ctx, request, reply, name, match[2]!);
        return;
      }
      await reply.code(404).send(errorBody('NAME_UNKNOWN', `no registry endpoint at ${request.url}`));
    },
  });
}

/** Sorted names after `last`, at most `n`, with a `Link` header to the next page. */
function paginate(reply: FastifyReply, names: string[], query: Record<string, string | undefined>, url: string): string[] {
  const after = query.last;
  let page = after === undefined ? names : names.filter((n) => n > after);
  const n = query.n === undefined ? undefined : Number(query.n);
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new RegistryError('UNSUPPORTED', `n must be a non-negative integer, got '${query.n}'`, undefined, 400);
  if (n !== undefined && page.length > n) {
    page = page.slice(0, n);
    if (n > 0) reply.header('link', `<${url}?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`);
  }
  return page;
}

async function listTags(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply, name: string): Promise<void> {
  await ctx.access.authorize(request, name, 'pull');
  if (!ctx.store.repository(name)) throw new RegistryError('NAME_UNKNOWN', `repository '${name}' not known to registry`, { name });
  const tags = paginate(reply, ctx.store.tags(name), request.query as Record<string, string | undefined>, `${ctx.prefix}/${name}/tags/list`);
  await reply.header('content-type', 'application/json').send({ name, tags });
}

async function listCatalog(ctx: RegistryContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const caller = await ctx.access.caller(request);
  const names = ctx.store.names().filter((name) => ctx.access.canPull(caller, name));
  const repositories = paginate(reply, names, request.query as Record<string, string | undefined>, `${ctx.prefix}/_catalog`);
  await reply.header('content-type', 'application/json').send({ repositories });
}
