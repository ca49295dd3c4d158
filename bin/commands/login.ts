/**
 * `intermodal login`: credentials per registry host, checked against the registry before
 * they are stored (in DATA_DIR/auth.json, mode 0600).
 */
import { parseArgs } from 'node:util';
import { CredentialStore } from '../../engine/registry/credential-store.js';
import { RegistryClient } from '../../engine/registry/registry-client.js';
import { type Command, UsageError } from '../cli/command.js';

/** `http://host:5000/` → `host:5000`: people paste URLs. */
export function registryHost(text: string): string {
  return text.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const loginCommand: Command = {
  name: 'login',
  usage: 'login -u USER (-p PASSWORD | --password-stdin) HOST[:PORT]',
  summary: 'Log in to a registry (credentials are checked, then kept in the data dir)',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { username: { type: 'string', short: 'u' }, password: { type: 'string', short: 'p' }, 'password-stdin': { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('login needs exactly one registry host');
    if (values.username === undefined || values.username === '') throw new UsageError('login needs -u USER');
    if (values.password !== undefined && values['password-stdin']) throw new UsageError('--password and --password-stdin are mutually exclusive');
    const password = values['password-stdin'] ? await readStdin() : values.password;
    if (password === undefined || password === '') throw new UsageError('login needs -p PASSWORD or --password-stdin');
    if (values.password !== undefined) ctx.err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    const host = registryHost(positionals[0]!);
    const engine = ctx.engine();
    const credentials = { username: values.username, password };
    await new RegistryClient(host, '', { config: engine.config.registries, credentials, actions: [] }).verifyLogin();
    new CredentialStore(ctx.dataDir).set(host, credentials);
    ctx.out.write('Login Succeeded\n');
    return 0;
  },
};
