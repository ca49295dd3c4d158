import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { registryLocation } from '../../../engine/images/reference.js';
import { CredentialStore } from '../../../engine/registry/credential-store.js';
import { isLoopbackHost, registryBaseUrl } from '../../../engine/registry/http-transport.js';
import { RegistryAuth } from '../../../engine/registry/registry-auth.js';
import { parsePlatform } from '../../../engine/registry/platform.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('engine/registry: where requests go and what is kept', () => {
  it('splits references into registry host and repository as Docker does', () => {
    assert.deepEqual(registryLocation('127.0.0.1:5000/team/app'), { host: '127.0.0.1:5000', repository: 'team/app' });
    assert.deepEqual(registryLocation('registry.example/app'), { host: 'registry.example', repository: 'app' });
    assert.deepEqual(registryLocation('localhost/app'), { host: 'localhost', repository: 'app' });
    assert.deepEqual(registryLocation('[::1]:5000/app'), { host: '[::1]:5000', repository: 'app' });
    assert.deepEqual(registryLocation('team/app', 'mirror.example:443'), { host: 'mirror.example:443', repository: 'team/app' });
    assert.deepEqual(registryLocation('app', 'mirror.example'), { host: 'mirror.example', repository: 'app' });
    assert.throws(() => registryLocation('team/app'), /no default registry is configured/);
  });

  it('uses plain HTTP only for loopback and listed insecure hosts', () => {
    for (const host of ['127.0.0.1:5000', '127.9.9.9', 'localhost:5000', '[::1]:5000']) {
      assert.ok(isLoopbackHost(host), host);
      assert.equal(registryBaseUrl(host, []).protocol, 'http:', host);
    }
    assert.equal(registryBaseUrl('registry.example:5000', []).protocol, 'https:');
    assert.equal(registryBaseUrl('10.0.0.5:5000', []).protocol, 'https:');
    assert.equal(registryBaseUrl('10.0.0.5:5000', ['10.0.0.5:5000']).protocol, 'http:');
    assert.equal(registryBaseUrl('10.0.0.5:5001', ['10.0.0.5:5000']).protocol, 'https:', 'the port is part of the listed host');
  });

  it('refuses to send credentials to a token realm over plain HTTP off loopback', async () => {
    const auth = new RegistryAuth('registry.example', { username: 'u', password: 'p' }, []);
    auth.setChallenge('Bearer realm="http://auth.example/token",service="r"');
    await assert.rejects(auth.authorization(['repository:a:pull']), /refusing token realm http:\/\/auth.example\/token over plain HTTP/);
  });

  it('parses platforms', () => {
    assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.equal(parsePlatform(undefined).os, 'linux');
    assert.throws(() => parsePlatform('linux'), /not os\/architecture/);
  });

  it('keeps credentials per host in a 0600 file and forgets them on logout', () => {
    const dir = makeTempDir('credentials');
    try {
      const store = new CredentialStore(dir);
      assert.equal(store.get('a.example'), undefined);
      store.set('a.example', { username: 'ann', password: 'p:a:s:s' });
      store.set('b.example:5000', { username: 'ben', password: 'x' });
      assert.equal(fs.statSync(path.join(dir, 'auth.json')).mode & 0o777, 0o600);
      assert.deepEqual(new CredentialStore(dir).get('a.example'), { username: 'ann', password: 'p:a:s:s' });
      assert.equal(store.remove('a.example'), true);
      assert.equal(store.remove('a.example'), false);
      assert.equal(store.get('a.example'), undefined);
      assert.deepEqual(store.get('b.example:5000'), { username: 'ben', password: 'x' });
      assert.throws(() => store.set('c.example', { username: 'a:b', password: 'x' }), /must not contain/);
      assert.deepEqual(fs.readdirSync(dir), ['auth.json'], 'no temporary file left');
    } finally {
      removeTempDir(dir);
    }
  });
});
