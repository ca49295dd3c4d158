/**
 * `run` and `create`. `run -d` prints the new id; in the foreground, `run` streams the
 * container's output and exits with its exit code, as `docker run` does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import { logFollower } from '../../engine/containers/container-log.js';
import type { ContainerService } from '../../engine/containers/container-service.js';
import type { Command } from '../cli/command.js';
import { checkTerminalInput, runAttached } from '../cli/attached-run.js';
import { imageIndex, parseContainerCommandLine } from '../cli/container-options.js';

export const createCommand: Command = {
  name: 'create',
  usage: 'create [OPTIONS] IMAGE [COMMAND [ARG...]]',
  summary: 'Create a container without starting it',
  optionsEnd: imageIndex,
  async run(ctx, argv) {
    const line = parseContainerCommandLine(argv);
    const record = await ctx.containers().create(line.spec, line.name);
    ctx.out.write(`${record.id}\n`);
    return 0;
  },
};

export const runCommand: Command = {
  name: 'run',
  usage: 'run [-d] [-i] [-t] [--rm] [--name NAME] [-e K=V] [-v SRC:DST[:ro]] [--memory 64m] [--cpus 0.5] [--pids-limit N] [--restart POLICY] ... IMAGE [COMMAND [ARG...]]',
  summary: 'Create and start a container; in the foreground, stream its output and exit with its code',
  optionsEnd: imageIndex,
  async run(ctx, argv) {
    const line = parseContainerCommandLine(argv);
    const attached = !line.detach && (line.interactive || line.tty);
    if (attached) checkTerminalInput(line.interactive, line.tty, ctx.in);
    const svc = ctx.containers();
    const record = await svc.create(line.spec, line.name);
    if (!line.detach && line.spec.autoRemove) svc.holdForWaiter(record.id);
    try {
      if (attached) {
        const code = await runAttached(svc, record.id, { stdin: ctx.in, stdout: ctx.out, stderr: ctx.err }, line);
        if (line.spec.autoRemove) await svc.remove(record.id, { force: true, volumes: true }).catch(() => undefined);
        return code;
      }
      await svc.start(record.id);
    } catch (err) {
      if (line.spec.autoRemove) await svc.remove(record.id, { force: true, volumes: true }).catch(() => undefined);
      throw err;
    }
    if (line.detach) {
      ctx.out.write(`${record.id}\n`);
      return 0;
    }
    const code = await followUntilExit(svc, record.id, ctx.out, ctx.err);
    if (line.spec.autoRemove) await svc.remove(record.id, { force: true, volumes: true }).catch(() => undefined);
    return code;
  },
};

/** Copies the container's log to our stdout/stderr as it grows, until the container exits. */
export async function followUntilExit(svc: ContainerService, id: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream, startOffset = 0): Promise<number> {
  const pump = logFollower(svc.paths(id).log, (stream, text) => (stream === 'stderr' ? err : out).write(text), startOffset);
  const exitFile = svc.paths(id).exitFile;
  for (;;) {
    pump();
    // Read conmon's exit file directly: with --rm the record may be gone by the next look.
    if (fs.existsSync(exitFile)) {
      const code = Number(fs.readFileSync(exitFile, 'utf8').trim());
      pump();
      await svc.get(id).catch(() => undefined);
      return Number.isNaN(code) ? 0 : code;
    }
    const record = await svc.get(id).catch(() => undefined);
    if (!record || !['running', 'paused', 'restarting'].includes(record.status)) {
      pump();
      return record?.exitCode ?? 0;
    }
    await sleep(20);
  }
}
