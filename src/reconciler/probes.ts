// One health-check probe against one instance (RING.md §6), bounded by the check's timeout.
// Probes target the instance's runtime-private address, never a published host port, so each
// replica is judged on its own.
//
// Where we differ from Ring on purpose (§14, §15): only a `localhost` *host* is rewritten (not
// any substring of the URL), 3xx answers are failures (redirects are not followed), and a command
// probe's exit code decides (0 = success) once its output has been drained.
import { connect } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { commandArgv } from '../domain/command-argv.js';
import type { HealthCheckSpec } from '../domain/deployment.js';
import { parseDuration } from '../domain/durations.js';
import type { Instance, Runtime } from '../runtime/runtime.js';
import type { ProbeStatus } from '../store/health-checks.js';

export interface ProbeResult { status: ProbeStatus; message: string }

export const TIMED_OUT_MESSAGE = 'Health check timed out';
/** Enough of a failing command's output to tell why, without flooding the table. */
const OUTPUT_EXCERPT = 200;

export interface ProbeTarget {
  instance: Pick<Instance, 'id' | 'address'>;
  runtime: Pick<Runtime, 'exec'>;
}

/** Runs one probe; never throws. */
export async function runProbe(check: HealthCheckSpec, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = parseDuration(check.timeout);
  if (timeoutMs === null || timeoutMs <= 0) return { status: 'failed', message: `Invalid timeout duration: ${check.timeout}` };
  try {
    switch (check.type) {
      case 'tcp':
        return await withAddress(target, (ip) => probeTcp(ip, check.port ?? 0, timeoutMs));
      case 'http':
        return await withAddress(target, (ip) => probeHttp(check.url ?? '', ip, timeoutMs));
      case 'command':
        return await probeCommand(check.command ?? '', target, timeoutMs);
      default:
        return { status: 'failed', message: `Unsupported health check type '${String((check as { type: unknown }).type)}'` };
    }
  } catch (err) {
    return { status: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}

function withAddress(target: ProbeTarget, fn: (ip: string) => Promise<ProbeResult>): Promise<ProbeResult> {
  const ip = target.instance.address;
  if (!ip) return Promise.resolve({ status: 'failed', message: `Could not resolve instance address for ${target.instance.id}` });
  return fn(ip);
}

/** `ip:port`, with brackets for IPv6. */
export function hostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * The `done` of a socket probe: the first of its outcome or the timeout settles it; later calls
 * (the error after a destroy, a late response) are ignored; `close` releases the socket/request.
 */
function settleOnce(timeoutMs: number, resolve: (r: ProbeResult) => void, close: () => void): (r: ProbeResult) => void {
  let settled = false;
  const done = (r: ProbeResult): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    close();
    resolve(r);
  };
  const timer = setTimeout(() => done({ status: 'timeout', message: TIMED_OUT_MESSAGE }), timeoutMs);
  return done;
}

// ---- tcp -------------------------------------------------------------------------------------

export function probeTcp(ip: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const where = hostPort(ip, port);
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const done = settleOnce(timeoutMs, resolve, () => socket.destroy());
    socket.once('connect', () => done({ status: 'success', message: `TCP connection to ${where} successful` }));
    socket.once('error', (err) => done({ status: 'failed', message: `TCP connection to ${where} failed: ${err.message}` }));
  });
}

// ---- http ------------------------------------------------------------------------------------

/** The probe URL: a `localhost` host becomes the instance IP; nothing else in the URL changes. */
export function rewriteLocalhost(url: string, ip: string): string {
  const u = new URL(url);
  if (u.hostname.toLowerCase() === 'localhost') u.hostname = ip.includes(':') ? `[${ip}]` : ip;
  return u.toString();
}

/** What a probe of one URL against one instance IP sends, derived once (see targetOf). */
type HttpTarget = {
  /** The URL as the messages show it. */
  shown: string;
} & ({ https: false; host: string; port: number; request: string } | { https: true; options: RequestOptions });

