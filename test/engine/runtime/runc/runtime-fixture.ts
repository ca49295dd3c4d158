/**
 * A scratch runtime for tests: its own runc state root in a temp dir, busybox bundles
 * built by hand (rootfs from makeBusyboxRootfs, config.json from buildSpec), and cleanup
 * that deletes exactly the containers it created and kills only the conmon processes they
 * got. `list()` reads the state root with the runtime binary itself, not our code.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { RuncRuntime } from '../../../../engine/runtime/runc/runc-runtime.js';
import type { CreatedContainer } from '../../../../engine/runtime/runtime.js';
import { buildSpec, type SpecInput } from '../../../../engine/runtime/spec/build-spec.js';
import { makeBusyboxRootfs } from '../../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

/** Applets the tests use beyond the ones makeBusyboxRootfs links. */
const extraApplets = ['grep', 'head', 'tr', 'seq', 'ps', 'top', 'dd', 'tail', 'wc', 'sed', 'cut', 'kill', 'stat', 'hostname', 'pwd', 'sync', 'unshare', 'mount', 'uname', 'sort'];

/** One hand-made bundle and the paths its monitor writes to. */
export interface TestBundle {
  id: string;
  bundle: string;
  rootfs: string;
  logPath: string;
  exitDir: string;
  cgroupsPath: string;
}

let counter = 0;

/** A runtime on a private state root, plus the bookkeeping to clean up after it. */
export class RuntimeFixture {
  readonly dir: string;
  readonly root: string;
  readonly runtime: RuncRuntime;
  private readonly ids = new Set<string>();
  private readonly conmonPids = new Set<number>();

  constructor(readonly binary: string) {
    this.dir = fs.realpathSync(makeTempDir(`runtime-${path.basename(binary)}`));
    this.root = path.join(this.dir, 'state');
    this.runtime = new RuncRuntime({ binary, root: this.root });
  }

  /** Writes a bundle whose spec is buildSpec(`input` over busybox defaults). */
  bundle(input: Partial<SpecInput> = {}, prepare?: (rootfs: string) => void): TestBundle {
    const id = `imtest-${process.pid}-${++counter}`;
    const bundle = path.join(this.dir, id);
    const rootfs = path.join(bundle, 'rootfs');
    fs.mkdirSync(rootfs, { recursive: true });
    makeBusyboxRootfs(rootfs);
    for (const applet of extraApplets) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    prepare?.(rootfs);
    const cgroupsPath = `/intermodal/${id}`;
    const spec = buildSpec({ image: { Cmd: ['sleep', '300'], Env: ['PATH=/bin'] }, rootfs, hostname: 'box', cgroupsPath, ...input });
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
    this.ids.add(id);
    return { id, bundle, rootfs, logPath: path.join(bundle, 'ctr.log'), exitDir: path.join(this.dir, 'exits'), cgroupsPath };
  }

  /** Creates `b` under conmon, remembering its conmon pid for cleanup. */
  async create(b: TestBundle): Promise<CreatedContainer> {
    const created = await this.runtime.create(b.id, b.bundle, { logPath: b.logPath, exitDir: b.exitDir });
    this.conmonPids.add(created.conmonPid);
    return created;
  }

  /** Creates and starts `b`. */
  async run(b: TestBundle): Promise<CreatedContainer> {
    const created = await this.create(b);
    await this.runtime.start(b.id);
    return created;
  }

  /** Runs `args` in running container `id` as root; resolves with its exit code and output. */
  async exec(id: string, args: string[], options: { env?: string[]; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = collect();
    const stderr = collect();
    const stdin = options.stdin === undefined ? undefined : Readable.from([Buffer.from(options.stdin)]);
    const code = await this.runtime.exec(id, { args, env: options.env ?? ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 } }, { stdout: stdout.stream, stderr: stderr.stream, ...(stdin && { stdin }) });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  /** Remembers a conmon pid started elsewhere (a child process) for cleanup. */
  adoptConmon(pid: number): void {
    this.conmonPids.add(pid);
  }

  /** Ids in the state root, as the runtime binary lists them. */
  list(): string[] {
    return execFileSync(this.runtime.name === 'crun' ? 'crun' : 'runc', ['--root', this.root, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  }

  /** Force-deletes this test's containers and waits for their conmon processes to go, killing those that linger. */
  async cleanup(): Promise<void> {
    for (const id of this.ids) await this.runtime.delete(id, { force: true });
    this.ids.clear();
    for (const pid of this.conmonPids) {
      // conmon leaves by itself once its container is gone; a stuck one is killed by its own pid.
      if (!(await waitFor(() => !isRunning(pid), 10_000, false))) process.kill(pid, 'SIGKILL');
    }
    this.conmonPids.clear();
  }

  /** Removes the scratch directory (after cleanup). */
  dispose(): void {
    removeTempDir(this.dir);
  }
}

/** A stream that keeps what is written to it. */
export function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (b: Buffer) => chunks.push(b));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Pids of conmon processes monitoring container `id` (found by their command line). */
export function conmonPidsFor(id: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (path.basename(argv[0] ?? '') === 'conmon' && argv.some((arg, i) => arg === '--cid' && argv[i + 1] === id) && isRunning(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

/** The parent pid of `pid`. */
export function parentPid(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** True while `pid` is a live process (a zombie counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Polls `condition` until it holds; resolves true, or on `limitMs` false (or throws when
 * `mustHold`). A guard against hanging, not a timing assertion.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, limitMs = 30_000, mustHold = true): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (await condition()) return true;
    if (Date.now() > deadline) {
      if (mustHold) throw new Error(`condition not met within ${limitMs} ms: ${condition.toString()}`);
      return false;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The k8s-file log's records: time, stream, partial flag, text. */
export function readLog(file: string): { time: string; stream: string; tag: string; text: string }[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [time = '', stream = '', tag = '', ...rest] = line.split(' ');
    return { time, stream, tag, text: rest.join(' ') };
  });
}

/** The container's cgroup directory for `controller` (v1) or the unified one (v2). */
export function cgroupDir(cgroupsPath: string, controller: string): string {
  const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  return v2 ? path.join('/sys/fs/cgroup', cgroupsPath) : path.join('/sys/fs/cgroup', controller, cgroupsPath);
}

/** Whether cgroup v2 is the only hierarchy. */
export const cgroupV2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');


/**
 * Gives each test of the calling suite a fresh runc fixture (through `set`) and, after each,
 * deletes its containers and asserts runc's state root is empty before disposing of it.
 */
export function useRuntimeFixture(set: (fixture: RuntimeFixture) => void): void {
  let current: RuntimeFixture;
  beforeEach(() => {
    current = new RuntimeFixture('runc');
    set(current);
  });
  afterEach(async () => {
    await current.cleanup();
    assert.deepEqual(current.list(), []);
    current.dispose();
  });
}
