/**
 * A RUN step: a container from the current image (its config gives the user, working
 * directory and environment; the build args in scope are added), with no network (a
 * namespace with only loopback), whose output is streamed to the build's output. A zero
 * exit commits the container's upper dir as a layer, the same path as `intermodal commit`;
 * any other outcome removes the container and leaves no image.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerService } from '../containers/container-service.js';
import type { ContainerSpec } from '../containers/container-spec.js';
import { logFollower } from '../containers/container-log.js';
import type { Engine } from '../engine.js';
import { FailedPreconditionError } from '../errors.js';
import { commitSnapshot } from '../images/commit-snapshot.js';
import type { ImageRecord } from '../images/image-store.js';

/** A RUN that exited non-zero: the build stops with this code. */
export class RunStepFailedError extends FailedPreconditionError {
  constructor(readonly command: string, readonly exitCode: number, hint: string) {
    super(`The command '${command}' returned a non-zero code: ${exitCode}${hint}`);
  }
}

/** What a RUN step needs. */
export interface RunStepInput {
  engine: Engine;
  containers: ContainerService;
  image: ImageRecord;
  argv: string[];
  /** Build args in scope, as NAME=value; ENV of the same name wins, as in Docker. */
  buildArgs: string[];
  createdBy: string;
  out: NodeJS.WritableStream;
  /** Aborting kills the step's container; the step then fails and cleans up as any failure. */
  signal?: AbortSignal;
}

const runtimeMountPoints = ['/dev', '/proc', '/sys'];
const networkFailure = /Temporary failure in name resolution|Could not resolve|Network is unreachable|bad address|Name or service not known|Connection refused|No route to host/i;

/** Runs the command and commits its changes; returns the new image. */
export async function runStep(input: RunStepInput): Promise<ImageRecord> {
  const { engine, containers, image } = input;
  const config = engine.images.config(image.id).config ?? {};
  const envNames = new Set((config.Env ?? []).map((e) => e.split('=')[0]));
  const spec: ContainerSpec = {
    image: image.id, entrypoint: input.argv, cmd: [],
    env: input.buildArgs.filter((a) => !envNames.has(a.split('=')[0])),
    labels: { 'intermodal.build': 'step' }, mounts: [], tmpfs: [], volumesFrom: [], readOnly: false, privileged: false,
    capAdd: [], capDrop: [], restartPolicy: { name: 'no', maximumRetryCount: 0 }, autoRemove: false, userns: false, runtime: 'runc',
  };
  const record = await containers.create(spec);
  input.out.write(` ---> Running in ${record.id.slice(0, 12)}\n`);
  let output = '';
  try {
    await containers.start(record.id);
    const kill = (): void => void containers.kill(record.id, 'SIGKILL').catch(() => undefined);
    input.signal?.addEventListener('abort', kill, { once: true });
    if (input.signal?.aborted) kill();
    const code = await followUntilExit(containers, record.id, (text) => {
      output += text;
      if (output.length > 65_536) output = output.slice(-32_768);
      input.out.write(text);
    }).finally(() => input.signal?.removeEventListener('abort', kill));
    input.signal?.throwIfAborted();
    if (code !== 0) {
      const hint = networkFailure.test(output) ? ' (RUN steps have no network yet: builds run with network none)' : '';
      throw new RunStepFailedError(input.createdBy, code, hint);
    }
    await dropRuntimeMountPoints(engine, record.id);
    const built = await commitSnapshot(engine, record.id, { createdBy: input.createdBy });
    input.out.write(`Removing intermediate container ${record.id.slice(0, 12)}\n`);
    return built;
  } finally {
    await containers.remove(record.id, { force: true, volumes: true });
  }
}

/** Copies the log to `write` as it grows; resolves with the exit code. */
async function followUntilExit(containers: ContainerService, id: string, write: (text: string) => void): Promise<number> {
  const pump = logFollower(containers.paths(id).log, (_stream, text) => write(text));
  // conmon writes the exit file once it has reaped the step; noticing it at once (inotify)
  // lets this process record the exit itself instead of waiting for conmon's exit callback,
  // a whole CLI start-up later.
  const { exitFile } = containers.paths(id);
  let wake: () => void = () => undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(path.dirname(exitFile), (_event, name) => (name === id ? wake() : undefined));
  } catch {
    // No inotify: the poll below still finds it.
  }
  try {
    while (!fs.existsSync(exitFile)) {
      pump();
      const record = await containers.get(id);
      if (!['running', 'paused', 'restarting'].includes(record.status)) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    watcher?.close();
  }
  const code = await containers.wait(id);
  pump();
  return code;
}

/**
 * The runtime makes empty /dev, /proc and /sys mount points when the image lacks them;
 * like Docker's init layer they are not the step's changes and stay out of its layer.
 */
async function dropRuntimeMountPoints(engine: Engine, key: string): Promise<void> {
  const upper = await engine.snapshots.upperDir(key);
  const added = new Set((await engine.snapshots.diff(key)).filter((c) => c.kind === 'A').map((c) => c.path));
  for (const point of runtimeMountPoints) {
    const dir = path.join(upper, point);
    if (!added.has(point)) continue;
    try {
      if (fs.lstatSync(dir).isDirectory() && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    } catch {
      // Not there: nothing to drop.
    }
  }
}
