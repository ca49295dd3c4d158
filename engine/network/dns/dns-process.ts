/**
 * Starting, waking and stopping a data dir's DNS server process (dns-main.ts). Its pid is
 * recorded in the database; a pid is only ever signalled after its command line shows it
 * is this data dir's server, so a recycled pid is never hit.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError } from '../../errors.js';
import { projectRoot } from '../../project-root.js';
import type { NetworkRecord } from '../network.js';
import type { NetworkStore } from '../network-store.js';
import { buildQuery } from './dns-message.js';

const mainScript = path.join(projectRoot, 'dist', 'engine', 'network', 'dns', 'dns-main.js');

/** True when `pid` runs the DNS server of `dataDir`. */
export function isDnsProcess(pid: number | undefined, dataDir: string): boolean {
  if (pid === undefined) return false;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(mainScript) && argv.includes(dataDir);
  } catch {
    return false;
  }
}

/**
 * Makes sure the data dir's DNS server answers on `network`'s gateway: wakes the running
 * one to bind it (SIGHUP), or starts one; resolves once a query there gets an answer.
 */
export async function ensureDns(dataDir: string, network: NetworkRecord, store: NetworkStore): Promise<void> {
  let pid = store.dnsPid();
  if (!isDnsProcess(pid, dataDir)) {
    await startServer(dataDir);
    pid = store.dnsPid();
  }
  if (pid !== undefined && isDnsProcess(pid, dataDir)) process.kill(pid, 'SIGHUP');
  if (!(await answers(network.gateway, 5000))) throw new FailedPreconditionError(`the DNS server does not answer on ${network.gateway}:53 for network '${network.name}'`);
}

/**
 * After a network is removed: the server lets go of its gateway (SIGHUP), or, when no
 * network is left (`last`), is stopped and waited for.
 */
export async function stopDns(dataDir: string, store: NetworkStore, last: boolean): Promise<void> {
  const pid = store.dnsPid();
  if (!isDnsProcess(pid, dataDir)) return;
  if (!last) {
    process.kill(pid!, 'SIGHUP');
    return;
  }
  process.kill(pid!, 'SIGKILL');
  for (let i = 0; i < 200 && isDnsProcess(pid, dataDir) && !isZombie(pid!); i++) await new Promise((r) => setTimeout(r, 10));
}

async function startServer(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, [mainScript, dataDir], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => errors.push(b));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new FailedPreconditionError('the DNS server did not start within 10 s'));
      }, 10_000);
      child.stdout!.on('data', (b: Buffer) => {
        if (!b.toString().includes('ready')) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        // Exit 0 after `ready`: another server of this data dir won the claim and serves.
        if (code === 0) return resolve();
        reject(new FailedPreconditionError(`the DNS server exited (${code}): ${Buffer.concat(errors).toString().trim()}`));
      });
    });
  } finally {
    child.removeAllListeners('exit');
    child.stdout!.destroy();
    child.stderr!.destroy();
    child.unref();
  }
}

/** True once a query to `address`:53 gets any reply within `timeoutMs`. */
async function answers(address: string, timeoutMs: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => undefined);
  try {
    return await new Promise<boolean>((resolve) => {
      const probe = buildQuery(0x1d, 'intermodal-probe');
      const send = () => socket.send(probe, 53, address);
      const retry = setInterval(send, 25);
      const timer = setTimeout(() => {
        clearInterval(retry);
        resolve(false);
      }, timeoutMs);
      socket.once('message', () => {
        clearInterval(retry);
        clearTimeout(timer);
        resolve(true);
      });
      send();
    });
  } finally {
    socket.close();
  }
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return true;
  }
}
