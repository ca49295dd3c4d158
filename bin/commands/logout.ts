/** `intermodal logout`: forgets the credentials kept for a registry host. */
import { parseArgs } from 'node:util';
import { CredentialStore } from '../../engine/registry/index.js';
import { type Command, UsageError } from '../cli/command.js';
import { registryHost } from './login.js';

export const logoutCommand: Command = {
  name: 'logout',
  usage: 'logout HOST[:PORT]',
  summary: 'Forget the credentials for a registry',
  async run(ctx, argv) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    if (positionals.length !== 1) throw new UsageError('logout needs exactly one registry host');
    const host = registryHost(positionals[0]!);
    const removed = new CredentialStore(ctx.dataDir).remove(host);
    ctx.out.write(removed ? `Removing login credentials for ${host}\n` : `Not logged in to ${host}\n`);
    return 0;
  },
};
