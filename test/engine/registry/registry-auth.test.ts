import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { CredentialStore } from '../../../engine/registry/credential-store.js';
import { pullImage } from '../../../engine/registry/pull.js';
import { pushImage } from '../../../engine/registry/push.js';
import { RegistryClient } from '../../../engine/registry/registry-client.js';
import { parseChallenge } from '../../../engine/registry/registry-auth.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { type RegistryProxy, startRegistryProxy, upstreamBlob } from '../../helpers/registry-proxy.js';
import { startTokenServer, type TokenServer } from '../../helpers/registry-token-server.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import http from 'node:http';
import type net from 'node:net';
import { type FixtureImage, fixtureImage, skopeoPush } from './registry-fixture.js';

const alice = { username: 'alice', password: 'wonder land:1' };

describe('engine/registry authentication', () => {
  let work: string;
  let image: FixtureImage;
  let t: TestEngine;

  before(() => {
    work = makeTempDir('registry-auth');
    image = fixtureImage(work, 'secret');
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    t = openTestEngine('registry-auth');
    await loadImageArchive(t.engine, fs.createReadStream(image.archive));
  });
  afterEach(() => t.destroy());

  it('parses Bearer and Basic challenges', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    assert.deepEqual(parseChallenge('Basic realm="x"'), { scheme: 'basic', params: { realm: 'x' } });
    assert.equal(parseChallenge('Negotiate abc'), undefined);
  });

  describe('htpasswd (Basic)', () => {
    let registry: RegistryPeer;
    let proxy: RegistryProxy;
    let storage: http.Server;
    let storageAuth: (string | undefined)[];

    before(async () => {
      registry = await startRegistry({ auth: { kind: 'htpasswd', users: { alice: alice.password } } });
      proxy = await startRegistryProxy(registry.host);
      // Blob "storage" on another origin: the registry proxy redirects blob GETs there.
      storageAuth = [];
      storage = http.createServer((req, res) => {
        storageAuth.push(req.headers.authorization);
        const [, repo, digest] = /^\/(.+)\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '') ?? [];
        const basic = `Basic ${Buffer.from(`${alice.username}:${alice.password}`).toString('base64')}`;
        upstreamBlob(registry.host, repo!, digest!, basic).then((bytes) => res.end(bytes), (err: Error) => res.destroy(err));
      });
      await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      storage.closeAllConnections();
      await new Promise((resolve) => storage.close(resolve));
      await proxy.close();
      await registry.stop();
    });

    it('refuses without credentials, then pushes and pulls with them', async () => {
      t.engine.images.tag('fixture/secret:latest', `${registry.host}/team/secret:1`);
      await assert.rejects(pushImage(t.engine, `${registry.host}/team/secret:1`), /requires a login/);
      new CredentialStore(t.dataDir).set(registry.host, alice);
      assert.equal((fs.statSync(new CredentialStore(t.dataDir).file).mode & 0o777), 0o600);
      const pushed = await pushImage(t.engine, `${registry.host}/team/secret:1`);
      assert.equal(pushed.uploaded, 3);
      const fresh = openTestEngine('registry-auth-fresh');
      try {
        new CredentialStore(fresh.dataDir).set(registry.host, alice);
        assert.equal((await pullImage(fresh.engine, `${registry.host}/team/secret:1`)).image.id, image.configDigest);
      } finally {
        fresh.destroy();
      }
    });

    it('follows a redirect to blob storage on another host without sending the credentials there', async () => {
      skopeoPush(image.archive, `${registry.host}/team/redirected:1`, { creds: `${alice.username}:${alice.password}` });
      const storagePort = (storage.address() as net.AddressInfo).port;
      proxy.intercept = (req, res) => {
        const blob = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '');
        if (req.method !== 'GET' || !blob) return false;
        res.writeHead(307, { location: `http://127.0.0.1:${storagePort}/${blob[1]}/${blob[2]}` }).end();
        return true;
      };
      storageAuth.length = 0;
      const fresh = openTestEngine('registry-auth-redirect');
      try {
        new CredentialStore(fresh.dataDir).set(proxy.host, alice);
        const pulled = await pullImage(fresh.engine, `${proxy.host}/team/redirected:1`);
        assert.equal(pulled.image.id, image.configDigest);
      } finally {
        fresh.destroy();
      }
      assert.equal(storageAuth.length, 3, 'config and both layers came from the storage host');
      assert.deepEqual(storageAuth, [undefined, undefined, undefined], 'no Authorization header left the registry');
      assert.ok(proxy.seen.some((r) => r.headers.authorization?.startsWith('Basic ')), 'the registry itself got the credentials');
    });

    it('login checks the credentials', async () => {
      const client = (password: string) => new RegistryClient(registry.host, '', { config: t.engine.config.registries, credentials: { username: 'alice', password }, actions: [] });
      await client(alice.password).verifyLogin();
      await assert.rejects(client('wrong').verifyLogin(), /refused/);
    });
  });

  describe('token server (Bearer)', () => {
    let registry: RegistryPeer;
    let tokens: TokenServer;

    before(async () => {
      tokens = await startTokenServer(work, alice);
      registry = await startRegistry({ auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.rootCertBundle } });
    });
    after(async () => {
      await registry.stop();
      await tokens.close();
    });

    it('pushes with credentials and pulls anonymously where the token server allows it', async () => {
      t.engine.images.tag('fixture/secret:latest', `${registry.host}/public/app:1`);
      await assert.rejects(pushImage(t.engine, `${registry.host}/public/app:1`), /refused/);
      new CredentialStore(t.dataDir).set(registry.host, alice);
      await pushImage(t.engine, `${registry.host}/public/app:1`);
      assert.ok(tokens.requests.some((r) => r.user === 'alice' && r.scopes.includes('repository:public/app:pull,push')));

      const anonymous = openTestEngine('registry-token-anon');
      try {
        tokens.requests.length = 0;
        const pulled = await pullImage(anonymous.engine, `${registry.host}/public/app:1`);
        assert.equal(pulled.image.id, image.configDigest);
        assert.deepEqual(tokens.requests, [{ user: '', scopes: ['repository:public/app:pull'] }], 'one anonymous token, reused for every request');
      } finally {
        anonymous.destroy();
      }
    });

    it('refuses wrong credentials at the token server, and anonymous pulls of private repositories', async () => {
      new CredentialStore(t.dataDir).set(registry.host, { username: 'alice', password: 'nope' });
      t.engine.images.tag('fixture/secret:latest', `${registry.host}/private/app:1`);
      await assert.rejects(pushImage(t.engine, `${registry.host}/private/app:1`), /login as 'alice' refused/);
      new CredentialStore(t.dataDir).set(registry.host, alice);
      await pushImage(t.engine, `${registry.host}/private/app:1`);
      const anonymous = openTestEngine('registry-token-private');
      try {
        await assert.rejects(pullImage(anonymous.engine, `${registry.host}/private/app:1`), /refused \(401\)/);
        assert.deepEqual(anonymous.engine.images.list(), []);
      } finally {
        anonymous.destroy();
      }
    });
  });
});
