/**
 * skopeo (containers/image) against our registry: copy in from a docker-archive and an OCI
 * layout, copy out to a docker-archive that our `load` turns back into the same image, pull
 * an image that was only loaded locally, and run what was pushed with the CLI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { processesUsing, until } from '../../drivers/local/driver-fixture.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder, openTestEngine } from '../../helpers/test-engine.js';
import { writeMultiArchLayout } from './multi-arch-layout.js';
import { type RegistryServer, busyboxArchive, startRegistryServer, users } from './registry-server.js';

const run = promisify(execFile);

describe('registry API: skopeo copy in and out', function () {
  this.timeout(120_000);
  let server: RegistryServer;
  let work: string;
  let archive: { file: string; imageId: string };
  const creds = `alice:${users.alice}`;
  const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 16 * 1024 * 1024 });

  before(async () => {
    server = await startRegistryServer('registry-skopeo');
    work = makeTempDir('registry-skopeo-work');
    archive = busyboxArchive(work);
  });
  after(async () => {
    try {
      await server?.close();
    } finally {
      if (work) removeTempDir(work);
    }
  });

  it('copies a docker-archive in: the image is in our store under NAME:TAG', async () => {
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `docker-archive:${archive.file}`, `docker://${server.host}/library/busybox:1`]);
    assert.equal(server.test.engine.images.resolve('library/busybox:1').id, archive.imageId);
    const { stdout } = await skopeo(['list-tags', '--tls-verify=false', '--creds', creds, `docker://${server.host}/library/busybox`]);
    assert.deepEqual(JSON.parse(stdout).Tags, ['1']);
  });

  it('copies an OCI layout in', async () => {
    const layout = path.join(work, 'layout');
    await skopeo(['copy', `docker-archive:${archive.file}`, `oci:${layout}:bb`]);
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:bb`, `docker://${server.host}/oci/busybox:2`]);
    // skopeo rewrites the config into OCI form on the way to the layout, so compare with the layout's.
    assert.equal(server.test.engine.images.resolve('oci/busybox:2').id, layoutConfigDigest(layout));
  });

  it('refuses skopeo without credentials', async () => {
    await assert.rejects(
      skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive.file}`, `docker://${server.host}/anon/busybox:1`]),
      /unauthorized|authentication required/i,
    );
    assert.equal(server.store.repository('anon/busybox'), undefined);
  });

  it('copies out to a docker-archive that our load turns into the same image', async () => {
    const out = path.join(work, 'out.tar');
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${server.host}/library/busybox:1`, `docker-archive:${out}:busybox:out`]);
    const fresh = openTestEngine('registry-skopeo-load');
    try {
      const [image] = await loadImageArchive(fresh.engine, fs.createReadStream(out));
      assert.equal(image!.id, archive.imageId);
      assert.deepEqual(image!.refs, ['docker.io/library/busybox:out']);
    } finally {
      fresh.destroy();
    }
  });

  it('serves an image that was only loaded locally, with a generated manifest', async () => {
    const local = busyboxArchive(path.join(work, 'local-src'), 'local/bb:1');
    await loadImageArchive(server.test.engine, fs.createReadStream(local.file));
    const layout = path.join(work, 'pulled');
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${server.host}/local/bb:1`, `oci:${layout}:bb`]);
    assert.equal(layoutConfigDigest(layout), local.imageId);
  });

  it('copies a multi-arch index in with --all: the index is served, the tag runs this machine\'s image', async () => {
    const layout = writeMultiArchLayout(path.join(work, 'multi'), work, 'multi');
    await skopeo(['copy', '--all', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout.dir}:multi`, `docker://${server.host}/team/multi:1`]);
    const { stdout } = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${server.host}/team/multi:1`]);
    const index = JSON.parse(stdout) as { manifests: { platform: { architecture: string } }[] };
    assert.deepEqual(index.manifests.map((m) => m.platform.architecture), ['amd64', 'arm64']);
    if (process.arch === 'x64') assert.equal(server.test.engine.images.resolve('team/multi:1').id, layout.imageIds.amd64);
    // Both platforms were pushed by digest and are images of their own.
    assert.ok(server.test.engine.images.resolve(layout.imageIds.arm64));
    const back = path.join(work, 'multi-back');
    await skopeo(['copy', '--all', '--src-tls-verify=false', '--src-creds', creds, `docker://${server.host}/team/multi:1`, `oci:${back}:m`]);
    const backIndex = JSON.parse(fs.readFileSync(path.join(back, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(backIndex.manifests[0]!.digest, layout.indexDigest, 'the index comes back byte for byte');
  });

  it('runs the pushed image with intermodal run', async () => {
    const result = await runCli(server.test.dataDir, ['run', '--rm', 'library/busybox:1', 'echo', 'pushed and running']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'pushed and running');
    // conmon and its exit callback outlive `run --rm` by a moment; the data dir goes only after them.
    await until('the monitor and exit callback of the run to exit', async () => (processesUsing(server.test.dataDir).length === 0 ? true : undefined), 15_000);
    assert.deepEqual(mountsUnder(path.join(server.test.dataDir, 'snapshots')), []);
  });
});

/** The config digest of the one image in an OCI layout. */
function layoutConfigDigest(layout: string): string {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(fs.readFileSync(path.join(layout, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { config: { digest: string } };
  return manifest.config.digest;
}
