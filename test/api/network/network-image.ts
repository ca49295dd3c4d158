/** A busybox image for network tests: the fixture's applets plus ping, nc, httpd and ip. */
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';

const networkApplets = ['ping', 'nc', 'httpd', 'ip', 'nslookup', 'hostname', 'timeout'];

/** Writes `net-busybox.tar` into `dir`: a shell that sleeps until SIGTERM. */
export function makeNetworkImage(dir: string): string {
  const rootfs = path.join(dir, 'net-rootfs');
  fs.mkdirSync(rootfs, { recursive: true });
  makeBusyboxRootfs(rootfs);
  for (const applet of networkApplets) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  const out = path.join(dir, 'net-busybox.tar');
  buildDockerArchive(out, {
    layers: [{ dir: rootfs }], tags: ['net-busybox:latest'], workDir: dir,
    cmd: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"],
  });
  return out;
}
