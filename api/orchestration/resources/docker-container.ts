/**
 * DockerInc::Docker::Container, the contrib plugin's type: a container on this cloud's
 * compute driver (compute-facade createContainer), CREATE_COMPLETE once its process runs;
 * one that exits at once fails with its last output lines. Every property of the plugin
 * is accepted; `docker_endpoint` is ignored with a warning in the resource's event (we never
 * talk to a raw Docker socket). Any change replaces the container, as in the plugin.
 *
 * LIMITATIONS: `image` names a Glance image of the project (not a registry reference);
 * port_specs, port_bindings, links, volumes, volumes_from, dns, devices and cpu_set are
 * refused when not empty (no silent half-configured container); attach_* and stdin_once
 * have no meaning without an attached client and are ignored.
 */
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { containerAttribute, firstLines, notApplied } from './container-common.js';

const refusedWhenSet = ['port_specs', 'port_bindings', 'links', 'volumes', 'volumes_from', 'dns', 'devices', 'cpu_set'];
const mib = 1024 * 1024;

export const dockerContainerType: ResourceType<HeatClients> = {
  name: 'DockerInc::Docker::Container',
  description: 'A container (the Docker plugin\'s type), run by this cloud\'s compute driver.',
  properties: {
    docker_endpoint: { type: 'string', description: 'Ignored: containers run on this cloud.' },
    image: { type: 'string', required: true, description: 'Glance image name or id.' },
    name: { type: 'string', description: 'Container name; the physical resource name when absent.' },
    hostname: { type: 'string', default: '' },
    user: { type: 'string', default: '' },
    cmd: { type: 'list', default: [], description: 'The command, replacing the image\'s.' },
    env: { type: 'list', default: [], description: 'KEY=value entries.' },
    privileged: { type: 'boolean', default: false },
    read_only: { type: 'boolean', default: false },
    cap_add: { type: 'list', default: [] },
    cap_drop: { type: 'list', default: [] },
    restart_policy: { type: 'map', default: {}, schema: { Name: { type: 'string', default: 'no', constraints: [{ kind: 'allowed_values', values: ['no', 'on-failure', 'always', 'unless-stopped'] }] }, MaximumRetryCount: { type: 'integer', default: 0 } } },
    memory: { type: 'integer', default: 0, description: 'Memory limit in bytes; 0: 512 MiB.' },
    cpu_shares: { type: 'integer', default: 0 },
    tty: { type: 'boolean', default: false },
    open_stdin: { type: 'boolean', default: false },
    attach_stdin: { type: 'boolean', default: false },
    attach_stdout: { type: 'boolean', default: true },
    attach_stderr: { type: 'boolean', default: true },
    stdin_once: { type: 'boolean', default: false },
    port_specs: { type: 'list', default: [] },
    port_bindings: { type: 'map', default: {} },
    links: { type: 'map', default: {} },
    volumes: { type: 'map', default: {} },
    volumes_from: { type: 'list', default: [] },
    dns: { type: 'list', default: [] },
    devices: { type: 'list', default: [] },
    cpu_set: { type: 'string', default: '' },
  },
  attributes: {
    info: { description: 'The container as the driver reports it.', type: 'map' },
    network_info: { description: 'Addresses by network.', type: 'map' },
    network_ip: { description: 'The first address, or an empty string.', type: 'string' },
    network_gateway: { description: 'The gateway (none known here: empty).', type: 'string' },
    network_tcp_ports: { description: 'Published TCP ports (none: empty).', type: 'string' },
    network_udp_ports: { description: 'Published UDP ports (none: empty).', type: 'string' },
    logs: { description: 'The container\'s output.', type: 'string' },
    logs_head: { description: 'The first line of output.', type: 'string' },
    logs_tail: { description: 'The last line of output.', type: 'string' },
  },
  validate(p) {
    const set = notApplied(p, refusedWhenSet);
    return set ? { property: set, message: `${set} is not supported on this cloud yet; leave it empty` } : undefined;
  },
  handler: {
    async create(ctx, p) {
      const policy = p.restart_policy as { Name?: string; MaximumRetryCount?: number };
      const memory = Number(p.memory);
      const { id } = await ctx.clients.compute.createContainer(ctx.clients.caller, {
        name: (p.name as string | undefined) ?? ctx.physicalName, image: String(p.image), vcpus: 1, memoryMb: memory > 0 ? Math.max(6, Math.ceil(memory / mib)) : 512,
        process: {
          ...((p.cmd as string[]).length > 0 && { command: (p.cmd as unknown[]).map(String) }), env: (p.env as unknown[]).map(String),
          ...(p.hostname !== '' && { hostname: String(p.hostname) }), ...(p.user !== '' && { user: String(p.user) }),
          privileged: p.privileged === true, readOnly: p.read_only === true, capAdd: (p.cap_add as unknown[]).map(String), capDrop: (p.cap_drop as unknown[]).map(String),
          tty: p.tty === true, openStdin: p.open_stdin === true, ...(Number(p.cpu_shares) > 0 && { cpuShares: Number(p.cpu_shares) }),
          restartPolicy: { name: (policy.Name ?? 'no') as 'no', maximumRetryCount: Number(policy.MaximumRetryCount ?? 0) },
        },
      });
      return { physicalId: id, data: { name: (p.name as string | undefined) ?? ctx.physicalName, ...(p.docker_endpoint !== undefined && { warning: `docker_endpoint ${String(p.docker_endpoint)} ignored: the container runs on this cloud` }) } };
    },
    async delete(ctx, state) {
      await ctx.clients.compute.deleteContainer(state.physicalId);
    },
    async attribute(ctx, state, name) {
      if (name === 'logs_head' || name === 'logs_tail') {
        const lines = firstLines(await containerAttribute(ctx, state, 'logs') as string);
        return (name === 'logs_head' ? lines[0] : lines[lines.length - 1]) ?? '';
      }
      return containerAttribute(ctx, state, name);
    },
  },
};
