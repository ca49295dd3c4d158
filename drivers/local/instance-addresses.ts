/**
 * The addresses an instance has, read from its container's network endpoints (the engine's
 * records of the interfaces it plugged), keyed by the engine network's name as the driver
 * was given it. Empty when the instance is not running: its interfaces exist only then.
 */
import type { Engine } from '../../engine/engine.js';
import { NetworkService } from '../../engine/network/network-service.js';
import type { InstanceInfo } from '../compute-driver.js';

const services = new WeakMap<Engine, NetworkService>();

/** The engine's networking over the driver's engine (the same tables the container service uses). */
export function networkingOf(engine: Engine): NetworkService {
  let service = services.get(engine);
  if (!service) services.set(engine, (service = new NetworkService(engine.db, engine.config.dataDir)));
  return service;
}

export function instanceAddresses(engine: Engine, containerId: string): InstanceInfo['addresses'] {
  const addresses: InstanceInfo['addresses'] = {};
  for (const e of networkingOf(engine).endpoints(containerId)) (addresses[e.networkName] ??= []).push({ address: e.address, mac: e.mac });
  return addresses;
}
