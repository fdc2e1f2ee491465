// The readiness gate of one deployment as a person wants to read it: for each gating check, how
// long it has been green on its least-green instance against min_healthy_time. Worked out from the
// health-check history the API returns (newest first) and the read-only `readiness` of the
// deployment view; pure.
import type { components } from '../src/client/index.js';
import { parseTimestamp } from './format.js';

export type HealthCheckResult = components['schemas']['HealthCheckResult'];
type HealthCheckSpec = components['schemas']['HealthCheck'];
type Readiness = components['schemas']['Deployment']['readiness'];

export interface GateCheck {
  index: number;
  /** `http :80/health`, `tcp :6379`, `command "pg_isready"`. */
  label: string;
  /** Green for this long on every running instance (the smallest run); 0 when not green. */
  greenMs: number;
  windowMs: number;
  /** green: held the window; warming: green, not long enough; red: latest result failed; unknown: never probed. */
  state: 'green' | 'warming' | 'red' | 'unknown';
  /** The latest failure message when red. */
  message?: string;
}

export interface GateView {
  checks: GateCheck[];
  /** Every check held its window on every instance. */
  open: boolean;
  /** The check that keeps the gate shut the longest (undefined when open). */
  blocking?: GateCheck;
}

/** Short human label of a check spec. */
export function checkLabel(c: HealthCheckSpec | undefined, index: number): string {
  if (!c) return `check #${index}`;
  if (c.type === 'http') {
    // Parsed by hand: URL() drops a default port (:80), which is the part worth showing.
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/:?#]+(?::(\d+))?([^?#]*)/i.exec(c.url ?? '');
    const where = m ? `${m[1] ? `:${m[1]}` : ''}${m[2] || '/'}` : c.url ?? '';
    return `http ${where}`.trim();
  }
  if (c.type === 'tcp') return `tcp :${c.port ?? '?'}`;
  const cmd = (c.command ?? '').trim();
  return `command "${cmd.length > 24 ? `${cmd.slice(0, 23)}…` : cmd}"`;
}

/** For one (instance, check): when its current run of successes began, the latest result. */
function runOf(history: readonly HealthCheckResult[], instanceId: string, index: number) {
  let latest: HealthCheckResult | undefined;
  let since: number | undefined;
  for (const r of history) {
    if (r.instance_id !== instanceId || r.check_index !== index) continue;
    latest ??= r;
    if (r.status !== 'success') break;
    since = parseTimestamp(r.finished_at);
  }
  return { latest, since };
}

export function gateView(
  readiness: Readiness | undefined,
  specs: readonly HealthCheckSpec[] | undefined,
  history: readonly HealthCheckResult[],
  instanceIds: readonly string[],
  now: number,
): GateView | undefined {
  if (!readiness || readiness.checks.length === 0) return undefined;
  const windowMs = readiness.min_healthy_ms;
  const checks: GateCheck[] = readiness.checks.map((index) => {
    const label = checkLabel(specs?.[index], index);
    if (instanceIds.length === 0) return { index, label, greenMs: 0, windowMs, state: 'unknown' };
    let greenMs = Number.POSITIVE_INFINITY;
    let state: GateCheck['state'] = 'green';
    let message: string | undefined;
    for (const id of instanceIds) {
      const { latest, since } = runOf(history, id, index);
      if (!latest) {
        greenMs = 0;
        if (state !== 'red') state = 'unknown';
        continue;
      }
      if (latest.status !== 'success' || since === undefined || Number.isNaN(since)) {
        greenMs = 0;
        state = 'red';
        message = latest.message;
        continue;
      }
      greenMs = Math.min(greenMs, Math.max(0, now - since));
    }
    if (!Number.isFinite(greenMs)) greenMs = 0;
    if (state === 'green' && greenMs < windowMs) state = 'warming';
    return { index, label, greenMs, windowMs, state, ...(message ? { message } : {}) };
  });
  const shut = checks.filter((c) => c.state !== 'green');
  const blocking = shut.sort((a, b) => a.greenMs - b.greenMs)[0];
  return { checks: readiness.checks.map((i) => checks.find((c) => c.index === i)!), open: shut.length === 0, ...(blocking ? { blocking } : {}) };
}
