import assert from 'node:assert/strict';
import { yamlLocator } from '../../../translators/heat/yaml-positions.js';

describe('translators/heat/yaml-positions', () => {
  it('finds keys in block and flow mappings, list items, quoted keys and anchored nodes', () => {
    const text = [
      'resources:',                         // 1
      '  "web":',                           // 2
      '    properties:',                    // 3
      '      networks:',                    // 4
      '        - port: {get_resource: p}',  // 5
      '        - &net',                     // 6
      '          network: private',         // 7
      "      'tags': [a, {b: c}]",          // 8
      '  copy:',                            // 9
      '    properties: *net',               // 10
      '  text: |',                          // 11
      '    line one',                       // 12
      '  last: {x: 1}',                     // 13
    ].join('\n');
    const at = yamlLocator(text, 'f.yaml');
    assert.equal(at.file, 'f.yaml');
    assert.deepEqual(at.positionOf(['resources']), { line: 1, column: 1 });
    assert.equal(at.positionOf(['resources', 'web'])!.line, 2);
    assert.equal(at.positionOf(['resources', 'web', 'properties', 'networks', 0])!.line, 5);
    assert.deepEqual(at.positionOf(['resources', 'web', 'properties', 'networks', 0, 'port', 'get_resource']), { line: 5, column: 18 });
    assert.equal(at.positionOf(['resources', 'web', 'properties', 'networks', 1])!.line, 6);
    assert.equal(at.positionOf(['resources', 'web', 'properties', 'networks', 1, 'network'])!.line, 7);
    assert.equal(at.positionOf(['resources', 'web', 'properties', 'tags', 1, 'b'])!.line, 8);
    assert.equal(at.positionOf(['resources', 'copy', 'properties'])!.line, 10);
    assert.equal(at.positionOf(['resources', 'text'])!.line, 11);
    assert.equal(at.positionOf(['resources', 'last', 'x'])!.line, 13);
    assert.equal(at.positionOf(['resources', 'nothere']), undefined);
  });

  it('reads only the first document', () => {
    const at = yamlLocator('a: 1\n---\nb: 2\n');
    assert.equal(at.positionOf(['a'])!.line, 1);
    assert.equal(at.positionOf(['b']), undefined);
  });
});
