import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readLog } from '../../../engine/containers/container-log.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('engine/containers/container-log', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir('ctr-log'); });
  afterEach(() => removeTempDir(dir));

  it('reads conmon k8s-file records, joining partial lines and filtering by time', async () => {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(file, [
      '2026-11-23T08:00:00.000000001+00:00 stdout F first',
      '2026-11-23T08:00:01.000000000+00:00 stderr P par',
      '2026-11-23T08:00:01.500000000+00:00 stderr F tial',
      '2026-11-23T08:00:02.000000000+00:00 stdout F ',
      'garbage line',
      '2026-11-23T08:00:03.000000000+00:00 stdout F last',
      '',
    ].join('\n'));
    const lines = await readLog(file);
    assert.deepEqual(lines.map((l) => [l.stream, l.text]), [['stdout', 'first'], ['stderr', 'partial'], ['stdout', ''], ['stdout', 'last']]);
    assert.equal(lines[0]!.timestamp, '2026-11-23T08:00:00.000000001+00:00');
    const since = await readLog(file, { since: new Date('2026-11-23T08:00:02Z') });
    assert.deepEqual(since.map((l) => l.text), ['', 'last']);
    assert.deepEqual(await readLog(path.join(dir, 'absent.log')), []);
  });
});
