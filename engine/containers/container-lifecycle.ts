/**
 * Running containers: start, stop, kill, pause, exec, and what happens when one exits.
 * An exit is recorded exactly once, whoever notices it first (conmon's exit command, or
 * any later command that finds conmon's exit file), by a conditional update that only one
 * process can win; the winner unmounts, records the code, and applies the restart policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, NotImplementedError } from '../errors.js';
import type { Engine } from '../engine.js';
import { isMountPoint } from '../mount/index.js';
import { buildSpec, mergeEnv } from '../runtime/spec/build-spec.js';
import { resolveUser } from '../runtime/spec/container-user.js';
import type { AttachSession, Runtime } from '../runtime/runtime.js';
import { processIsAlive } from '../process-alive.js';
import { ociMounts } from './container-mounts.js';
import { usernsRange } from './idmapped-rootfs.js';
import { mountRootfs, unmountRootfs } from './rootfs-mount.js';
import type { ContainerRecord, ContainerStore } from './container-store.js';
import { joinNetworks, withNetwork } from '../network/container-join.js';
import type { ContainerNetworking, Endpoint } from '../network/network.js';
import type { VolumeStore } from './volume-store.js';

/** Shared state of the lifecycle and the service. */
export interface LifecycleOptions {
  engine: Engine;
  runtimes: Record<string, Runtime>;
  exitCommand?: (id: string) => string[];
  /** Attaches containers that ask for networks at start, detaches them when they stop. */
  network?: ContainerNetworking;
  root: string;
  store: ContainerStore;
  volumes: VolumeStore;
}

const live = ['running', 'paused', 'restarting'];

/**
 * Called at every start once the container's interfaces exist and before its process runs
 * (the runtime has created it, not started it): what must hold from the first instruction
 * on, such as firewall rules in its network namespace, is put in place here. A hook that
 * throws fails the start, which then leaves nothing attached.
 */
export type PrestartHook = (container: ContainerRecord, endpoints: Endpoint[]) => Promise<void>;

/** Start, stop and exit handling; the service adds creation and removal. */
export abstract class ContainerLifecycle {
  protected readonly root: string;
  readonly store: ContainerStore;
  readonly volumes: VolumeStore;
  private readonly prestartHooks: PrestartHook[] = [];

  constructor(protected readonly options: LifecycleOptions) {
    this.root = options.root;
    this.store = options.store;
    this.volumes = options.volumes;
  }

  /** Adds a hook run at each start between network attach and the process's start (see PrestartHook). */
  addPrestartHook(hook: PrestartHook): void {
    this.prestartHooks.push(hook);
  }

  /** Paths of a container's files. */
  paths(id: string): { dir: string; rootfs: string; log: string; exitFile: string; oomFile: string; cgroupsPath: string } {
    const dir = path.join(this.root, id);
    return { dir, rootfs: path.join(dir, 'rootfs'), log: path.join(dir, 'ctr.log'), exitFile: path.join(this.root, 'exits', id), oomFile: path.join(dir, 'oom'), cgroupsPath: `/intermodal/${id}` };
  }

  /**
   * Starts a created or exited container; a running one is left as it is. `fromRestart`
   * marks a start by the restart policy, which yields to a user's stop made meanwhile.
   */
  async start(idOrName: string, fromRestart = false): Promise<ContainerRecord> {
    return (await this.startWith(idOrName, fromRestart)).record;
  }

  /**
   * Starts a created or exited container with a session attached to its stdio before its
   * program runs, so that no output is missed (`run -it`, `start -a`). A running container
   * is attached to as it is.
   */
  async startAttached(idOrName: string, prepare?: (session: AttachSession) => void): Promise<{ record: ContainerRecord; session: AttachSession }> {
    const { record, session } = await this.startWith(idOrName, false, prepare ?? (() => undefined));
    if (session) return { record, session };
    const attached = this.attach(record.id);
    prepare?.(attached);
    return { record, session: attached };
  }

  /** A session on a running container's stdio. */
  attach(idOrName: string): AttachSession {
    const record = this.store.resolve(idOrName);
    if (!live.includes(record.status)) throw new FailedPreconditionError(`container ${record.name} is not running`);
    return this.runtimeOf(record).attach(record.id, this.paths(record.id).dir);
  }

