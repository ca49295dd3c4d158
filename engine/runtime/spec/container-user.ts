/**
 * Resolves a USER value (`name`, `uid`, `name:group`, `uid:gid`) against the image's own
 * /etc/passwd and /etc/group, read without following symlinks so that an image cannot
 * point them at host files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import type { OciUser } from './oci-spec.js';

/** The resolved user and its home directory. */
export interface ResolvedUser extends OciUser {
  home: string;
}

/** Resolves `user` (empty means root) inside `rootfs`. */
export function resolveUser(rootfs: string, user: string | undefined): ResolvedUser {
  const [userPart = '', groupPart] = (user ?? '').split(':');
  const passwd = readTable(rootfs, 'etc/passwd');
  const groups = readTable(rootfs, 'etc/group');
  let uid: number;
  let gid: number;
  let home = '/';
  if (userPart === '' || /^\d+$/.test(userPart)) {
    uid = userPart === '' ? 0 : Number(userPart);
    const entry = passwd.find((p) => Number(p[2]) === uid);
    gid = entry ? Number(entry[3]) : 0;
    home = entry?.[5] ?? (uid === 0 ? '/root' : '/');
  } else {
    const entry = passwd.find((p) => p[0] === userPart);
    if (!entry) throw new InvalidArgumentError(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    home = entry[5] ?? '/';
  }
  if (groupPart !== undefined) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const group = groups.find((g) => g[0] === groupPart);
      if (!group) throw new InvalidArgumentError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = Number(group[2]);
    }
  }
  const name = passwd.find((p) => Number(p[2]) === uid)?.[0];
  const additionalGids = name === undefined ? [] : groups.filter((g) => (g[3] ?? '').split(',').includes(name)).map((g) => Number(g[2])).filter((g) => g !== gid);
  return { uid, gid, ...(additionalGids.length > 0 && { additionalGids }), home };
}

function readTable(rootfs: string, rel: string): string[][] {
  let text: string;
  try {
    for (let dir = path.dirname(rel); dir !== '.'; dir = path.dirname(dir)) {
      if (fs.lstatSync(path.join(rootfs, dir)).isSymbolicLink()) return [];
    }
    const fd = fs.openSync(path.join(rootfs, rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}
