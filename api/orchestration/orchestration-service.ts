/** Builds Heat over the compute API (in-process) for the cloud server to mount. */
import { builtinResourceTypes, ResourceTypeRegistry, type ResourceType } from '../../translators/heat/index.js';
import type { CloudContext, MountedService } from '../cloud-server.js';
import type { ComputeFacade } from '../compute/compute-facade.js';
import { migrateService } from '../http/cloud-database.js';
import { projectOf } from '../http/request-context.js';
import type { HeatClients } from './heat-clients.js';
import { orchestrationMigrations } from './heat-schema.js';
import { orchestrationApi } from './orchestration-api.js';
import { glanceWebImageType } from './resources/glance-web-image.js';
import { dockerContainerType } from './resources/docker-container.js';
import { zunContainerType } from './resources/zun-container.js';
import { novaFlavorType } from './resources/nova-flavor.js';
import { novaKeyPairType } from './resources/nova-keypair.js';
import { novaServerType } from './resources/nova-server.js';
import { resourceGroupType } from './resources/resource-group.js';
import { cinderVolumeType } from './resources/cinder-volume.js';
import { cinderVolumeAttachmentType } from './resources/cinder-volume-attachment.js';
import { neutronFloatingIpAssociationType, neutronFloatingIpType } from './resources/neutron-floating-ip.js';
import { neutronNetType, neutronSubnetType } from './resources/neutron-net.js';
import { neutronPortType } from './resources/neutron-port.js';
import { neutronSecurityGroupRuleType, neutronSecurityGroupType } from './resources/neutron-security-group.js';
import { networkFacadeOf } from '../network/network-facade.js';
import { cloudConfigType, configTypeNames, multipartMimeType, softwareConfigType } from './resources/software-config.js';
import { waitConditionHandleType, waitConditionType } from './resources/wait-condition.js';
import { StackRunner } from './stack-runner.js';
import { StackStore } from './stack-store.js';
import { metadataSignalReceiver } from './wait-condition-signal.js';
import { registerMetadataSignalReceiver } from '../network/metadata-signals.js';

/** Every resource type this cloud offers. */
export function heatResourceTypes(): ResourceTypeRegistry<HeatClients> {
  const registry: ResourceTypeRegistry<HeatClients> = new ResourceTypeRegistry<HeatClients>([
    ...(builtinResourceTypes() as unknown as ResourceType<HeatClients>[]), novaServerType, novaKeyPairType, novaFlavorType,
    softwareConfigType, cloudConfigType, multipartMimeType, waitConditionHandleType, waitConditionType, dockerContainerType, zunContainerType, glanceWebImageType,
    neutronNetType, neutronSubnetType, neutronPortType, neutronSecurityGroupType, neutronSecurityGroupRuleType, neutronFloatingIpType, neutronFloatingIpAssociationType,
  ]);
  registry.register(cinderVolumeType);
  registry.register(cinderVolumeAttachmentType);
  registry.register(resourceGroupType(() => registry));
  return registry;
}

export function orchestrationService(compute: () => ComputeFacade, onRunner?: (runner: StackRunner) => void, images?: (cloud: CloudContext) => HeatClients['images']) {
  return (cloud: CloudContext): MountedService => {
    migrateService(cloud.db, 'orchestration', orchestrationMigrations);
    const store = new StackStore(cloud.db);
    // Nothing carries on an operation the last API process was running: say so, so the stack can be deleted or updated.
    const interrupted = store.failInterrupted('The API stopped during this operation; delete the stack or update it again.');
    if (interrupted.length > 0) cloud.log.warn('stack operations interrupted by a restart', { stacks: interrupted });
    const signals = { received: (id: string) => store.signals(id) as ReturnType<HeatClients['signals']['received']>, clear: (id: string) => store.clearSignals(id) };
    const glance = images?.(cloud);
    const runner = new StackRunner(store, heatResourceTypes(), (stack) => ({
      compute: compute(), caller: stack.caller, signals, ...(glance && { images: glance }), stopping: runner.stopping.signal,
      ...(networkFacadeOf(cloud) && { network: networkFacadeOf(cloud)! }),
      configContent: (id) => store.stateByPhysicalId(projectOf(stack.caller), id, configTypeNames)?.data.config as string | undefined,
    }), cloud.log);
    onRunner?.(runner);
    // Servers signal wait condition handles at the metadata address; the metadata server hands such POSTs here.
    registerMetadataSignalReceiver(cloud.db, metadataSignalReceiver(store));
    return {
      prefix: '/heat-api',
      catalog: { type: 'orchestration', name: 'heat', path: '/heat-api/v1/%(project_id)s' },
      plugin: async (app) => orchestrationApi(app, { deps: { tokens: cloud.identity.tokens, store, runner }, log: cloud.log }),
    };
  };
}
