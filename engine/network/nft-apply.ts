/**
 * Replacing this data dir's nftables table with one generated from the database. The read
 * and the `nft -f` run inside one write transaction, so two processes applying at once
 * apply in turn and the later one sees the other's rows: the kernel never keeps a
 * ruleset older than the database.
 */
import { spawnSync } from 'node:child_process';
import { FailedPreconditionError } from '../errors.js';
import { type EngineDatabase, transaction } from '../metadata/database.js';
import type { NetworkStore } from './network-store.js';
import { nftDeleteTable, nftRuleset } from './nft-ruleset.js';

/** Applies the ruleset of every recorded network and endpoint (or removes the table when there is no network). */
export function applyRuleset(db: EngineDatabase, store: NetworkStore, table: string): void {
  transaction(db, () => {
    const networks = store.list();
    const text = networks.length === 0 ? nftDeleteTable(table) : nftRuleset(table, networks, store.allEndpoints());
    const result = spawnSync('nft', ['-f', '-'], { input: text, encoding: 'utf8', timeout: 10_000 });
    if (result.error) throw new FailedPreconditionError(`cannot run nft: ${result.error.message}`, { cause: result.error });
    if (result.status !== 0) throw new FailedPreconditionError(`nft refused the ruleset of table ip ${table}: ${result.stderr.trim().split('\n').slice(0, 4).join('; ')}`);
  });
}
