/**
 * The DNS server process of one network: `node dns-main.js DATADIR NETWORK_ID`. Started
 * detached when the network's bridge comes up, so names resolve while no intermodal
 * command runs; each query reads the engine database (WAL: never blocked by writers).
 * It prints `ready` once bound, and exits by itself once its network, bridge or data dir is gone,
 * so a failed stop can never leave it behind for long.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../metadata/database.js';
import { hostNames } from '../host-names.js';
import { NetworkStore } from '../network-store.js';
import { DnsServer } from './dns-server.js';

async function main(dataDir: string, networkId: string): Promise<void> {
  const db = openDatabase(dataDir);
  const store = new NetworkStore(db, hostNames(dataDir));
  const network = store.get(networkId);
  const server = await DnsServer.listen(network.gateway, 53, (name, client) => {
    const address = store.lookupFor(network.id, client, name);
    return address === undefined ? undefined : [address];
  });
  process.stdout.write('ready\n');
  const watch = setInterval(() => {
    // The data dir removed (a test's, say) while its database stays open here counts as gone.
    if (!fs.existsSync(path.join(dataDir, 'intermodal.db')) || !store.find(network.id) || !fs.existsSync(`/sys/class/net/${network.bridge}`)) {
      clearInterval(watch);
      void server.close().then(() => process.exit(0));
    }
  }, 2000);
}

const [dataDir, networkId] = process.argv.slice(2);
main(dataDir!, networkId!).catch((err: Error) => {
  process.stderr.write(`intermodal dns: ${err.message}\n`);
  process.exit(1);
});
