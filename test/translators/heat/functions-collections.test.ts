import assert from 'node:assert/strict';
import { evalSnippet, rejectsTemplate } from './heat-test-helpers.js';

describe('translators/heat: repeat, map_merge, map_replace, list_concat(_unique), filter, contains', () => {
  it('repeat expands a template for each item, parameters included', async () => {
    const snippet = { repeat: { for_each: { '<%port%>': { get_param: 'ports' } }, template: { protocol: 'tcp', port_range_min: '<%port%>' } } };
    assert.deepEqual(await evalSnippet(snippet, { parameters: { ports: { type: 'comma_delimited_list', default: '80,443' } } }), [
      { protocol: 'tcp', port_range_min: '80' }, { protocol: 'tcp', port_range_min: '443' },
    ]);
    assert.deepEqual(await evalSnippet({ repeat: { for_each: { '%n%': [1, 2] }, template: { 'key-%n%': 'v%n%' } } }), [{ 'key-1': 'v1' }, { 'key-2': 'v2' }]);
  });

  it('repeat nests loops over several lists, and zips them with permutations: false (2017-09-01)', async () => {
    const forEach = { '%a%': ['1', '2'], '%b%': ['x', 'y'] };
    assert.deepEqual(await evalSnippet({ repeat: { for_each: forEach, template: '%a%-%b%' } }), ['1-x', '1-y', '2-x', '2-y']);
    assert.deepEqual(await evalSnippet({ repeat: { for_each: forEach, template: '%a%-%b%', permutations: false } }), ['1-x', '2-y']);
    await rejectsTemplate(evalSnippet({ repeat: { for_each: { '%a%': ['1'], '%b%': ['x', 'y'] }, template: '%a%', permutations: false } }), /must have the same length/);
    await rejectsTemplate(evalSnippet({ repeat: { for_each: forEach, template: '%a%', permutations: false } }, { version: '2017-02-24' }), /"permutations" in "repeat" needs heat_template_version 2017-09-01/);
    await rejectsTemplate(evalSnippet({ repeat: { for_each: forEach, template: '%a%', permutations: 'no' } }), /"permutations" in "repeat" must be a boolean/);
  });

  it('repeat iterates over map keys from 2016-10-14 only', async () => {
    const snippet = { repeat: { for_each: { '%k%': { alpha: 1, beta: 2 } }, template: 'k=%k%' } };
    assert.deepEqual(await evalSnippet(snippet, { version: '2016-10-14' }), ['k=alpha', 'k=beta']);
    await rejectsTemplate(evalSnippet(snippet, { version: '2016-04-08' }), /values of the "for_each" argument to "repeat" must be lists; %k% is/);
  });

  it('repeat refuses malformed arguments and is absent before 2015-04-30', async () => {
    await rejectsTemplate(evalSnippet({ repeat: { template: 'x' } }), /"repeat" needs "template" and "for_each"/);
    await rejectsTemplate(evalSnippet({ repeat: ['x'] }), /arguments to "repeat" must be a map/);
    await rejectsTemplate(evalSnippet({ repeat: { for_each: ['a'], template: 'x' } }), /the "for_each" argument to "repeat" must be a map/);
    await rejectsTemplate(evalSnippet({ repeat: { for_each: { '%a%': 'abc' }, template: 'x' } }), /must be lists or maps/);
    await rejectsTemplate(evalSnippet({ repeat: { for_each: { '%a%': ['1'] }, template: 'x' } }, { version: '2014-10-16' }), /"repeat" is not available in heat_template_version 2014-10-16 \(it was added in 2015-04-30\)/);
  });

  it('map_merge merges maps left to right', async () => {
    assert.deepEqual(await evalSnippet({ map_merge: [{ a: 1, b: 2 }, null, { b: 3, c: { get_param: 'OS::stack_name' } }] }), { a: 1, b: 3, c: 'teststack' });
    await rejectsTemplate(evalSnippet({ map_merge: [{ a: 1 }, ['b']] }), /items to merge must be maps; \["b"\] is not/);
    await rejectsTemplate(evalSnippet({ map_merge: { a: 1 } }), /arguments to "map_merge" must be a list of maps/);
    await rejectsTemplate(evalSnippet({ map_merge: [{ a: 1 }] }, { version: '2015-10-15' }), /"map_merge" is not available in heat_template_version 2015-10-15 \(it was added in 2016-04-08\)/);
  });

  it('map_replace renames keys and replaces values', async () => {
    const snippet = { map_replace: [{ k1: 'v1', k2: 'v2' }, { keys: { k1: 'K1' }, values: { v2: 'V2' } }] };
    assert.deepEqual(await evalSnippet(snippet), { K1: 'v1', k2: 'V2' });
    await rejectsTemplate(evalSnippet({ map_replace: [{ k1: 'a', k2: 'b' }, { keys: { k1: 'k2' } }] }), /key replacement k2 collides with a key in the input map/);
    await rejectsTemplate(evalSnippet({ map_replace: [{ k1: 'a', k2: 'b' }, { keys: { k1: 'x', k2: 'x' } }] }), /key replacement x collides with a key in the output map/);
    await rejectsTemplate(evalSnippet({ map_replace: [{ k1: 'a' }, { key: { k1: 'x' } }] }), /may only have "keys" and "values", not "key"/);
    await rejectsTemplate(evalSnippet({ map_replace: [{ k1: 'a' }] }), /must be two maps/);
    await rejectsTemplate(evalSnippet({ map_replace: [{ a: 1 }, {}] }, { version: '2016-04-08' }), /"map_replace" is not available in heat_template_version 2016-04-08 \(it was added in 2016-10-14\)/);
  });

  it('list_concat and list_concat_unique join lists', async () => {
    assert.deepEqual(await evalSnippet({ list_concat: [[1, 2], null, [{ a: 1 }, 2]] }), [1, 2, { a: 1 }, 2]);
    assert.deepEqual(await evalSnippet({ list_concat_unique: [[1, 2], [{ a: 1 }, 2], [{ a: 1 }]] }), [1, 2, { a: 1 }]);
    await rejectsTemplate(evalSnippet({ list_concat: [[1], 'ab'] }), /items to concatenate must be lists; "ab" is not/);
    await rejectsTemplate(evalSnippet({ list_concat: 'ab' }), /must be a list of lists/);
    await rejectsTemplate(evalSnippet({ list_concat: [[1]] }, { version: '2017-02-24' }), /"list_concat" is not available in heat_template_version 2017-02-24 \(it was added in 2017-09-01\)/);
  });

  it('filter removes values from a list', async () => {
    assert.deepEqual(await evalSnippet({ filter: [[3, null], [1, 2, 3, 3, null]] }), [1, 2]);
    assert.deepEqual(await evalSnippet({ filter: [null, ['a']] }), ['a']);
    assert.deepEqual(await evalSnippet({ filter: [['a'], []] }), []);
    await rejectsTemplate(evalSnippet({ filter: [['a'], 'abc'] }), /"filter" works on lists/);
    await rejectsTemplate(evalSnippet({ filter: ['a', ['a']] }), /"filter" takes a list of values to remove/);
    await rejectsTemplate(evalSnippet({ filter: [['a']] }), /"filter" expects 2 arguments, \[values, list\], but got 1/);
    await rejectsTemplate(evalSnippet({ filter: [[], []] }, { version: '2016-10-14' }), /"filter" is not available in heat_template_version 2016-10-14 \(it was added in 2017-02-24\)/);
  });

  it('contains tests membership', async () => {
    assert.equal(await evalSnippet({ contains: ['b', ['a', 'b']] }), true);
    assert.equal(await evalSnippet({ contains: [{ x: 1 }, [{ x: 1 }]] }), true);
    assert.equal(await evalSnippet({ contains: ['c', { get_param: 'zones' }] }, { parameters: { zones: { type: 'comma_delimited_list', default: 'a,b' } } }), false);
    await rejectsTemplate(evalSnippet({ contains: ['a', 5] }), /second argument to "contains" must be a list/);
    await rejectsTemplate(evalSnippet({ contains: ['a'] }), /must be of the form \[value, \[value1, value2\]\]/);
  });
});
