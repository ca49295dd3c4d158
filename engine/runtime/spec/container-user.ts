/**
 * Resolves a USER value (`name`, `uid`, `name:group`, `uid:gid`, empty for root) against
 * the image's own /etc/passwd and /etc/group, with Docker's rules:
 * - a name must exist in passwd; a numeric uid need not (its gid is then 0, HOME `/`);
 * - an explicit group (name or gid) becomes the primary gid and no supplementary groups
 *   are added; without one, the primary gid comes from passwd and the supplementary gids
 *   are the groups that list the user as a member;
 * - HOME comes from passwd (`/root` for a root without an entry, `/` otherwise).
 * The files are read with readFileInRoot, so an image cannot point them at host files.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { OciUser } from './oci-spec.js';
import { readFileInRoot } from './rootfs-file.js';

/** The resolved user and the home directory HOME defaults to. */
export interface ResolvedUser extends OciUser {
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const maxId = 2 ** 32 - 2;

/** Resolves `user` inside `rootfs`; throws InvalidArgumentError naming the user or group that does not exist. */
export function resolveUser(rootfs: string, user: string | undefined): ResolvedUser {
  const spec = user ?? '';
  const parts = spec.split(':');
  if (parts.length > 2 || parts[1] === '') throw new InvalidArgumentError(`invalid user '${spec}': expected name, uid, name:group or uid:gid`);
  const [userPart = '', groupPart] = parts;
  const passwd = parsePasswd(readFileInRoot(rootfs, '/etc/passwd') ?? '');

  let entry: PasswdEntry | undefined;
  let uid: number;
  if (userPart === '' || isNumeric(userPart)) {
    uid = userPart === '' ? 0 : parseId(userPart, spec);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new InvalidArgumentError(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  const home = entry?.home || (uid === 0 ? '/root' : '/');

  if (groupPart !== undefined) {
    return { uid, gid: resolveGroup(rootfs, groupPart, spec), home };
  }
  const gid = entry?.gid ?? 0;
  if (!entry) return { uid, gid, home };
  const groups = parseGroup(readFileInRoot(rootfs, '/etc/group') ?? '');
  const additionalGids = [...new Set(groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid))].filter((g) => g !== gid);
  return { uid, gid, ...(additionalGids.length > 0 && { additionalGids }), home };
}

function resolveGroup(rootfs: string, group: string, spec: string): number {
  if (isNumeric(group)) return parseId(group, spec);
  const found = parseGroup(readFileInRoot(rootfs, '/etc/group') ?? '').find((g) => g.name === group);
  if (!found) throw new InvalidArgumentError(`unable to find group ${group}: no matching entries in group file`);
  return found.gid;
}

/** Parses passwd lines (`name:password:uid:gid:gecos:home:shell`), skipping malformed ones. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const fields of records(text)) {
    const [name = '', , uid = '', gid = '', , home = ''] = fields;
    if (name === '' || !isNumeric(uid) || !isNumeric(gid)) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid), home });
  }
  return entries;
}

/** Parses group lines (`name:password:gid:member,member`), skipping malformed ones. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const fields of records(text)) {
    const [name = '', , gid = '', members = ''] = fields;
    if (name === '' || !isNumeric(gid)) continue;
    entries.push({ name, gid: Number(gid), members: members.split(',').map((m) => m.trim()).filter((m) => m !== '') });
  }
  return entries;
}

function records(text: string): string[][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

function isNumeric(s: string): boolean {
  return /^\d+$/.test(s);
}

function parseId(s: string, spec: string): number {
  const id = Number(s);
  if (!Number.isSafeInteger(id) || id > maxId) throw new InvalidArgumentError(`invalid user '${spec}': id ${s} is out of range`);
  return id;
}
