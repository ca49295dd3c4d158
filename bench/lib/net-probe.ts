/** Small network probes the benchmarks share: a free loopback port, and waiting for a first HTTP answer. */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on 127.0.0.1 (listened on and closed). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves at the first 2xx answer from `url`, trying every `everyMs`; a refused or
 * unanswered try is only "not up yet". Throws after `withinMs`.
 */
export async function waitForAnswer(url: string, withinMs = 10_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not up yet
    }
    await sleep(everyMs);
  }
  throw new Error(`${url} did not answer within ${withinMs / 1000} s`);
}
