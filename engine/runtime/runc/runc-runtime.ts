/**
 * The Runtime over runc, with conmon as each container's monitor. crun takes the same
 * command line and works through the same class (`binary: 'crun'`). Runtime state lives
 * under our own `--root`, so our containers never mix with those of Docker, Podman or
 * containerd on the same host, and `list` shows only ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type {
  AttachSession, CreatedContainer, CreateOptions, ExecIO, ExecProcess, ExitStatus, ResourceLimits, Runtime, RuntimeName, RuntimeState,
  RuntimeStatus, Signal,
} from '../runtime.js';
import type { OciSpec } from '../spec/oci-spec.js';
import { ociResources } from '../spec/resources.js';
import { attachToConmon } from './attach-session.js';
import { removeAbandonedCgroup } from './cgroup-cleanup.js';
import { CreateTimedOut, launchConmon } from './conmon.js';
import { deleteStoppedFast, killAllFast, startFast } from './fast-paths.js';
import { readExitFile } from './exit-file.js';
import { runRunc, type RuncBinary } from './runc-cli.js';
import { execProcessSpec, runcExec } from './runc-exec.js';

/** How to construct a RuncRuntime. */
export interface RuncRuntimeOptions {
  /** `runc`, `crun` (looked up in the standard executable directories, /usr/sbin included) or an absolute path. */
  binary: string;
  /** State root passed as `--root`, e.g. `<data dir>/runtime/runc`; created 0700. */
  root: string;
  /** The runtime's name when `binary`'s file name is neither `runc` nor `crun`. */
  name?: RuntimeName;
  /** conmon executable; default `conmon` from the standard executable directories. */
  conmon?: string;
  /** Directory for conmon's attach-socket links, outside the state root so `runc list` never sees it; default `<root>-sockets`. */
  socketDir?: string;
  /** Longest a create may take before conmon is killed and the create fails (default 2 minutes). */
  createTimeoutMs?: number;
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,253}$/;

/** runc (or crun) under conmon. */
export class RuncRuntime implements Runtime {
  readonly name: RuntimeName;
  private readonly runc: RuncBinary;
  private readonly conmon: string;
  private readonly prlimit: string;
  private readonly socketDir: string;
  private readonly createTimeoutMs: number;

