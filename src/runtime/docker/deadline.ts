// No call to the Docker daemon may wait forever. A stopped daemon refuses connections at once, but
// a wedged one (frozen, swapping, stuck on storage) accepts them and never answers, and every
// caller (a reconciler pass, an API read) would hang with it. Every plain request/response call
// gets a deadline here, in one place, at dockerode's modem; streams (events, followed logs, pull
// progress) and hijacked exec sessions have their own lifetimes and are left alone.
import type Docker from 'dockerode';

/** Longer than any healthy call takes on a loaded host (a stop waits its 2 s grace, a forced remove a few seconds). */
export const DOCKER_REQUEST_TIMEOUT_MS = 60_000;

interface DialOptions {
  method?: string;
  path?: string;
  isStream?: boolean;
  hijack?: boolean;
  openStdin?: boolean;
  abortSignal?: AbortSignal;
}
type Dial = (options: DialOptions, callback: (err: unknown, data: unknown) => void) => void;

/** Signals made by withTimeout, with their bound, so an expiry reads as a timeout and not as a caller's abort. */
const OWN_TIMEOUTS = new WeakMap<AbortSignal, number>();

export class DockerTimeoutError extends Error {
  constructor(readonly method: string, readonly path: string, readonly timeoutMs: number) {
    super(`the Docker daemon did not answer ${method} ${path.split('?')[0]} within ${timeoutMs / 1000} s`);
    this.name = 'DockerTimeoutError';
  }
}

/** Wraps the modem's dial so every non-streaming request carries a deadline (its own, if shorter). */
export function installRequestDeadline(docker: Docker, defaultMs = DOCKER_REQUEST_TIMEOUT_MS): void {
  const modem = docker.modem as unknown as { dial: Dial; __ringDeadline?: boolean };
  if (modem.__ringDeadline) return;
  const dial = modem.dial.bind(modem);
  modem.__ringDeadline = true;
  modem.dial = (options, callback) => {
    if (options.isStream || options.hijack || options.openStdin) return dial(options, callback);
    const timer = AbortSignal.timeout(defaultMs);
    const caller = options.abortSignal;
    const signal = caller ? AbortSignal.any([caller, timer]) : timer;
    const method = options.method ?? 'GET';
    const path = options.path ?? '';
    dial({ ...options, abortSignal: signal }, (err, data) => {
      if (err) {
        const own = caller && OWN_TIMEOUTS.get(caller);
        if (own !== undefined && caller!.aborted) return callback(new DockerTimeoutError(method, path, own), data);
        if (timer.aborted && !caller?.aborted) return callback(new DockerTimeoutError(method, path, defaultMs), data);
      }
      callback(err, data);
    });
  };
}

/**
 * Options for one dockerode call with a bound shorter than the default. dockerode copies
 * `abortSignal` into the dial options; the modem wrapper above turns its expiry into a
 * DockerTimeoutError.
 */
export function withTimeout<T extends object>(opts: T, ms: number): T & { abortSignal: AbortSignal } {
  const abortSignal = AbortSignal.timeout(ms);
  OWN_TIMEOUTS.set(abortSignal, ms);
  return { ...opts, abortSignal };
}
