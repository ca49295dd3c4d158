/**
 * The overlay options every writable snapshot asks for, each dropped when this kernel's
 * overlayfs does not know it (a mount with an unknown option fails with EINVAL). The
 * module's parameters say what it knows; when the module is not loaded yet, the kernel
 * version does.
 */
import fs from 'node:fs';
import os from 'node:os';

interface OverlayFeature {
  option: string;
  /** The module parameter that exists exactly when the option does. */
  parameter: string;
  /** The Linux release that added it, [major, minor]. */
  since: [number, number];
}

const features: OverlayFeature[] = [
  // The inode index records, in the upper dir, which lower root it was first mounted over,
  // and refuses (ESTALE) a later mount over a different one. Layer dirs are ours to
  // re-create (removed by GC, unpacked again by a pull) and a container must still mount
  // afterwards; the index also costs a lookup per copy-up and buys nothing here (we need
  // neither NFS export nor hardlink-preserving copy-up).
  { option: 'index=off', parameter: 'index', since: [4, 13] },
  // diff and commit read the upper dir alone, so every change must be whole in it. A
  // redirect (a renamed lower dir) keeps the contents in the lower layer, and metacopy
  // (a chmod/chown of a lower file) keeps the data there: both would commit a layer with
  // files missing or empty. Off is the default on most kernels; say so, whatever the
  // module was loaded with.
  { option: 'redirect_dir=off', parameter: 'redirect_dir', since: [4, 10] },
  { option: 'metacopy=off', parameter: 'metacopy', since: [4, 19] },
];

let cached: string[] | undefined;

/** Options for a writable overlay mount that this kernel accepts; computed once per process. */
export function overlayOptions(): string[] {
  if (cached) return cached;
  let parameters: Set<string> | undefined;
  try {
    parameters = new Set(fs.readdirSync('/sys/module/overlay/parameters'));
  } catch {
    parameters = undefined;
  }
  const [major = 0, minor = 0] = os.release().split(/[.-]/).map(Number);
  cached = features
    .filter((f) => (parameters ? parameters.has(f.parameter) : major > f.since[0] || (major === f.since[0] && minor >= f.since[1])))
    .map((f) => f.option);
  return cached;
}
