/**
 * A client for one repository on one registry, speaking the OCI distribution spec (Docker
 * Registry v2): the `/v2/` ping that yields the auth challenge, manifests by tag or digest
 * (HEAD before GET), blob existence checks, and blob downloads that resume with `Range`
 * when a connection drops. Uploads are in blob-upload.ts over `send`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { RegistryConfig } from '../config.js';
import { FailedPreconditionError, ForbiddenError, InvalidArgumentError, NotFoundError, isIntermodalError } from '../errors.js';
import { MediaTypes } from '../images/media-types.js';
import type { Credentials } from './credential-store.js';
import { HttpTransport, type HttpResponse, readBody, registryBaseUrl } from './http-transport.js';
import { RegistryAuth } from './registry-auth.js';

/** The manifest media types we ask for, most specific first. */
export const manifestAccept = [MediaTypes.ociIndex, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.dockerManifest].join(', ');

/** Manifests and indexes larger than this are refused unread (the distribution spec's suggested limit). */
export const maxManifestBytes = 4 * 1024 * 1024;

/** What a manifest HEAD tells. */
export interface ManifestHead {
  digest?: string;
  size?: number;
  mediaType?: string;
}

/** How many times a dropped blob download is resumed before giving up. */
const maxBlobAttempts = 5;

/** Requests for one repository; `actions` are the token scopes it needs (pull, or pull+push). */
export class RegistryClient {
  readonly base: URL;
  private readonly transport: HttpTransport;
  private readonly auth: RegistryAuth;
  private pinged = false;

  constructor(
    readonly host: string,
    readonly repository: string,
    private readonly options: { config: RegistryConfig; credentials?: Credentials; actions: ('pull' | 'push')[]; extraScopes?: string[] },
  ) {
    this.base = registryBaseUrl(host, options.config.insecure);
    this.transport = new HttpTransport(this.base.origin);
    this.auth = new RegistryAuth(host, options.credentials, options.config.insecure);
  }

  /** `GET /v2/`: checks that this is a registry and learns how it wants us to authenticate. */
  async ping(): Promise<void> {
    if (this.pinged) return;
    let response: HttpResponse;
    try {
      response = await this.transport.request({ method: 'GET', url: new URL('/v2/', this.base) });
    } catch (err) {
      throw new InvalidArgumentError(`cannot reach registry ${this.host}: ${(err as Error).message}`, { cause: err });
    }
    response.body.resume();
    if (response.status === 401) {
      if (!this.auth.setChallenge(header(response, 'www-authenticate'))) throw new ForbiddenError(`${this.host} asks for an authentication scheme we do not speak`);
    } else if (response.status !== 200) {
      throw new InvalidArgumentError(`${this.host} does not answer as a v2 registry (GET /v2/ → ${response.status})`);
    }
    this.pinged = true;
  }

  /**
   * Checks credentials as `docker login` does: the ping, then (for token auth) a token for
   * no particular repository, then the ping again with it. ForbiddenError when refused.
   */
  async verifyLogin(): Promise<void> {
    await this.ping();
    if (!this.auth.required) return;
    const authorization = await this.auth.authorization([]);
    const response = await this.transport.request({ method: 'GET', url: new URL('/v2/', this.base), ...(authorization !== undefined && { authorization }) });
    response.body.resume();
    if (response.status === 401 || response.status === 403) throw new ForbiddenError(`login to ${this.host} refused: unauthorized`);
    if (response.status !== 200) throw new InvalidArgumentError(`${this.host}: GET /v2/ answered ${response.status}`);
  }

  /** `HEAD` a manifest by tag or digest; undefined when the registry has none. */
  async headManifest(reference: string): Promise<ManifestHead | undefined> {
    const response = await this.send({ method: 'HEAD', path: this.path('manifests', reference), headers: { accept: manifestAccept } });
    response.body.resume();
    if (response.status === 404) return undefined;
    // A registry without HEAD on manifests still serves GET; the caller goes on to that.
    if (response.status === 405 || response.status === 501) return {};
    await expectStatus(response, [200], `HEAD manifest ${this.name(reference)}`);
    const size = Number(header(response, 'content-length'));
    const digest = header(response, 'docker-content-digest');
    const mediaType = header(response, 'content-type');
    return { ...(digest && { digest }), ...(Number.isFinite(size) && { size }), ...(mediaType && { mediaType: mediaType.split(';')[0]!.trim() }) };
  }

  /** `GET` a manifest's bytes, refusing more than the 4 MiB limit. */
  async getManifest(reference: string): Promise<{ bytes: Buffer; mediaType?: string; digest?: string }> {
    const response = await this.send({ method: 'GET', path: this.path('manifests', reference), headers: { accept: manifestAccept } });
    if (response.status === 404) {
      response.body.resume();
      throw new NotFoundError(`manifest for ${this.name(reference)} not found`);
    }
    await expectStatus(response, [200], `GET manifest ${this.name(reference)}`);
    const bytes = await readBody(response, maxManifestBytes, `manifest ${this.name(reference)}`);
    const mediaType = header(response, 'content-type')?.split(';')[0]?.trim();
    const digest = header(response, 'docker-content-digest');
    return { bytes, ...(mediaType && { mediaType }), ...(digest && { digest }) };
  }

