/** An Engine over a scratch data dir, torn down with every mount under it. */
import { loadEngineConfig, type LayerLimits } from '../../engine/config.js';
import { Engine } from '../../engine/engine.js';
import { mountsUnder as engineMountsUnder } from '../../engine/mount/index.js';
import { sys, MountFlags } from '../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/** A test engine and its data dir. */
export interface TestEngine {
  engine: Engine;
  dataDir: string;
  /** Closes the engine, unmounts whatever is still mounted under the data dir, removes it. */
  destroy(): void;
}

/** Opens an engine on a fresh data dir. */
export function openTestEngine(label: string, limits: Partial<LayerLimits> = {}): TestEngine {
  const dataDir = makeTempDir(label);
  const engine = Engine.open(loadEngineConfig({ dataDir, layerLimits: limits }));
  return {
    engine,
    dataDir,
    destroy() {
      engine.close();
      for (const target of mountsUnder(dataDir).reverse()) sys.umount(target, MountFlags.MNT_DETACH);
      removeTempDir(dataDir);
    },
  };
}

/** Mount points at or below `dir`, in mount order. */
export function mountsUnder(dir: string): string[] {
  return engineMountsUnder(dir).map((m) => m.mountPoint);
}

/** Collects a readable stream's bytes. */
export async function readAllBytes(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}
