/** Builds Neutron over the engine's networking, for the cloud server to mount at `/network`. */
import type { Engine } from '../../engine/engine.js';
import { NetworkService } from '../../engine/network/network-service.js';
import type { CloudContext, MountedService } from '../cloud-server.js';
import { migrateService } from '../http/cloud-database.js';
import { FirewallSync } from './firewall-sync.js';
import { neutronApi } from './neutron-api.js';
import { NeutronCore } from './neutron-core.js';
import { neutronMigrations } from './neutron-schema.js';
import { NeutronStore } from './neutron-store.js';
import { registerServerNetworking } from './network-registry.js';
import { NetworkFacade, registerNetworkFacade } from './network-facade.js';
import { ServerPorts } from './server-ports.js';
import { MetadataServer } from './metadata-server.js';
import { ServerStore } from '../compute/server-store.js';

export function networkService(options: { engine: Engine }) {
  return (cloud: CloudContext): MountedService => {
    migrateService(cloud.db, 'network', neutronMigrations);
    const store = new NeutronStore(cloud.db);
    const engineNetworks = new NetworkService(options.engine.db, options.engine.config.dataDir);
    const sync = new FirewallSync(store, engineNetworks, cloud.log);
    const servers = new ServerStore(cloud.db);
    sync.onAddresses = (serverId, addresses) => {
      // Only when they changed (a floating IP came or went), so `updated` moves only then.
      try {
        if (JSON.stringify(servers.get(serverId).addresses) !== JSON.stringify(addresses)) servers.update(serverId, { addresses });
      } catch {
        // deleted meanwhile: nothing to show
      }
    };
    const core = new NeutronCore(store, engineNetworks, sync);
    registerServerNetworking(cloud, new ServerPorts(core));
    registerNetworkFacade(cloud, new NetworkFacade(core));
    const metadata = new MetadataServer(store, cloud.db);
    return {
      prefix: '/network',
      catalog: { type: 'network', name: 'neutron', path: '/network' },
      plugin: async (app) => {
        sync.metadataPort = await metadata.start();
        app.addHook('onClose', async () => {
          // The route would lead to a closed port: take it out (the table goes when no floating IP is left).
          sync.metadataPort = undefined;
          await sync.all().catch((err: Error) => cloud.log.warn('network apply at close failed', { error: err.message }));
          await metadata.close();
        });
        // Servers that outlived a restart get their route to the new port (and their firewalls) again.
        await sync.all().catch((err: Error) => cloud.log.warn('network apply at start failed', { error: err.message }));
        await neutronApi(app, { core, tokens: cloud.identity.tokens, log: cloud.log });
      },
    };
  };
}
