// ring health checks → the one container HEALTHCHECK a Swarm task can have. Pure.
//
// Swarm judges a task by a single HEALTHCHECK run inside the container, so ring's per-check probes
// from the server (which cannot reach task IPs on other hosts) become shell commands: `command` as
// is, `tcp` through busybox/netcat `nc`, `http` through `wget` (the image must have them; the
// controller checks before creating the service). Several checks are joined with `&&`: the task is
// healthy only when all are, and per-check history is lost (warned).
import type { HealthCheckSpec } from '../domain/deployment.js';
import { parseDuration } from '../domain/durations.js';

const NS_PER_MS = 1_000_000;
/** ring's default failure threshold (src/reconciler/health.ts). */
const DEFAULT_THRESHOLD = 3;

export interface SwarmHealthcheck { Test: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number }

/** The tools a synthesised check needs inside the image. */
export function toolsNeeded(checks: HealthCheckSpec[]): string[] {
  const tools = new Set<string>();
  for (const c of checks) {
    if (c.type === 'tcp') tools.add('nc');
    if (c.type === 'http') tools.add('wget');
  }
  return [...tools].sort();
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function shellOf(c: HealthCheckSpec): string {
  const timeoutS = Math.max(1, Math.ceil((parseDuration(c.timeout) ?? 1000) / 1000));
  switch (c.type) {
    case 'command':
      return c.command ?? 'false';
    case 'tcp':
      return `nc -w ${timeoutS} 127.0.0.1 ${c.port} </dev/null`;
    case 'http': {
      // ring rewrites a `localhost` host to the instance; inside the container that is the loopback.
      const url = new URL(c.url ?? 'http://localhost/');
      if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
      // No -T: busybox's static wget crashes with it, and the HEALTHCHECK Timeout bounds the run anyway.
      return `wget -q -O /dev/null ${quote(url.toString())}`;
    }
  }
}

export function healthcheckFor(checks: HealthCheckSpec[]): { healthcheck?: SwarmHealthcheck; warnings: string[] } {
  if (checks.length === 0) return { warnings: [] };
  const warnings: string[] = [];
  if (checks.length > 1) {
    warnings.push(`health_checks: Swarm runs one HEALTHCHECK per task; the ${checks.length} checks are joined with '&&' and their separate history is lost`);
  }
  const ms = (raw: string | undefined, dflt: number) => (raw === undefined ? dflt : parseDuration(raw) ?? dflt);
  const test = checks.length === 1 ? shellOf(checks[0]!) : checks.map((c) => `(${shellOf(c)})`).join(' && ');
  return {
    healthcheck: {
      Test: ['CMD-SHELL', test],
      Interval: Math.min(...checks.map((c) => ms(c.interval, 10_000))) * NS_PER_MS,
      Timeout: Math.max(...checks.map((c) => ms(c.timeout, 1_000))) * NS_PER_MS,
      Retries: Math.max(1, Math.min(...checks.map((c) => c.threshold ?? DEFAULT_THRESHOLD))),
      StartPeriod: Math.max(...checks.map((c) => ms(c.start_period, 0))) * NS_PER_MS,
    },
    warnings,
  };
}
