/**
 * Engine configuration: every default and limit in one typed place, read once at start-up.
 * Nothing below reads process.env; entry points build a config with `loadEngineConfig` and
 * pass it down.
 */
import path from 'node:path';

/** Limits that guard against hostile or runaway input. */
export interface LayerLimits {
  /** Uncompressed bytes one layer may unpack to (decompression bombs). */
  maxLayerBytes: number;
  /** Archive entries one layer may contain. */
  maxLayerEntries: number;
  /** Allow device nodes other than 0/0 whiteouts (only for images imported with an explicit flag). */
  allowDevices: boolean;
}

/** How the registry client reaches registries. */
export interface RegistryConfig {
  /** Registry host[:port] for references that name none; none by default (no built-in host). */
  defaultRegistry?: string;
  /** Hosts (host[:port]) reached over plain HTTP; loopback hosts always are. */
  insecure: string[];
  /** Blobs downloaded or uploaded at once. */
  maxConcurrentTransfers: number;
  /** Blobs over this many bytes are pushed in PATCH chunks of this size. */
  uploadChunkBytes: number;
}

/** The engine's whole configuration. */
export interface EngineConfig {
  /** Root of all engine state: blobs, layers, snapshots, the SQLite database. */
  dataDir: string;
  layerLimits: LayerLimits;
  registries: RegistryConfig;
}

/** Registry defaults: three transfers at once, as Docker does; 64 MiB upload chunks. */
export const defaultRegistryConfig: RegistryConfig = {
  insecure: [],
  maxConcurrentTransfers: 3,
  uploadChunkBytes: 64 * 1024 * 1024,
};

/** Generous defaults: a real distribution image is far below them, a bomb is far above. */
export const defaultLayerLimits: LayerLimits = {
  maxLayerBytes: 64 * 1024 ** 3,
  maxLayerEntries: 2_000_000,
  allowDevices: false,
};

/** The default data dir, as for Docker's /var/lib/docker. */
export const defaultDataDir = '/var/lib/intermodal';

/** Builds the config from explicit options over the defaults; the only place defaults are applied. */
export function loadEngineConfig(
  options: { dataDir?: string; layerLimits?: Partial<LayerLimits>; registries?: Partial<RegistryConfig> } = {},
): EngineConfig {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir);
  if (/[:,]/.test(dataDir)) {
    // overlayfs mount options use ':' and ',' as separators; such a path cannot be a lowerdir.
    throw new Error(`data dir '${dataDir}' must not contain ':' or ','`);
  }
  return {
    dataDir,
    layerLimits: { ...defaultLayerLimits, ...options.layerLimits },
    registries: { ...defaultRegistryConfig, ...options.registries },
  };
}
