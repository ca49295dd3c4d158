import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { firstFreeAddress, formatAddress, formatSubnet, isPrivate, overlaps, parseAddress, parseSubnet, pickFreeSubnet } from '../../../engine/network/subnet.js';

describe('engine/network/subnet', () => {
  it('parses and formats subnets, refusing host bits and odd prefixes', () => {
    assert.equal(formatSubnet(parseSubnet('10.88.0.0/16')), '10.88.0.0/16');
    assert.throws(() => parseSubnet('10.88.0.1/24'), /host bits/);
    for (const bad of ['10.88.0.0', '10.88.0.0/31', '10.88.0.0/4', '300.1.1.0/24', '10.88.0.0/24/1', 'a.b.c.d/24']) assert.throws(() => parseSubnet(bad), InvalidArgumentError, bad);
    assert.equal(formatAddress(parseAddress('255.255.255.255')), '255.255.255.255');
    assert.ok(isPrivate(parseSubnet('10.88.0.0/24')) && !isPrivate(parseSubnet('8.8.8.0/24')));
  });

  it('picks the first free /24 of the private pool, around taken ones', () => {
    assert.equal(formatSubnet(pickFreeSubnet([])), '10.88.0.0/24');
    assert.equal(formatSubnet(pickFreeSubnet([parseSubnet('10.88.0.0/23'), parseSubnet('10.88.2.128/25')])), '10.88.3.0/24');
    assert.ok(overlaps(parseSubnet('10.0.0.0/8'), parseSubnet('10.88.3.0/24')));
    assert.throws(() => pickFreeSubnet([parseSubnet('10.0.0.0/8')]), /no free/);
  });

  it('allocates neither the network nor the broadcast address', () => {
    const s = parseSubnet('10.88.0.0/30');
    assert.equal(formatAddress(firstFreeAddress(s, new Set())!), '10.88.0.1');
    assert.equal(formatAddress(firstFreeAddress(s, new Set([parseAddress('10.88.0.1')]))!), '10.88.0.2');
    assert.equal(firstFreeAddress(s, new Set([parseAddress('10.88.0.1'), parseAddress('10.88.0.2')])), undefined);
  });
});
