// The readiness gate's arithmetic (RING.md §5.7), pure: which checks gate, how long they must stay
// green, when an unready deployment gives up, and whether a set of per-instance results opens it.
import type { Deployment, HealthCheckSpec } from '../domain/deployment.js';
import { parseDuration } from '../domain/durations.js';
import type { ProbeStatus } from '../store/health-checks.js';

/** A readiness check's min_healthy_time when it declares none (Nomad's default). */
export const DEFAULT_MIN_HEALTHY_MS = 10_000;

/** Indices of the checks that gate readiness; jobs have none (RING §5.4). */
export function readinessIndices(d: Pick<Deployment, 'kind' | 'health_checks'>): number[] {
  if (d.kind === 'job') return [];
  const out: number[] = [];
  (d.health_checks ?? []).forEach((c, i) => { if (c.readiness === true) out.push(i); });
  return out;
}

export function hasReadinessChecks(d: Pick<Deployment, 'kind' | 'health_checks'>): boolean {
  return readinessIndices(d).length > 0;
}

/**
 * How long every readiness check must have been green: the largest min_healthy_time, each check
 * defaulting to 10 s. An unparseable value falls back to the default (a typo never blocks a rollout).
 */
export function gateWindowMs(d: Pick<Deployment, 'kind' | 'health_checks'>, onInvalid?: (value: string) => void): number {
  let window = 0;
  for (const i of readinessIndices(d)) {
    const raw = d.health_checks[i]!.min_healthy_time;
    let ms = DEFAULT_MIN_HEALTHY_MS;
    if (raw !== undefined && raw !== '') {
      const parsed = parseDuration(raw);
      if (parsed === null) onInvalid?.(raw);
      else ms = parsed;
    }
    window = Math.max(window, ms);
  }
  return window;
}

/** A check's start_period in ms (0 when absent or invalid). */
export function startPeriodMs(c: Pick<HealthCheckSpec, 'start_period'>): number {
  return c.start_period ? parseDuration(c.start_period) ?? 0 : 0;
}

/** When an unready deployment fails: created_at + the largest start_period + RING_ROLLOUT_DEADLINE. */
export function readinessDeadline(d: Pick<Deployment, 'created_at' | 'health_checks'>, rolloutDeadlineMs: number): number {
  const created = Date.parse(d.created_at);
  const grace = Math.max(0, ...(d.health_checks ?? []).map(startPeriodMs));
  return (Number.isNaN(created) ? 0 : created) + grace + rolloutDeadlineMs;
}

/** What the prober knows of one (instance, readiness check). */
export interface CheckState {
  last: ProbeStatus | null;
  /** First success after the last non-success; null while not green. */
  readySince: number | null;
}

/**
 * The gate is open when every running instance has, for every readiness check, a latest result
 * of success that has held for the window. `stateOf` returns undefined for a pair never probed.
 */
export function gateOpen(
  instanceIds: readonly string[], indices: readonly number[], windowMs: number, now: number,
  stateOf: (instanceId: string, index: number) => CheckState | undefined,
): boolean {
  if (indices.length === 0) return true;
  if (instanceIds.length === 0) return false;
  for (const id of instanceIds) {
    for (const i of indices) {
      const s = stateOf(id, i);
      if (!s || s.last !== 'success' || s.readySince === null || now - s.readySince < windowMs) return false;
    }
  }
  return true;
}
