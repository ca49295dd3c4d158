/**
 * A real `intermodal serve` for the cloud benchmarks: started on 127.0.0.1 (a random port)
 * over a scratch data dir with a known admin password, an admin token, JSON calls, and a
 * stop by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliPath } from '../../test/helpers/cli.js';

export interface BenchApi { url: string; token: string; project: string; child: ChildProcess }

/** A project-scoped admin token and its project id. */
export async function issueAdminToken(url: string): Promise<{ token: string; project: string }> {
  const res = await fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'bench' } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status}`);
  const project = ((await res.json()) as { token: { project: { id: string } } }).token.project.id;
  return { token: res.headers.get('x-subject-token')!, project };
}

export async function startBenchServe(dataDir: string): Promise<BenchApi> {
  const child = spawn(process.execPath, [cliPath, '--data-dir', dataDir, 'serve', '--listen', '127.0.0.1:0', '--admin-password', 'bench', '--log-file', path.join(dataDir, 'api.log')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]!); });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url, ...(await issueAdminToken(url)), child };
}

/** A JSON call with the admin token; throws on any 4xx/5xx (redirects are answers, not followed). */
export async function benchCall(a: BenchApi, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(a.url + p, { method, redirect: 'manual', headers: { 'x-auth-token': a.token, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function stopBenchServe(a: BenchApi): Promise<void> {
  if (a.child.exitCode !== null || a.child.signalCode !== null) return;
  const exited = new Promise((r) => a.child.once('exit', r));
  a.child.kill('SIGTERM');
  await exited;
}

/**
 * Uploads a docker-archive as a Glance image and lifts the admin project's instance, core
 * and RAM quotas, so a benchmark's many boots are never refused; resolves with the image id.
 */
export async function uploadBenchImage(a: BenchApi, archive: string, name = 'bench'): Promise<string> {
  const image = await benchCall(a, 'POST', '/image/v2/images', { name, container_format: 'docker', disk_format: 'raw' });
  const up = await fetch(`${a.url}/image/v2/images/${image.id}/file`, { method: 'PUT', headers: { 'x-auth-token': a.token, 'content-type': 'application/octet-stream' }, body: fs.readFileSync(archive) });
  if (up.status !== 204) throw new Error(`upload: ${up.status} ${await up.text()}`);
  await benchCall(a, 'PUT', `/compute/v2.1/os-quota-sets/${a.project}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
  return image.id;
}

/** Deletes a server through the API and resolves once it is gone (404). */
export async function deleteServerAndWait(a: BenchApi, id: string): Promise<void> {
  await benchCall(a, 'DELETE', `/compute/v2.1/servers/${id}`);
  for (;;) {
    const res = await fetch(`${a.url}/compute/v2.1/servers/${id}`, { headers: { 'x-auth-token': a.token } });
    await res.arrayBuffer();
    if (res.status === 404) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
