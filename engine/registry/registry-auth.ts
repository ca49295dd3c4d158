/**
 * Authentication against a registry, as the distribution spec's token flow describes: a
 * 401 carries `WWW-Authenticate`; for `Bearer realm=..., service=..., scope=...` the client
 * asks the realm for a token for the scopes it needs (anonymously, or with Basic
 * credentials when it has some) and sends it as `Authorization: Bearer`; for `Basic` it
 * sends the credentials directly. Tokens are cached per scope set for the operation.
 */
import { ForbiddenError, InvalidArgumentError } from '../errors.js';
import type { Credentials } from './credential-store.js';
import { HttpTransport, isLoopbackHost, readBody } from './http-transport.js';

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parses the first Bearer or Basic challenge of a `WWW-Authenticate` header. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(Bearer|Basic)\b\s*(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  // key="quoted, value" or key=token, comma-separated.
  const pairs = /([a-zA-Z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = pairs.exec(match[2]!); m; m = pairs.exec(match[2]!)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme: match[1]!.toLowerCase() as Challenge['scheme'], params };
}

/** Basic credentials as an Authorization header value. */
export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Limit on a token response; real ones are a few kB. */
const maxTokenResponseBytes = 1024 * 1024;

/** Authorization for one registry, given the challenge it answered the ping with. */
export class RegistryAuth {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly host: string,
    private readonly credentials: Credentials | undefined,
    private readonly insecure: string[],
  ) {}

  /** Records the challenge of a 401 answer; returns false when it names no scheme we speak. */
  setChallenge(header: string | undefined): boolean {
    const challenge = header === undefined ? undefined : parseChallenge(header);
    if (!challenge) return false;
    this.challenge = challenge;
    return true;
  }

  /** True once the registry has asked for authentication. */
  get required(): boolean {
    return this.challenge !== undefined;
  }

  /** Drops cached tokens, so that the next request asks the realm again (after a 401). */
  forget(): void {
    this.tokens.clear();
  }

  /** The Authorization header value for requests needing `scopes`, or undefined when none is needed. */
  async authorization(scopes: string[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      if (!this.credentials) throw new ForbiddenError(`${this.host} requires a login (run 'intermodal login ${this.host}')`);
      return basicAuthorization(this.credentials);
    }
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached) return cached;
    const token = await this.fetchToken(challenge.params, scopes);
    this.tokens.set(key, `Bearer ${token}`);
    return `Bearer ${token}`;
  }

  private async fetchToken(params: Record<string, string>, scopes: string[]): Promise<string> {
    if (!params.realm) throw new InvalidArgumentError(`${this.host}: Bearer challenge without a realm`);
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch (err) {
      throw new InvalidArgumentError(`${this.host}: token realm '${params.realm}' is not a URL`, { cause: err });
    }
    // Credentials go to the realm; never in clear text unless the operator allowed it for that host.
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && (isLoopbackHost(realm.host) || this.insecure.includes(realm.host)))) {
      throw new ForbiddenError(`${this.host}: refusing token realm ${realm.href} over plain HTTP`);
    }
    if (params.service) realm.searchParams.set('service', params.service);
    for (const scope of scopes) realm.searchParams.append('scope', scope);
    const transport = new HttpTransport(realm.origin);
    const response = await transport.request({
      method: 'GET',
      url: realm,
      headers: { accept: 'application/json' },
      ...(this.credentials && { authorization: basicAuthorization(this.credentials) }),
    });
    const body = await readBody(response, maxTokenResponseBytes, `token response from ${realm.origin}`);
    if (response.status === 401 || response.status === 403) {
      throw new ForbiddenError(`${this.host}: ${this.credentials ? `login as '${this.credentials.username}' refused` : 'anonymous access refused'} by ${realm.origin} (${response.status})`);
    }
    if (response.status !== 200) throw new ForbiddenError(`${this.host}: token server ${realm.origin} answered ${response.status}`);
    let doc: { token?: unknown; access_token?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch (err) {
      throw new InvalidArgumentError(`${this.host}: token response is not JSON`, { cause: err });
    }
    const token = typeof doc.token === 'string' && doc.token !== '' ? doc.token : doc.access_token;
    if (typeof token !== 'string' || token === '') throw new InvalidArgumentError(`${this.host}: token response has no token`);
    return token;
  }
}
