/**
 * The server's compute hosts, from `DATA_DIR/compute-hosts.yaml`:
 *
 *   compute_hosts:
 *     - name: node1
 *       driver: docker                     # or local (this machine's engine)
 *       endpoint: unix:///var/run/docker.sock   # or tcp://host:2376
 *       tls: { ca: /etc/ca.pem, cert: /etc/cert.pem, key: /etc/key.pem }   # paths
 *       availability_zone: az1             # optional; `nova` when omitted
 *
 * Without the file the cloud computes on this machine's engine alone (the local driver).
 * This machine's engine alone in zone `nova` is used directly; anything else goes behind the
 * placement driver, which knows the zones and turns a host that stops answering into
 * NOSTATE for its instances instead of failing the API's calls. A bad file is refused
 * at start with the entry and field named, never half-applied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { load as yamlLoad } from 'js-yaml';
import type { ContainerService } from '../engine/containers/container-service.js';
import type { Engine } from '../engine/engine.js';
import { InvalidArgumentError } from '../engine/errors.js';
import type { ComputeDriver } from './compute-driver.js';
import { DockerComputeDriver } from './docker/index.js';
import { LocalComputeDriver } from './local/index.js';
import { MultiHostDriver, defaultZone } from './placement/multi-host-driver.js';

/** The file's name inside the data dir. */
export const computeHostsFile = 'compute-hosts.yaml';

/** One configured host, as written in the file. */
export interface ComputeHostConfig {
  name: string;
  driver: 'local' | 'docker';
  endpoint?: string;
  tls?: { ca?: string; cert?: string; key?: string };
  /** The availability zone the host is in. */
  availabilityZone: string;
}

export interface ComputeDriverOptions {
  earlyExitWindowMs?: number;
}

/** Reads and checks the file; undefined when there is none. */
export function readComputeHosts(dataDir: string): ComputeHostConfig[] | undefined {
  const file = path.join(dataDir, computeHostsFile);
  if (!fs.existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = yamlLoad(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`${file}: ${(err as Error).message}`);
  }
  const hosts = (doc as { compute_hosts?: unknown } | null)?.compute_hosts;
  if (!Array.isArray(hosts) || hosts.length === 0) throw new InvalidArgumentError(`${file}: compute_hosts must be a non-empty list`);
  const seen = new Set<string>();
  return hosts.map((entry: unknown, i) => {
    const where = `${file}: compute_hosts[${i}]`;
    const h = entry as Record<string, unknown>;
    if (h === null || typeof h !== 'object') throw new InvalidArgumentError(`${where} must be a mapping`);
    if (typeof h['name'] !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(h['name'])) throw new InvalidArgumentError(`${where}.name must be a host name`);
    if (seen.has(h['name'])) throw new InvalidArgumentError(`${where}.name '${h['name']}' is used twice`);
    seen.add(h['name']);
    if (h['driver'] !== 'local' && h['driver'] !== 'docker') throw new InvalidArgumentError(`${where}.driver must be local or docker`);
    if (h['driver'] === 'docker' && (typeof h['endpoint'] !== 'string' || !/^(unix|tcp):\/\//.test(h['endpoint']))) throw new InvalidArgumentError(`${where}.endpoint must be unix:///path or tcp://host:port`);
    const tls = h['tls'] as Record<string, unknown> | undefined;
    if (tls !== undefined) {
      if (tls === null || typeof tls !== 'object') throw new InvalidArgumentError(`${where}.tls must be a mapping`);
      for (const key of ['ca', 'cert', 'key']) {
        const value = tls[key];
        if (value !== undefined && (typeof value !== 'string' || !fs.existsSync(value))) throw new InvalidArgumentError(`${where}.tls.${key} must name an existing file`);
      }
    }
    const zone = h['availability_zone'] ?? defaultZone;
    // Nova refuses ':' in a zone name: it separates the zone from a host in `--availability-zone ZONE:HOST`.
    if (typeof zone !== 'string' || !/^[^:\s][^:]{0,254}$/.test(zone) || zone.trim() !== zone) throw new InvalidArgumentError(`${where}.availability_zone must be a zone name (1-255 characters, no ':', no surrounding spaces)`);
    return { name: h['name'], driver: h['driver'], availabilityZone: zone, ...(typeof h['endpoint'] === 'string' && { endpoint: h['endpoint'] }), ...(tls !== undefined && { tls: tls as ComputeHostConfig['tls'] }) };
  });
}

/** The compute driver the server uses, from the data dir's compute-hosts.yaml (local alone without one). */
export function computeDriverFromConfig(engine: Engine, containers: ContainerService, dataDir: string, options: ComputeDriverOptions = {}): ComputeDriver {
  const hosts = readComputeHosts(dataDir);
  const local = (): ComputeDriver => new LocalComputeDriver(containers, engine, { ...(options.earlyExitWindowMs !== undefined && { earlyExitWindowMs: options.earlyExitWindowMs }) });
  if (hosts === undefined) return local();
  const built = hosts.map((h) => ({
    name: h.name,
    zone: h.availabilityZone,
    driver: h.driver === 'local' ? local() : new DockerComputeDriver(engine, {
      endpoint: h.endpoint!,
      ...(h.tls !== undefined && { tls: { ...(h.tls.ca && { ca: fs.readFileSync(h.tls.ca) }), ...(h.tls.cert && { cert: fs.readFileSync(h.tls.cert) }), ...(h.tls.key && { key: fs.readFileSync(h.tls.key) }) } }),
      stateFile: path.join(dataDir, 'compute-hosts', `${h.name}.json`),
      hostName: h.name,
      ...(options.earlyExitWindowMs !== undefined && { earlyExitWindowMs: options.earlyExitWindowMs }),
    }),
  }));
  const direct = built.length === 1 && built[0]!.zone === defaultZone && hosts[0]!.driver === 'local';
  return direct ? built[0]!.driver : new MultiHostDriver(built, { placementFile: path.join(dataDir, 'compute-hosts', 'placement.json') });
}
