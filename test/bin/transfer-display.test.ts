import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { transferDisplay } from '../../bin/commands/transfer-display.js';

/** A writable that remembers what was written, posing as a terminal or not. */
function sink(isTTY: boolean): PassThrough & { isTTY: boolean; columns: number; text(): string } {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number; text(): string };
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.isTTY = isTTY;
  stream.columns = 100;
  stream.text = () => Buffer.concat(chunks).toString();
  return stream;
}

describe('bin/commands/transfer-display', () => {
  const events = [
    { id: 'aaaaaaaaaaaa', status: 'Waiting' as const },
    { id: 'bbbbbbbbbbbb', status: 'Already exists' as const },
    { id: 'aaaaaaaaaaaa', status: 'Downloading' as const, current: 500_000, total: 1_000_000 },
    { id: 'aaaaaaaaaaaa', status: 'Download complete' as const },
    { id: 'aaaaaaaaaaaa', status: 'Pull complete' as const },
  ];

  it('prints one plain line per state change when not on a terminal, without byte counts', async () => {
    const out = sink(false);
    const display = transferDisplay(out, false);
    for (const e of events) display.listener(e);
    display.finish();
    await new Promise((r) => setImmediate(r));
    assert.equal(out.text(), 'aaaaaaaaaaaa: Waiting\nbbbbbbbbbbbb: Already exists\naaaaaaaaaaaa: Download complete\naaaaaaaaaaaa: Pull complete\n');
  });

  it('redraws one line per layer on a terminal, with a bar, bytes and rate', async () => {
    const out = sink(true);
    const display = transferDisplay(out, false);
    display.listener(events[0]!);
    display.listener(events[1]!);
    await new Promise((r) => setTimeout(r, 120));
    display.listener(events[2]!);
    await new Promise((r) => setImmediate(r));
    assert.match(out.text(), /\x1b\[2A\x1b\[2Kaaaaaaaaaaaa: Downloading \[=+> +\] 500kB\/1MB [\d.]+[kMG]?B\/s\n\x1b\[2Kbbbbbbbbbbbb: Already exists\n$/);
    display.listener(events[4]!);
    display.finish();
    await new Promise((r) => setImmediate(r));
    assert.ok(out.text().endsWith('\x1b[2Kaaaaaaaaaaaa: Pull complete\n\x1b[2Kbbbbbbbbbbbb: Already exists\n'));
  });

  it('prints nothing with --quiet', () => {
    const out = sink(true);
    const display = transferDisplay(out, true);
    for (const e of events) display.listener(e);
    display.finish();
    assert.equal(out.text(), '');
  });
});
