/**
 * A small client for the Docker Engine API (plain HTTP over the daemon's unix socket, or
 * HTTPS over TCP with client certificates). Only what the driver needs: JSON requests,
 * raw streaming requests (image load and save, archives, logs), and the daemon's error
 * statuses mapped once to the engine's categories so the API layer can report them.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';

/** API version the driver speaks: Docker 20.10 (Debian 12's docker.io) and later accept it. */
export const dockerApiVersion = 'v1.41';

/** TLS client material for a TCP endpoint (PEM contents, not paths). */
export interface DockerTls {
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
}

/** Where a daemon listens: `unix:///var/run/docker.sock` or `tcp://host:2376`. */
export interface DockerEndpoint {
  endpoint: string;
  tls?: DockerTls;
}

/** The daemon could not be reached or answered with a server error. */
export class DockerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DockerUnavailableError';
  }
}

export interface DockerRequest {
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON value, raw bytes, or a stream (sent chunked). */
  body?: unknown;
  contentType?: string;
  /** Give up after this long without an answer (ms); default none. */
  timeoutMs?: number;
}

export class DockerApi {
  private readonly target: { socketPath?: string; host?: string; port?: number; secure: boolean };
  private readonly agent: http.Agent;

  constructor(private readonly config: DockerEndpoint) {
    const url = config.endpoint;
    if (url.startsWith('unix://')) {
      this.target = { socketPath: url.slice('unix://'.length), secure: false };
    } else if (url.startsWith('tcp://') || url.startsWith('https://') || url.startsWith('http://')) {
      const parsed = new URL(url.replace(/^tcp:/, 'https:'));
      const secure = !url.startsWith('http://');
      this.target = { host: parsed.hostname, port: Number(parsed.port || (config.tls ? 2376 : 2375)), secure: secure && config.tls !== undefined };
    } else {
      throw new InvalidArgumentError(`docker endpoint '${url}' must be unix:///path or tcp://host:port`);
    }
    this.agent = this.target.secure
      ? new https.Agent({ keepAlive: true, ca: config.tls?.ca, cert: config.tls?.cert, key: config.tls?.key })
      : new http.Agent({ keepAlive: true });
  }

  /** The endpoint as configured. */
  get endpoint(): string {
    return this.config.endpoint;
  }

  /** Whether the daemon runs on this machine (a unix socket). */
  get isLocal(): boolean {
    return this.target.socketPath !== undefined;
  }

  /** Sends a request; resolves with the response whatever its status. */
  raw(method: string, path: string, options: DockerRequest = {}): Promise<http.IncomingMessage> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const qs = query.toString();
    const headers: Record<string, string> = {};
    let payload: Buffer | Readable | undefined;
    const body = options.body;
    if (Buffer.isBuffer(body)) payload = body;
    else if (body !== undefined && typeof (body as Readable).pipe === 'function') payload = body as Readable;
    else if (body !== undefined) payload = Buffer.from(JSON.stringify(body));
    const isJson = payload !== undefined && payload !== body;
    if (payload !== undefined) headers['content-type'] = options.contentType ?? (isJson ? 'application/json' : 'application/x-tar');
    if (Buffer.isBuffer(payload)) headers['content-length'] = String(payload.length);
    const lib = this.target.secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request({
        method, agent: this.agent, headers,
        path: `/${dockerApiVersion}${path}${qs ? `?${qs}` : ''}`,
        ...(this.target.socketPath !== undefined ? { socketPath: this.target.socketPath } : { host: this.target.host, port: this.target.port }),
      }, resolve);
      if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new DockerUnavailableError(`docker daemon at ${this.endpoint} did not answer ${method} ${path} within ${options.timeoutMs} ms`)));
      req.on('error', (err) => reject(err instanceof DockerUnavailableError ? err : new DockerUnavailableError(`docker daemon at ${this.endpoint}: ${err.message}`, { cause: err })));
      if (payload === undefined) req.end();
      else if (Buffer.isBuffer(payload)) req.end(payload);
      else {
        payload.on('error', (err) => req.destroy(err));
        payload.pipe(req);
      }
    });
  }

  /** Sends a request and parses a JSON answer (undefined for an empty one); errors are categorised. */
  async json<T>(method: string, path: string, options: DockerRequest = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    const text = (await readAll(res)).toString();
    if (res.statusCode! >= 400) throw statusError(res.statusCode!, text, `${method} ${path}`);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Sends a request; the response stream when it succeeded, else a categorised error. */
  async stream(method: string, path: string, options: DockerRequest = {}): Promise<http.IncomingMessage> {
    const res = await this.raw(method, path, options);
    if (res.statusCode! >= 400) throw statusError(res.statusCode!, (await readAll(res)).toString(), `${method} ${path}`);
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The engine category of a daemon error status, with the daemon's own message. */
export function statusError(status: number, text: string, what: string): Error {
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // Not JSON: keep the text.
  }
  if (status === 404) return new NotFoundError(message);
  if (status === 409 || status === 304) return new FailedPreconditionError(message);
  if (status === 400) return new InvalidArgumentError(message);
  return new DockerUnavailableError(`docker ${what} failed (${status}): ${message}`);
}

export async function readAll(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}
