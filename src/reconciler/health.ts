// The health prober (RING.md §6, §5.7): its own scheduler, one timer per running instance ×
// declared check, so probing never blocks a reconcile pass and a slow probe never delays another.
//
// Better than the seeds' admitted limits (§14): `interval` is honoured per check (not the tick),
// the consecutive-failure counter is kept per declared check (index) and instance, and
// `start_period` gives each check a grace period after its instance started during which
// failures are recorded but not counted.
//
// While a deployment is `creating` only its readiness checks run, record-only (a probe that is
// not green yet during boot is not a failure). Once `running`, every check runs and counts;
// reaching `threshold` fires `on_failure` once and resets the counter. Counters and gate state
// live in memory only (the seeds allow it): a server restart starts every check at zero.
import type { Deployment, HealthCheckSpec } from '../domain/deployment.js';
import { parseDuration } from '../domain/durations.js';
import type { Instance, Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/index.js';
import type { HealthAction } from '../domain/changes.js';
import { SILENT_LOGGER, type Logger } from '../log-type.js';
import { errorText } from '../shared/error-text.js';
import { writeDeployment, type Write, type WriteHooks } from './write.js';
import { runProbe, type ProbeResult } from './probes.js';
import { gateOpen, gateWindowMs, readinessIndices, startPeriodMs, type CheckState } from './readiness.js';

export interface HealthProberDeps {
  store: Store;
  runtimes: Map<string, Runtime>;
  logger?: Logger;
  clock?: () => number;
  /** Asks the reconciler for a pass (a gate may have opened, an action fired). */
  wake: (deploymentId: string) => void;
  /** Removes one instance on purpose: never counted as a crash; the reconciler recreates it. */
  restartInstance: (deploymentId: string, instanceId: string) => Promise<void>;
  /** Instances being removed on purpose (drain, scale-down, restart): not probed, their end says nothing. */
  isLeaving?: (instanceId: string) => boolean;
  /** Observers of the writes (and the logger for a webhook that could not be queued). */
  hooks?: WriteHooks;
  /** Probes in flight at once, all deployments together (default 32). */
  concurrency?: number;
  /** How long a result may wait to be written with others (default FLUSH_MS; 0: the next turn of the event loop). */
  flushMs?: number;
}

const DEFAULT_THRESHOLD = 3;
/** A floor under `interval`, so a typo like "1ms" cannot spin the scheduler. */
const MIN_INTERVAL_MS = 10;
/**
 * A deployment's history is trimmed to its 50 newest results every this many of its own results
 * (so it never holds more than 50 + this), on top of the loop's 5-minute sweep. Trimming only the
 * deployment that grew replaced a sweep of every deployment every 200 results: at 300 instances ×
 * 1 s checks that was 300 DELETEs 1.5 times a second (bench/ scenario 6).
 */
export const TRIM_EVERY_RESULTS = 25;
/**
 * Results are written in batches, one transaction per this many ms (a transaction per result
 * was ~40 % of a probe's CPU at 300 instances × 1 s checks: bench/support/profile-probes.ts). The
 * gate and the on_failure counters never wait for it (they live in memory); only the stored
 * history lags, by at most this.
 */
export const FLUSH_MS = 100;

type PendingRow = Parameters<Store['healthChecks']['insertBatch']>[0][number];

interface Entry extends CheckState {
  key: string;
  deploymentId: string;
  runtime: string;
  index: number;
  check: HealthCheckSpec;
  intervalMs: number;
  startPeriodMs: number;
  threshold: number;
  instance: Instance;
  failures: number;
  timer: NodeJS.Timeout | null;
  gateTimer: NodeJS.Timeout | null;
  queued: boolean;
  inFlight: boolean;
  retired: boolean;
}

const keyOf = (instanceId: string, index: number): string => `${instanceId}#${index}`;

export class HealthProber {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly concurrency: number;
  private readonly warnedWindow = new Set<string>();
  private active = 0;
  /** Results recorded per deployment since its last trim. */
  private readonly untrimmed = new Map<string, number>();
  private stopped = false;
  /** Results taken, not yet written (see record()). */
  private readonly pending: PendingRow[] = [];
  /** Deployments whose history is due a trim at the next flush. */
  private readonly toTrim = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  /** Batches written (observability and tests). */
  flushes = 0;

  constructor(private readonly deps: HealthProberDeps) {
    this.logger = deps.logger ?? SILENT_LOGGER;
    this.clock = deps.clock ?? Date.now;
    this.concurrency = Math.max(1, deps.concurrency ?? 32);
    this.flushMs = Math.max(0, deps.flushMs ?? FLUSH_MS);
  }

  /**
   * Aligns the schedule with one observation: every running instance of a probed deployment gets
   * its checks (readiness ones only while the deployment is coming up); the rest are dropped.
   */
  observe(deployments: readonly Deployment[], instancesOf: (deploymentId: string) => readonly Instance[]): void {
    if (this.stopped) return;
    const wanted = new Set<string>();
    for (const d of deployments) {
      const checks = d.health_checks ?? [];
      if (checks.length === 0 || !this.deps.runtimes.has(d.runtime)) continue;
      let indices: number[];
      if (d.status === 'running') indices = checks.map((_, i) => i);
      else if (d.status === 'creating' || d.status === 'pending') indices = readinessIndices(d);
      else continue;
      if (indices.length === 0) continue;
      for (const inst of instancesOf(d.id)) {
        if (inst.state !== 'running' || this.deps.isLeaving?.(inst.id)) continue;
        for (const index of indices) {
          const key = keyOf(inst.id, index);
          wanted.add(key);
          const e = this.entries.get(key);
          if (e) {
            if (!e.retired) e.instance = inst;
            continue;
          }
          this.add(d, inst, index, key);
        }
      }
    }
    for (const [key, e] of this.entries) if (!wanted.has(key)) this.drop(e);
    if (this.untrimmed.size > 0) {
      const probed = new Set<string>();
      for (const e of this.entries.values()) probed.add(e.deploymentId);
      for (const id of this.untrimmed.keys()) if (!probed.has(id)) this.untrimmed.delete(id);
    }
  }

  /** The readiness gate (RING §5.7) over the instances the caller sees running. */
  isReady(d: Deployment, instances: readonly Instance[]): boolean {
    // No check at all (most deployments): open, without the index list (asked for every deployment every pass).
    if (!d.health_checks || d.health_checks.length === 0) return true;
    const indices = readinessIndices(d);
    if (indices.length === 0) return true;
    const running = instances.filter((i) => i.state === 'running').map((i) => i.id);
    return gateOpen(running, indices, this.windowOf(d), this.clock(), (id, i) => this.entries.get(keyOf(id, i)));
  }

  /**
   * Stops every timer; probes in flight finish but record nothing. Results already taken are
   * written now (their counters and gate state were already decided), so none is lost.
   */
  stop(): void {
    this.stopped = true;
    this.flush();
    for (const e of this.entries.values()) this.cancel(e);
    this.entries.clear();
    this.queue.length = 0;
  }

  /** Results taken but not yet written (the next flush writes them), for tests and observability. */
  get unwritten(): number {
    return this.pending.length;
  }

  /** Scheduled (instance × check) pairs, for tests and observability. */
  get size(): number {
    return this.entries.size;
  }

  // ---- schedule --------------------------------------------------------------------------

  private add(d: Deployment, inst: Instance, index: number, key: string): void {
    const check = d.health_checks[index]!;
    const e: Entry = {
      key, deploymentId: d.id, runtime: d.runtime, index, check,
      // Validation guarantees positive durations; the fallbacks guard rows written before it.
      intervalMs: Math.max(MIN_INTERVAL_MS, parseDuration(check.interval) ?? 10_000),
      startPeriodMs: startPeriodMs(check),
      threshold: Math.max(1, check.threshold ?? DEFAULT_THRESHOLD),
      instance: inst, failures: 0, last: null, readySince: null,
      timer: null, gateTimer: null, queued: false, inFlight: false, retired: false,
    };
    this.entries.set(key, e);
    this.schedule(e, 0);
  }

  private drop(e: Entry): void {
    this.cancel(e);
    this.entries.delete(e.key);
  }

  private cancel(e: Entry): void {
    e.retired = true;
    if (e.timer) clearTimeout(e.timer);
    if (e.gateTimer) clearTimeout(e.gateTimer);
    e.timer = e.gateTimer = null;
  }

  private schedule(e: Entry, delayMs: number): void {
    if (e.retired || this.stopped) return;
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      e.timer = null;
      this.enqueue(e);
    }, Math.max(0, delayMs));
    e.timer.unref();
  }

  private enqueue(e: Entry): void {
    if (e.retired || e.queued || e.inFlight) return;
    e.queued = true;
    this.queue.push(e);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const e = this.queue.shift()!;
      e.queued = false;
      if (e.retired) continue;
      this.active++;
      e.inFlight = true;
      void this.probe(e).finally(() => {
        e.inFlight = false;
        this.active--;
        this.pump();
      });
    }
  }

  private async probe(e: Entry): Promise<void> {
    const rt = this.deps.runtimes.get(e.runtime);
    if (!rt) return;
    const startedAt = this.clock();
    const result = await runProbe(e.check, { instance: e.instance, runtime: rt });
    const finishedAt = this.clock();
    // A result for an instance that went away meanwhile (drained, restarted) says nothing about the app.
    if (e.retired || this.stopped) return;
    try {
      this.record(e, result, startedAt, finishedAt);
    } catch (err) {
      this.logger.warn({ deployment: e.deploymentId, instance: e.instance.id, error: errorText(err) }, 'failed to record a health check');
    }
    // Fixed cadence from the start of the probe; an overrunning probe is followed at once.
    this.schedule(e, startedAt + e.intervalMs - this.clock());
  }

  // ---- results ---------------------------------------------------------------------------

  /**
   * Takes one result: the gate state and the failure counter change at once, as before; the row
   * joins the batch written by the next flush (one transaction for every result of up to
   * FLUSH_MS), unless the result fires on_failure: then the batch is written first and the result
   * with the action's change in a transaction of their own, at once. So the gate and the actions
   * never wait; the history (GET /deployments/{id}/health-checks) may lag by at most one flush,
   * and every result before an action's event is in it once the event is.
   */
  private record(e: Entry, r: ProbeResult, startedAt: number, finishedAt: number): void {
    const wasGreen = e.last === 'success';
    e.last = r.status;
    if (r.status !== 'success') e.readySince = null;
    else if (!wasGreen || e.readySince === null) e.readySince = finishedAt;

    const { store } = this.deps;
    // The row's status and parent only (a whole Deployment is built only for an action).
    const d = store.deployments.stateOf(e.deploymentId);
    if (!d || d.status === 'deleted') return;
    // The gate matters while coming up, and for a rolling child until its parent is drained.
    const gated = e.check.readiness === true && (d.status !== 'running' || d.parent_id !== null);
    const action = d.status === 'running' ? this.count(e, r, finishedAt) : null; // record-only until running
    const row: PendingRow = {
      deployment_id: e.deploymentId, instance_id: e.instance.id, check_index: e.index, check_type: e.check.type,
      status: r.status, message: r.message, created_at: new Date(finishedAt).toISOString(),
      started_at: new Date(startedAt).toISOString(), finished_at: new Date(finishedAt).toISOString(),
    };
    const n = (this.untrimmed.get(e.deploymentId) ?? 0) + 1;
    if (n >= TRIM_EVERY_RESULTS) {
      this.untrimmed.delete(e.deploymentId);
      this.toTrim.add(e.deploymentId);
    } else {
      this.untrimmed.set(e.deploymentId, n);
    }

    if (action === null) {
      this.pending.push(row);
      if (this.flushTimer === null) {
        this.flushTimer = setTimeout(() => this.flush(), this.flushMs);
        this.flushTimer.unref();
      }
    } else {
      this.flush();
      // The result and the action's change (event, status, webhook) land together or not at all.
      const fired = store.tx(() => {
        const full = store.deployments.get(e.deploymentId);
        if (!full || full.status === 'deleted') return null;
        store.healthChecks.insertBatch([row]);
        this.fire(full, e, action, r.message);
        return { d: full, action };
      });
      if (fired) this.afterAction(e, fired);
    }
    // A readiness check just turned green: come back when its window has passed, when the gate may open.
    if (gated && r.status === 'success' && !wasGreen) this.wakeAtGate(e);
  }

  /** The per-check counter (RING §6) of a running deployment: the action to fire, if this result reaches `threshold`. */
  private count(e: Entry, r: ProbeResult, finishedAt: number): HealthAction | null {
    if (r.status === 'success') {
      e.failures = 0;
      return null;
    }
    // Inside the check's start_period failures are recorded, not counted.
    if (finishedAt - (e.instance.startedAt ?? e.instance.createdAt) < e.startPeriodMs) return null;
    e.failures++;
    if (e.failures < e.threshold) return null;
    e.failures = 0;
    return e.check.on_failure ?? 'restart';
  }

  /**
   * Writes the batched results (and the trims they made due) in one transaction. A failure loses
   * that batch, logged once (before batching, each result's own transaction failed alone).
   */
  private flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.length === 0 && this.toTrim.size === 0) return;
    const rows = this.pending.splice(0);
    const trims = [...this.toTrim];
    this.toTrim.clear();
    try {
      this.deps.store.tx(() => {
        this.deps.store.healthChecks.insertBatch(rows);
        for (const id of trims) this.trim(id);
      });
    } catch (err) {
      this.logger.warn({ results: rows.length, error: errorText(err) }, 'failed to record health checks');
    }
    this.flushes++;
  }

  /** Writes the action's change (and status), inside the result's transaction. */
  private fire(d: Deployment, e: Entry, action: HealthAction, message: string): void {
    const write: Write = { ...fireWrite(d, action), changes: [{ kind: 'health_check_failed', instanceId: e.instance.id, action, message }] };
    writeDeployment(this.deps.store, d.id, write, this.deps.hooks ?? { logger: this.logger });
    this.logger.warn({ deployment: d.id, instance: e.instance.id, check: e.index, action }, `health check failed: ${message}`);
  }

  private afterAction(e: Entry, fired: { d: Deployment; action: HealthAction }): void {
    if (fired.action === 'restart') {
      // Stop probing the doomed instance at once (kept, retired, until it is gone from the
      // observation, so it is not picked up again); its replacement gets fresh entries.
      for (const other of this.entries.values()) if (other.instance.id === e.instance.id) this.cancel(other);
      this.deps.restartInstance(fired.d.id, e.instance.id).catch((err: unknown) => {
        this.logger.warn({ deployment: fired.d.id, instance: e.instance.id, error: errorText(err) }, 'health-check restart failed');
      });
    } else if (fired.action === 'stop') {
      this.deps.wake(fired.d.id);
    }
  }

  private wakeAtGate(e: Entry): void {
    const d = this.deps.store.deployments.get(e.deploymentId);
    if (!d || e.readySince === null) return;
    const delay = e.readySince + this.windowOf(d) - this.clock();
    if (e.gateTimer) clearTimeout(e.gateTimer);
    e.gateTimer = setTimeout(() => {
      e.gateTimer = null;
      if (!e.retired) this.deps.wake(e.deploymentId);
    }, Math.max(0, delay) + 5);
    e.gateTimer.unref();
  }

  private windowOf(d: Deployment): number {
    return gateWindowMs(d, (value) => {
      if (this.warnedWindow.has(d.id)) return;
      this.warnedWindow.add(d.id);
      this.logger.warn({ deployment: d.id, min_healthy_time: value }, 'invalid min_healthy_time; using the 10s default');
    });
  }

  private trim(deploymentId: string): void {
    try {
      this.deps.store.healthChecks.trim(deploymentId);
    } catch (err) {
      this.logger.warn({ error: errorText(err) }, 'health-check retention failed');
    }
  }
}

/**
 * What a fired on_failure action does to the deployment row (RING §6): `stop` deletes the
 * deployment (compare-and-set on the status it had, so a concurrent apply wins); `restart` and
 * `alert` leave the row alone (a restart removes the instance, which the reconciler replaces).
 */
export function fireWrite(d: Pick<Deployment, 'status'>, action: HealthAction): Pick<Write, 'expect' | 'status'> {
  return action === 'stop' ? { expect: { status: d.status }, status: 'deleted' } : {};
}
