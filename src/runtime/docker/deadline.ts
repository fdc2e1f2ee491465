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

/**
 * Wraps the modem's dial so every non-streaming request carries a deadline (its own, if shorter),
 * and so its callback is called once the deadline passes, whatever the modem does. The second
 * part is not redundant: docker-modem listens for neither `error` nor `close` on a response, so a
 * response cut short (the connection closed mid-body) never calls back, and aborting it then does
 * nothing either — the call would wait forever. bench/ scenario 4 hit exactly that: one
 * `GET /containers/json` of 200+ containers cut short by a proxy wedged the reconciler's pass for
 * good (every deployment after it stayed `creating`). The deadline is a plain timer, so it fires
 * even when nothing else holds the request (an AbortSignal.timeout can be collected with it).
 */
export function installRequestDeadline(docker: Docker, defaultMs = DOCKER_REQUEST_TIMEOUT_MS): void {
  const modem = docker.modem as unknown as { dial: Dial; __ringDeadline?: boolean };
  if (modem.__ringDeadline) return;
  const dial = modem.dial.bind(modem);
  modem.__ringDeadline = true;
  modem.dial = (options, callback) => {
    if (options.isStream || options.hijack || options.openStdin) return dial(options, callback);
    const caller = options.abortSignal;
    const own = caller ? OWN_TIMEOUTS.get(caller) : undefined;
    const ms = own !== undefined ? Math.min(own, defaultMs) : defaultMs;
    const method = options.method ?? 'GET';
    const path = options.path ?? '';
    const deadline = new AbortController();
    const signal = caller ? AbortSignal.any([caller, deadline.signal]) : deadline.signal;
    let done = false;
    const finish = (err: unknown, data: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      callback(err, data);
    };
    const timer = setTimeout(() => {
      deadline.abort(new DockerTimeoutError(method, path, ms));
      // Whether or not the modem reports the abort (it does not for a response cut short).
      finish(new DockerTimeoutError(method, path, ms), null);
    }, ms);
    timer.unref();
    dial({ ...options, abortSignal: signal }, (err, data) => {
      if (err) {
        if (own !== undefined && caller!.aborted) return finish(new DockerTimeoutError(method, path, own), data);
        if (deadline.signal.aborted && !caller?.aborted) return finish(new DockerTimeoutError(method, path, ms), data);
      }
      finish(err, data);
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

/**
 * A plain GET whose body is returned as the daemon sent it (bytes, not parsed), under the same
 * kind of deadline as every other call: the caller decides whether to parse it at all (the
 * container list of an idle host is byte-for-byte the one before, InstanceLister). It goes through
 * the modem as a stream (so the wrapper above leaves it alone) and applies its own bound here,
 * ending on the response's error or early close as well: a body cut short rejects instead of
 * waiting forever.
 */
export function getRaw(docker: Docker, path: string, options: object, statusCodes: Record<number, true | string>, ms: number): Promise<Buffer> {
  const modem = docker.modem as unknown as { dial: (o: object, cb: (err: unknown, data: unknown) => void) => void };
  return new Promise<Buffer>((resolve, reject) => {
    const ac = new AbortController();
    let res: (NodeJS.ReadableStream & { destroy(): void }) | null = null;
    let done = false;
    const finish = (err: unknown, body?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(body!);
    };
    const timer = setTimeout(() => {
      const err = new DockerTimeoutError('GET', path, ms);
      ac.abort(err);
      res?.destroy();
      finish(err);
    }, ms);
    timer.unref();
    modem.dial({ path, method: 'GET', options: { ...options }, isStream: true, statusCodes, abortSignal: ac.signal }, (err, data) => {
      if (err) return finish(err);
      const stream = data as NodeJS.ReadableStream & { destroy(): void };
      res = stream;
      if (done) return stream.destroy();
      const chunks: Buffer[] = [];
      let ended = false;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => { ended = true; finish(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)); });
      stream.on('error', (e: unknown) => finish(e));
      stream.on('close', () => { if (!ended) finish(new Error(`the Docker daemon closed the response to GET ${path.split('?')[0]} before its end`)); });
    });
  });
}
