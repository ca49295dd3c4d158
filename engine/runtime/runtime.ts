/**
 * Runtime: runs OCI bundles, each under a monitor process that outlives the engine.
 *
 * Vocabulary
 * - `id`: the runtime container's name, unique within one runtime root. The engine uses
 *   its container id; ids are `[A-Za-z0-9][A-Za-z0-9_.-]*`.
 * - bundle: a directory holding `config.json` (see spec/build-spec.ts) whose `root.path`
 *   is already mounted. The runtime reads it at create; changing it later changes nothing.
 * - init process: the container's first process (`process.args` of the spec); `pid` is
 *   its host pid. The container lives exactly as long as it does.
 * - monitor: one conmon per container. It is the init process's parent (a subreaper),
 *   detached from the engine (own session, stdio on /dev/null), so the container keeps
 *   running and keeps being logged when the engine stops or crashes.
 * - log file: the init process's stdout and stderr, one record per line in the k8s-file
 *   format `<RFC 3339 time with ns> <stdout|stderr> <F|P> <text>` (P: a partial line
 *   continued by the next record).
 * - exit file: `<exitDir>/<id>`, written by the monitor (atomically) once the init process
 *   has exited: its exit code in decimal, 128+N for a death by signal N.
 * - persist dir: the monitor's own files for this container (pid files, the `oom` marker
 *   it creates when the kernel OOM-killed a process of the container).
 *
 * Lifecycle
 *
 *     create ─► created ─start─► running ─pause─► paused
 *                                  │  ◄──resume──┘
 *                      exit / kill │
 *                                  ▼
 *                               stopped ─delete─► (unknown to the runtime)
 *
 * `delete` is the only way out, from any state with `force`, and succeeds when the
 * container is already gone, so cleanup after a crash can always call it. Nothing here is
 * persisted by the engine: after a restart `state` and `list` report what is running, and
 * `exitCode` what exited meanwhile.
 *
 * Errors: NotFoundError when `id` is unknown; FailedPreconditionError when the state does
 * not allow the call (start twice, pause a stopped container, delete a running one without
 * `force`); InvalidArgumentError when the bundle itself is wrong (the program does not
 * exist, a limit is out of range); the runtime's own message in every case.
 */
import type { OciUser } from './spec/oci-spec.js';

/** The OCI runtimes this contract is implemented for. */
export type RuntimeName = 'runc' | 'crun';

/** A container's state as the runtime reports it. */
export type RuntimeStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** What the runtime knows of a container. */
export interface RuntimeState {
  id: string;
  status: RuntimeStatus;
  /** Host pid of the init process; 0 once it is stopped. */
  pid: number;
  /** Absolute path of the bundle it was created from. */
  bundle: string;
  /** When the runtime created it, if the runtime says. */
  created?: Date;
}

/** Where the monitor keeps what it records, given at create. */
export interface CreateOptions {
  /** Log file for stdout and stderr (k8s-file format); created if missing, appended to if present. */
  logPath: string;
  /** Directory of exit files; the monitor writes `<exitDir>/<id>`. Created if missing. */
  exitDir: string;
  /** The monitor's own files (pid files, `oom`); default: the bundle directory. */
  persistDir?: string;
  /**
   * Give the container a terminal: the monitor holds the pseudo-terminal's master, the
   * spec must say `process.terminal`, and output is one stream (stdout).
   */
  terminal?: boolean;
  /** Keep a pipe to the container's stdin, fed by `attach` sessions (without: /dev/null, or the terminal). */
  stdin?: boolean;
  /** Run by the monitor after the exit file is written (program, then arguments): how the engine hears of exits while it runs. */
  exitCommand?: string[];
  /** Rotate the log file once it reaches this many bytes (default: never). */
  logSizeMax?: number;
}

/** The processes create made. */
export interface CreatedContainer {
  /** Host pid of the init process. */
  pid: number;
  /** Host pid of the monitor (conmon), which outlives the engine. */
  conmonPid: number;
}

/** cgroup limits, in Docker's units; each one left out is left as it is. */
export interface ResourceLimits {
  /** Memory limit in bytes (at least 6 MiB). */
  memoryBytes?: number;
  /** Memory plus swap in bytes, -1 for unlimited swap; default: equal to `memoryBytes` (no swap). */
  memorySwapBytes?: number;
  /** CPUs' worth of time per 100 ms period (0.5 = a 50 ms quota). */
  cpus?: number;
  /** Relative CPU weight (Docker's --cpu-shares, 2 to 262144). */
  cpuShares?: number;
  /** The CPUs it may run on, in cpuset list form (`0-1,3`); all when absent (Docker's --cpuset-cpus). */
  cpusetCpus?: string;
  /** Most processes and threads at once; -1 for no limit. */
  pidsLimit?: number;
  /** Relative block I/O weight, 10 to 1000. */
  blkioWeight?: number;
}

