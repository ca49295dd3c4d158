/**
 * Performs mounts described as data. Every mount the engine makes goes through here, so
 * that what is mounted can always be found (mountinfo.ts) and undone (unmount.ts) in one
 * place.
 */
import { InvalidArgumentError } from '../errors.js';
import { MountFlags, sys } from '../sys/index.js';
import type { Mount } from './mount.js';
import { parseMountOptions, type MountOptions } from './mount-options.js';
import { unmount } from './unmount.js';

/**
 * Mounts each of `mounts` on `target`, in order (later ones stack on earlier ones). If one
 * fails, the ones it made are unmounted before the error is thrown, so `target` is left as
 * it was found.
 */
export function mountAll(mounts: readonly Mount[], target: string): void {
  let done = 0;
  try {
    for (const mount of mounts) {
      mountOne(mount, target);
      done++;
    }
  } catch (err) {
    for (; done > 0; done--) unmount(target);
    throw err;
  }
}

function mountOne(mount: Mount, target: string): void {
  const options = parseMountOptions(mount.options);
  const bind = mount.type === 'bind' || options.bind !== undefined;
  if (mount.type === 'overlay') mountOverlay(options, target);
  else if (bind) sys.mount(mount.source, target, 'none', MountFlags.MS_BIND | (options.bind === 'rbind' ? MountFlags.MS_REC : 0), null);
  else sys.mount(mount.source, target, mount.type, options.flags, options.data.length > 0 ? options.data.join(',') : null);
  try {
    // A first bind call ignores every flag but MS_REC, and overlayfs before 6.5 refuses
    // per-mount flags in its data (the addon takes none), so both get them by a remount,
    // which changes the mount and not the filesystem. With rbind only the top mount
    // changes, not those below it.
    if ((bind || mount.type === 'overlay') && options.flags !== 0) {
      sys.mount('none', target, 'none', MountFlags.MS_BIND | MountFlags.MS_REMOUNT | options.flags, null);
    }
    if (options.propagation !== 0) sys.mount('none', target, 'none', options.propagation, null);
  } catch (err) {
    unmount(target);
    throw err;
  }
}

function mountOverlay(options: MountOptions, target: string): void {
  const lowers: string[] = [];
  let upper: string | null = null;
  let work: string | null = null;
  const rest: string[] = [];
  for (const option of options.data) {
    // The addon builds the data string itself (or uses lowerdir+ when it does not fit a
    // page), so the directories are taken apart here and handed over one by one.
    if (option.startsWith('lowerdir=')) lowers.push(...option.slice('lowerdir='.length).split(':'));
    else if (option.startsWith('upperdir=')) upper = option.slice('upperdir='.length);
    else if (option.startsWith('workdir=')) work = option.slice('workdir='.length);
    else rest.push(option);
  }
  if (lowers.length === 0 || lowers.includes('')) throw new InvalidArgumentError(`overlay mount on '${target}' has no lowerdir or an empty one`);
  if ((upper === null) !== (work === null)) throw new InvalidArgumentError(`overlay mount on '${target}' needs upperdir and workdir together`);
  sys.overlayMount(target, lowers, upper, work, rest.join(','));
}
