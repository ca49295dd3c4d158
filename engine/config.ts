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

/** The engine's whole configuration. */
export interface EngineConfig {
  /** Root of all engine state: blobs, layers, snapshots, the SQLite database. */
  dataDir: string;
  layerLimits: LayerLimits;
}

/** Generous defaults: a real distribution image is far below them, a bomb is far above. */
export const defaultLayerLimits: LayerLimits = {
  maxLayerBytes: 64 * 1024 ** 3,
  maxLayerEntries: 2_000_000,
  allowDevices: false,
};

/** The default data dir, as for Docker's /var/lib/docker. */
export const defaultDataDir = '/var/lib/intermodal';

/** Builds the config from explicit options over the defaults; the only place defaults are applied. */
export function loadEngineConfig(options: { dataDir?: string; layerLimits?: Partial<LayerLimits> } = {}): EngineConfig {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir);
  if (/[:,]/.test(dataDir)) {
    // overlayfs mount options use ':' and ',' as separators; such a path cannot be a lowerdir.
    throw new Error(`data dir '${dataDir}' must not contain ':' or ','`);
  }
  return { dataDir, layerLimits: { ...defaultLayerLimits, ...options.layerLimits } };
}
