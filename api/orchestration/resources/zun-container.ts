/**
 * OS::Zun::Container: a container on this cloud's compute driver, as Zun would run it.
 * `name`, `cpu` and `memory` change in place (new cgroup limits, no restart); any other
 * change replaces it. CREATE_COMPLETE once its process runs; one that exits at once fails
 * with its last output lines.
 *
 * LIMITATIONS: `image` names a Glance image of the project (image_driver glance; docker
 * is refused); networks, mounts, security_groups and hints are refused when set; there is
 * no Zun API, so the container is seen through the stack (and `intermodal ps`).
 */
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { containerAttribute, notApplied } from './container-common.js';

/** Splits a command line as a POSIX shell would into words (quotes and backslashes; no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") { if (c === "'") quote = undefined; else word += c; continue; }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
      continue;
    }
    if (/\s/.test(c)) { if (word !== undefined) words.push(word); word = undefined; continue; }
    word ??= '';
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\' && i + 1 < line.length) word += line[++i];
    else word += c;
  }
  if (quote !== undefined) throw new Error(`unterminated ${quote} quote in command ${JSON.stringify(line)}`);
  if (word !== undefined) words.push(word);
  return words;
}

const restartPolicy = (text: string): { name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; maximumRetryCount: number } => {
  const [name, count] = text.split(':');
  return { name: name as 'no', maximumRetryCount: Number(count ?? 0) };
};

export const zunContainerType: ResourceType<HeatClients> = {
  name: 'OS::Zun::Container',
  description: 'A Zun container, run by this cloud\'s compute driver.',
  properties: {
    name: { type: 'string', description: 'Container name; the physical resource name when absent.', updateAllowed: true },
    image: { type: 'string', required: true, description: 'Glance image name or id.' },
    command: { type: 'string', description: 'The command line, replacing the image\'s.' },
    entrypoint: { type: 'string', description: 'The entrypoint, replacing the image\'s.' },
    cpu: { type: 'number', default: 1, updateAllowed: true, constraints: [{ kind: 'range', min: 0.01 }] },
    memory: { type: 'integer', default: 512, description: 'MiB.', updateAllowed: true, constraints: [{ kind: 'range', min: 6 }] },
    environment: { type: 'map', default: {} },
    workdir: { type: 'string' },
    labels: { type: 'map', default: {} },
    hostname: { type: 'string' },
    tty: { type: 'boolean', default: false },
    interactive: { type: 'boolean', default: false },
    restart_policy: { type: 'string', default: 'no', constraints: [{ kind: 'allowed_pattern', pattern: '^(no|on-failure(:\\d+)?|always|unless-stopped)$' }] },
    image_pull_policy: { type: 'string', constraints: [{ kind: 'allowed_values', values: ['ifnotpresent', 'always', 'never'] }] },
    image_driver: { type: 'string', default: 'glance', constraints: [{ kind: 'allowed_values', values: ['glance', 'docker'] }] },
    runtime: { type: 'string' },
    hints: { type: 'map', default: {} },
    security_groups: { type: 'list', default: [] },
    networks: { type: 'list', default: [] },
    mounts: { type: 'list', default: [] },
    auto_remove: { type: 'boolean', default: false },
  },
  attributes: {
    name: { description: 'The container name.', type: 'string' },
    addresses: { description: 'Addresses by network.', type: 'map' },
    first_address: { description: 'The first address, or an empty string.', type: 'string' },
    logs: { description: 'The container\'s output.', type: 'string' },
    info: { description: 'The container as the driver reports it.', type: 'map' },
  },
  validate(p) {
    if (p.image_driver === 'docker') return { property: 'image_driver', message: 'only glance images can run here (image_driver docker is not supported)' };
    const set = notApplied(p, ['networks', 'mounts', 'security_groups', 'hints']);
    return set ? { property: set, message: `${set} is not supported on this cloud yet; leave it empty` } : undefined;
  },
  handler: {
    async create(ctx, p) {
      const name = (p.name as string | undefined) ?? ctx.physicalName;
      const { id } = await ctx.clients.compute.createContainer(ctx.clients.caller, {
        name, image: String(p.image), vcpus: Number(p.cpu), memoryMb: Number(p.memory),
        process: {
          ...(p.command !== undefined && { command: shellWords(String(p.command)) }), ...(p.entrypoint !== undefined && { entrypoint: shellWords(String(p.entrypoint)) }),
          env: Object.entries(p.environment as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`),
          ...(p.workdir !== undefined && { workingDir: String(p.workdir) }), ...(p.hostname !== undefined && { hostname: String(p.hostname) }),
          tty: p.tty === true, openStdin: p.interactive === true, restartPolicy: restartPolicy(String(p.restart_policy)),
        },
      });
      return { physicalId: id, data: { name, cpu: Number(p.cpu), memory: Number(p.memory) } };
    },
    async update(ctx, state, p, changed) {
      const name = changed.includes('name') ? (p.name as string | undefined) ?? ctx.physicalName : state.data.name;
      if (changed.includes('cpu') || changed.includes('memory')) await ctx.clients.compute.resizeContainer(state.physicalId, Number(p.cpu), Number(p.memory));
      return { physicalId: state.physicalId, data: { name, cpu: Number(p.cpu), memory: Number(p.memory) } };
    },
    async delete(ctx, state) {
      await ctx.clients.compute.deleteContainer(state.physicalId);
    },
    async attribute(ctx, state, name) {
      return containerAttribute(ctx, state, name);
    },
  },
};
