/** Builds Heat over the compute API (in-process) for the cloud server to mount. */
import { builtinResourceTypes, ResourceTypeRegistry, type ResourceType } from '../../translators/heat/index.js';
import type { CloudContext, MountedService } from '../cloud-server.js';
import type { ComputeFacade } from '../compute/compute-facade.js';
import { migrateService } from '../http/cloud-database.js';
import type { HeatClients } from './heat-clients.js';
import { orchestrationMigrations } from './heat-schema.js';
import { orchestrationApi } from './orchestration-api.js';
import { novaKeyPairType } from './resources/nova-keypair.js';
import { novaServerType } from './resources/nova-server.js';
import { StackRunner } from './stack-runner.js';
import { StackStore } from './stack-store.js';

/** Every resource type this cloud offers. */
export function heatResourceTypes(): ResourceTypeRegistry<HeatClients> {
  return new ResourceTypeRegistry<HeatClients>([...(builtinResourceTypes() as unknown as ResourceType<HeatClients>[]), novaServerType, novaKeyPairType]);
}

export function orchestrationService(compute: () => ComputeFacade, onRunner?: (runner: StackRunner) => void) {
  return (cloud: CloudContext): MountedService => {
    migrateService(cloud.db, 'orchestration', orchestrationMigrations);
    const store = new StackStore(cloud.db);
    const runner = new StackRunner(store, heatResourceTypes(), (stack) => ({ compute: compute(), caller: stack.caller }), cloud.log);
    onRunner?.(runner);
    return {
      prefix: '/heat-api',
      catalog: { type: 'orchestration', name: 'heat', path: '/heat-api/v1/%(project_id)s' },
      plugin: async (app) => orchestrationApi(app, { deps: { tokens: cloud.identity.tokens, store, runner }, log: cloud.log }),
    };
  };
}
