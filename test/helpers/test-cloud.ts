/**
 * A real `intermodal serve` on 127.0.0.1 (a random port) over a scratch data dir, for
 * acceptance tests with the real clients. Teardown stops the server by its PID, removes
 * every container it left (as a user would, with `rm -f`), and checks nothing stays mounted.
 */
import { type ChildProcess, spawn, execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { cliPath, runCli } from './cli.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import { mountsUnder } from './test-engine.js';
import { MountFlags, sys } from '../../engine/sys/index.js';
import { removeFloatingIps } from '../../api/network/floating-ip-nat.js';

const execFileAsync = promisify(execFile);

export interface TestCloud {
  url: string;
  dataDir: string;
  adminPassword: string;
  /** `clouds.yaml` written by the server (cloud name `intermodal`). */
  cloudsYaml: string;
  /** Runs the real `openstack` CLI as admin (or with `auth` overrides), returning stdout; rejects with stderr on failure. */
  openstack(args: string[], auth?: { username: string; password: string; project: string }): Promise<string>;
  /** A project-scoped token for a user. */
  token(username: string, password: string, project: string): Promise<string>;
  /** A JSON request with a token; returns status, headers and parsed body. */
  request(method: string, urlPath: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  /** Stops the server by its PID (containers keep running) and starts it again on the same data dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('exit', (code) => reject(new Error(`intermodal serve exited with ${code}: ${err}`)));
  });
}

/** For a failed `stack create|update ... --wait NAME`: the stack's events, whose reasons say which resource failed and why. */
async function stackEvents(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  if (args[0] !== 'stack' || !args.includes('--wait')) return '';
  try {
    const { stdout } = await execFileAsync('openstack', ['stack', 'event', 'list', args[args.length - 1]!, '-f', 'value'], { env, timeout: 60_000 });
    return `\nstack events:\n${stdout}`;
  } catch {
    return '';
  }
}

/** Options of startTestCloud. */
export interface TestCloudOptions {
  /** Runs on the fresh data dir before the server first starts (e.g. to write compute-hosts.yaml). */
  beforeStart?: (dataDir: string) => void | Promise<void>;
}

export async function startTestCloud(label: string, options: TestCloudOptions = {}): Promise<TestCloud> {
  const dataDir = makeTempDir(label);
  await options.beforeStart?.(dataDir);
  const adminPassword = 'admin-secret-' + Math.random().toString(36).slice(2);
  const start = () => spawn(process.execPath, [cliPath, '--data-dir', dataDir, 'serve', '--listen', '127.0.0.1:0', '--admin-password', adminPassword, '--log-file', path.join(dataDir, 'api.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let child = start();
  const url = await waitForListening(child);
  const stopServer = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const cloudsYaml = path.join(dataDir, 'clouds.yaml');
  const cloud: TestCloud = {
    url, dataDir, adminPassword, cloudsYaml,
    async openstack(args, auth) {
      // Another user logs in the openrc way (environment only): clouds.yaml would override it.
      const env: NodeJS.ProcessEnv = auth
        ? { ...process.env, OS_AUTH_URL: `${cloud.url}/identity`, OS_IDENTITY_API_VERSION: '3', OS_USERNAME: auth.username, OS_PASSWORD: auth.password,
          OS_PROJECT_NAME: auth.project, OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default', OS_REGION_NAME: 'RegionOne' }
        : { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml, OS_CLOUD: 'intermodal' };
      try {
        const { stdout } = await execFileAsync('openstack', args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
        return stdout;
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; message: string };
        throw new Error(`openstack ${args.join(' ')} failed: ${err.stderr || err.stdout || err.message}${await stackEvents(args, env)}`);
      }
    },
    async token(username, password, project) {
      const res = await fetch(`${cloud.url}/identity/v3/auth/tokens`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: username, domain: { name: 'Default' }, password } } }, scope: { project: { name: project, domain: { name: 'Default' } } } } }),
      });
      if (res.status !== 201) throw new Error(`token for ${username}: ${res.status} ${await res.text()}`);
      return res.headers.get('x-subject-token')!;
    },
    async request(method, urlPath, options = {}) {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (options.token) headers['x-auth-token'] = options.token;
      if (options.body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(cloud.url + urlPath, { method, headers, ...(options.body !== undefined && { body: JSON.stringify(options.body) }), redirect: 'manual' });
      const text = await res.text();
      let body: unknown = text;
      try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
      return { status: res.status, headers: res.headers, body };
    },
    async restart() {
      await stopServer();
      child = start();
      cloud.url = await waitForListening(child);
    },
    async stop() {
      await stopServer();
      const ids = (await runCli(dataDir, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await runCli(dataDir, ['rm', '-f', '-v', ...ids]);
      // Networks the cloud made (Neutron's, the auto-allocated one) have host bridges: take them down too.
      const networks = (await runCli(dataDir, ['network', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
      if (networks.length > 0) await runCli(dataDir, ['network', 'rm', ...networks]);
      await removeFloatingIps(dataDir);
      for (const target of mountsUnder(dataDir).reverse()) sys.umount(target, MountFlags.MNT_DETACH);
      removeTempDir(dataDir);
    },
  };
  return cloud;
}
