/**
 * The container verbs that take one or more containers and print each name as they go,
 * as docker's do: start, stop, restart, kill, pause, unpause, rm, wait.
 */
import { parseArgs } from 'node:util';
import type { ContainerService } from '../../engine/containers/container-service.js';
import { type Command, UsageError } from '../cli/command.js';
import { errorLine } from '../cli/errors.js';
import { checkTerminalInput, runAttached } from '../cli/attached-run.js';

type Options = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { time: { type: 'string', short: 't' }, signal: { type: 'string', short: 's' }, force: { type: 'boolean', short: 'f' }, volumes: { type: 'boolean', short: 'v' }, attach: { type: 'boolean', short: 'a' }, interactive: { type: 'boolean', short: 'i' } },
  });
}

function verb(name: string, usage: string, summary: string, act: (svc: ContainerService, id: string, o: Options) => Promise<string>): Command {
  return {
    name,
    usage: `${name} ${usage}`,
    summary,
    async run(ctx, argv) {
      const { values, positionals } = parse(argv);
      if (positionals.length === 0) throw new UsageError(`${name} needs at least one CONTAINER`);
      let status = 0;
      for (const id of positionals) {
        try {
          ctx.out.write(`${await act(ctx.containers(), id, values)}\n`);
        } catch (err) {
          ctx.err.write(errorLine(err));
          status = 1;
        }
      }
      return status;
    },
  };
}

const seconds = (o: Options): number | undefined => (o.time !== undefined ? Number(o.time) : undefined);

const startEach = verb('start', '[-a [-i]] CONTAINER...', 'Start stopped containers; -a relays the output of one (and with -i its input) and exits with its code', async (svc, id) => (await svc.start(id), id));

/** `start`, and `start -a [-i] CONTAINER`, which stays attached like `docker start -ai`. */
export const startCommand: Command = {
  ...startEach,
  async run(ctx, argv) {
    const { values, positionals } = parse(argv);
    if (!values.attach) return startEach.run(ctx, argv);
    if (positionals.length !== 1) throw new UsageError('start -a takes exactly one CONTAINER');
    const svc = ctx.containers();
    const record = await svc.get(positionals[0]!);
    const interactive = (values.interactive ?? false) && record.spec.openStdin === true;
    const tty = record.spec.tty === true;
    checkTerminalInput(interactive, tty, ctx.in);
    return runAttached(svc, record.id, { stdin: ctx.in, stdout: ctx.out, stderr: ctx.err }, { interactive, tty });
  },
};
export const stopCommand = verb('stop', '[-t SECONDS] CONTAINER...', 'Stop containers: the stop signal, then SIGKILL after -t (10 s)', async (svc, id, o) => (await svc.stop(id, seconds(o)), id));
export const restartCommand = verb('restart', '[-t SECONDS] CONTAINER...', 'Stop then start containers', async (svc, id, o) => (await svc.restart(id, seconds(o)), id));
export const killCommand = verb('kill', '[-s SIGNAL] CONTAINER...', 'Send a signal (SIGKILL by default)', async (svc, id, o) => (await svc.kill(id, o.signal ?? 'SIGKILL'), id));
export const pauseCommand = verb('pause', 'CONTAINER...', 'Freeze every process of containers', async (svc, id) => (await svc.pause(id), id));
export const unpauseCommand = verb('unpause', 'CONTAINER...', 'Thaw paused containers', async (svc, id) => (await svc.unpause(id), id));
export const rmCommand = verb('rm', '[-f] [-v] CONTAINER...', 'Remove containers (-f kills running ones, -v removes anonymous volumes)', async (svc, id, o) => (await svc.remove(id, { force: o.force ?? false, volumes: o.volumes ?? false }), id));
export const waitCommand = verb('wait', 'CONTAINER...', 'Wait for containers to exit and print their exit codes', async (svc, id) => String(await svc.wait(id)));
