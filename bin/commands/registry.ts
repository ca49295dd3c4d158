/**
 * `intermodal registry serve`: the Docker Registry v2 API over this data dir's image store,
 * alone on its own listener, until SIGTERM or SIGINT. (The cloud's `serve` will mount the
 * same plugin beside the OpenStack APIs.)
 */
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { registryApi } from '../../api/registry/registry-api.js';
import { RepositoryStore } from '../../api/registry/repository-store.js';
import { StaticAuthenticator } from '../../api/registry/static-authenticator.js';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/command.js';

const usage = 'registry serve [--listen 127.0.0.1:5000] [--user NAME:PASSWORD[:PROJECT]]... [--users-file FILE] [--public REPOSITORY]...';

export const registryCommand: Command = {
  name: 'registry',
  usage,
  summary: 'Serve the image store as a Docker Registry v2 (docker push/pull, skopeo)',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        listen: { type: 'string', default: '127.0.0.1:5000' },
        user: { type: 'string', multiple: true, default: [] },
        'users-file': { type: 'string' },
        public: { type: 'string', multiple: true, default: [] },
      },
    });
    if (positionals[0] !== 'serve' || positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const match = /^(.*):(\d+)$/.exec(values.listen!);
    if (!match) throw new UsageError(`--listen needs HOST:PORT, got '${values.listen}'`);
    const auth = new StaticAuthenticator();
    for (const entry of values.user!) auth.add(entry);
    if (values['users-file'] !== undefined) auth.addFile(values['users-file']);

    const engine = ctx.engine();
    const store = new RepositoryStore(engine);
    for (const name of values.public!) store.setPublic(name, true);
    // Only failures are logged (pino JSON on stdout), so a 500 leaves a trace.
    const app = Fastify({ logger: { level: 'error' } });
    await app.register(registryApi, { prefix: '/v2', engine, auth });
    const address = await app.listen({ host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) });
    ctx.out.write(`Registry listening on ${address}/v2/\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await app.close();
    return 0;
  },
};
