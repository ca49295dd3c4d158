/**
 * Blob uploads, as the distribution spec defines them: `POST /v2/<name>/blobs/uploads/`
 * opens an upload session (or, with `mount=<digest>&from=<repo>`, mounts a blob the
 * registry already holds in another repository: 201 and no bytes sent); the bytes then go
 * in one `PUT ?digest=` (monolithic) or in `PATCH` chunks with `Content-Range` followed by
 * an empty `PUT ?digest=` (chunked, for big blobs).
 */
import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';
import type { HttpResponse } from './http-transport.js';
import { expectStatus, header, type RegistryClient } from './registry-client.js';

/** Where a blob's upload stands after the POST. */
export type UploadStart = { mounted: true } | { mounted: false; location: URL };

/** Opens an upload session, or mounts the blob from `from` when given and the registry agrees. */
export async function startUpload(client: RegistryClient, mount?: { digest: string; from: string }): Promise<UploadStart> {
  const url = new URL(`/v2/${client.repository}/blobs/uploads/`, client.base);
  if (mount) {
    url.searchParams.set('mount', mount.digest);
    url.searchParams.set('from', mount.from);
  }
  const response = await client.send({ method: 'POST', url, body: Buffer.alloc(0) });
  if (mount && response.status === 201) {
    response.body.resume();
    return { mounted: true };
  }
  await expectStatus(response, [202], `start upload to ${client.name()}`);
  response.body.resume();
  return { mounted: false, location: nextLocation(client, response) };
}

/** Sends the whole blob in one PUT and closes the session. */
export async function uploadMonolithic(client: RegistryClient, location: URL, digest: string, size: number, body: Readable): Promise<void> {
  const url = withDigest(location, digest);
  const response = await client.send({
    method: 'PUT',
    url,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body,
  });
  await expectStatus(response, [201], `upload blob ${digest} to ${client.name()}`);
  response.body.resume();
}

/** Sends the blob in `chunkBytes` PATCHes, then closes the session with an empty PUT. */
export async function uploadChunked(
  client: RegistryClient,
  location: URL,
  digest: string,
  size: number,
  chunkBytes: number,
  readRange: (start: number, end: number) => Readable,
  onChunk?: (sent: number) => void,
): Promise<void> {
  let url = location;
  for (let start = 0; start < size; start += chunkBytes) {
    const end = Math.min(size, start + chunkBytes) - 1;
    const response = await client.send({
      method: 'PATCH',
      url,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `${start}-${end}` },
      body: readRange(start, end),
    });
    await expectStatus(response, [202], `upload chunk ${start}-${end} of ${digest} to ${client.name()}`);
    response.body.resume();
    url = nextLocation(client, response);
    onChunk?.(end + 1);
  }
  const response = await client.send({ method: 'PUT', url: withDigest(url, digest), body: Buffer.alloc(0) });
  await expectStatus(response, [201], `finish upload of ${digest} to ${client.name()}`);
  response.body.resume();
}

/** PUTs a manifest under a tag or digest; returns the digest the registry reports. */
export async function putManifest(client: RegistryClient, reference: string, bytes: Buffer, mediaType: string): Promise<string | undefined> {
  const response = await client.send({ method: 'PUT', path: client.path('manifests', reference), headers: { 'content-type': mediaType }, body: bytes });
  await expectStatus(response, [201], `push manifest ${client.name(reference)}`);
  response.body.resume();
  return header(response, 'docker-content-digest');
}

function nextLocation(client: RegistryClient, response: HttpResponse): URL {
  const location = header(response, 'location');
  if (!location) throw new InvalidArgumentError(`${client.host} opened an upload without a Location`);
  // A session on another host gets no credentials: the transport sends them only to the registry's origin.
  return new URL(location, client.base);
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}