/** A process to run in a running container. Capabilities, rlimits and no-new-privileges are the container's. */
export interface ExecProcess {
  args: string[];
  /** The whole environment, `NAME=value` (nothing is inherited from the container's process). */
  env: string[];
  /** Absolute working directory inside the container. */
  cwd: string;
  /** Resolved ids inside the container (see spec/container-user.ts). */
  user: OciUser;
  /** Run it on a new terminal, proxied to `io.terminal`; TERM=xterm unless `env` sets TERM. */
  terminal?: boolean;
}

/** Where an exec'd process's output goes, and where its input comes from (none: /dev/null). */
export interface ExecIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  /**
   * For a `terminal` process: the descriptors of the caller's own terminal (stdin, stdout,
   * stderr), handed to the runtime, which puts it in raw mode, copies both ways and follows
   * its window size; `stdout`, `stderr` and `stdin` are then unused.
   */
  terminal?: [number, number, number];
}

/**
 * A connection to a container's stdio through its monitor. Several may be open at once;
 * each gets all output from the moment it connected.
 */
export interface AttachSession {
  /** Called with each piece of output; `stream` is stdout for everything a terminal prints. */
  onOutput(listener: (stream: 'stdout' | 'stderr', data: Buffer) => void): void;
  /** Writes to the container's stdin (created with `stdin` or a `terminal`). */
  write(data: Buffer): void;
  /** Ends the container's stdin: its process reads end of file. Output keeps coming. */
  closeStdin(): void;
  /** Sets the terminal's size (a container created with `terminal`). */
  resize(rows: number, columns: number): void;
  /** Resolves when the monitor ends the connection: the container has exited, and all its output was delivered. */
  readonly closed: Promise<void>;
  /** Disconnects; the container keeps running. */
  close(): void;
}

/** How a container's init process ended, read from the exit file. */
export interface ExitStatus {
  /** Exit code; 128+N for a death by signal N. */
  code: number;
  /** When the monitor recorded it (the exit file's modification time). */
  at: Date;
  /** Whether the kernel OOM-killed a process of the container; only known when the persist dir is given. */
  oomKilled?: boolean;
}

/** A signal by name (`SIGTERM` or `TERM`) or number. */
export type Signal = string | number;

/** Runs bundles under a monitor. */
export interface Runtime {
  /** Which OCI runtime this is. */
  readonly name: RuntimeName;

  /**
   * Creates container `id` from `bundle` under a new monitor and resolves once the OCI
   * runtime's `create` has finished: the init process exists, stopped before the user's
   * program, in state `created`. Completion is reported by the monitor, never guessed by
   * waiting. A stale exit file and `oom` marker for `id` are removed first. On failure it
   * throws with the runtime's message (AlreadyExistsError if `id` exists; InvalidArgumentError
   * if the program is missing or not executable) and leaves no runtime state and no monitor.
   */
  create(id: string, bundle: string, options: CreateOptions): Promise<CreatedContainer>;

  /**
   * Connects to the stdio of container `id` (created, running or paused) through its
   * monitor. Attaching between create and start loses no output. NotFoundError when the
   * container has no monitor (never created, or exited and reaped).
   */
  attach(id: string, bundle: string): AttachSession;

  /** Runs the user's program in a `created` container; FailedPreconditionError in any other state. */
  start(id: string): Promise<void>;

  /** The container's state, or undefined if the runtime does not know `id`. */
  state(id: string): Promise<RuntimeState | undefined>;

  /** Every container of this runtime root. */
  list(): Promise<RuntimeState[]>;

  /**
   * Sends `signal` to the init process, or with `all` to every process of the container;
   * FailedPreconditionError if it is not running. The init process is pid 1 of its pid
   * namespace and receives only the signals it handles (a plain `sleep` ignores SIGTERM);
   * SIGKILL always ends it, and with it the container.
   */
  kill(id: string, signal: Signal, all?: boolean): Promise<void>;

  /**
   * Removes the runtime's state of `id` and its cgroup. A live container (created, running,
   * paused) needs `force`, which kills it first. Resolves when `id` does not exist.
   * The monitor exits on its own once the init process is gone.
   */
  delete(id: string, options?: { force?: boolean }): Promise<void>;

  /** Freezes every process of a running container (cgroup freezer); state becomes `paused`. */
  pause(id: string): Promise<void>;

  /** Thaws a paused container; state becomes `running`. */
  resume(id: string): Promise<void>;

  /** Changes the cgroup limits of a live container; limits not given stay as they are. */
  update(id: string, limits: ResourceLimits): Promise<void>;

  /**
   * Runs `process` in the running container, streaming its output to `io` as it comes,
   * and resolves with its exit code (128+N after signal N). A failure of the runtime
   * itself (container not running, program not found) rejects instead, so an exit code
   * is always the program's own.
   */
  exec(id: string, process: ExecProcess, io: ExecIO): Promise<number>;

  /**
   * How container `id` exited, from the exit file in `exitDir`; undefined while it has not
   * exited (or was never created there). With the `persistDir` given to create (the
   * bundle by default) it also says whether an OOM kill happened.
   */
  exitCode(id: string, exitDir: string, persistDir?: string): ExitStatus | undefined;
}
