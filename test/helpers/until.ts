/**
 * Polls a synchronous condition until it holds. The timeout is generous on purpose: tests assert
 * behaviour, not speed, and the machine may be busy (speed is bench/'s business).
 */
export async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
