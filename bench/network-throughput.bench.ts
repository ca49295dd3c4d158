/**
 * HTTP throughput into a container, measured with wrk (Debian) from the host against a
 * busybox httpd inside: through our published port (`intermodal run -p`, nftables DNAT from
 * the host's loopback), through docker's userland proxy (`docker run -p` on a private
 * dockerd started with `--iptables=false`, so docker-proxy carries every byte), and to the
 * bridge address directly (ours and docker's: the floor both paths add to). Two loads: a
 * 1 KiB page (requests per second; busybox httpd closes every connection, so this is
 * mostly connection set-up through the path) and a 1 MiB file (MB/s through the path).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForAnswer } from './lib/net-probe.js';
import { makeBusyboxRootfs } from '../test/helpers/image-fixtures.js';
import { cliPath } from '../test/helpers/cli.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import type { BenchRow } from './lib/report.js';
import { median } from './lib/stats.js';

/** Docker's network for the peer: its own bridge and a subnet nothing else on this host uses. */
const dockerNetwork = { name: 'imbench-netput', bridge: 'imbnetput0', subnet: '10.231.61.0/24' };
const httpd = ['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/www'];
const wrkSeconds = 3;
const rounds = 5;

interface Load { requestsPerSecond: number; megabytesPerSecond: number; errors: string }

/** Two rows: requests/s of a 1 KiB page and MB/s of a 1 MiB file, through our published port vs the peers. */
export async function benchNetworkThroughput(scratch: string, dockerd: PrivateDockerd | { reason: string }): Promise<BenchRow[]> {
  const rootfs = path.join(scratch, 'netput-rootfs');
  makeBusyboxRootfs(rootfs);
  fs.mkdirSync(path.join(rootfs, 'www'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'www', 'small.html'), 'x'.repeat(1024));
  fs.writeFileSync(path.join(rootfs, 'www', 'big.bin'), Buffer.alloc(1024 * 1024, 7));
  const tar = path.join(scratch, 'netput-rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
  const dataDir = path.join(scratch, 'netput-data');
  const cli = (args: string[]): string => execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  cli(['import', tar, 'bench/httpd:1']);

  // Both servers run at once, and the paths take turns round after round, so that a busy
  // moment of a shared machine hits every path alike; each figure is a median over rounds.
  const targets: Record<string, string> = {};
  const notes: string[] = [];
  const oursPort = await freePort();
  let id = '';
  let did = '';
  const samples: Record<string, Load[]> = {};
  try {
    id = cli(['run', '-d', '-p', `127.0.0.1:${oursPort}:80`, 'bench/httpd:1', ...httpd]).trim();
    const bridgeAddress = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(cli(['exec', id, '/bin/busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0']))![1]!;
    targets['ours -p (nft DNAT)'] = `http://127.0.0.1:${oursPort}`;
    targets['ours bridge address'] = `http://${bridgeAddress}`;
    if ('docker' in dockerd) {
      dockerd.docker(['import', tar, 'bench/httpd:1']);
      dockerd.docker(['network', 'create', '--driver', 'bridge', '--subnet', dockerNetwork.subnet, '-o', `com.docker.network.bridge.name=${dockerNetwork.bridge}`, dockerNetwork.name]);
      const dockerPort = await freePort();
      did = dockerd.docker(['run', '-d', '--network', dockerNetwork.name, '-p', `127.0.0.1:${dockerPort}:80`, 'bench/httpd:1', ...httpd]).trim();
      const address = dockerd.docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', did]).trim();
      targets['docker -p (userland proxy)'] = `http://127.0.0.1:${dockerPort}`;
      targets['docker bridge address'] = `http://${address}`;
    } else {
      notes.push(`docker: ${dockerd.reason}`);
    }
    for (const base of Object.values(targets)) await waitForAnswer(`${base}/small.html`);
    for (let round = 0; round < rounds; round++) {
      for (const [name, base] of Object.entries(targets)) {
        const small = wrk(`${base}/small.html`);
        const big = wrk(`${base}/big.bin`);
        (samples[name] ??= []).push({ requestsPerSecond: small.requestsPerSecond, megabytesPerSecond: big.megabytesPerSecond, errors: [small.errors, big.errors].filter(Boolean).join(', ') });
      }
    }
  } finally {
    if (id) cli(['rm', '-f', id]);
    const networks = cli(['network', 'ls', '-q']).split('\n').filter(Boolean);
    if (networks.length > 0) cli(['network', 'rm', ...networks]);
    if ('docker' in dockerd) {
      if (did) dockerd.docker(['rm', '-f', did]);
      try { dockerd.docker(['network', 'rm', dockerNetwork.name]); } catch { /* not made */ }
    }
  }
  // Per path: the median figure over the rounds, and whatever errors wrk reported in any.
  const results: Record<string, Load> = {};
  for (const [name, list] of Object.entries(samples)) {
    results[name] = { requestsPerSecond: median(list.map((l) => l.requestsPerSecond)), megabytesPerSecond: median(list.map((l) => l.megabytesPerSecond)), errors: [...new Set(list.map((l) => l.errors).filter(Boolean))].join(', ') };
    if (results[name]!.errors) notes.push(`${name}: ${results[name]!.errors}`);
  }
  const ours = results['ours -p (nft DNAT)']!;
  const peersOf = (pick: (l: Load) => number) => Object.fromEntries(Object.entries(results).filter(([name]) => name !== 'ours -p (nft DNAT)').map(([name, r]) => [name, pick(r)]));
  const dockerProxy = results['docker -p (userland proxy)'];
  const note = `wrk -t2 -c16 -d${wrkSeconds}s from the host, busybox httpd, median of ${rounds} rounds; ratio > 1 is faster${notes.length ? `; ${notes.join('; ')}` : ''}`;
  return [
    {
      name: 'HTTP 1 KiB page through a published port', ours: ours.requestsPerSecond, unit: 'req/s', peers: peersOf((r) => r.requestsPerSecond),
      ratioAgainst: 'docker -p (userland proxy)', target: '≥ docker -p', met: dockerProxy ? ours.requestsPerSecond >= dockerProxy.requestsPerSecond : undefined, note,
    },
    {
      name: 'HTTP 1 MiB file through a published port', ours: ours.megabytesPerSecond, unit: 'MB/s', peers: peersOf((r) => r.megabytesPerSecond),
      ratioAgainst: 'docker -p (userland proxy)', target: '≥ docker -p', met: dockerProxy ? ours.megabytesPerSecond >= dockerProxy.megabytesPerSecond : undefined, note: 'same setup',
    },
  ];
}

/** One wrk run: requests/s, MB/s, and any socket errors or non-2xx answers it reported. */
function wrk(url: string): Load {
  const out = execFileSync('wrk', ['-t2', '-c16', `-d${wrkSeconds}s`, url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const transfer = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
  const scale: Record<string, number> = { B: 1 / 1e6, KB: 1024 / 1e6, MB: 1024 ** 2 / 1e6, GB: 1024 ** 3 / 1e6 };
  const mbps = transfer ? Number(transfer[1]) * scale[transfer[2]!]! : NaN;
  const errors = [/Socket errors:[^\n]*/.exec(out)?.[0], /Non-2xx or 3xx responses:[^\n]*/.exec(out)?.[0]].filter(Boolean).join(', ');
  return { requestsPerSecond: rps, megabytesPerSecond: mbps, errors };
}
