/**
 * What the VPS acceptance tests share: the Debian system image (built once by
 * templates/images/build-system-image.sh with debootstrap, cached in
 * $INTERMODAL_TEMPLATE_IMAGES, default /var/lib/intermodal/template-images) uploaded with
 * its `intermodal_init=system` property, an SSH key pair, and the real `ssh` client.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../engine/project-root.js';
import type { TestCloud } from '../helpers/test-cloud.js';

const run = promisify(execFile);

const imageCache = process.env.INTERMODAL_TEMPLATE_IMAGES ?? '/var/lib/intermodal/template-images';

/** Builds the image when the cache has none, and uploads it to `cloud` as `name` with the system-mode property. */
export async function uploadSystemImage(cloud: TestCloud, name: string): Promise<string> {
  fs.mkdirSync(imageCache, { recursive: true });
  const tar = path.join(imageCache, 'debian-system.tar');
  await run(path.join(projectRoot, 'templates', 'images', 'build-system-image.sh'), [tar, name], {
    timeout: 1_800_000, env: { ...process.env, OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml, OS_CLOUD: 'intermodal' },
  });
  return tar;
}

/** A new ed25519 key pair in `dir`; returns the private key's path (the public key is beside it, `.pub`). */
export async function makeKeyPair(dir: string, name: string): Promise<string> {
  const key = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return key;
}

/** Options for a non-interactive client that trusts a fresh server's host key. */
const sshOptions = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR'];

/** Runs `command` over SSH as `user@address` with `key`; resolves with its stdout, rejects with its stderr. */
export async function ssh(key: string, user: string, address: string, command: string, port = 22): Promise<string> {
  try {
    return (await run('ssh', [...sshOptions, '-i', key, '-p', String(port), `${user}@${address}`, command], { timeout: 30_000 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ssh ${user}@${address} ${command}: ${err.stderr || err.message}`);
  }
}

/** `ssh`, retried while the server's sshd is not up yet (a machine takes a moment to boot). */
export async function sshWhenUp(key: string, user: string, address: string, command: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await ssh(key, user, address, command);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** The first address of `server` on `network`, from `openstack server show`. */
export async function addressOf(cloud: TestCloud, server: string, network: string): Promise<string> {
  const shown = JSON.parse(await cloud.openstack(['server', 'show', server, '-f', 'json'])) as { addresses: Record<string, string[]> | string };
  if (typeof shown.addresses !== 'string') return shown.addresses[network]![0]!;
  // Older clients print `net=10.0.0.5, 127.0.100.2; other=...`.
  const entry = shown.addresses.split(';').map((s) => s.trim()).find((s) => s.startsWith(`${network}=`));
  return entry!.slice(network.length + 1).split(',')[0]!.trim();
}
