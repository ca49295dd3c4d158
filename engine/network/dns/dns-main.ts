/**
 * The DNS server process of one data dir: `node dns-main.js DATADIR`. One process serves
 * every network of the data dir, on each network's gateway address, port 53; it is started
 * detached with the first endpoint, so names resolve while no intermodal command runs.
 * Each query reads the engine database (WAL: never blocked by writers).
 *
 * It binds the gateways of the networks whose bridge is up and closes the sockets of
 * networks that are gone, at start, on SIGHUP (sent after a network change) and every
 * two seconds. It prints `ready` once it serves, and exits by itself once its data dir
 * or its last network is gone, so a failed stop cannot leave it behind for long.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../metadata/database.js';
import { hostNames } from '../host-names.js';
import { NetworkStore } from '../network-store.js';
import { isDnsProcess } from './dns-process.js';
import { DnsServer } from './dns-server.js';

async function main(dataDir: string): Promise<void> {
  const db = openDatabase(dataDir);
  const store = new NetworkStore(db, hostNames(dataDir));
  if (!store.claimDns(process.pid, (pid) => isDnsProcess(pid, dataDir))) {
    process.stdout.write('ready\n'); // another server of this data dir serves
    process.exit(0);
  }
  const servers = new Map<string, DnsServer>();
  let syncing: Promise<void> = Promise.resolve();
  const sync = async (): Promise<void> => {
    if (!fs.existsSync(path.join(dataDir, 'intermodal.db'))) process.exit(0);
    const networks = store.list();
    if (networks.length === 0) process.exit(0);
    for (const [id, server] of servers) {
      if (!networks.some((n) => n.id === id && n.gateway === server.address)) {
        servers.delete(id);
        await server.close();
      }
    }
    for (const n of networks) {
      if (servers.has(n.id) || !fs.existsSync(`/sys/class/net/${n.bridge}`)) continue;
      try {
        servers.set(n.id, await DnsServer.listen(n.gateway, 53, (name, client) => {
          const address = store.lookupFor(n.id, client, name);
          return address === undefined ? undefined : [address];
        }));
      } catch {
        // The gateway address is not there yet (a bridge coming up): the next sync binds it.
      }
    }
  };
  const resync = () => (syncing = syncing.then(sync, sync));
  await resync();
  process.on('SIGHUP', () => void resync());
  setInterval(() => void resync(), 2000);
  process.stdout.write('ready\n');
  // Never write again: the starter closes our stdout.
  process.stdout.destroy();
}

const dataDir = process.argv[2];
main(dataDir!).catch((err: Error) => {
  process.stderr.write(`intermodal dns: ${err.message}\n`);
  process.exit(1);
});
