/**
 * The Runtime over runc (or crun, which takes the same command line) with conmon as the
 * monitor. Runtime state lives under our own `--root`, so our containers never mix with
 * another engine's on the same host.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CreateOptions, ExecProcess, Runtime, RuntimeState } from '../runtime.js';
import { launchConmon } from './conmon.js';
import { isNotExist, runRunc, type RuncBinary } from './runc-cli.js';

/** Options for a runc-compatible runtime. */
export interface RuncRuntimeOptions {
  /** 'runc' or 'crun' (found on PATH) or an absolute path. */
  binary: string;
  /** State root passed as `--root`. */
  root: string;
}

/** runc (or crun) under conmon. */
export class RuncRuntime implements Runtime {
  readonly name: string;
  private readonly runc: RuncBinary;

  constructor(options: RuncRuntimeOptions) {
    this.name = path.basename(options.binary);
    this.runc = { binary: resolveBinary(options.binary), root: options.root };
    fs.mkdirSync(options.root, { recursive: true, mode: 0o700 });
  }

  async create(id: string, bundle: string, options: CreateOptions): Promise<{ pid: number; monitorPid: number }> {
    try {
      return await launchConmon({ id, bundle, runtimeBinary: this.runc.binary, runtimeRoot: this.runc.root, options });
    } catch (err) {
      // A failed create may still have left runc state; leave nothing behind.
      await this.delete(id, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async start(id: string): Promise<void> {
    await runRunc(this.runc, ['start', id]);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      const state = JSON.parse(await runRunc(this.runc, ['state', id])) as { id: string; status: RuntimeState['status']; pid: number; bundle: string };
      return { id: state.id, status: state.status, pid: state.pid, bundle: state.bundle };
    } catch (err) {
      if (isNotExist(err)) return undefined;
      throw err;
    }
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    await runRunc(this.runc, ['kill', ...(all ? ['--all'] : []), id, signal]);
  }

  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await runRunc(this.runc, ['delete', ...(options.force ? ['--force'] : []), id]);
    } catch (err) {
      if (!isNotExist(err)) throw err;
    }
  }

  async pause(id: string): Promise<void> {
    await runRunc(this.runc, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await runRunc(this.runc, ['resume', id]);
  }

  async exec(id: string, process: ExecProcess, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
    const state = await this.state(id);
    if (!state) throw new Error(`container ${id} does not exist`);
    // The exec'd process gets the container's own capabilities, rlimits and no-new-privileges.
    const config = JSON.parse(fs.readFileSync(path.join(state.bundle, 'config.json'), 'utf8')) as { process: Record<string, unknown> };
    const spec = { ...config.process, terminal: false, args: process.args, env: process.env, cwd: process.cwd, user: process.user };
    const file = path.join(os.tmpdir(), `intermodal-exec-${id.slice(0, 12)}-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
    try {
      return await new Promise<number>((resolve, reject) => {
        const child = spawn(this.runc.binary, ['--root', this.runc.root, 'exec', '--process', file, id], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.pipe(io.stdout, { end: false });
        child.stderr.pipe(io.stderr, { end: false });
        child.on('error', reject);
        child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
      });
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
}

function resolveBinary(binary: string): string {
  if (path.isAbsolute(binary)) return binary;
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat('/usr/sbin', '/usr/bin')) {
    const candidate = path.join(dir, binary);
    if (fs.existsSync(candidate)) return candidate;
  }
  return binary;
}
