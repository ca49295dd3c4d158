/**
 * What is mounted, from /proc/self/mountinfo. Reading it is the one test that is both right
 * and cheap: comparing st_dev with the parent's misses a bind mount of a directory on the
 * same filesystem (which is exactly what a one-layer view is) and mistakes a btrfs
 * subvolume for a mount, and statx's mount id is not exposed by Node.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One line of /proc/self/mountinfo, unescaped. */
export interface MountInfo {
  /** Where it is mounted, as this process sees it. */
  mountPoint: string;
  /** Filesystem type: overlay, tmpfs, ext4, ... */
  fsType: string;
  /** The mount source: 'overlay', a device, ... */
  source: string;
  /** The filesystem's options (for overlay: lowerdir=..., upperdir=..., workdir=...). */
  superOptions: string[];
}

/** Every mount this process can see, in mount order (a parent before what is mounted on it). */
export function readMountInfo(): MountInfo[] {
  return parseMountInfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
}

/**
 * Mounts at or below `dir`, plus, when `alsoUsing` is given, those whose filesystem options
 * name a path at or below it (an overlay whose upperdir is inside `dir` but that is mounted
 * elsewhere). In mount order, so unmounting goes in reverse.
 */
export function mountsUnder(dir: string, alsoUsing = false): MountInfo[] {
  const root = path.resolve(dir);
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  // Most calls find nothing; skip parsing when the path does not occur at all.
  if (!text.includes(escapeMountInfo(root, pathSpecials)) && !(alsoUsing && text.includes(escapeMountInfo(root, optionSpecials)))) return [];
  const prefix = root === '/' ? '/' : `${root}/`;
  const inside = (p: string): boolean => p === root || p.startsWith(prefix);
  return parseMountInfo(text).filter(
    (m) => inside(m.mountPoint) || (alsoUsing && m.superOptions.some((o) => { const eq = o.indexOf('='); return eq > 0 && inside(o.slice(eq + 1)); })),
  );
}

/** True when something is mounted exactly at `target` (resolved against the cwd, not through symlinks). */
export function isMountPoint(target: string): boolean {
  const resolved = path.resolve(target);
  return mountsUnder(resolved).some((m) => m.mountPoint === resolved);
}

// The kernel writes these as \ooo: seq_path escapes " \t\n\\" in paths, seq_show_option
// also ",=" in option values.
const pathSpecials = ' \t\n\\';
const optionSpecials = ' \t\n\\,=';

function escapeMountInfo(s: string, specials: string): string {
  let out = '';
  for (const c of s) out += specials.includes(c) ? `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}` : c;
  return out;
}

function unescapeMountInfo(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))) : s;
}

function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0) continue;
    mounts.push({
      mountPoint: unescapeMountInfo(fields[4]!),
      fsType: fields[dash + 1] ?? '',
      source: unescapeMountInfo(fields[dash + 2] ?? ''),
      superOptions: (fields[dash + 3] ?? '').split(',').map(unescapeMountInfo),
    });
  }
  return mounts;
}
