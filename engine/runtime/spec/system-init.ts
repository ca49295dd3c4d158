/**
 * What a container whose pid 1 is a system manager (systemd) needs beyond an application
 * container, as LXC and Podman's systemd mode give it: its own cgroup namespace, so that
 * /proc/self/cgroup shows it at the root of each hierarchy it sees, and a writable tree
 * for its own bookkeeping (systemd creates init.scope, system.slice, ... below its own
 * cgroup). Only the name=systemd hierarchy of a v1/hybrid host is made writable: the
 * controllers' files (memory, cpu, pids) stay read-only, so the container cannot raise its
 * own limits. The writable tree is a sub-directory of the hierarchy, so it has no
 * release_agent (only a hierarchy's root does), and mounting a cgroup filesystem of its own
 * would need CAP_SYS_ADMIN, which the container does not get. On a cgroup v2 host the
 * unified tree is the only one and systemd needs it writable to delegate; the limits stay
 * held because the kernel refuses writes to the namespace root's own limit files from
 * inside the namespace (this path is not exercised on the project's hybrid hosts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OciMount, OciNamespace } from './oci-spec.js';

const cgroupRoot = '/sys/fs/cgroup';

/** The named hierarchy systemd keeps its process tree in on v1 and hybrid hosts. */
const systemdHierarchy = path.join(cgroupRoot, 'systemd');

/** The extra namespace of a system container. */
export const systemInitNamespace: OciNamespace = { type: 'cgroup' };

/**
 * Mounts that follow the standard ones: on v1/hybrid hosts the container's own cgroup of
 * the name=systemd hierarchy (runc makes it before it mounts anything) bound writable over
 * the read-only one; on v2 hosts the cgroup filesystem again, writable.
 */
export function systemInitMounts(cgroupsPath: string): OciMount[] {
  const flags = ['nosuid', 'noexec', 'nodev'];
  if (fs.existsSync(path.join(cgroupRoot, 'cgroup.controllers'))) {
    return [{ destination: cgroupRoot, type: 'cgroup', source: 'cgroup', options: [...flags, 'relatime', 'rw'] }];
  }
  if (!fs.existsSync(systemdHierarchy)) return [];
  return [{ destination: systemdHierarchy, type: 'bind', source: path.join(systemdHierarchy, cgroupsPath), options: ['rbind', 'rprivate', 'rw', ...flags] }];
}