/**
 * Parsed targets by (url, ip). A probe's URL and its instance's IP stay the same for the
 * instance's life: parsing and rewriting them was a share of every probe (300 a second at 300
 * instances × 1 s checks). Bounded: cleared whole when full (instances come and go).
 */
const targets = new Map<string, HttpTarget | null>();
const MAX_TARGETS = 4096;

function targetOf(url: string, ip: string): HttpTarget | null {
  const key = `${ip} ${url}`;
  const known = targets.get(key);
  if (known !== undefined) return known;
  let t: HttpTarget | null;
  try {
    const u = new URL(rewriteLocalhost(url, ip));
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    // As http.request(url) does with a URL's user:password.
    const auth = u.username || u.password ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : '';
    const path = `${u.pathname}${u.search}`;
    if (u.protocol === 'https:') {
      // Certificates are not verified (as Kubernetes' HTTPS probes): the probe dials a bare IP.
      t = { https: true, shown: u.toString(), options: {
        protocol: 'https:', host, port: u.port ? Number(u.port) : 443, path, method: 'GET', agent: false, rejectUnauthorized: false,
        headers: { 'user-agent': 'ring-health-check' }, ...(auth ? { auth } : {}),
      } };
    } else if (u.protocol === 'http:') {
      // u.host: the port only when not 80, an IPv6 address in brackets (what http.request sends).
      const request = `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: ring-health-check\r\n`
        + `${auth ? `Authorization: Basic ${Buffer.from(auth).toString('base64')}\r\n` : ''}Connection: close\r\n\r\n`;
      t = { https: false, shown: u.toString(), host, port: u.port ? Number(u.port) : 80, request };
    } else {
      t = null;
    }
  } catch {
    t = null;
  }
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(key, t);
  return t;
}

export function probeHttp(url: string, ip: string, timeoutMs: number): Promise<ProbeResult> {
  const target = targetOf(url, ip);
  if (!target) return Promise.resolve({ status: 'failed', message: `Invalid health check URL: ${url}` });
  const { shown } = target;
  const judge = (code: number): ProbeResult => {
    if (code >= 200 && code < 300) return { status: 'success', message: `HTTP check successful (${code}) for ${shown}` };
    if (code >= 300 && code < 400) return { status: 'failed', message: `HTTP check failed with status ${code} for ${shown} (redirects are not followed)` };
    return { status: 'failed', message: `HTTP check failed with status ${code} for ${shown}` };
  };
  const failed = (why: string): ProbeResult => ({ status: 'failed', message: `HTTP check failed for ${shown}: ${why}` });
  return target.https ? probeHttps(target.options, timeoutMs, judge, failed) : probePlainHttp(target, timeoutMs, judge, failed);
}

/**
 * Plain http over its own socket: one GET with Connection: close, judged by the status code once
 * the response head is complete; the body is never read. Each probe dials anew (no keep-alive,
 * on purpose: a pooled socket could hide a listener that no longer accepts, and the server's
 * idle timeout racing a probe would add false failures). Written over net instead of
 * http.request, whose ClientRequest, parser, IncomingMessage and header objects were a third of
 * a probe's CPU (bench/support/profile-probes.ts); the head is checked as far as a probe needs:
 * an HTTP/1.x status line, well-formed header lines, informational (1xx) heads skipped, at most
 * 16 KiB (Node's own header limit).
 */
function probePlainHttp(t: { host: string; port: number; request: string }, timeoutMs: number,
  judge: (code: number) => ProbeResult, failed: (why: string) => ProbeResult): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: t.host, port: t.port });
    let head = '';
    const done = settleOnce(timeoutMs, resolve, () => socket.destroy());
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      head += chunk;
      const r = readHead(head);
      if (r === null) return;
      done(typeof r === 'number' ? judge(r) : failed(r));
    });
    // Closed before a complete head: what http.request reports then.
    socket.once('end', () => done(failed('socket hang up')));
    socket.once('error', (err) => done(failed(err.message)));
    socket.write(t.request, 'latin1'); // queued until connected
  });
}