  /** `attach`, when given, is called with a session made between create and start. */
  private async startWith(idOrName: string, fromRestart: boolean, attach?: (session: AttachSession) => void): Promise<{ record: ContainerRecord; session?: AttachSession }> {
    const record = await this.refresh(this.store.resolve(idOrName));
    if (record.status === 'running') return { record };
    if (record.status === 'paused') throw new FailedPreconditionError(`container ${record.name} is paused; unpause it instead`);
    const { engine } = this.options;
    const p = this.paths(record.id);
    const runtime = this.runtimeOf(record);
    let session: AttachSession | undefined;
    try {
      // A container that ran before may have left runtime state (a crash); a new one has none.
      if (record.startedAt !== undefined || record.error !== undefined) await runtime.delete(record.id, { force: true });
      if (!isMountPoint(p.rootfs)) mountRootfs(await engine.snapshots.mounts(record.id), p.rootfs, record.spec.userns ? path.join(p.dir, 'idmap') : undefined);
      const spec = record.spec;
      const uses = (engine.db.prepare('SELECT volume, destination FROM container_volumes WHERE container_id = ?').all(record.id) as { volume: string; destination: string }[])
        .map((u) => ({ ...u, readOnly: spec.mounts.find((m) => m.destination === u.destination)?.readOnly ?? false }));
      const join = await joinNetworks(this.options.network, { id: record.id, name: record.name, hostname: spec.hostname ?? record.id.slice(0, 12) }, spec.networks, engine.images.config(record.imageId).config?.ExposedPorts, p.dir, spec.userns);
      const oci = buildSpec({
        image: engine.images.config(record.imageId).config ?? {},
        rootfs: p.rootfs,
        hostname: spec.hostname ?? record.id.slice(0, 12),
        cgroupsPath: p.cgroupsPath,
        ...optional(spec),
        ...withNetwork(ociMounts(this.volumes, p.rootfs, spec.mounts.filter((m) => m.type === 'bind'), uses, spec.tmpfs), join),
        labels: { 'org.intermodal.container.name': record.name },
      });
      fs.writeFileSync(path.join(p.dir, 'config.json'), JSON.stringify(oci));
      fs.rmSync(p.oomFile, { force: true });
      const runHooks = async () => {
        for (const hook of this.prestartHooks) await hook(record, this.options.network?.endpoints(record.id) ?? []);
      };
      // Plugging the interfaces and the pre-start hooks (the server's firewall) need only the
      // namespace, not the process: they run while the runtime creates the container, and
      // both are done before its process starts.
      const plugged = join?.plug ? join.plug().then(runHooks) : undefined;
      const creating = runtime.create(record.id, p.dir, {
        logPath: p.log,
        exitDir: path.dirname(p.exitFile),
        ...(spec.tty && { terminal: true }),
        ...(spec.openStdin && { stdin: true }),
        ...(this.options.exitCommand && { exitCommand: this.options.exitCommand(record.id) }),
      });
      const [made, plugging] = await Promise.allSettled([creating, plugged]);
      if (made.status === 'rejected') throw made.reason;
      if (plugging.status === 'rejected') throw plugging.reason;
      const created = made.value;
      if (!plugged) {
        await join?.complete?.(created.pid);
        await runHooks();
      }
      if (attach) {
        session = runtime.attach(record.id, p.dir);
        attach(session);
      }
      await runtime.start(record.id);
      const started = this.store.update(record.id, {
        status: 'running', pid: created.pid, conmonPid: created.conmonPid, startedAt: new Date(), error: undefined, exitCode: undefined, oomKilled: false,
        ...(!fromRestart && { stoppedByUser: false }),
      });
      // The user stopped it while the policy was restarting it: the stop wins.
      if (fromRestart && started.stoppedByUser) return { record: await this.killAndWait(started) };
      return { record: started, ...(session && { session }) };
    } catch (err) {
      session?.close();
      await runtime.delete(record.id, { force: true }).catch(() => undefined);
      this.unmountRootfs(record.id);
      await this.options.network?.detach(record.id).catch(() => undefined);
      this.store.update(record.id, { error: (err as Error).message, ...(fromRestart && { status: 'exited' as const }) });
      throw err;
    }
  }

  /** SIGTERM (or the stop signal), then SIGKILL after `timeoutSeconds`; resolves once the exit is recorded. */
  async stop(idOrName: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    let record = await this.refresh(this.store.resolve(idOrName));
    if (!live.includes(record.status)) return record;
    record = this.store.update(record.id, { stoppedByUser: true });
    if (record.status === 'restarting') {
      // The restarter sees stoppedByUser and stops what it starts; wait for it to finish.
      for (const deadline = Date.now() + 15_000; record.status === 'restarting' && Date.now() < deadline; record = this.store.get(record.id)) await sleep(20);
      record = await this.refresh(record);
      if (!live.includes(record.status)) return record;
    }
    const runtime = this.runtimeOf(record);
    if (record.status === 'paused') await runtime.resume(record.id);
    await runtime.kill(record.id, record.spec.stopSignal ?? 'SIGTERM').catch(() => undefined);
    const timeout = timeoutSeconds ?? record.spec.stopTimeoutSeconds ?? 10;
    if (await this.waitForExitFile(record.id, timeout * 1000)) return this.refresh(record);
    return this.killAndWait(record);
  }

