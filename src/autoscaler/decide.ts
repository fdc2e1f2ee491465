// The autoscaler's decision (RING §5.10), pure: current target + average CPU per instance + cooldown
// clocks → keep, or move the target by one. Clamping to [min, max] is immediate; a CPU-driven move
// needs fresh stats, a reading outside the ±10-point dead band around target_cpu, and the cooldown:
// 60 s since the last scale before scaling up again, 300 s before scaling down (down is the
// conservative direction: a brief lull must not cost capacity).
import type { AutoscaleSpec } from '../domain/deployment.js';

export const DEAD_BAND_POINTS = 10;
export const UP_COOLDOWN_MS = 60_000;
export const DOWN_COOLDOWN_MS = 300_000;
export const MAX_STATS_AGE_MS = 120_000;

export interface AutoscaleInput {
  autoscale: AutoscaleSpec;
  /** The target now in force: desired_replicas, else replicas. */
  current: number;
  /** Average CPU % per running instance; undefined = no stats for this deployment. */
  cpuPercent: number | undefined;
  /** Age of the stats snapshot. */
  statsAgeMs: number;
  /** When this deployment was last scaled by the autoscaler (ms epoch), if ever since start. */
  lastScaledAt: number | undefined;
  now: number;
}

export type AutoscaleDecision =
  | { kind: 'keep'; why: string }
  | { kind: 'scale'; to: number; direction: 'up' | 'down'; message: string };

const scale = (from: number, to: number, why: string): AutoscaleDecision => ({
  kind: 'scale', to, direction: to > from ? 'up' : 'down',
  message: `Autoscaler: desired replicas ${from} → ${to} (${why})`,
});

export function decideScale(i: AutoscaleInput): AutoscaleDecision {
  const { min, max, target_cpu: target } = i.autoscale;
  if (i.current < min) return scale(i.current, min, `below the minimum ${min}`);
  if (i.current > max) return scale(i.current, max, `above the maximum ${max}`);
  if (i.cpuPercent === undefined || !Number.isFinite(i.cpuPercent)) return { kind: 'keep', why: 'no CPU stats for this deployment' };
  if (i.statsAgeMs > MAX_STATS_AGE_MS) return { kind: 'keep', why: `CPU stats are ${Math.round(i.statsAgeMs / 1000)} s old` };
  const cpu = Math.round(i.cpuPercent * 10) / 10;
  const since = i.lastScaledAt === undefined ? Infinity : i.now - i.lastScaledAt;
  if (cpu > target + DEAD_BAND_POINTS) {
    if (i.current >= max) return { kind: 'keep', why: `at the maximum ${max}` };
    if (since < UP_COOLDOWN_MS) return { kind: 'keep', why: 'scale-up cooldown' };
    return scale(i.current, i.current + 1, `average CPU ${cpu}% above the target ${target}% + ${DEAD_BAND_POINTS}`);
  }
  if (cpu < target - DEAD_BAND_POINTS) {
    if (i.current <= min) return { kind: 'keep', why: `at the minimum ${min}` };
    if (since < DOWN_COOLDOWN_MS) return { kind: 'keep', why: 'scale-down cooldown' };
    return scale(i.current, i.current - 1, `average CPU ${cpu}% below the target ${target}% - ${DEAD_BAND_POINTS}`);
  }
  return { kind: 'keep', why: `average CPU ${cpu}% within ±${DEAD_BAND_POINTS} of the target ${target}%` };
}
