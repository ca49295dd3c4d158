/**
 * `intermodal serve`: the cloud's API server on the embedded engine. It owns start-up
 * recovery (no other process may reconcile while containers are being started), writes
 * clouds.yaml and openrc on first start, and runs until SIGTERM or SIGINT.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Cloud, startCloud } from '../../api/start-cloud.js';
import { createApiLogger } from '../../api/http/logger.js';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/command.js';

function parseListen(value: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(value);
  if (!match) throw new UsageError(`--listen needs HOST:PORT, got '${value}'`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export const serveCommand: Command = {
  name: 'serve',
  usage: 'serve [--listen 127.0.0.1:8080] [--public-url URL] [--admin-password P] [--log-file F]',
  summary: 'Run the OpenStack API server (Keystone, Nova, Glance) on the embedded engine',
  async run(ctx, argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string', default: '127.0.0.1:8080' }, 'public-url': { type: 'string' },
        'admin-password': { type: 'string' }, 'log-file': { type: 'string' },
      },
    });
    const { host, port } = parseListen(values.listen!);
    const log = createApiLogger({ ...(values['log-file'] !== undefined && { file: values['log-file'] }) });
    let cloud: Cloud;
    let address: string;
    try {
      cloud = await startCloud({
        engine: ctx.engine(), containers: ctx.containers(), log,
        ...(values['admin-password'] !== undefined && { adminPassword: values['admin-password'] }),
      });
      address = await cloud.server.app.listen({ host, port });
    } catch (err) {
      // A half-started cloud still holds listeners and timers that would keep this process
      // up, answering nothing: a server that cannot start exits, saying why.
      log.error('the API server could not start', { error: String((err as Error)?.stack ?? err) });
      ctx.err.write(`Error: the API server could not start: ${(err as Error)?.message ?? String(err)}\n`);
      process.exit(1);
    }
    const publicUrl = values['public-url'] ?? address;
    const boot = cloud.bootstrap(publicUrl);
    fs.writeFileSync(path.join(ctx.dataDir, 'serve.pid'), `${process.pid}\n`);
    ctx.out.write(`Intermodal API listening on ${address}\n`);
    if (boot.adminPassword) ctx.out.write(`Created admin user 'admin' in project 'admin' (password: ${boot.adminPassword})\n`);
    ctx.out.write(`Use it:  OS_CLIENT_CONFIG_FILE=${boot.cloudsYaml} openstack --os-cloud intermodal server list\n`);
    ctx.out.write(`     or: . ${boot.openrc}; openstack server list\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await cloud.close();
    fs.rmSync(path.join(ctx.dataDir, 'serve.pid'), { force: true });
    return 0;
  },
};