  /** True when the repository has the blob (`HEAD`). */
  async hasBlob(digest: string): Promise<boolean> {
    const response = await this.send({ method: 'HEAD', path: this.path('blobs', digest) });
    response.body.resume();
    if (response.status === 404) return false;
    await expectStatus(response, [200], `HEAD blob ${digest}`);
    return true;
  }

  /**
   * Streams a blob of `size` bytes. A connection that drops (or ends short) is resumed
   * with `Range: bytes=N-`; a registry that ignores the range and sends the whole blob
   * again has its first N bytes skipped. Verification is the content store's job.
   */
  async *blob(digest: string, size: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
    let offset = 0;
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse | undefined;
      try {
        response = await this.send({ method: 'GET', path: this.path('blobs', digest), headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, ...(signal && { signal }) });
        if (response.status === 404) throw new NotFoundError(`blob ${digest} not found in ${this.name()}`);
        // A server error is as transient as a dropped connection: retried, not reported at once.
        if (response.status >= 500) throw new Error(`GET blob ${digest}: registry answered ${response.status}`);
        await expectStatus(response, offset > 0 ? [200, 206] : [200], `GET blob ${digest}`);
        let skip = offset > 0 && response.status === 200 ? offset : 0;
        for await (const raw of response.body as AsyncIterable<Buffer>) {
          let chunk = raw;
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.length);
            skip -= dropped;
            chunk = chunk.subarray(dropped);
            if (chunk.length === 0) continue;
          }
          offset += chunk.length;
          if (offset > size) throw new InvalidArgumentError(`blob ${digest} is larger than the ${size} bytes its descriptor says`);
          yield chunk;
        }
        if (offset === size) return;
        throw new Error(`connection ended after ${offset} of ${size} bytes`);
      } catch (err) {
        response?.body.destroy();
        if (isIntermodalError(err) || signal?.aborted || attempt >= maxBlobAttempts) {
          if (isIntermodalError(err) || signal?.aborted) throw err;
          throw new InvalidArgumentError(`blob ${digest}: download failed after ${attempt} attempts: ${(err as Error).message}`, { cause: err });
        }
        await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)));
      }
    }
  }

  /**
   * Sends a request on this repository with authorization, answering one 401 by asking
   * for a fresh token and trying again (only when the body can be sent twice).
   */
  async send(req: { method: string; path?: string; url?: URL; headers?: Record<string, string>; body?: Buffer | Readable; signal?: AbortSignal }): Promise<HttpResponse> {
    await this.ping();
    const url = req.url ?? new URL(req.path!, this.base);
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.auth.authorization(this.scopes());
      const response = await this.transport.request({
        method: req.method,
        url,
        ...(req.headers && { headers: req.headers }),
        ...(req.body !== undefined && { body: req.body }),
        ...(authorization !== undefined && { authorization }),
        ...(req.signal && { signal: req.signal }),
      });
      const replayable = req.body === undefined || Buffer.isBuffer(req.body);
      if (response.status !== 401 || attempt > 0 || !replayable) {
        if (response.status === 401 || response.status === 403) {
          response.body.resume();
          throw new ForbiddenError(`${this.host}: ${req.method} ${url.pathname} refused (${response.status})${this.options.credentials ? '' : `; run 'intermodal login ${this.host}'`}`);
        }
        return response;
      }
      response.body.resume();
      this.auth.forget();
      this.auth.setChallenge(header(response, 'www-authenticate'));
    }
  }

  /** `host/repository[:ref]` for messages. */
  name(reference?: string): string {
    const sep = reference?.startsWith('sha256:') ? '@' : ':';
    return `${this.host}/${this.repository}${reference === undefined ? '' : `${sep}${reference}`}`;
  }

  /** `/v2/<repository>/<kind>/<reference>`. */
  path(kind: 'manifests' | 'blobs', reference: string): string {
    return `/v2/${this.repository}/${kind}/${reference}`;
  }

  private scopes(): string[] {
    return [`repository:${this.repository}:${this.options.actions.join(',')}`, ...(this.options.extraScopes ?? [])];
  }
}

/** A single-valued response header. */
export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Throws a categorised error carrying the registry's own error message unless the status is expected. */
export async function expectStatus(response: HttpResponse, expected: number[], what: string): Promise<void> {
  if (expected.includes(response.status)) return;
  let detail = '';
  try {
    const body = await readBody(response, 64 * 1024, 'error body');
    const doc = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    detail = (doc.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    response.body.destroy();
  }
  const message = `${what}: registry answered ${response.status}${detail ? ` (${detail})` : ''}`;
  if (response.status === 404) throw new NotFoundError(message);
  if (response.status === 401 || response.status === 403) throw new ForbiddenError(message);
  if (response.status >= 500) throw new FailedPreconditionError(message);
  throw new InvalidArgumentError(message);
}
