import assert from 'node:assert/strict';
import { compileStack, VERSION_IDS } from '../../../translators/heat/index.js';
import { evalSnippet, IDENTITY, rejectsTemplate } from './heat-test-helpers.js';

/** One working call of each function, its first version, and what it gives. */
const SAMPLES: ReadonlyArray<readonly [string, string, unknown, unknown]> = [
  ['get_param', '2013-05-23', { get_param: 'OS::stack_name' }, 'teststack'],
  ['get_file', '2013-05-23', { get_file: 'f' }, 'content'],
  ['list_join', '2013-05-23', { list_join: ['-', ['a', 'b']] }, 'a-b'],
  ['str_replace', '2013-05-23', { str_replace: { template: 'aX', params: { X: 'b' } } }, 'ab'],
  ['digest', '2015-04-30', { digest: ['md5', ''] }, 'd41d8cd98f00b204e9800998ecf8427e'],
  ['repeat', '2015-04-30', { repeat: { for_each: { '%i%': ['1'] }, template: 'n%i%' } }, ['n1']],
  ['str_split', '2015-10-15', { str_split: [',', 'a,b'] }, ['a', 'b']],
  ['map_merge', '2016-04-08', { map_merge: [{ a: 1 }, { b: 2 }] }, { a: 1, b: 2 }],
  ['map_replace', '2016-10-14', { map_replace: [{ a: 1 }, { keys: { a: 'b' } }] }, { b: 1 }],
  ['if', '2016-10-14', { if: [true, 'yes', 'no'] }, 'yes'],
  ['filter', '2017-02-24', { filter: [[1], [1, 2]] }, [2]],
  ['str_replace_strict', '2017-02-24', { str_replace_strict: { template: 'aX', params: { X: 'b' } } }, 'ab'],
  ['make_url', '2017-09-01', { make_url: { scheme: 'http', host: 'h' } }, 'http://h'],
  ['list_concat', '2017-09-01', { list_concat: [[1], [2]] }, [1, 2]],
  ['list_concat_unique', '2017-09-01', { list_concat_unique: [[1], [1]] }, [1]],
  ['str_replace_vstrict', '2017-09-01', { str_replace_vstrict: { template: 'aX', params: { X: 'b' } } }, 'ab'],
  ['contains', '2017-09-01', { contains: [1, [1]] }, true],
];

describe('translators/heat: version gates', () => {
  for (const version of VERSION_IDS) {
    it(`heat_template_version ${version} has exactly the functions of its release`, async () => {
      for (const [name, introduced, snippet, expected] of SAMPLES) {
        const run = evalSnippet(snippet, { version, files: { f: 'content' } });
        if (version >= introduced) assert.deepEqual(await run, expected, `${name} in ${version}`);
        else await rejectsTemplate(run, new RegExp(`"${name}" is not available in heat_template_version ${version} \\(it was added in ${introduced}\\)`));
      }
    });
  }

  it('gates resource condition and external_id, output condition and lower-case deletion policies on 2016-10-14', async () => {
    const resource = (version: string, extra: Record<string, unknown>) =>
      compileStack({ heat_template_version: version, resources: { r: { type: 'OS::Heat::None', ...extra } } }, { identity: IDENTITY });
    await rejectsTemplate(resource('2016-04-08', { condition: true }), /resources\.r\.condition: "condition" needs heat_template_version 2016-10-14 or later/);
    await rejectsTemplate(resource('2016-04-08', { external_id: 'x' }), /"external_id" needs heat_template_version 2016-10-14/);
    assert.equal(await (await resource('2016-10-14', { external_id: 'abc' })).externalId('r'), 'abc');
    await rejectsTemplate(resource('2016-04-08', { deletion_policy: 'retain' }), /invalid deletion policy "retain" \(use Delete, Retain, Snapshot\)/);
    assert.equal((await resource('2016-10-14', { deletion_policy: 'retain' })).resources.get('r')!.deletionPolicy, 'Retain');
    assert.equal((await resource('2013-05-23', { deletion_policy: 'Snapshot' })).resources.get('r')!.deletionPolicy, 'Snapshot');
    await rejectsTemplate(compileStack({ heat_template_version: '2016-04-08', outputs: { o: { value: 1, condition: true } } }, { identity: IDENTITY }),
      /outputs\.o\.condition: "condition" is not a valid keyword inside an output/);
  });
});
