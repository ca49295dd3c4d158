/** `intermodal network ...` as a user runs it (bin/commands/network.ts), on a data dir of its own. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { unusedSubnet } from './netns-fixture.js';

describe('intermodal network (CLI)', function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => { dataDir = makeTempDir('network-cli'); });
  afterEach(async () => {
    const left = (await runCli(dataDir, ['network', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
    if (left.length > 0) await runCli(dataDir, ['network', 'rm', ...left]);
    removeTempDir(dataDir);
  });

  it('creates, lists, inspects and removes networks; refuses what would clash and changes nothing', async () => {
    const { third, cidr } = unusedSubnet();
    const made = await runCli(dataDir, ['network', 'create', '--subnet', cidr, '--internal', 'back']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal((await runCli(dataDir, ['network', 'create', 'front'])).code, 0);
    const ls = (await runCli(dataDir, ['network', 'ls'])).stdout;
    assert.match(ls, /^NETWORK ID\s+NAME\s+DRIVER\s+SUBNET\s+GATEWAY\s+SCOPE\n/);
    assert.match(ls, new RegExp(`\\sback\\s+bridge\\s+10\\.98\\.${third}\\.0/24\\s+10\\.98\\.${third}\\.1\\s+internal\\n`));
    assert.match(ls, /\sfront\s+bridge\s+10\.\d+\.\d+\.0\/24\s+10\.\d+\.\d+\.1\s+local\n/);
    const [doc] = JSON.parse((await runCli(dataDir, ['network', 'inspect', 'back'])).stdout) as { Id: string; Internal: boolean; IPAM: { Config: { Subnet: string }[] }; Containers: object }[];
    assert.deepEqual([doc!.Internal, doc!.IPAM.Config[0]!.Subnet, doc!.Containers], [true, cidr, {}]);
    assert.equal(JSON.parse((await runCli(dataDir, ['network', 'inspect', doc!.Id.slice(0, 8)])).stdout)[0].Name, 'back', 'by id prefix');

    const refusals: [string[], RegExp][] = [
      [['network', 'create', '--subnet', `10.98.${third}.128/25`, 'clash'], new RegExp(`overlaps 10\\.98\\.${third}\\.0/24`)],
      [['network', 'create', 'back'], /already exists/],
      [['network', 'create', '--subnet', `10.98.${third + 1}.7/24`, 'hostbits'], /host bits/],
      [['network', 'create', '--internal', '--external', 'both'], /both internal and external/],
      [['network', 'rm', 'ghost'], /network 'ghost' not found/],
      [['network', 'inspect', 'ghost'], /network 'ghost' not found/],
    ];
    for (const [args, message] of refusals) {
      const r = await runCli(dataDir, args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
    }
    assert.equal((await runCli(dataDir, ['network', 'create'])).code, 2, 'a missing NAME is a usage error');
    assert.equal((await runCli(dataDir, ['network', 'ls', '-q'])).stdout.split('\n').filter(Boolean).length, 2);

    const rm = await runCli(dataDir, ['network', 'rm', 'back', 'front']);
    assert.deepEqual([rm.code, rm.stdout], [0, 'back\nfront\n']);
    assert.equal((await runCli(dataDir, ['network', 'ls', '-q'])).stdout, '');
    assert.doesNotMatch(execFileSync('ip', ['-4', 'addr']).toString(), new RegExp(`10\\.98\\.${third}\\.`));
  });
});
