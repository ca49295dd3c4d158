/**
 * Runtime: runs OCI bundles. `id` names a runtime container (our container id); a bundle
 * is a directory holding `config.json` whose root filesystem is already mounted. Every
 * container runs under a monitor process (conmon) that outlives whoever started it, keeps
 * its stdout/stderr in a log file and writes its exit code to `<exitDir>/<id>`.
 *
 * Lifecycle: create (process made, stopped before the user's program) → start → (pause ⇄
 * resume) → exits or is killed → delete. `delete` must also succeed when the container is
 * already gone, so that cleanup after a crash can always call it.
 */

/** What the runtime reports of a container. */
export interface RuntimeState {
  id: string;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  /** Host pid of the container's init process (0 once stopped). */
  pid: number;
  bundle: string;
}

/** Where create puts what the monitor records. */
export interface CreateOptions {
  /** Log file (k8s-file format: `<RFC3339Nano> <stream> <F|P> <text>`). */
  logPath: string;
  /** conmon writes the exit code to `<exitDir>/<id>` when the container exits. */
  exitDir: string;
  /** Run when the container exits (program and arguments), e.g. to record the exit and apply a restart policy. */
  exitCommand?: string[];
}

/** A process to run inside a running container. */
export interface ExecProcess {
  args: string[];
  env: string[];
  cwd: string;
  /** uid and gid inside the container. */
  user: { uid: number; gid: number; additionalGids?: number[] };
}

/** Runs bundles. */
export interface Runtime {
  readonly name: string;
  /** Creates the container under a new monitor; resolves once the runtime's create has finished (never by waiting a fixed time). Throws with the runtime's own message, leaving no state behind. */
  create(id: string, bundle: string, options: CreateOptions): Promise<{ pid: number; monitorPid: number }>;
  /** Starts the user's program in a created container. */
  start(id: string): Promise<void>;
  /** The container's state, or undefined if the runtime does not know it. */
  state(id: string): Promise<RuntimeState | undefined>;
  /** Sends a signal to the init process (or, with `all`, to every process of the container). */
  kill(id: string, signal: string, all?: boolean): Promise<void>;
  /** Deletes the runtime's state for `id`; resolves if there is none. `force` kills a live container first. */
  delete(id: string, options?: { force?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Runs a process in the running container, streaming its output; resolves with its exit code. */
  exec(id: string, process: ExecProcess, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number>;
}
