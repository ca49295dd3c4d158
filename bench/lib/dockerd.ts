/**
 * A private dockerd for peer measurements and tests: its own data root and socket, no default
 * bridge and no iptables rules, stopped by PID at the end with its containers and networks.
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

/** Runs `run`, returning '' when it fails: for cleanup, where what is already gone is fine. */
function orEmpty(run: () => string): string {
  try { return run(); } catch { return ''; }
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
          // Its networks' bridges live in the host's namespace and outlive the daemon: the
          // containers go first (they hold the networks), then the networks, then the daemon.
          const quiet = (args: string[]) => orEmpty(() => docker(args));
          const lines = (text: string) => text.split('\n').filter(Boolean);
          const containers = lines(quiet(['ps', '-aq']));
          if (containers.length > 0) quiet(['rm', '-f', ...containers]);
          const networks = lines(quiet(['network', 'ls', '--filter', 'type=custom', '--no-trunc', '-q']));
          for (const id of networks) quiet(['network', 'rm', id]);
          daemon.kill('SIGTERM');
          for (let j = 0; j < 100 && daemon.exitCode === null; j++) await sleep(100);
          if (daemon.exitCode === null) daemon.kill('SIGKILL');
          // A network the daemon could not remove keeps its default bridge name, br-<first 12 of its id>.
          for (const id of networks) {
            const bridge = `br-${id.slice(0, 12)}`;
            if (fs.existsSync(`/sys/class/net/${bridge}`)) orEmpty(() => execFileSync('ip', ['link', 'del', bridge], { encoding: 'utf8', stdio: 'ignore' }));
          }
        },
      };
    } catch {
      await sleep(200);
    }
  }
  daemon.kill('SIGKILL');
  return { reason: 'dockerd did not answer within 20 s' };
}
