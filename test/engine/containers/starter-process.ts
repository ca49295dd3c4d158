/**
 * A long-lived engine process for the restart-survival tests, run as a child and killed by
 * them: `node starter-process.js DATA_DIR MODE`. It opens the engine on DATA_DIR and, by
 * MODE:
 * - `start`: starts `sleep 300` and `sh -c 'sleep 1; exit 7'`, prints their ids as one
 *   JSON line, and waits to be killed. No exit command is given to conmon, so nothing but
 *   a later process can record the second one's exit.
 * - `crash-after-mount` / `crash-after-create`: creates a container, prints its id, and
 *   starts it, killing itself with SIGKILL once the rootfs is mounted (at the runtime's
 *   create) or once the runtime has created it (at the runtime's start).
 */
import path from 'node:path';
import { loadEngineConfig } from '../../../engine/config.js';
import { ContainerService } from '../../../engine/containers/container-service.js';
import { Engine } from '../../../engine/engine.js';
import { RuncRuntime } from '../../../engine/runtime/runc/runc-runtime.js';
import { busyboxSpec } from './spec-fixture.js';

const [dataDir, mode] = process.argv.slice(2) as [string, string];
const engine = Engine.open(loadEngineConfig({ dataDir }));
const runc = new RuncRuntime({ binary: 'runc', root: path.join(dataDir, 'runtime', 'runc') });
const svc = new ContainerService({ engine, runtimes: { runc } });
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

if (mode === 'start') {
  const running = await svc.create(busyboxSpec(['sleep', '300']), 'survivor');
  const exiting = await svc.create(busyboxSpec(['sh', '-c', 'sleep 1; exit 7']), 'quitter');
  const a = await svc.start(running.id);
  const b = await svc.start(exiting.id);
  process.stdout.write(`${JSON.stringify({ running: a.id, exiting: b.id, monitors: [a.conmonPid, b.conmonPid] })}\n`);
  setInterval(() => undefined, 60_000);
} else {
  const record = await svc.create(busyboxSpec(['sh', '-c', 'exit 5']), 'crasher');
  process.stdout.write(`${JSON.stringify({ id: record.id })}\n`);
  if (mode === 'crash-after-mount') runc.create = async () => die();
  else runc.start = async () => die();
  await svc.start(record.id);
}
