/**
 * Replacing this data dir's nftables table with one generated from the database. The read
 * and the `nft -f` run inside one write transaction, so two processes applying at once
 * apply in turn and the later one sees the other's rows: the kernel never keeps a
 * ruleset older than the database. The digest of the last applied text is recorded, and
 * an unchanged ruleset (an attach without published ports) is not applied again: `nft -f`
 * is most of an attach's time otherwise.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { FailedPreconditionError } from '../errors.js';
import { type EngineDatabase, transaction } from '../metadata/database.js';
import type { NetworkStore } from './network-store.js';
import { nftDeleteTable, nftRuleset } from './nft-ruleset.js';

/**
 * Applies the ruleset of every recorded network and endpoint (or removes the table when
 * there is no network). `force` applies even when the recorded digest matches (reconcile:
 * the kernel's table may have been lost or changed behind our back).
 */
export function applyRuleset(db: EngineDatabase, store: NetworkStore, table: string, options: { force?: boolean } = {}): void {
  db.exec('CREATE TABLE IF NOT EXISTS network_rulesets (table_name TEXT PRIMARY KEY, digest TEXT NOT NULL)');
  transaction(db, () => {
    const networks = store.list();
    const text = networks.length === 0 ? nftDeleteTable(table) : nftRuleset(table, networks, store.allEndpoints());
    const digest = createHash('sha256').update(text).digest('hex');
    const applied = (db.prepare('SELECT digest FROM network_rulesets WHERE table_name = ?').get(table) as { digest: string } | undefined)?.digest;
    if (!options.force && applied === digest) return;
    const result = spawnSync('nft', ['-f', '-'], { input: text, encoding: 'utf8', timeout: 10_000 });
    if (result.error) throw new FailedPreconditionError(`cannot run nft: ${result.error.message}`, { cause: result.error });
    if (result.status !== 0) throw new FailedPreconditionError(`nft refused the ruleset of table ip ${table}: ${result.stderr.trim().split('\n').slice(0, 4).join('; ')}`);
    db.prepare('INSERT INTO network_rulesets (table_name, digest) VALUES (?, ?) ON CONFLICT (table_name) DO UPDATE SET digest = excluded.digest').run(table, digest);
  });
}
