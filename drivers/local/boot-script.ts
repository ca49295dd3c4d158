/**
 * Running a user's boot script (Nova user_data starting with `#!`) before the image's own
 * command, as cloud-init would on a VM: the script is placed where cloud-init keeps it and
 * the container's command becomes a shell that runs it, then execs the original command,
 * so the image's process is still pid 1 afterwards and receives the stop signal. A script
 * that fails does not keep the instance from booting, as with cloud-init.
 */
import type { ContainerSpec } from '../../engine/containers/container-spec.js';
import type { ContainerConfig } from '../../engine/images/image-config.js';
import { processArgs } from '../../engine/runtime/spec/process-args.js';

/** Where the script is written inside the instance (cloud-init's path). */
export const bootScriptPath = '/var/lib/cloud/instance/user-data.sh';

/** The shell that runs the wrapper; the image must have it. */
export const bootShell = '/bin/sh';

/** `spec` changed to run the boot script first and then the command it would have run. */
export function wrapWithBootScript(spec: ContainerSpec, image: ContainerConfig): ContainerSpec {
  const original = processArgs(image, spec.entrypoint, spec.cmd);
  // `sh -c SCRIPT -- ARGS...`: `--` becomes $0, ARGS become "$@", each kept as one word.
  return { ...spec, entrypoint: [bootShell, '-c', `${bootScriptPath}; exec "$@"`, '--'], cmd: original };
}
