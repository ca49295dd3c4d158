/**
 * `build`: an image from a Dockerfile, printed step by step as Docker's legacy builder
 * does; `-q` prints only the image ID (and the step output only if the build fails).
 */
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { buildImage } from '../../engine/build/image-builder.js';
import { RunStepFailedError } from '../../engine/build/run-step.js';
import { type Command, UsageError } from '../cli/command.js';

export const buildCommand: Command = {
  name: 'build',
  usage: 'build [-t NAME[:TAG]]... [-f Dockerfile] [--build-arg K=V]... [--no-cache] [--target STAGE] [-q] CONTEXT',
  summary: 'Build an image from a Dockerfile, reusing cached steps',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        tag: { type: 'string', short: 't', multiple: true }, file: { type: 'string', short: 'f' },
        'build-arg': { type: 'string', multiple: true }, 'no-cache': { type: 'boolean' }, target: { type: 'string' }, quiet: { type: 'boolean', short: 'q' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('build needs one CONTEXT directory');
    const buildArgs: Record<string, string> = {};
    for (const arg of values['build-arg'] ?? []) {
      const eq = arg.indexOf('=');
      // `--build-arg NAME` takes the value from our environment, as docker does.
      if (eq < 0) {
        if (process.env[arg] !== undefined) buildArgs[arg] = process.env[arg]!;
      } else buildArgs[arg.slice(0, eq)] = arg.slice(eq + 1);
    }
    const quiet = values.quiet === true;
    const captured: Buffer[] = [];
    const out = quiet ? new PassThrough().on('data', (c: Buffer) => captured.push(c)) : ctx.out;
    // Ctrl-C stops the running step and lets the build clean up before we exit.
    const interrupt = new AbortController();
    const stop = (): void => interrupt.abort(new Error('the build was interrupted'));
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      const result = await buildImage(ctx.engine(), () => ctx.containers(), {
        contextDir: positionals[0]!, tags: values.tag ?? [], buildArgs, out,
        ...(values.file !== undefined && { dockerfile: values.file }),
        ...(values['no-cache'] && { noCache: true }),
        ...(values.target !== undefined && { target: values.target }),
        signal: interrupt.signal,
      });
      if (quiet) ctx.out.write(`${result.image.id}\n`);
      return 0;
    } catch (err) {
      if (quiet) ctx.err.write(Buffer.concat(captured));
      if (interrupt.signal.aborted) {
        ctx.err.write('the build was interrupted; nothing it made is left behind\n');
        return 130;
      }
      if (err instanceof RunStepFailedError) {
        ctx.err.write(`${err.message}\n`);
        return err.exitCode > 0 && err.exitCode < 256 ? err.exitCode : 1;
      }
      throw err;
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
  },
};