  constructor(options: RuncRuntimeOptions) {
    const name = options.name ?? path.basename(options.binary);
    if (name !== 'runc' && name !== 'crun') throw new InvalidArgumentError(`runtime '${options.binary}' is neither runc nor crun; give its name`);
    this.name = name;
    const root = path.resolve(options.root);
    this.runc = { path: findExecutable(options.binary), root };
    this.conmon = findExecutable(options.conmon ?? 'conmon');
    this.prlimit = findExecutable('prlimit');
    this.socketDir = options.socketDir ?? `${root}-sockets`;
    this.createTimeoutMs = options.createTimeoutMs ?? 120_000;
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  async create(id: string, bundle: string, options: CreateOptions): Promise<CreatedContainer> {
    checkId(id);
    const absBundle = path.resolve(bundle);
    const spec = readSpec(absBundle);
    // Checked first because the cleanup below must never delete someone else's container.
    // runc and crun both keep a container's state in `<root>/<id>/` and refuse a create
    // while it exists, so its presence is their own test, without running the binary.
    if (fs.existsSync(path.join(this.runc.root, id))) throw new AlreadyExistsError(`container '${id}' already exists in ${this.name}`);
    try {
      const rlimits = spec.process?.rlimits ?? [];
      return await launchConmon({ conmon: this.conmon, prlimit: this.prlimit, rlimits, runtime: this.runc, id, bundle: absBundle, socketDir: this.socketDir, options }, this.createTimeoutMs);
    } catch (err) {
      // runc removes what a failed create made, but a create cut short can leave state,
      // and a cgroup holding runc's half-started init that no delete will find.
      if (!(err instanceof AlreadyExistsError)) await this.delete(id, { force: true }).catch(() => undefined);
      if (err instanceof CreateTimedOut) {
        if (typeof spec.linux?.cgroupsPath === 'string') await removeAbandonedCgroup(spec.linux.cgroupsPath);
        throw new Error(err.message);
      }
      throw err;
    }
  }

  attach(id: string, bundle: string): AttachSession {
    checkId(id);
    return attachToConmon(this.socketDir, id, path.resolve(bundle));
  }

  async start(id: string): Promise<void> {
    checkId(id);
    if (this.name === 'runc' && (await startFast(this.runc.root, id))) return;
    await runRunc(this.runc, ['start', id], { id });
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    checkId(id);
    try {
      return toState(JSON.parse(await runRunc(this.runc, ['state', id], { id })) as RawState);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async list(): Promise<RuntimeState[]> {
    const raw = JSON.parse((await runRunc(this.runc, ['list', '--format', 'json'])).trim() || 'null') as RawState[] | null;
    return (raw ?? []).map(toState);
  }

  async kill(id: string, signal: Signal, all = false): Promise<void> {
    checkId(id);
    const sig = typeof signal === 'number' ? String(signal) : signal.toUpperCase();
    if (!/^(SIG)?[A-Z0-9+-]+$/.test(sig)) throw new InvalidArgumentError(`invalid signal '${signal}'`);
    if (all && this.name === 'runc' && (sig === 'KILL' || sig === 'SIGKILL' || sig === '9') && killAllFast(this.runc.root, id)) return;
    await runRunc(this.runc, ['kill', ...(all ? ['--all'] : []), id, sig], { id });
  }

  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    checkId(id);
    if (!(this.name === 'runc' && deleteStoppedFast(this.runc.root, id))) {
      try {
        await runRunc(this.runc, ['delete', ...(options.force ? ['--force'] : []), id], { id });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    // conmon's link to the bundle for the attach socket; conmon leaves it when it exits.
    fs.rmSync(path.join(this.socketDir, id), { force: true });
  }

  async pause(id: string): Promise<void> {
    checkId(id);
    await runRunc(this.runc, ['pause', id], { id });
  }

  async resume(id: string): Promise<void> {
    checkId(id);
    await runRunc(this.runc, ['resume', id], { id });
  }

  async update(id: string, limits: ResourceLimits): Promise<void> {
    checkId(id);
    await runRunc(this.runc, ['update', '--resources', '-', id], { id, stdin: JSON.stringify(ociResources(limits)) });
  }

  async exec(id: string, process: ExecProcess, io: ExecIO): Promise<number> {
    const state = await this.state(id);
    if (!state) throw new NotFoundError(`container '${id}' not found in ${this.name}`);
    if (process.args.length === 0) throw new InvalidArgumentError('exec needs a command');
    if (process.terminal && !io.terminal) throw new InvalidArgumentError('exec with a terminal needs the caller\'s terminal descriptors');
    return runcExec(this.runc, id, execProcessSpec(state.bundle, process), io);
  }

  exitCode(id: string, exitDir: string, persistDir?: string): ExitStatus | undefined {
    checkId(id);
    return readExitFile(id, exitDir, persistDir);
  }
}

/** The JSON `state` and `list --format json` print (runc and crun agree on these fields). */
interface RawState {
  id: string;
  pid: number;
  status: string;
  bundle: string;
  created?: string;
}

function toState(raw: RawState): RuntimeState {
  const status: RuntimeStatus = (['creating', 'created', 'running', 'paused', 'stopped'] as const).find((s) => s === raw.status) ?? 'stopped';
  const created = raw.created ? new Date(raw.created) : undefined;
  return {
    id: raw.id,
    status,
    pid: status === 'stopped' ? 0 : raw.pid,
    bundle: raw.bundle,
    ...(created && !Number.isNaN(created.getTime()) && { created }),
  };
}

function readSpec(bundle: string): Partial<OciSpec> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(bundle, 'config.json'), 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`bundle '${bundle}' has no readable config.json`, { cause: err });
  }
  try {
    return JSON.parse(text) as Partial<OciSpec>;
  } catch (err) {
    throw new InvalidArgumentError(`bundle '${bundle}': config.json is not JSON`, { cause: err });
  }
}

function checkId(id: string): void {
  // The id becomes a file name (exit file, state dir): no separators, no dot-dot.
  if (!idPattern.test(id)) throw new InvalidArgumentError(`invalid container id '${id}'`);
}

/** `name` in the standard executable directories (an absolute path as is); runc lives in /usr/sbin, outside many PATHs. */
function findExecutable(name: string): string {
  if (path.isAbsolute(name)) return name;
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return name;
}
