/** Image archives and raw HTTP for the Glance tests (bodies that are not JSON, chunked uploads). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import type { TestCloud } from '../../helpers/test-cloud.js';

/** A busybox docker-archive tagged `tag`; `marker` makes its layer (and so its image id) unique. */
export function busyboxArchive(work: string, tag: string, marker = ''): { file: string; configDigest: string } {
  const dir = fs.mkdtempSync(path.join(work, 'rootfs-'));
  makeBusyboxRootfs(dir);
  if (marker) fs.writeFileSync(path.join(dir, 'etc/marker'), marker);
  const file = path.join(work, `${tag.replace(/[^a-z0-9]+/gi, '-')}.tar`);
  const { configDigest } = buildDockerArchive(file, { layers: [{ dir }], tags: [tag], workDir: work });
  fs.rmSync(dir, { recursive: true, force: true });
  return { file, configDigest };
}

export const md5 = (bytes: Buffer): string => crypto.createHash('md5').update(bytes).digest('hex');

/** A request whose body is raw bytes or a stream; the response body comes back as bytes. */
export async function rawRequest(cloud: TestCloud, method: string, urlPath: string, options: { token: string; body?: Buffer | ReadableStream<Uint8Array>; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const init: RequestInit & { duplex?: 'half' } = { method, headers: { 'x-auth-token': options.token, ...options.headers } };
  if (options.body !== undefined) {
    init.body = options.body;
    if (!Buffer.isBuffer(options.body)) init.duplex = 'half';
  }
  const res = await fetch(cloud.url + urlPath, init);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A stream of `bytes` in small chunks: fetch sends it with Transfer-Encoding: chunked, as tempest does. */
export function chunkedBody(bytes: Buffer, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + chunk)));
      offset += chunk;
    },
  });
}

/** How many blobs the content store of a data dir holds (a refused load must leave none behind). */
export function blobCount(dataDir: string): number {
  const dir = path.join(dataDir, 'content', 'blobs', 'sha256');
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
}

/** Engine image ids in a data dir, as `intermodal images -q --no-trunc` prints them. */
export async function engineImageIds(dataDir: string): Promise<string[]> {
  const { runCli } = await import('../../helpers/cli.js');
  const result = await runCli(dataDir, ['images', '-q', '--no-trunc']);
  if (result.code !== 0) throw new Error(`intermodal images failed: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean).sort();
}

/** Runs glanceclient's `glance` CLI as admin with fd 0 closed (it reads image data from any standard input it has). */
export async function glance(cloud: TestCloud, args: string[]): Promise<string> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const env = {
    ...process.env, OS_AUTH_URL: `${cloud.url}/identity`, OS_USERNAME: 'admin', OS_PASSWORD: cloud.adminPassword, OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default', OS_IDENTITY_API_VERSION: '3', OS_REGION_NAME: 'RegionOne',
  };
  try {
    const { stdout } = await promisify(execFile)('sh', ['-c', 'exec "$@" <&-', 'sh', 'glance', ...args], { env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`glance ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}
