import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import dns from 'node:dns/promises';
import os from 'node:os';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../helpers/image-fixtures.js';
import { cliPath } from '../helpers/cli.js';
import { type RegistryPeer, startRegistry } from '../helpers/registry-peer.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** A host name (not an address, not 'localhost') that resolves to a loopback address, so the client must use TLS. */
async function loopbackName(): Promise<{ name: string; address: string } | undefined> {
  for (const name of [os.hostname(), 'vm']) {
    try {
      const { address } = await dns.lookup(name, { family: 4 });
      if (address.startsWith('127.') && name !== 'localhost') return { name, address };
    } catch {
      // not resolvable here
    }
  }
  return undefined;
}

describe('bin/intermodal (registry over TLS)', () => {
  let work: string;
  let registry: RegistryPeer | undefined;
  let cert: string;
  let dataDir: string;

  before(async function () {
    const loopback = await loopbackName();
    if (!loopback) {
      // Reason: without a loopback host name the client takes plain HTTP (loopback addresses), and tests may not leave loopback.
      this.skip();
      return;
    }
    work = makeTempDir('registry-tls');
    cert = path.join(work, 'registry.crt');
    const key = path.join(work, 'registry.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${loopback.name}`, '-addext', `subjectAltName=DNS:${loopback.name}`], { stdio: 'ignore' });
    registry = await startRegistry({ listen: { address: loopback.address, name: loopback.name, tls: { certificate: cert, key } } });
    const base = path.join(work, 'base');
    makeBusyboxRootfs(base);
    buildDockerArchive(path.join(work, 'app.tar'), { layers: [{ dir: base }], tags: [`${registry.host}/team/app:1`], workDir: work });
  });
  after(async () => {
    await registry?.stop();
    if (work) removeTempDir(work);
  });
  beforeEach(() => { dataDir = makeTempDir('registry-tls-data'); });
  afterEach(() => removeTempDir(dataDir));

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

  it('uses TLS for a registry that is not a loopback address, verified against the trusted CAs', () => {
    assert.equal(cli(['load', '-i', path.join(work, 'app.tar')]).status, 0);
    const untrusted = cli(['push', `${registry!.host}/team/app:1`]);
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.stderr, /cannot reach registry .*(self-signed|certificate)/i);

    const trusted = { NODE_EXTRA_CA_CERTS: cert };
    const pushed = cli(['push', `${registry!.host}/team/app:1`], trusted);
    assert.equal(pushed.status, 0, pushed.stderr);
    const other = makeTempDir('registry-tls-other');
    try {
      const pulled = spawnSync(process.execPath, [cliPath, '--data-dir', other, 'pull', '-q', `${registry!.host}/team/app:1`], { env: { ...process.env, ...trusted }, encoding: 'utf8' });
      assert.equal(pulled.status, 0, pulled.stderr);
      assert.equal(pulled.stdout, `${registry!.host}/team/app:1\n`);
    } finally {
      removeTempDir(other);
    }
  });

  it('speaks plain HTTP to a host listed insecure, which a TLS registry refuses', () => {
    assert.equal(cli(['load', '-i', path.join(work, 'app.tar')]).status, 0);
    const plain = cli(['push', `${registry!.host}/team/app:1`], { INTERMODAL_INSECURE_REGISTRIES: registry!.host });
    assert.equal(plain.status, 1);
    assert.match(plain.stderr, /does not answer as a v2 registry \(GET \/v2\/ → 400\)/);
  });
});
