/**
 * HTTP for the registry client, on node:http and node:https with keep-alive agents.
 * Plain HTTP only for loopback hosts and hosts the operator listed as insecure; TLS
 * otherwise, verified against the system CA store (Node's default). Redirects of GET and
 * HEAD are followed (registries send blob downloads to object storage), and the
 * Authorization header goes only to the registry's own origin, never to where it points.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';

/** A response whose body the caller must consume or destroy. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  /** The URL that answered, after redirects. */
  url: URL;
}

/** One request. */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Sent only while the request stays on the registry's origin. */
  authorization?: string;
  signal?: AbortSignal;
}

const maxRedirects = 5;
/** A connection silent this long is treated as dropped (the caller may retry or resume). */
const idleTimeoutMs = 60_000;
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** True for `localhost`, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (name === 'localhost') return true;
  if (net.isIPv4(name)) return name.startsWith('127.');
  return name === '::1';
}

/** The base URL of a registry host: http for loopback and listed insecure hosts, else https. */
export function registryBaseUrl(host: string, insecure: string[]): URL {
  const scheme = isLoopbackHost(host) || insecure.includes(host) ? 'http' : 'https';
  try {
    return new URL(`${scheme}://${host}/`);
  } catch (err) {
    throw new InvalidArgumentError(`registry host '${host}' is not a valid host[:port]`, { cause: err });
  }
}

/** Sends requests for one registry, following GET/HEAD redirects. */
export class HttpTransport {
  constructor(private readonly origin: string) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    for (let hop = 0; ; hop++) {
      const response = await this.retryingReset({ ...req, url });
      const location = response.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(response.status) && location !== undefined;
      if (!redirect || (req.method !== 'GET' && req.method !== 'HEAD')) return response;
      response.body.resume();
      if (hop >= maxRedirects) throw new InvalidArgumentError(`${req.url.href}: more than ${maxRedirects} redirects`);
      url = new URL(location, url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError(`redirect to unsupported URL ${url.href}`);
    }
  }

  /**
   * A keep-alive connection the server closed just as we reused it fails with ECONNRESET
   * or "socket hang up" before any answer; a request whose body can be sent again is
   * then retried once on a new connection.
   */
  private async retryingReset(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.once(req);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ECONNRESET' && code !== 'EPIPE') || req.signal?.aborted || (req.body !== undefined && !Buffer.isBuffer(req.body))) throw err;
      return this.once(req);
    }
  }

  private once(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...req.headers };
    if (req.authorization !== undefined && req.url.origin === this.origin) headers.authorization = req.authorization;
    if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
    const lib = req.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = lib.request(
        req.url,
        { method: req.method, headers, agent: agents[req.url.protocol as 'http:' | 'https:'], ...(req.signal && { signal: req.signal }) },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url }),
      );
      request.setTimeout(idleTimeoutMs, () => request.destroy(new Error(`${req.method} ${req.url.href}: no data for ${idleTimeoutMs / 1000} s`)));
      request.on('error', reject);
      if (req.body === undefined) request.end();
      else if (Buffer.isBuffer(req.body)) request.end(req.body);
      else {
        req.body.on('error', (err) => request.destroy(err));
        req.body.pipe(request);
      }
    });
  }
}

/** Reads a response body whole, refusing more than `limit` bytes (the connection is dropped at the limit). */
export async function readBody(response: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw new InvalidArgumentError(`${what} is ${declared} bytes, over the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.body.destroy();
      throw new InvalidArgumentError(`${what} is over the ${limit}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Makes a Readable from a buffer or stream, for request bodies. */
export function bodyStream(source: AsyncIterable<Buffer>): Readable {
  return Readable.from(source, { objectMode: false });
}
