/** `intermodal network create|ls|inspect|rm|connect|disconnect`. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FailedPreconditionError } from '../../engine/errors.js';
import { writeContainerNetworkFiles } from '../../engine/network/container-files.js';
import type { NetworkRecord } from '../../engine/network/network.js';
import { NetworkService } from '../../engine/network/network-service.js';
import { type Command, type CommandContext, UsageError } from '../cli/command.js';
import { errorLine } from '../cli/errors.js';
import { json, table } from '../cli/format.js';

/** The network service over the CLI's engine. */
export function openNetworkService(ctx: CommandContext): NetworkService {
  return new NetworkService(ctx.engine().db, ctx.dataDir);
}

function inspectDoc(svc: NetworkService, n: NetworkRecord): Record<string, unknown> {
  const containers = Object.fromEntries(svc.store.endpointsOf(n.id).map((e) => [e.containerId, {
    Name: e.containerName, EndpointID: e.id, MacAddress: e.mac, IPv4Address: `${e.address}/${e.prefix}`, Interface: e.ifname, HostInterface: e.hostVeth, Aliases: e.aliases,
    Ports: e.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`),
  }]));
  return {
    Name: n.name, Id: n.id, Created: n.createdAt.toISOString(), Driver: 'bridge', Internal: n.internal, External: n.external,
    IPAM: { Config: [{ Subnet: n.subnet, Gateway: n.gateway }] }, Options: { 'com.intermodal.network.bridge.name': n.bridge, 'com.intermodal.network.driver.mtu': String(n.mtu) },
    Labels: n.labels, Containers: containers,
  };
}

export const networkCommand: Command = {
  name: 'network',
  usage: 'network create [--subnet CIDR] [--internal] [--external] [--mtu N] [--label K=V] NAME | ls [-q] | inspect NAME... | rm NAME... | connect [--alias A] NET CONTAINER | disconnect NET CONTAINER',
  summary: 'Manage bridge networks',
  async run(ctx, argv) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        subnet: { type: 'string' }, internal: { type: 'boolean' }, external: { type: 'boolean' }, mtu: { type: 'string' },
        label: { type: 'string', multiple: true }, alias: { type: 'string', multiple: true }, quiet: { type: 'boolean', short: 'q' },
        format: { type: 'string', default: 'table' }, force: { type: 'boolean', short: 'f' },
      },
    });
    const svc = openNetworkService(ctx);
    switch (sub) {
      case 'create': {
        if (positionals.length !== 1) throw new UsageError('network create needs one NAME');
        if (values.mtu !== undefined && !/^\d+$/.test(values.mtu)) throw new UsageError(`invalid --mtu '${values.mtu}'`);
        const labels = Object.fromEntries((values.label ?? []).map((l) => [l.split('=')[0]!, l.split('=').slice(1).join('=')]));
        const n = await svc.create(positionals[0]!, {
          ...(values.subnet !== undefined && { subnet: values.subnet }), internal: values.internal ?? false, external: values.external ?? false,
          ...(values.mtu !== undefined && { mtu: Number(values.mtu) }), labels,
        });
        ctx.out.write(`${n.id}\n`);
        return 0;
      }
      case 'ls':
      case 'list': {
        const all = svc.list();
        if (values.quiet) ctx.out.write(all.map((n) => `${n.id.slice(0, 12)}\n`).join(''));
        else if (values.format === 'json') ctx.out.write(json(all.map((n) => inspectDoc(svc, n))));
        else ctx.out.write(table(['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET', 'GATEWAY', 'SCOPE'], all.map((n) => [n.id.slice(0, 12), n.name, 'bridge', n.subnet, n.gateway, n.internal ? 'internal' : n.external ? 'external' : 'local'])));
        return 0;
      }
      case 'inspect':
        if (positionals.length === 0) throw new UsageError('network inspect needs a NAME');
        ctx.out.write(json(positionals.map((p) => inspectDoc(svc, svc.get(p)))));
        return 0;
      case 'rm':
      case 'remove': {
        if (positionals.length === 0) throw new UsageError('network rm needs a NAME');
        let status = 0;
        for (const name of positionals) {
          try {
            await svc.remove(name);
            ctx.out.write(`${name}\n`);
          } catch (err) {
            ctx.err.write(errorLine(err));
            status = 1;
          }
        }
        return status;
      }
      case 'connect':
      case 'disconnect': {
        if (positionals.length !== 2) throw new UsageError(`network ${sub} needs NETWORK and CONTAINER`);
        const [net, ref] = positionals as [string, string];
        const record = await ctx.containers().get(ref);
        const who = { id: record.id, name: record.name, hostname: record.spec.hostname ?? record.id.slice(0, 12) };
        if (sub === 'connect') {
          if (record.status !== 'running' || record.pid === undefined) throw new FailedPreconditionError(`container ${record.name} is not running; connect it with --network when it starts`);
          await svc.connect(who, { network: net, ...(values.alias && { aliases: values.alias }) }, svc.store.endpointsOfContainer(record.id)[0]?.netns ?? `/proc/${record.pid}/ns/net`);
        } else {
          await svc.disconnect(record.id, net);
        }
        // The container's /etc files follow its networks when they are ours (bind-mounted from its dir).
        const dir = path.join(ctx.dataDir, 'containers', record.id, 'network');
        if (fs.existsSync(dir)) writeContainerNetworkFiles(dir, svc.files(who));
        return 0;
      }
      default:
        throw new UsageError('network needs a subcommand: create, ls, inspect, rm, connect, disconnect');
    }
  },
};
