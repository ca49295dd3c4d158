/**
 * The image configuration (Docker's and OCI's share this shape). It is stored as the
 * exact bytes it came with, since its digest is the image ID; these types are for reading
 * it and for building new ones (import, commit).
 */
import { InvalidArgumentError } from '../errors.js';

/** The runtime defaults an image gives its containers. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [other: string]: unknown;
}

/** One history entry; `empty_layer` marks a step that changed no file. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config document. */
export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [other: string]: unknown;
}

/** This machine's architecture in the OCI spelling (amd64, arm64, ...). */
export function hostArchitecture(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

/** Parses and checks a config blob's bytes; throws on a document that is not an image config. */
export function parseImageConfig(bytes: Buffer, what: string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`${what}: image config is not JSON`, { cause: err });
  }
  const config = doc as ImageConfig;
  if (typeof config !== 'object' || config === null || !config.rootfs || !Array.isArray(config.rootfs.diff_ids)) {
    throw new InvalidArgumentError(`${what}: image config has no rootfs.diff_ids`);
  }
  return config;
}