const MAX_HEAD = 16 * 1024;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\x00-\x08\x0a-\x1f\x7f]*)?$/;
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\x00-\x08\x0a-\x1f\x7f]*$/;

/**
 * The final status code of a response that starts `text`; null while its head is incomplete;
 * a parse error's text (as http.request words it: "Parse Error: …") when it is not HTTP/1.x.
 */
export function readHead(text: string): number | string | null {
  let rest = text;
  for (;;) {
    if (rest.length >= 5 && !rest.startsWith('HTTP/')) return 'Parse Error: Expected HTTP/';
    const end = endOfHead(rest);
    if (end === -1) return rest.length > MAX_HEAD ? 'Parse Error: Header overflow' : null;
    const lines = rest.slice(0, end.start).split(/\r?\n/);
    const m = STATUS_LINE.exec(lines[0]!);
    if (!m) return 'Parse Error: Invalid response status';
    for (let i = 1; i < lines.length; i++) if (!HEADER_LINE.test(lines[i]!)) return 'Parse Error: Invalid header value char';
    const code = Number(m[1]);
    // 100 Continue, 102, 103 Early Hints: another head follows (101 would switch protocols: not a 2xx).
    if (code >= 100 && code < 200 && code !== 101) {
      rest = rest.slice(end.next);
      continue;
    }
    return code;
  }
}

/** Where the head's blank line starts (CRLF or a bare LF, as Node accepts) and where what follows it begins. */
function endOfHead(s: string): { start: number; next: number } | -1 {
  let i = s.indexOf('\n');
  while (i !== -1) {
    const next = s.indexOf('\n', i + 1);
    if (next === -1) return -1;
    const between = s.slice(i + 1, next);
    if (between === '' || between === '\r') return { start: s[i - 1] === '\r' ? i - 1 : i, next: next + 1 };
    i = next;
  }
  return -1;
}

/** HTTPS through Node's client (rare for probes; certificates unverified, see targetOf). */
function probeHttps(options: RequestOptions, timeoutMs: number,
  judge: (code: number) => ProbeResult, failed: (why: string) => ProbeResult): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = httpsRequest(options, (res: IncomingMessage) => {
      res.resume();
      done(judge(res.statusCode ?? 0));
    });
    const done = settleOnce(timeoutMs, resolve, () => req.destroy());
    req.once('error', (err) => done(failed(err.message)));
    req.end();
  });
}

// ---- command ---------------------------------------------------------------------------------

export { commandArgv } from '../domain/command-argv.js';

async function probeCommand(command: string, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const argv = commandArgv(command);
  if (argv.length === 0) return { status: 'failed', message: 'Empty health check command' };
  let result: { exitCode: number; output: string };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  try {
    // The runtime bounds exec itself; the race only guards a runtime that does not.
    const run = target.runtime.exec(target.instance.id, argv, timeoutMs, { command });
    run.catch(() => undefined);
    const r = await Promise.race([run, timeout]);
    if (r === 'timeout') return { status: 'timeout', message: TIMED_OUT_MESSAGE };
    result = r;
  } catch (err) {
    if (isTimeout(err)) return { status: 'timeout', message: TIMED_OUT_MESSAGE };
    return { status: 'failed', message: `Command could not be run: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
  if (result.exitCode === 0) return { status: 'success', message: 'Command exited 0' };
  const out = result.output.trim();
  const excerpt = out.length > OUTPUT_EXCERPT ? `${out.slice(0, OUTPUT_EXCERPT)}…` : out;
  return { status: 'failed', message: excerpt ? `Command exited ${result.exitCode}: ${excerpt}` : `Command exited ${result.exitCode}` };
}

/** Docker's ExecTimeoutError (and any runtime's) says "timeout"; checked structurally to keep runtimes out of here. */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExecTimeoutError' || err.message === 'timeout');
}
