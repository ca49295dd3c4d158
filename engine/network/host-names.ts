/**
 * Names of the kernel objects one data dir owns. Several data dirs (the default one, each
 * test's own) may share this host's network stack, so every name carries the data dir's
 * tag and `reconcile` only ever touches names with its own tag. Link names are at most
 * 15 bytes (IFNAMSIZ - 1).
 */
import { createHash } from 'node:crypto';
import { defaultDataDir } from '../config.js';

/** The naming scheme of one data dir. */
export interface HostNames {
  /** `table ip <table>` holds every nftables rule this data dir makes. */
  table: string;
  /** The bridge of a network. */
  bridge(networkId: string): string;
  /** The host end of an endpoint's veth pair. */
  hostVeth(endpointId: string): string;
  /** The container end's name until it is renamed inside the namespace. */
  peerVeth(endpointId: string): string;
  /** The named network namespace (`/run/netns/<name>`) made for a container. */
  namespace(containerId: string): string;
  /** Matches this data dir's namespace names: group 1 is the container id prefix. */
  namespacePattern: RegExp;
  /** Matches this data dir's links: group 1 is 'b' (bridge) or 'v' (veth), group 2 the id prefix. */
  linkPattern: RegExp;
}

/**
 * The default data dir uses `im-` and `table ip intermodal`; any other uses `im` plus four
 * hex digits of its path's hash (never '-', so the two schemes cannot match each other).
 */
export function hostNames(dataDir: string): HostNames {
  const tag = dataDir === defaultDataDir ? '-' : createHash('sha256').update(dataDir).digest('hex').slice(0, 4);
  const stem = `im${tag}`;
  return {
    table: tag === '-' ? 'intermodal' : `intermodal_${tag}`,
    bridge: (id) => `${stem}b${id.slice(0, 8)}`,
    hostVeth: (id) => `${stem}v${id.slice(0, 8)}`,
    peerVeth: (id) => `${stem}c${id.slice(0, 8)}`,
    namespace: (id) => `${stem}n${id.slice(0, 12)}`,
    namespacePattern: new RegExp(`^${stem}n([0-9a-f]{12})$`),
    linkPattern: new RegExp(`^${stem}([bv])([0-9a-f]{8})$`),
  };
}
