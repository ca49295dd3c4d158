/**
 * The multi-namespace nft runner (native/nft-netns.c) on real network namespaces made here
 * (`ip netns add`, names with this test's prefix, deleted afterwards): each script lands in
 * its own namespace and only there, one that fails (a namespace that is gone, a script nft
 * refuses) fails alone and applies nothing of itself, and the host's ruleset is untouched.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { runNftInNamespaces } from '../../../engine/sys/nft-in-namespaces.js';

const prefix = `imtest-nftns-${crypto.randomBytes(3).toString('hex')}`;
const nftIn = (ns: string, ...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'nft', ...args], { encoding: 'utf8' });
const table = (set: string, addresses: string[]) => [
  'table inet imtest {',
  `  set ${set} { type ipv4_addr; }`,
  '  chain input { type filter hook input priority filter; policy accept; ip saddr @' + set + ' counter accept; }',
  '}',
  ...(addresses.length ? [`add element inet imtest ${set} { ${addresses.join(', ')} }`] : []),
  '',
].join('\n');

describe('nft scripts in many network namespaces from one process', () => {
  const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
  before(() => { for (const n of names) execFileSync('ip', ['netns', 'add', n]); });
  after(() => { for (const n of names) execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' }); });

  it('applies each script in its own namespace, and nothing on the host', async () => {
    const hostBefore = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
    const outcomes = await runNftInNamespaces(names.map((n, i) => ({ netns: `/run/netns/${n}`, script: table('members', [`10.9.0.${i + 1}`]) })));
    assert.deepEqual(outcomes, names.map(() => ({ ok: true })));
    for (const [i, n] of names.entries()) {
      const set = nftIn(n, 'list', 'set', 'inet', 'imtest', 'members');
      assert.match(set, new RegExp(`elements = \\{ 10\\.9\\.0\\.${i + 1} \\}`), `${n} holds its own element only`);
    }
    assert.equal(execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }), hostBefore, 'the host has no new table');
  });

  it('reports a namespace that is gone and a script nft refuses each on its own, and applies the others', async () => {
    const outcomes = await runNftInNamespaces([
      { netns: `/run/netns/${prefix}-gone`, script: table('members', ['10.9.1.1']) },
      { netns: `/run/netns/${names[0]}`, script: 'add element inet imtest members { 10.9.1.2 }\nadd element inet imtest nosuchset { 10.9.1.3 }\n' },
      { netns: `/run/netns/${names[1]}`, script: 'add element inet imtest members { 10.9.1.4 }\n' },
    ]);
    assert.equal(outcomes[0]!.ok, false);
    assert.match(!outcomes[0]!.ok ? outcomes[0]!.error : '', /-gone: No such file or directory/);
    assert.equal(outcomes[1]!.ok, false, 'a script naming a set that does not exist is refused');
    assert.deepEqual(outcomes[2], { ok: true });
    assert.doesNotMatch(nftIn(names[0]!, 'list', 'set', 'inet', 'imtest', 'members'), /10\.9\.1\.2/, 'a refused script applies none of its lines');
    assert.match(nftIn(names[1]!, 'list', 'set', 'inet', 'imtest', 'members'), /10\.9\.1\.4/);
  });

  it('runs nothing for no script, and carries scripts of any size', async () => {
    assert.deepEqual(await runNftInNamespaces([]), []);
    const many = Array.from({ length: 2000 }, (_, i) => `10.10.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    assert.deepEqual(await runNftInNamespaces([{ netns: `/run/netns/${names[2]}`, script: table('big', many) }]), [{ ok: true }]);
    assert.equal((nftIn(names[2]!, '-j', 'list', 'set', 'inet', 'imtest', 'big').match(/10\.10\./g) ?? []).length, 2000);
  });
});
