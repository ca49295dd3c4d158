import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { evalSnippet, fixedResolver, rejectsTemplate } from './heat-test-helpers.js';

const SERVER = { server: { type: 'OS::Heat::None' } };
const RESOLVER = fixedResolver({ server: { id: 'srv-1', attributes: { first_address: '192.0.2.1', networks: { private: ['192.0.2.1'] } } } });

describe('translators/heat: str_replace, list_join, str_split, digest, make_url', () => {
  it('str_replace substitutes params, resources included, longest placeholder first', async () => {
    const snippet = { str_replace: { template: 'http://host/wp-admin/', params: { host: { get_attr: ['server', 'first_address'] } } } };
    assert.equal(await evalSnippet(snippet, { resources: SERVER, resolver: RESOLVER }), 'http://192.0.2.1/wp-admin/');
    assert.equal(await evalSnippet({ str_replace: { template: 'foobar foo', params: { foo: '1', foobar: '2' } } }), '2 1');
    assert.equal(await evalSnippet({ str_replace: { template: 'port=$P on=$B', params: { $P: 8080, $B: true } } }), 'port=8080 on=True');
    assert.equal(await evalSnippet({ str_replace: { template: 'x=$X;', params: { $X: null } } }), 'x=;');
  });

  it('str_replace writes maps and lists as JSON from 2015-10-15, and refuses them before', async () => {
    const snippet = { str_replace: { template: 'cfg=$C', params: { $C: { b: [1, 2], a: 'x' } } } };
    assert.equal(await evalSnippet(snippet, { version: '2015-10-15' }), 'cfg={"a": "x", "b": [1, 2]}');
    await rejectsTemplate(evalSnippet(snippet, { version: '2015-04-30' }), /"str_replace" params must be strings or numbers; param \$C is not/);
  });

  it('str_replace refuses malformed arguments', async () => {
    await rejectsTemplate(evalSnippet({ str_replace: { template: 'x' } }), /must be a map with "template" \(a string\) and "params"/);
    await rejectsTemplate(evalSnippet({ str_replace: 'x' }), /must be a map with "template"/);
    await rejectsTemplate(evalSnippet({ str_replace: { template: ['x'], params: {} } }), /"str_replace" template must be a string/);
    await rejectsTemplate(evalSnippet({ str_replace: { template: 'x', params: ['a'] } }), /"str_replace" params must be a map/);
  });

  it('str_replace_strict refuses params missing from the template; _vstrict also empty values', async () => {
    assert.equal(await evalSnippet({ str_replace_strict: { template: 'a-$X', params: { $X: 'b' } } }), 'a-b');
    await rejectsTemplate(evalSnippet({ str_replace_strict: { template: 'a', params: { $X: 'b', $Y: 'c' } } }), /these params were not found in the template: \$X,\$Y/);
    assert.equal(await evalSnippet({ str_replace_strict: { template: 'a$X', params: { $X: '' } } }), 'a');
    await rejectsTemplate(evalSnippet({ str_replace_vstrict: { template: 'a$X', params: { $X: '' } } }), /param \$X has an undefined or empty value/);
    await rejectsTemplate(evalSnippet({ str_replace_vstrict: { template: 'a$X', params: { $X: [] } } }), /param \$X has an undefined or empty value/);
    await rejectsTemplate(evalSnippet({ str_replace_vstrict: { template: 'a', params: { $X: 'v' } } }), /not found in the template: \$X/);
  });

  it('list_join joins one list, several lists from 2015-10-15, and JSON for maps', async () => {
    assert.equal(await evalSnippet({ list_join: [', ', ['one', 'two', 'and three']] }), 'one, two, and three');
    assert.equal(await evalSnippet({ list_join: ['-', ['a', 'b'], ['c'], null] }, { version: '2015-10-15' }), 'a-b-c');
    assert.equal(await evalSnippet({ list_join: [',', [{ k: 'v' }, 'x', null]] }), '{"k": "v"},x,');
    assert.equal(await evalSnippet({ list_join: [' ', { get_attr: ['server', 'networks', 'private'] }] }, { resources: SERVER, resolver: RESOLVER }), '192.0.2.1');
  });

  it('list_join refuses bad delimiters, non-lists, and several lists before 2015-10-15', async () => {
    await rejectsTemplate(evalSnippet({ list_join: ['-', ['a'], ['b']] }, { version: '2015-04-30' }), /arguments to "list_join" must be of the form \[" ", \["str1", "str2"\]\]/);
    await rejectsTemplate(evalSnippet({ list_join: [',', [{ k: 'v' }]] }, { version: '2015-04-30' }), /items to join must be strings, not/);
    await rejectsTemplate(evalSnippet({ list_join: [1, ['a']] }), /"list_join" delimiter must be a string/);
    await rejectsTemplate(evalSnippet({ list_join: [',', 'abc'] }), /"list_join" must operate on lists/);
    await rejectsTemplate(evalSnippet({ list_join: ',' }), /arguments to "list_join" must be a list/);
    await rejectsTemplate(evalSnippet({ list_join: [','] }), /must be of the form/);
  });

  it('str_split splits, and picks an item by index', async () => {
    assert.deepEqual(await evalSnippet({ str_split: [',', 'a,b,c'] }), ['a', 'b', 'c']);
    assert.equal(await evalSnippet({ str_split: [',', 'a,b,c', 1] }), 'b');
    assert.equal(await evalSnippet({ str_split: [',', 'a,b,c', '2'] }), 'c');
    await rejectsTemplate(evalSnippet({ str_split: [',', 'a,b,c', 3] }), /index 3 to "str_split" is out of range: it must be between 0 and 2/);
    await rejectsTemplate(evalSnippet({ str_split: [',', 'a,b', 'x'] }), /index to "str_split" must be an integer/);
    await rejectsTemplate(evalSnippet({ str_split: 'a,b' }), /arguments to "str_split" must be a list/);
    await rejectsTemplate(evalSnippet({ str_split: [','] }), /must be \[delimiter, string\]/);
    await rejectsTemplate(evalSnippet({ str_split: [',', 'a'] }, { version: '2015-04-30' }), /function "str_split" is not available in heat_template_version 2015-04-30 \(it was added in 2015-10-15\)/);
  });

  it('digest hashes with the named algorithm', async () => {
    const expected = createHash('sha512').update('P@ssw0rd').digest('hex');
    assert.equal(await evalSnippet({ digest: ['sha512', 'P@ssw0rd'] }), expected);
    assert.equal(await evalSnippet({ digest: ['MD5', 'abc'] }), '900150983cd24fb0d6963f7d28e17f72');
    await rejectsTemplate(evalSnippet({ digest: ['rot13', 'abc'] }), /digest algorithm "rot13" is not available/);
    await rejectsTemplate(evalSnippet({ digest: ['sha256'] }), /"digest" takes two arguments/);
    await rejectsTemplate(evalSnippet({ digest: ['sha256', 5] }), /must be a list of strings/);
    await rejectsTemplate(evalSnippet({ digest: ['md5', 'x'] }, { version: '2014-10-16' }), /"digest" is not available in heat_template_version 2014-10-16 \(it was added in 2015-04-30\)/);
  });

  it('make_url builds and escapes URLs', async () => {
    const snippet = {
      make_url: { scheme: 'http', host: { get_attr: ['server', 'networks', 'private', 0] }, port: 8080, path: '/hello', query: { recipient: 'world' }, fragment: 'greeting' },
    };
    assert.equal(await evalSnippet(snippet, { resources: SERVER, resolver: RESOLVER }), 'http://192.0.2.1:8080/hello?recipient=world#greeting');
    assert.equal(await evalSnippet({ make_url: { scheme: 'https', host: '::1', port: '443', path: 'a b/c' } }), 'https://[::1]:443/a%20b/c');
    assert.equal(await evalSnippet({ make_url: { scheme: 'ftp', username: 'us er', password: 'p@ss', host: 'h', query: { 'a b': 'c/d&e' } } }), 'ftp://us%20er:p%40ss@h?a+b=c/d%26e');
    assert.equal(await evalSnippet({ make_url: { scheme: 'http', host: '[fe80::1]', path: '/' } }), 'http://[fe80::1]/');
  });

  it('make_url refuses bad ports, unknown keys and a colon in the scheme', async () => {
    await rejectsTemplate(evalSnippet({ make_url: { host: 'h', port: 70000 } }), /invalid URL port 70000: it must be in the range 1-65535/);
    await rejectsTemplate(evalSnippet({ make_url: { host: 'h', port: 'http' } }), /invalid URL port "http"/);
    await rejectsTemplate(evalSnippet({ make_url: { host: 'h', hostname: 'x' } }), /invalid argument to "make_url": hostname/);
    await rejectsTemplate(evalSnippet({ make_url: { scheme: 'http:', host: 'h' } }), /must not contain ":"/);
    await rejectsTemplate(evalSnippet({ make_url: { host: 'h', query: 'a=b' } }), /the "query" argument to "make_url" must be a map/);
    await rejectsTemplate(evalSnippet({ make_url: { host: 'h' } }, { version: '2017-02-24' }), /"make_url" is not available in heat_template_version 2017-02-24 \(it was added in 2017-09-01\)/);
  });
});