  /** Sends a signal; SIGKILL and SIGTERM count as a stop by the user for restart policies. */
  async kill(idOrName: string, signal = 'SIGKILL'): Promise<ContainerRecord> {
    const record = await this.refresh(this.store.resolve(idOrName));
    if (record.status !== 'running') throw new FailedPreconditionError(`container ${record.name} is not running`);
    this.store.update(record.id, { stoppedByUser: true });
    await this.runtimeOf(record).kill(record.id, signal.startsWith('SIG') || /^\d+$/.test(signal) ? signal : `SIG${signal}`);
    return this.store.get(record.id);
  }

  /** Stop then start. */
  async restart(idOrName: string, timeoutSeconds?: number): Promise<ContainerRecord> {
    const record = await this.stop(idOrName, timeoutSeconds);
    return this.start(record.id);
  }

  /** Freezes every process of the container (cgroup freezer). */
  async pause(idOrName: string): Promise<ContainerRecord> {
    const record = await this.refresh(this.store.resolve(idOrName));
    if (record.status !== 'running') throw new FailedPreconditionError(`container ${record.name} is not running`);
    await this.runtimeOf(record).pause(record.id);
    return this.store.update(record.id, { status: 'paused' });
  }

  /** Thaws a paused container. */
  async unpause(idOrName: string): Promise<ContainerRecord> {
    const record = await this.refresh(this.store.resolve(idOrName));
    if (record.status !== 'paused') throw new FailedPreconditionError(`container ${record.name} is not paused`);
    await this.runtimeOf(record).resume(record.id);
    return this.store.update(record.id, { status: 'running' });
  }

