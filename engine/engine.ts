/**
 * The engine's composition root: opens the database and builds the stores over one data
 * dir. Entry points (CLI, API server, benchmarks) open one Engine and pass its parts down;
 * nothing else constructs stores.
 */
import path from 'node:path';
import type { EngineConfig } from './config.js';
import { LocalContentStore } from './content/local/local-content-store.js';
import { ImageStore } from './images/image-store.js';
import { LayerStore } from './images/layer-store.js';
import { type EngineDatabase, openDatabase } from './metadata/database.js';
import { Lease, liveLeases } from './metadata/leases.js';
import { OverlaySnapshotter } from './snapshots/overlay/overlay-snapshotter.js';

/** The opened engine. */
export class Engine {
  readonly db: EngineDatabase;
  readonly content: LocalContentStore;
  readonly layers: LayerStore;
  readonly images: ImageStore;
  readonly snapshots: OverlaySnapshotter;

  private constructor(readonly config: EngineConfig) {
    this.db = openDatabase(config.dataDir);
    this.content = new LocalContentStore(path.join(config.dataDir, 'content'));
    this.layers = new LayerStore(this.db, this.content, path.join(config.dataDir, 'layers'), config.layerLimits);
    this.images = new ImageStore(this.db, this.content, this.layers);
    this.snapshots = new OverlaySnapshotter({
      root: path.join(config.dataDir, 'snapshots'),
      db: this.db,
      layerDirs: (chainId) => this.layers.layerDirs(chainId),
    });
  }

  /** Opens (creating if needed) the engine over `config.dataDir`. */
  static open(config: EngineConfig): Engine {
    return new Engine(config);
  }

  /** A lease for one operation; release it when the operation's images are recorded. */
  lease(): Lease {
    return new Lease(this.db);
  }

  /**
   * Settles what a crashed process left: unpack and snapshot directories nothing owns,
   * ingest files of dead writers. Safe while other processes work on the same data dir:
   * each step spares what a live process has leased or is still making.
   */
  async recover(): Promise<{ layers: string[]; snapshots: string[]; ingests: string[] }> {
    return {
      layers: this.layers.cleanup(liveLeases(this.db)),
      snapshots: await this.snapshots.cleanup(),
      ingests: this.content.cleanupIngests(),
    };
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
