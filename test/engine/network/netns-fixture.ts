/**
 * Network namespaces for the networking tests, made with `ip netns add` under unique names
 * and deleted by name, and commands run inside them with `ip netns exec`.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A namespace made for one test. */
export interface TestNamespace {
  name: string;
  path: string;
}

/** Makes a fresh named namespace (`imt-<hex>`). */
export function makeNamespace(): TestNamespace {
  const name = `imt-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  return { name, path: `/run/netns/${name}` };
}

/** Deletes namespaces by name; already gone is fine. */
export function deleteNamespaces(namespaces: TestNamespace[]): void {
  for (const ns of namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** Runs a command in a namespace; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function runIn(ns: TestNamespace, argv: string[], timeoutMs = 10_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('ip', ['netns', 'exec', ns.name, ...argv], { timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Starts a TCP server in the namespace that answers every connection with `reply`; resolves once it listens. */
export async function startReplyServer(ns: TestNamespace, port: number, reply: string): Promise<ChildProcess> {
  const script = `require('net').createServer((s) => s.end(${JSON.stringify(reply)})).listen(${port}, '0.0.0.0', () => console.log('listening'))`;
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`reply server exited with ${code}`)));
  });
  return child;
}

/** Stops a process this test started and waits for it to exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Reads what a TCP server at host:port sends (from inside `ns` when given, else from this host). */
export async function readFrom(host: string, port: number, ns?: TestNamespace): Promise<string> {
  const script = `const s = require('net').connect(${port}, ${JSON.stringify(host)}); let d = ''; s.setTimeout(3000, () => { console.error('timeout'); process.exit(3); }); s.on('data', (b) => d += b); s.on('end', () => { process.stdout.write(d); process.exit(0); }); s.on('error', (e) => { console.error(e.code); process.exit(2); });`;
  const argv = ns ? ['ip', 'netns', 'exec', ns.name, process.execPath, '-e', script] : [process.execPath, '-e', script];
  try {
    const { stdout } = await execFileAsync(argv[0]!, argv.slice(1), { timeout: 10_000 });
    return stdout;
  } catch (err) {
    return `ERROR ${(err as { stderr?: string }).stderr?.trim() ?? ''}`;
  }
}

/** Starts a UDP server in the namespace that sends every datagram back prefixed with `echo:`. */
export async function startUdpEcho(ns: TestNamespace, port: number): Promise<ChildProcess> {
  const script = `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => s.send('echo:' + m, r.port, r.address)); s.bind(${port}, '0.0.0.0', () => console.log('listening'))`;
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`udp echo exited with ${code}`)));
  });
  return child;
}

/**
 * A /24 in 10.98.0.0/16 that no route on this host uses yet, as `{ third, cidr }`: tests
 * that need a fixed subnet take a random one, so that two test runs on one host (each with
 * its own data dir) do not clash.
 */
export function unusedSubnet(): { third: number; cidr: string } {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all']).toString();
  for (;;) {
    const third = 1 + Math.floor(Math.random() * 250);
    if (!routes.includes(`10.98.${third}.`) && !routes.includes(`10.98.${third + 1}.`)) return { third, cidr: `10.98.${third}.0/24` };
  }
}