  /** Runs a command in a running container; resolves with its exit code. */
  async exec(idOrName: string, args: string[], options: { env?: string[]; user?: string; workdir?: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream; terminal?: [number, number, number] }): Promise<number> {
    const record = await this.refresh(this.store.resolve(idOrName));
    if (record.status !== 'running') throw new FailedPreconditionError(`container ${record.name} is not running`);
    const image = this.options.engine.images.config(record.imageId).config ?? {};
    const rootfs = this.paths(record.id).rootfs;
    const user = resolveUser(rootfs, options.user ?? record.spec.user ?? image.User);
    const env = mergeEnv([...(image.Env ?? []), ...record.spec.env], options.env, { hostname: record.spec.hostname ?? record.id.slice(0, 12), home: user.home });
    const terminal = options.terminal !== undefined;
    const process = {
      args, env: terminal && !env.some((e) => e.startsWith('TERM=')) ? [...env, 'TERM=xterm'] : env, terminal,
      cwd: options.workdir ?? record.spec.workdir ?? (image.WorkingDir || '/'),
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids && { additionalGids: user.additionalGids }) },
    };
    return this.runtimeOf(record).exec(record.id, process, options);
  }

  /** Resolves with the exit code once the container has exited. */
  async wait(idOrName: string): Promise<number> {
    for (;;) {
      const record = await this.refresh(this.store.resolve(idOrName));
      if (!live.includes(record.status)) {
        // The process that claimed the exit (conmon's exit command, say) unmounts just after
        // claiming it; give it a moment, so that a waiter finds the container settled.
        const rootfs = this.paths(record.id).rootfs;
        for (const deadline = Date.now() + 2000; record.status === 'exited' && isMountPoint(rootfs) && Date.now() < deadline;) await sleep(10);
        return record.exitCode ?? -1;
      }
      await sleep(50);
    }
  }

  /** Records an exit if conmon has written one; the one place exits are recorded. */
  async refresh(record: ContainerRecord): Promise<ContainerRecord> {
    // A restarting container belongs to the process restarting it; its old exit file is stale.
    if (!live.includes(record.status) || record.status === 'restarting') return record;
    const p = this.paths(record.id);
    let code: number | undefined;
    try {
      code = Number(fs.readFileSync(p.exitFile, 'utf8').trim());
    } catch {
      if (record.conmonPid !== undefined && processIsAlive(record.conmonPid)) return record;
      // The monitor is gone without an exit file (host restart): the container is gone too.
      code = -1;
    }
    const claimed = this.options.engine.db
      .prepare("UPDATE containers SET status = 'exited', exit_code = ?, finished_at = ?, oom_killed = ?, pid = NULL WHERE id = ? AND status IN ('running', 'paused')")
      .run(code, Date.now(), fs.existsSync(p.oomFile) ? 1 : 0, record.id);
    if (claimed.changes === 1) {
      await this.runtimeOf(record).delete(record.id, { force: true }).catch(() => undefined);
      this.unmountRootfs(record.id);
      await this.options.network?.detach(record.id).catch(() => undefined);
      return this.afterExit(this.store.get(record.id));
    }
    return this.store.get(record.id);
  }

  /** Applies `--rm` and the restart policy to a container that just exited. */
  private async afterExit(record: ContainerRecord): Promise<ContainerRecord> {
    const policy = record.spec.restartPolicy;
    const failed = (record.exitCode ?? 0) !== 0;
    const restart = !record.stoppedByUser && (
      policy.name === 'always' || policy.name === 'unless-stopped' ||
      (policy.name === 'on-failure' && failed && (policy.maximumRetryCount === 0 || record.restartCount < policy.maximumRetryCount)));
    if (restart) {
      // Claimed like an exit: only one process restarts it, and not after a user's stop.
      const claimed = this.options.engine.db
        .prepare("UPDATE containers SET status = 'restarting', restart_count = restart_count + 1 WHERE id = ? AND status = 'exited' AND stopped_by_user = 0")
        .run(record.id);
      if (claimed.changes === 1) {
        try {
          return await this.start(record.id, true);
        } catch {
          return this.store.get(record.id);
        }
      }
      return this.store.get(record.id);
    }
    // A foreground `run --rm` still reading the output and exit code removes it itself.
    if (record.spec.autoRemove && !this.waiterAlive(record.id)) await this.remove(record.id, { volumes: true });
    return record;
  }

  /**
   * Marks this process as the foreground waiter of a `--rm` container: its exit then
   * leaves the removal to us, so that its log and exit code are still there when we read
   * them. If we die first, whoever records the exit removes it as usual.
   */
  holdForWaiter(id: string): void {
    fs.writeFileSync(path.join(this.paths(id).dir, 'waiter.pid'), String(process.pid));
  }

  private waiterAlive(id: string): boolean {
    try {
      const pid = Number(fs.readFileSync(path.join(this.paths(id).dir, 'waiter.pid'), 'utf8'));
      // This very process may be the waiter: it notices the exit itself while following
      // the log, and must not remove the log it has not finished reading.
      return pid === process.pid || processIsAlive(pid);
    } catch {
      return false;
    }
  }

  /** SIGKILL to every process, then waits for the recorded exit. */
  protected async killAndWait(record: ContainerRecord): Promise<ContainerRecord> {
    this.store.update(record.id, { stoppedByUser: true });
    const runtime = this.runtimeOf(record);
    if (record.status === 'paused') await runtime.resume(record.id).catch(() => undefined);
    await runtime.kill(record.id, 'SIGKILL', true).catch(() => undefined);
    await this.waitForExitFile(record.id, 10_000);
    return this.refresh(this.store.get(record.id));
  }

  /**
   * Waits for conmon's exit file, which it writes once it has reaped the container:
   * woken by inotify on the exits dir as soon as it appears, with a slow poll as a backstop.
   */
  private async waitForExitFile(id: string, timeoutMs: number): Promise<boolean> {
    const file = this.paths(id).exitFile;
    if (fs.existsSync(file)) return true;
    let wake: () => void = () => undefined;
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(path.dirname(file), (_event, name) => (name === id ? wake() : undefined));
    } catch {
      // No inotify: the poll below still finds it.
    }
    try {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
        if (fs.existsSync(file)) return true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return fs.existsSync(file);
    } finally {
      watcher?.close();
    }
  }

  /** Removes a container (`--rm` calls it once the container has exited). */
  abstract remove(idOrName: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;

  protected unmountRootfs(id: string): void {
    unmountRootfs(this.paths(id).rootfs);
  }

  protected runtimeOf(record: ContainerRecord): Runtime {
    const runtime = this.options.runtimes[record.spec.runtime];
    if (!runtime) throw new NotImplementedError(`runtime '${record.spec.runtime}' is not available on this host`);
    return runtime;
  }
}

function optional(spec: ContainerRecord['spec']): Record<string, unknown> {
  const keys = ['entrypoint', 'env', 'workdir', 'user', 'readOnly', 'privileged', 'capAdd', 'capDrop', 'memoryBytes', 'cpus', 'cpuShares', 'cpusetCpus', 'pidsLimit', 'blkioWeight', 'systemInit'] as const;
  const userns = [{ containerID: 0, hostID: usernsRange.hostId, size: usernsRange.size }];
  return {
    ...Object.fromEntries(keys.filter((k) => spec[k] !== undefined).map((k) => [k, spec[k]])),
    ...(spec.cmd !== undefined && { args: spec.cmd }),
    ...(spec.tty && { terminal: true }),
    ...(spec.userns && { userns: { uidMap: userns, gidMap: userns } }),
  };
}
