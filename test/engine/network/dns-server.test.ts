import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Qtype, Rcode, buildQuery, parseReply } from '../../../engine/network/dns/dns-message.js';
import { DnsServer, answer } from '../../../engine/network/dns/dns-server.js';

const names: Record<string, string[]> = { web: ['10.88.0.2'], 'db.internal': ['10.88.0.3'] };
const lookup = (name: string) => names[name];

async function ask(server: DnsServer, query: Buffer): Promise<Buffer> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply')), 2000);
      socket.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      socket.send(query, server.port, server.address);
    });
  } finally {
    socket.close();
  }
}

describe('engine/network/dns', () => {
  let server: DnsServer;
  before(async () => { server = await DnsServer.listen('127.0.0.1', 0, lookup); });
  after(() => server.close());

  it('answers A queries for known names over UDP, any case, with the query id', async () => {
    const reply = parseReply(await ask(server, buildQuery(0x1234, 'WEB')));
    assert.deepEqual(reply, { id: 0x1234, rcode: Rcode.noError, addresses: ['10.88.0.2'] });
    assert.deepEqual(parseReply(await ask(server, buildQuery(7, 'db.internal'))).addresses, ['10.88.0.3']);
  });

  it('says NXDOMAIN for unknown names and NOERROR without records for AAAA of a known one', async () => {
    assert.equal(parseReply(await ask(server, buildQuery(1, 'example.com'))).rcode, Rcode.nxDomain);
    assert.deepEqual(parseReply(await ask(server, buildQuery(2, 'web', Qtype.aaaa))), { id: 2, rcode: Rcode.noError, addresses: [] });
  });

  it('refuses malformed packets without crashing and never answers a response', () => {
    assert.equal(answer(Buffer.alloc(5), lookup), undefined);
    const response = buildQuery(3, 'web');
    response.writeUInt16BE(0x8100, 2);
    assert.equal(answer(response, lookup), undefined, 'no reply to a reply: no loops');
    const truncated = buildQuery(4, 'web').subarray(0, 16);
    assert.equal(parseReply(answer(truncated, lookup)!).rcode, Rcode.formErr);
    const twoQuestions = buildQuery(5, 'web');
    twoQuestions.writeUInt16BE(2, 4);
    assert.equal(parseReply(answer(twoQuestions, lookup)!).rcode, Rcode.formErr);
    const update = buildQuery(6, 'web');
    update.writeUInt16BE(0x2800, 2);
    assert.equal(parseReply(answer(update, lookup)!).rcode, Rcode.notImplemented);
    assert.equal(parseReply(answer(buildQuery(8, 'web'), () => { throw new Error('db locked'); })!).rcode, Rcode.serverFailure);
  });
});
