/**
 * What a benchmark's `intermodal serve` leaves once it is stopped: its instances (removed
 * as a user's `rm -f` would) and the networks the cloud made for them, whose bridges and
 * nft tables live on the host and would outlive the scratch dir.
 */
import { execFileSync } from 'node:child_process';
import { removeFloatingIps } from '../../api/network/floating-ip-nat.js';
import { cliPath } from '../../test/helpers/cli.js';

export async function removeCloudLeftovers(dataDir: string): Promise<void> {
  const cli = (args: string[]): string => execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  const containers = cli(['ps', '-aq']).split('\n').filter(Boolean);
  if (containers.length > 0) cli(['rm', '-f', ...containers]);
  const networks = cli(['network', 'ls', '-q']).split('\n').filter(Boolean);
  if (networks.length > 0) cli(['network', 'rm', ...networks]);
  await removeFloatingIps(dataDir);
}
