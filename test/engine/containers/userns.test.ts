import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readLog } from '../../../engine/containers/container-log.js';
import { mountsUnder } from '../../helpers/test-engine.js';
import { busyboxSpec, until, useContainerService } from './service-fixture.js';

describe('engine/containers --userns (idmapped image layers, real runc)', function () {
  this.timeout(60_000);
  const fx = useContainerService('userns');

  // makeTempDir makes 0700 dirs; a real data dir is 0711, which a --userns root needs to cross.
  beforeEach(() => fs.chmodSync(fx.t.dataDir, 0o711));

  const output = async (id: string): Promise<string> => (await readLog(fx.svc.paths(id).log)).map((l) => l.text).join('\n');

  it('runs as root inside, mapped to host uid 100000, and root can write image files', async () => {
    const { svc, t } = fx;
    const r = await svc.create(busyboxSpec(['sh', '-c', 'id; cat /proc/self/uid_map; stat -c "%u %n" /etc/passwd; echo extra >> /etc/passwd && echo appended; echo made > /made; sleep 300'], { userns: true }));
    await svc.start(r.id);
    const text = await until('the container to report', async () => ((await output(r.id)).includes('appended') ? output(r.id) : undefined));
    assert.match(text, /^uid=0\(root\) gid=0\(root\)/m);
    assert.match(text, /^\s*0\s+100000\s+65536$/m, 'uid_map maps root to 100000');
    assert.match(text, /^0 \/etc\/passwd$/m, 'image files belong to root inside, not nobody');

    const pid = (await svc.get(r.id)).pid!;
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+100000\s+100000\s+100000\s+100000$/m, 'on the host it runs as 100000');
    const upper = await t.engine.snapshots.upperDir(r.id);
    await until('the new file', () => (fs.existsSync(path.join(upper, 'made')) ? true : undefined));
    assert.equal(fs.statSync(path.join(upper, 'made')).uid, 100000, 'a file made inside is owned by 100000 in the upper dir');
    assert.equal(fs.statSync(path.join(upper, 'etc', 'passwd')).uid, 100000, 'the copied-up image file too');
    assert.equal(mountsUnder(svc.paths(r.id).dir).length, 1, 'one mount: the idmapped layer clones are detached');
    await svc.stop(r.id, 1);
  });

  it('says why when the data dir cannot be crossed by the container root, and leaves no mount', async () => {
    const { svc, t } = fx;
    fs.chmodSync(t.dataDir, 0o700);
    const r = await svc.create(busyboxSpec(['true'], { userns: true }));
    await assert.rejects(svc.start(r.id), /--userns needs '.*' to be searchable by others/);
    assert.deepEqual(mountsUnder(svc.paths(r.id).dir), []);
  });

  it('leaves the shared image layers unchanged for other containers', async () => {
    const { svc } = fx;
    const ns = await svc.create(busyboxSpec(['sh', '-c', 'echo changed >> /etc/passwd'], { userns: true }));
    await svc.start(ns.id);
    assert.equal(await svc.wait(ns.id), 0);
    const plain = await svc.create(busyboxSpec(['sh', '-c', 'grep -c changed /etc/passwd; stat -c "%u" /etc/passwd']));
    await svc.start(plain.id);
    assert.equal(await svc.wait(plain.id), 0);
    assert.equal(await output(plain.id), '0\n0', 'no line added, still owned by root');
  });
});
