/** Container specs for tests, with every option at its default. */
import type { ContainerSpec } from '../../../engine/containers/container-spec.js';

/** A spec for `test/busybox:1` running `cmd`, with everything else at its default. */
export const busyboxSpec = (cmd: string[] | undefined, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  image: 'test/busybox:1', ...(cmd && { cmd }), env: [], labels: {}, mounts: [], tmpfs: [], volumesFrom: [], readOnly: false, privileged: false,
  capAdd: [], capDrop: [], restartPolicy: { name: 'no', maximumRetryCount: 0 }, autoRemove: false, userns: false, runtime: 'runc', ...extra,
});
