/** Builds the container service for the CLI: runc (and crun where the host allows it) under conmon. */
import path from 'node:path';
import { ContainerService } from '../../engine/containers/container-service.js';
import { crunUsable } from '../../engine/host/host-check.js';
import type { Engine } from '../../engine/engine.js';
import { RuncRuntime } from '../../engine/runtime/runc/runc-runtime.js';
import { NetworkService } from '../../engine/network/network-service.js';
import type { Runtime } from '../../engine/runtime/runtime.js';
import { projectRoot } from '../../engine/project-root.js';

const cli = path.join(projectRoot, 'dist', 'intermodal.mjs');

/** The service; conmon calls `intermodal container-exited ID` back when a container exits. */
export function openContainerService(engine: Engine): ContainerService {
  const root = path.join(engine.config.dataDir, 'runtime');
  const runtimes: Record<string, Runtime> = { runc: new RuncRuntime({ binary: 'runc', root: path.join(root, 'runc') }) };
  if (crunUsable()) runtimes.crun = new RuncRuntime({ binary: 'crun', root: path.join(root, 'crun') });
  return new ContainerService({
    engine,
    runtimes,
    network: new NetworkService(engine.db, engine.config.dataDir),
    exitCommand: (id) => [process.execPath, cli, '--data-dir', engine.config.dataDir, 'container-exited', id],
  });
}

