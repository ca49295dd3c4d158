/**
 * A private dockerd for peer measurements: its own data root and socket, no bridge and no
 * iptables rules (the benchmarks need no container networking), stopped by PID at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running private Docker daemon. */
export interface PrivateDockerd {
  /** Runs the docker client against this daemon. */
  docker(args: string[], options?: { input?: Buffer }): string;
  stop(): Promise<void>;
}

/** Starts dockerd when installed; undefined (with the reason) when it cannot run here. */
export async function startDockerd(root: string): Promise<PrivateDockerd | { reason: string }> {
  if (!fs.existsSync('/usr/sbin/dockerd') && !fs.existsSync('/usr/bin/dockerd')) return { reason: 'dockerd not installed (apt-get install docker.io)' };
  const dataRoot = path.join(root, 'docker');
  const socket = path.join(root, 'docker.sock');
  fs.mkdirSync(dataRoot, { recursive: true });
  const daemon: ChildProcess = spawn('dockerd', [
    '--data-root', dataRoot, '--exec-root', path.join(root, 'docker-exec'), '--pidfile', path.join(root, 'docker.pid'),
    '--host', `unix://${socket}`, '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--storage-driver', 'overlay2',
  ], { stdio: ['ignore', fs.openSync(path.join(root, 'dockerd.log'), 'w'), fs.openSync(path.join(root, 'dockerd.log'), 'a')] });
  const docker = (args: string[], options: { input?: Buffer } = {}): string =>
    execFileSync('docker', ['-H', `unix://${socket}`, ...args], { encoding: 'utf8', input: options.input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  for (let i = 0; i < 100; i++) {
    if (daemon.exitCode !== null) return { reason: `dockerd exited with ${daemon.exitCode}; see ${root}/dockerd.log` };
    try {
      docker(['version', '--format', '{{.Server.Version}}']);
      return {
        docker,
        async stop() {
          daemon.kill('SIGTERM');
          for (let j = 0; j < 100 && daemon.exitCode === null; j++) await sleep(100);
          if (daemon.exitCode === null) daemon.kill('SIGKILL');
        },
      };
    } catch {
      await sleep(200);
    }
  }
  daemon.kill('SIGKILL');
  return { reason: 'dockerd did not answer within 20 s' };
}
