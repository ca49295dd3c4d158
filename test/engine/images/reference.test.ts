import assert from 'node:assert/strict';
import { formatReference, parseReference } from '../../../engine/images/reference.js';

describe('engine/images/reference', () => {
  const valid: [string, string][] = [
    ['busybox', 'busybox:latest'],
    ['busybox:1.36', 'busybox:1.36'],
    ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app:v1'],
    ['localhost/app', 'localhost/app:latest'],
    [`app@sha256:${'a'.repeat(64)}`, `app@sha256:${'a'.repeat(64)}`],
    [`app:v2@sha256:${'b'.repeat(64)}`, 'app:v2'],
    ['my_app.v2-x/sub__name', 'my_app.v2-x/sub__name:latest'],
  ];
  for (const [input, stored] of valid) {
    it(`parses '${input}'`, () => assert.equal(formatReference(parseReference(input)), stored));
  }

  const invalid: [string, RegExp][] = [
    ['', /invalid reference format/],
    ['Busybox', /must be lowercase/],
    ['app:', /tag ''/],
    ['app:-bad', /tag '-bad'/],
    ['app@sha256:short', /digest/],
    ['/abs', /invalid reference format/],
    ['a//b', /invalid reference format/],
    [`app:${'t'.repeat(129)}`, /tag/],
  ];
  for (const [input, message] of invalid) {
    it(`refuses '${input.slice(0, 40)}'`, () => assert.throws(() => parseReference(input), message));
  }
});
