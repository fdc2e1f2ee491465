/** A cancellable, unref'd sleep that also ends when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let done: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    done = resolve;
    timer = setTimeout(resolve, ms);
    timer.unref?.();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  return { promise, cancel: () => { if (timer) clearTimeout(timer); done(); } };
}
