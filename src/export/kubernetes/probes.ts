// ring health checks → Kubernetes probes. Pure.
//
// Mapping (ring §6 semantics → kubelet):
// - `readiness: true`            → readinessProbe (the pod leaves the Service endpoints while it fails,
//                                   which is what ring's readiness gate means for traffic);
// - `on_failure: restart` (default) on a non-readiness check → livenessProbe (kubelet restarts it);
// - `start_period`               → a startupProbe with the same handler that holds the others off;
// - `on_failure: stop | alert`   → no kubelet equivalent: exported as nothing, with a warning.
import type { HealthCheckSpec } from '../../domain/deployment.js';
import { commandArgv } from '../../domain/command-argv.js';
import { parseDuration } from '../../domain/durations.js';

/** ring's default failure threshold when a check declares none (src/reconciler/health.ts). */
const RING_DEFAULT_THRESHOLD = 3;

export type Probe = Record<string, unknown>;
export interface ProbeSet { readinessProbe?: Probe; livenessProbe?: Probe; startupProbe?: Probe }

/** Whole seconds ≥ 1 for a duration; `rounded` when the ring value was not a whole number of seconds. */
export function probeSeconds(raw: string | undefined, fallbackMs: number): { seconds: number; rounded: boolean } {
  const ms = raw === undefined ? fallbackMs : parseDuration(raw) ?? fallbackMs;
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return { seconds, rounded: seconds * 1000 !== ms };
}

function handler(check: HealthCheckSpec, where: string, warn: (w: string) => void): Probe | null {
  switch (check.type) {
    case 'tcp':
      return { tcpSocket: { port: check.port } };
    case 'command':
      return { exec: { command: commandArgv(check.command ?? '') } };
    case 'http': {
      let url: URL;
      try {
        url = new URL(check.url ?? '');
      } catch {
        warn(`${where}: url '${check.url}' is not a URL; check not exported`);
        return null;
      }
      const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
      const get: Record<string, unknown> = { path: `${url.pathname}${url.search}`, port, scheme: url.protocol === 'https:' ? 'HTTPS' : 'HTTP' };
      // ring rewrites a `localhost` host to the instance's address; kubelet's default host is the pod IP.
      if (url.hostname !== 'localhost' && url.hostname !== '127.0.0.1') {
        get.host = url.hostname;
        warn(`${where}: http host '${url.hostname}' is probed as is by kubelet (ring probes it from the server)`);
      }
      return { httpGet: get };
    }
  }
}

export function probesFor(checks: HealthCheckSpec[], deployment: string, warn: (w: string) => void): ProbeSet {
  const set: ProbeSet = {};
  checks.forEach((check, i) => {
    const where = `deployment '${deployment}' health_checks[${i}]`;
    const h = handler(check, where, warn);
    if (h === null) return;
    const period = probeSeconds(check.interval, 10_000);
    const timeout = probeSeconds(check.timeout, 1_000);
    if (period.rounded) warn(`${where}: interval '${check.interval}' rounded up to ${period.seconds}s (probes count whole seconds)`);
    if (timeout.rounded) warn(`${where}: timeout '${check.timeout}' rounded up to ${timeout.seconds}s (probes count whole seconds)`);
    const probe: Probe = {
      ...h,
      periodSeconds: period.seconds,
      timeoutSeconds: timeout.seconds,
      failureThreshold: Math.max(1, check.threshold ?? RING_DEFAULT_THRESHOLD),
    };
    const slot: keyof ProbeSet | null = check.readiness === true ? 'readinessProbe'
      : (check.on_failure ?? 'restart') === 'restart' ? 'livenessProbe' : null;
    if (slot === null) {
      warn(`${where}: on_failure '${check.on_failure}' has no Kubernetes equivalent; check not exported`);
      return;
    }
    if (set[slot] !== undefined) {
      warn(`${where}: Kubernetes allows one ${slot} per container; only the first such check is exported`);
      return;
    }
    set[slot] = probe;
    if (check.start_period !== undefined && set.startupProbe === undefined) {
      const grace = probeSeconds(check.start_period, 0);
      set.startupProbe = {
        ...h,
        periodSeconds: period.seconds,
        timeoutSeconds: timeout.seconds,
        failureThreshold: Math.max(1, Math.ceil(grace.seconds / period.seconds)),
      };
    }
  });
  return set;
}
