/**
 * Starting and stopping a network's DNS server process (dns-main.ts). Its pid is recorded
 * with the network; a pid is only ever signalled after its command line shows it is that
 * network's server, so a recycled pid is never killed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError } from '../../errors.js';
import { projectRoot } from '../../project-root.js';
import type { NetworkRecord } from '../network.js';
import type { NetworkStore } from '../network-store.js';

const mainScript = path.join(projectRoot, 'dist', 'engine', 'network', 'dns', 'dns-main.js');

/** True when `pid` runs the DNS server of `networkId`. */
export function isDnsProcess(pid: number | undefined, networkId: string): boolean {
  if (pid === undefined) return false;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(mainScript) && argv.includes(networkId);
  } catch {
    return false;
  }
}

/** Starts the network's DNS server unless it runs; resolves once it answers on the gateway. */
export async function ensureDns(dataDir: string, network: NetworkRecord, store: NetworkStore): Promise<void> {
  if (isDnsProcess(store.dnsPid(network.id), network.id)) return;
  const child = spawn(process.execPath, [mainScript, dataDir, network.id], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => errors.push(b));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new FailedPreconditionError(`DNS server of network '${network.name}' did not start within 10 s`)), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout!.on('data', (b: Buffer) => {
      if (!b.toString().includes('ready')) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      const message = Buffer.concat(errors).toString().trim();
      // Another process started one meanwhile and holds the port: that one serves.
      if (message.includes('EADDRINUSE') && isDnsProcess(store.dnsPid(network.id), network.id)) return resolve();
      fail(new FailedPreconditionError(`DNS server of network '${network.name}' exited (${code}): ${message}`));
    });
  });
  child.removeAllListeners('exit');
  child.stdout!.destroy();
  child.stderr!.destroy();
  child.unref();
  store.setDnsPid(network.id, child.pid);
}

/** Stops the network's DNS server `pid` (as recorded) if it runs, and waits until it is gone (its port is free). */
export async function stopDns(network: NetworkRecord, pid: number | undefined): Promise<void> {
  if (pid === undefined || !isDnsProcess(pid, network.id)) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200 && fs.existsSync(`/proc/${pid}`) && !isZombie(pid); i++) await new Promise((r) => setTimeout(r, 10));
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return true;
  }
}
