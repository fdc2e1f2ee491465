// One health-check probe against one instance (RING.md §6), bounded by the check's timeout.
// Probes target the instance's runtime-private address, never a published host port, so each
// replica is judged on its own.
//
// Where we differ from Ring on purpose (§14, §15): only a `localhost` *host* is rewritten (not
// any substring of the URL), 3xx answers are failures (redirects are not followed), and a command
// probe's exit code decides (0 = success) once its output has been drained.
import { connect } from 'node:net';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

// ---- tcp -------------------------------------------------------------------------------------

export function probeTcp(ip: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const where = hostPort(ip, port);
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const done = (r: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ status: 'timeout', message: TIMED_OUT_MESSAGE }), timeoutMs);
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
interface HttpTarget {
  send: typeof httpRequest;
  options: RequestOptions;
  /** The URL as the messages show it. */
  shown: string;
}
/**
 * Parsed targets by (url, ip). A probe's URL and its instance's IP stay the same for the
 * instance's life: parsing and rewriting them was a share of every probe (300 a second at 300
 * instances × 1 s checks). Bounded: cleared whole when full (instances come and go).
 */
const targets = new Map<string, HttpTarget | null>();
const MAX_TARGETS = 4096;

function targetOf(url: string, ip: string): HttpTarget | null {
  const key = `${ip} ${url}`;
  let t = targets.get(key);
  if (t !== undefined) return t;
  try {
    const u = new URL(rewriteLocalhost(url, ip));
    const https = u.protocol === 'https:';
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    const port = u.port ? Number(u.port) : https ? 443 : 80;
    // Certificates are not verified (as Kubernetes' HTTPS probes): the probe dials a bare IP.
    const options: RequestOptions = {
      protocol: u.protocol, host, port, path: `${u.pathname}${u.search}`, method: 'GET',
      headers: { 'user-agent': 'ring-health-check' },
      // As http.request(url) does with a URL's user:password.
      ...(u.username || u.password ? { auth: `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` } : {}),
      ...(https ? { agent: false, rejectUnauthorized: false }
        // No agent at all: each probe dials its own connection (a pooled one could hide a dead
        // listener) and sends Connection: close; createConnection skips building an Agent per probe.
        : { createConnection: () => connect({ host, port }) }),
    };
    t = { send: https ? httpsRequest : httpRequest, options, shown: u.toString() };
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
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = target.send(target.options, (res: IncomingMessage) => {
      const code = res.statusCode ?? 0;
      res.resume();
      if (code >= 200 && code < 300) done({ status: 'success', message: `HTTP check successful (${code}) for ${shown}` });
      else if (code >= 300 && code < 400) {
        done({ status: 'failed', message: `HTTP check failed with status ${code} for ${shown} (redirects are not followed)` });
      } else done({ status: 'failed', message: `HTTP check failed with status ${code} for ${shown}` });
    });
    const timer = setTimeout(() => done({ status: 'timeout', message: TIMED_OUT_MESSAGE }), timeoutMs);
    req.once('error', (err) => done({ status: 'failed', message: `HTTP check failed for ${shown}: ${err.message}` }));
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
