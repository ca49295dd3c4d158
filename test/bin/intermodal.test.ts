import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../helpers/image-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

describe('bin/intermodal (image commands)', () => {
  let work: string;
  let dataDir: string;
  let archive: string;
  let rootfsTar: string;

  before(() => {
    work = makeTempDir('cli-fixtures');
    const base = path.join(work, 'base');
    makeBusyboxRootfs(base);
    archive = path.join(work, 'cli.tar');
    buildDockerArchive(archive, { layers: [{ dir: base }], tags: ['fixture/cli:1'], workDir: work });
    rootfsTar = path.join(work, 'rootfs.tar');
    execFileSync('tar', ['-C', base, '-cf', rootfsTar, '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(() => { dataDir = makeTempDir('cli-data'); });
  afterEach(() => removeTempDir(dataDir));

  it('loads, lists, tags, inspects, saves and removes an image', async () => {
    const loaded = await runCli(dataDir, ['load', '-i', archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(loaded.stdout, 'Loaded image: fixture/cli:1\n');

    assert.equal((await runCli(dataDir, ['tag', 'fixture/cli:1', 'fixture/cli:stable'])).code, 0);
    const listed = await runCli(dataDir, ['images']);
    assert.match(listed.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\n/);
    assert.match(listed.stdout, /fixture\/cli\s+1\s+[0-9a-f]{12}\s/);
    assert.match(listed.stdout, /fixture\/cli\s+stable\s+[0-9a-f]{12}\s/);
    const asJson = JSON.parse((await runCli(dataDir, ['images', '--format', 'json'])).stdout);
    assert.deepEqual(asJson.images[0].RepoTags, ['fixture/cli:1', 'fixture/cli:stable']);

    const inspected = JSON.parse((await runCli(dataDir, ['image', 'inspect', 'fixture/cli:stable'])).stdout);
    assert.equal(inspected[0].Id, asJson.images[0].Id);
    assert.deepEqual(inspected[0].Config.Cmd, ['/bin/sh']);

    const out = path.join(work, 'saved.tar');
    assert.equal((await runCli(dataDir, ['save', '-o', out, 'fixture/cli:1'])).code, 0);
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${out}`], { encoding: 'utf8' }));
    assert.equal(info.Layers.length, 1);

    const untag = await runCli(dataDir, ['rmi', 'fixture/cli:stable']);
    assert.equal(untag.stdout, 'Untagged: fixture/cli:stable\n');
    const removed = await runCli(dataDir, ['rmi', 'fixture/cli:1']);
    assert.match(removed.stdout, /Untagged: fixture\/cli:1\nDeleted: sha256:[0-9a-f]{64}\nDeleted layer: sha256:/);
    assert.equal(JSON.parse((await runCli(dataDir, ['images', '--format', 'json'])).stdout).images.length, 0);
  });

  it('imports a rootfs from stdin with --change', async () => {
    const imported = await runCli(dataDir, ['import', '-c', 'CMD ["sleep", "1"]', '-c', 'ENV A=b', '-', 'fixture/imported:1'], { input: fs.readFileSync(rootfsTar) });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const [doc] = JSON.parse((await runCli(dataDir, ['inspect', 'fixture/imported:1'])).stdout);
    assert.deepEqual(doc.Config, { Cmd: ['sleep', '1'], Env: ['A=b'] });
  });

  it('prints one clear line and exits non-zero on bad input, changing nothing', async () => {
    const missing = await runCli(dataDir, ['rmi', 'nope:1']);
    assert.deepEqual([missing.code, missing.stderr], [1, "Error: image 'nope:1' not found\n"]);
    const noFile = await runCli(dataDir, ['load', '-i', path.join(work, 'absent.tar')]);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /^Error: ENOENT: no such file or directory/);
    const badSave = await runCli(dataDir, ['save', '-o', path.join(work, 'never.tar'), 'nope:1']);
    assert.equal(badSave.code, 1);
    assert.equal(fs.existsSync(path.join(work, 'never.tar')), false, 'no partial archive');
    const badChange = await runCli(dataDir, ['import', '-c', 'RUN true', rootfsTar, 'x:1']);
    assert.equal(badChange.code, 1);
    assert.match(badChange.stderr, /RUN is not a supported change/);
    const usage = await runCli(dataDir, ['frobnicate']);
    assert.deepEqual([usage.code, usage.stderr], [2, "Error: unknown command 'frobnicate'\n"]);
    const badFlag = await runCli(dataDir, ['images', '--bogus']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /Usage: intermodal images/);
    assert.equal(JSON.parse((await runCli(dataDir, ['images', '--format', 'json'])).stdout).images.length, 0);
  });

  it('lets two processes load into one data dir at once without corrupting it', async () => {
    const results = await Promise.all([runCli(dataDir, ['load', '-i', archive]), runCli(dataDir, ['load', '-i', archive]), runCli(dataDir, ['load', '-i', archive])]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const images = JSON.parse((await runCli(dataDir, ['images', '--format', 'json'])).stdout);
    assert.equal(images.images.length, 1);
    assert.equal(images.Layers, 1);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'layers')).filter((n) => n.startsWith('.tmp')), [], 'no unpack dir is left');
    assert.equal(fs.readdirSync(path.join(dataDir, 'content/ingest')).length, 0);
  });

  it('settles what a crashed process left at the next command', async () => {
    assert.equal((await runCli(dataDir, ['load', '-i', archive])).code, 0);
    // What a process killed mid-unpack, mid-prepare and mid-ingest leaves (pid 999999999 is not alive).
    const leftovers = [path.join(dataDir, 'layers', '.tmp-999999999-abc'), path.join(dataDir, 'snapshots', '.tmp-999999999-def')];
    for (const dir of leftovers) fs.mkdirSync(path.join(dir, 'partial'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'content', 'ingest', '999999999-0123'), 'half a blob');
    const listed = await runCli(dataDir, ['images', '-q']);
    assert.equal(listed.code, 0, listed.stderr);
    for (const dir of leftovers) assert.equal(fs.existsSync(dir), false, `${dir} is removed`);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'content', 'ingest')), []);
    assert.equal(listed.stdout.trim().split('\n').length, 1, 'the loaded image is untouched');
  });

  it('reports the host ready with info', async () => {
    const info = await runCli(dataDir, ['info']);
    assert.equal(info.code, 0, info.stdout);
    assert.match(info.stdout, /ok\s+overlayfs\s+mounted and unmounted a test overlay/);
    assert.match(info.stdout, /ok\s+runc\s+runc version/);
    assert.match(info.stdout, /ok\s+conmon\s+conmon version/);
    assert.match(info.stdout, /\nengine ready\n$/);
  });
});
