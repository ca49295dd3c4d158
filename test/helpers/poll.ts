/** Waiting for something a server does in the background: asks again until it answers or time runs out. */

/** Calls `probe` until it returns a value other than undefined; rejects after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
