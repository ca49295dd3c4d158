import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { markTopDirectory } from '../../../engine/layers/top-directory.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine } from '../../helpers/test-engine.js';

/** The attribute letters `lsattr -d` shows for `dir`. */
const attributes = (dir: string): string => execFileSync('lsattr', ['-d', dir], { encoding: 'utf8' }).split(' ')[0]!;

describe('engine/layers/top-directory', () => {
  let work: string;
  before(() => {
    work = makeTempDir('top-directory');
  });
  after(() => removeTempDir(work));

  it('marks the layer store as an ext4 top directory, so each layer is placed afresh', function () {
    const probe = path.join(work, 'probe');
    fs.mkdirSync(probe);
    // Reason: only ext2/3/4 have the flag; elsewhere the engine runs without it.
    if (!markTopDirectory(probe)) this.skip();
    const t = openTestEngine('top-directory');
    try {
      assert.match(attributes(path.join(t.dataDir, 'layers')), /T/);
    } finally {
      t.destroy();
    }
  });

  it('leaves alone what it cannot mark: a symlink, a missing path, a filesystem without the flag', () => {
    const target = path.join(work, 'target');
    fs.mkdirSync(target);
    fs.symlinkSync(target, path.join(work, 'link'));
    assert.equal(markTopDirectory(path.join(work, 'link')), false);
    assert.doesNotMatch(attributes(target), /T/);
    assert.equal(markTopDirectory(path.join(work, 'missing')), false);
    if (fs.existsSync('/dev/shm')) {
      const shm = fs.mkdtempSync('/dev/shm/im-top-');
      try {
        assert.equal(markTopDirectory(shm), false);
      } finally {
        fs.rmSync(shm, { recursive: true, force: true });
      }
    }
  });
});
