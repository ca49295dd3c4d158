import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { NetworkRecord } from '../../../engine/network/network.js';
import type { StoredEndpoint } from '../../../engine/network/network-store.js';
import { nftRuleset } from '../../../engine/network/nft-ruleset.js';

const network = (name: string, subnet: string, extra: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: name.padEnd(64, '0'), name, subnet, gateway: subnet.replace(/0\/\d+$/, '1'), bridge: `imtestb${name}`, external: false, internal: false, mtu: 1500, labels: {}, createdAt: new Date(0), ...extra,
});
const endpoint = (n: NetworkRecord, address: string, ports: StoredEndpoint['ports']): StoredEndpoint => ({
  id: 'e'.repeat(64), networkId: n.id, networkName: n.name, containerId: 'c'.repeat(64), containerName: 'c', aliases: [], address, prefix: 24, gateway: n.gateway,
  mac: '02:42:0a:58:00:02', ifname: 'eth0', hostVeth: 'imtestv', netns: '/run/netns/x', createdAt: 0, ports,
});

describe('engine/network/nft-ruleset', () => {
  const plain = network('a', '10.88.0.0/24');
  const outside = network('b', '10.88.1.0/24', { external: true });
  const text = nftRuleset('intermodal_test', [plain, outside], [
    endpoint(plain, '10.88.0.2', [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 }, { protocol: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53 }]),
  ]);

  it('DNATs published ports, per host address when one is given', () => {
    assert.match(text, /^\s+tcp dport 8080 dnat to 10\.88\.0\.2:80 comment "cccccccccccc"$/m);
    assert.match(text, /^\s+ip daddr 127\.0\.0\.1 udp dport 5353 dnat to 10\.88\.0\.2:53 /m);
  });

  it('masquerades outbound traffic only for external networks, and drops it for the others', () => {
    assert.match(text, /ip saddr 10\.88\.1\.0\/24 oifname != "imtestbb" masquerade/);
    assert.doesNotMatch(text, /ip saddr 10\.88\.0\.0\/24 .*masquerade/);
    assert.match(text, /iifname "imtestba" drop/);
    assert.doesNotMatch(text, /iifname "imtestbb" drop/);
    const forward = text.slice(text.indexOf('chain forward'));
    assert.ok(forward.lastIndexOf('accept') < forward.indexOf('drop'), 'every accept comes before the first drop');
  });

  it('is a ruleset nft accepts (checked with nft -c, nothing applied)', () => {
    execFileSync('nft', ['-c', '-f', '-'], { input: text });
  });
});
