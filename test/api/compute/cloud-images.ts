/** A busybox docker-archive for cloud tests: a long-running shell that prints a line and exits cleanly on SIGTERM. */
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';

export const bootLine = 'console-hello';

/** Writes `busybox.tar` (tag `cloud-busybox:latest`) into `dir` and returns its path. */
export function makeServerImage(dir: string, options: { cmd?: string[]; tag?: string } = {}): string {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true });
  makeBusyboxRootfs(rootfs);
  const out = path.join(dir, `${(options.tag ?? 'busybox').replace(/[^a-z0-9]/g, '-')}.tar`);
  buildDockerArchive(out, {
    layers: [{ dir: rootfs }], tags: [options.tag ?? 'cloud-busybox:latest'], workDir: dir,
    cmd: options.cmd ?? ['/bin/sh', '-c', `echo ${bootLine}; trap 'exit 0' TERM; while :; do sleep 1; done`],
  });
  return out;
}
