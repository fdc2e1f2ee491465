// Applies plan() actions through a runtime: one deployment at a time (a per-id promise chain),
// bounded by RING_APPLY_TIMEOUT, every store write (status, counter, events) in one transaction
// through writeDeployment(), and every RuntimeError turned into a status in one place (classify).
import type { Deployment } from '../domain/deployment.js';
import { isTerminal, type Status } from '../domain/status.js';
import { statusAfterFailure } from './budget.js';
import { RuntimeError, type Instance, type Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/index.js';
import { COMPONENT, EVENT_REASON, noted, shortId, type DeploymentChange } from '../domain/changes.js';
import { SILENT_LOGGER, type Logger } from '../log-type.js';
import { errorText } from '../shared/error-text.js';
import { writeDeployment, type Write, type WriteHooks } from './write.js';
import { classify } from './classify.js';
import { buildInstanceSpec, type SpecResolvers } from './instance-spec.js';
import { FRESH_MEMORY, backoffMs, endedChildNeedsPlan, plan, type Action, type DeploymentMemory, type PlanResult, type RolloutRole } from './plan.js';
import { planUnavailable } from './unavailable.js';
import { Slots } from '../shared/slots.js';
import { traced } from '../telemetry/trace.js';

// ---------------------------------------------------------------------------------------------
// Settled instances

/** Instance ids whose end we caused or already counted; remembered for a while (60 s after last touch). */
export class SettledSet {
  private readonly until = new Map<string, number>();
  /** Bumped by every add(): an answer of has() can turn true only through one. */
  version = 0;

  constructor(private readonly ttlMs: number, private readonly clock: () => number) {}

  add(id: string): this {
    this.version++;
    this.until.set(id, this.clock() + this.ttlMs);
    if (this.until.size > 1024) this.sweep();
    return this;
  }

  has(id: string): boolean {
    const t = this.until.get(id);
    if (t === undefined) return false;
    if (t < this.clock()) {
      this.until.delete(id);
      return false;
    }
    return true;
  }

  /** The ids settled at `now`, as a plain set: plan() gets its clock as an input, never reads one. */
  at(now: number): Set<string> {
    const out = new Set<string>();
    for (const [id, t] of this.until) if (t >= now) out.add(id);
    return out;
  }

  /**
   * The same answers as at(now).has() while the set is not changed, without copying it: plan()
   * runs synchronously, so the view cannot change under it (and a copy of every settled id for
   * every deployment of every pass was garbage for nothing).
   */
  viewAt(now: number): { has(id: string): boolean } {
    return { has: (id) => { const t = this.until.get(id); return t !== undefined && t >= now; } };
  }

  /**
   * viewAt(now), also noting the earliest expiry among the ids it answered true for
   * (`expiresAt`: from that instant on, one of those answers may be false). One reused object:
   * valid until the next probe() call, which plan() (synchronous) never outlives.
   */
  probe(now: number): SettledProbe {
    const p = this.probeView;
    p.now = now;
    p.expiresAt = Infinity;
    return p;
  }
  private readonly probeView = new SettledProbe(this.until);

  private sweep(): void {
    const now = this.clock();
    for (const [id, t] of this.until) if (t < now) this.until.delete(id);
  }
}

export class SettledProbe {
  now = 0;
  expiresAt = Infinity;
  constructor(private readonly until: ReadonlyMap<string, number>) {}
  has(id: string): boolean {
    const t = this.until.get(id);
    if (t === undefined || t < this.now) return false;
    // Still settled at t, no longer after it: the answer holds for clock values below t.
    if (t < this.expiresAt) this.expiresAt = t;
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Executor

/** An ended instance whose end is already counted or ours: removing it blocks nothing after it. */
export function overlapsRest(a: Action): boolean {
  return a.type === 'removeInstance' && (a.reason === 'crashed' || a.reason === 'already_settled');
}

export interface ExecutorDeps {
  store: Store;
  applyTimeoutMs: number;
  logger?: Logger;
  resolvers?: SpecResolvers;
  clock?: () => number;
  livenessConfirmMs?: number;
  /** The readiness gate (RING §5.7): false holds a fully-up worker in `creating`. Default: always open. */
  isReady?: (deployment: Deployment, instances: readonly Instance[]) => boolean;
  /** Observers of the writes (and the logger for a webhook that could not be queued). */
  hooks?: WriteHooks;
  /** RING_ROLLOUT_DEADLINE (RING §5.7); without it an unready worker waits forever. */
  rolloutDeadlineMs?: number;
  /** Instance creates in flight at once, all deployments together (default 8). */
  createConcurrency?: number;
}

/**
 * 300 deployments applied at once asked Docker for 300 containers at once: its starts then took
 * over 60 s and timed out (bench/ scenario 4). Docker does little of a start in parallel on a
 * small host, so a few in flight keep it busy without queueing inside the daemon.
 */
const DEFAULT_CREATE_CONCURRENCY = 8;

/** What the loop knows beyond one deployment's own row and instances. */
export interface ReconcileContext {
  rollout?: RolloutRole;
}

export interface ReconcileOutcome {
  /** Actions attempted (0 = the deployment was already as desired). */
  actions: number;
  requeueAfterMs?: number;
  timedOut: boolean;
  purged: boolean;
}

/** The outcome of a pass that found nothing to do and nothing to come back for (shared: callers only read it). */
const NOTHING_TO_DO: ReconcileOutcome = Object.freeze({ actions: 0, timedOut: false, purged: false });

/**
 * A plan without actions, and what it was planned from: while the loop brings the same inputs
 * (the same row and instance objects, the memory it left, the same gate and rollout role, no
 * instance settled since) and the clock is below `until`, plan() would answer the same again
 * (PlanResult.stableUntil), so reconcileNow() answers from here without planning. At 300 idle
 * deployments planning them all was about half of an idle tick's garbage.
 */
interface QuietPlan {
  row: Deployment;
  instances: readonly Instance[];
  /** The memory the plan left (equal to the one it was given: a plan that changes it is not kept). */
  memory: DeploymentMemory;
  ready: boolean | undefined;
  rollout: RolloutRole | undefined;
  settledVersion: number;
  /** min(plan's stableUntil, expiry of the settled answers it used). */
  until: number;
  /** When the requeue the plan asked for is due (absolute), if any. */
  requeueAt: number | undefined;
}

const SETTLED_TTL_MS = 60_000;

/** Stands in for a runtime that is not there: planUnavailable() never emits an action that needs one. */
const NO_RUNTIME: Runtime = new Proxy({} as Runtime, { get: (_t, p) => { throw new Error(`runtime unavailable (${String(p)})`); } });
/** An unresolvable secret/config is reported at most this often (it is retried every pass). */
const UNRESOLVED_REPEAT_MS = 60_000;

/**
 * RING_APPLY_TIMEOUT for one apply: fires once `ms` of its time has passed, not counting the time
 * its creates wait for a create slot (Slots): the timeout bounds runtime work, not the queue in
 * front of it. While a create waits, removals that run beside it (overlapsRest) are not timed
 * either; each is one runtime call, and the clock resumes as soon as the create gets its slot.
 */
class ApplyDeadline {
  private remaining: number;
  private armedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private pausers = 0;
  private over = false;

  constructor(ms: number, private readonly fire: () => void) {
    this.remaining = ms;
    this.arm();
  }

  /** Stops the clock until the returned resume() (nested pauses: until the last one resumes). */
  pause(): () => void {
    if (this.over) return () => {};
    if (this.pausers++ === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.remaining -= performance.now() - this.armedAt;
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.pausers === 0 && !this.over) this.arm();
    };
  }

  clear(): void {
    this.over = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.armedAt = performance.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.over = true;
      this.fire();
    }, Math.max(0, this.remaining));
    this.timer.unref?.();
  }
}

export class Executor {
  readonly settled: SettledSet;
  private readonly memory = new Map<string, DeploymentMemory>();
  private readonly quiet = new Map<string, QuietPlan>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly lastUnresolved = new Map<string, { message: string; at: number }>();
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly createSlots: Slots;
  /** The abort of every apply in flight (its timeout's, and stop()'s). */
  private readonly applying = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly deps: ExecutorDeps) {
    this.createSlots = new Slots(deps.createConcurrency ?? DEFAULT_CREATE_CONCURRENCY);
    this.logger = deps.logger ?? SILENT_LOGGER;
    this.clock = deps.clock ?? Date.now;
    this.settled = new SettledSet(SETTLED_TTL_MS, this.clock);
  }

  /**
   * The server stops and its grace for work in flight is over: every apply still running is cut
   * (its runtime calls aborted, as at RING_APPLY_TIMEOUT) and, from now on, nothing is planned or
   * recorded: ring.db closes next. A runtime call that ignores the abort may still end later; what
   * it did is seen by the next server's first pass, as after a crash.
   */
  stop(): void {
    this.stopped = true;
    for (const ac of this.applying) ac.abort(new Error('server stopping'));
  }

  /** Whether work for this deployment is queued or running. */
  isBusy(deploymentId: string): boolean {
    return this.chains.has(deploymentId);
  }

  memoryOf(deploymentId: string): DeploymentMemory {
    return this.memory.get(deploymentId) ?? FRESH_MEMORY;
  }

  /** A deployment whose runtime is missing: applies planUnavailable() (status and purge only, no runtime call). */
  runtimeUnavailable(d: Deployment, cause: string): Promise<ReconcileOutcome> {
    return this.serialize(d.id, async () => {
      if (this.stopped) return { actions: 0, timedOut: false, purged: false };
      const actions = planUnavailable(d, cause);
      const outcome: ReconcileOutcome = { actions: actions.length, timedOut: false, purged: false };
      const none = new AbortController().signal;
      for (const a of actions) if (!(await this.applyOne(d, a, NO_RUNTIME, none, outcome))) break;
      return outcome;
    });
  }

  /** Plans and applies one deployment against a fresh observation, after any earlier work for it. */
  reconcile(d: Deployment, instances: readonly Instance[], runtime: Runtime, context: ReconcileContext = NO_CONTEXT): Promise<ReconcileOutcome> {
    return this.serialize(d.id, () => this.apply(d, instances, runtime, context));
  }

  /**
   * reconcile() for the loop's passes: when no work for this deployment is queued or running and
   * its plan has no action (an idle pass: every deployment as desired), the outcome at once, with
   * no promise chain queued; otherwise reconcile() (which plans again, in its turn). At 300
   * deployments the chains and promises of 300 empty applies a tick were a third of an idle
   * tick's garbage (bench/support/profile-tick.ts). plan() is pure, so planning twice when there
   * is work changes nothing but its cost.
   */
  reconcileNow(d: Deployment, instances: readonly Instance[], runtime: Runtime, context: ReconcileContext = NO_CONTEXT): ReconcileOutcome | Promise<ReconcileOutcome> {
    if (this.stopped || this.chains.has(d.id)) return this.reconcile(d, instances, runtime, context);
    const now = this.clock();
    const ready = this.readyOf(d, instances);
    const memory = this.memoryOf(d.id);
    const q = this.quiet.get(d.id);
    if (q && now < q.until && q.row === d && q.memory === memory && q.ready === ready && q.settledVersion === this.settled.version
      && sameRollout(q.rollout, context.rollout) && sameInstances(q.instances, instances)) {
      return q.requeueAt === undefined ? NOTHING_TO_DO : { actions: 0, timedOut: false, purged: false, requeueAfterMs: Math.max(0, q.requeueAt - now) };
    }
    const settled = this.settled.probe(now);
    const result = this.planAt(d, instances, context, now, ready, memory, settled);
    if (result.actions.length > 0) {
      this.quiet.delete(d.id);
      return this.reconcile(d, instances, runtime, context);
    }
    this.memory.set(d.id, result.memory);
    const until = Math.min(result.stableUntil, settled.expiresAt);
    if (until > now && sameMemory(result.memory, memory)) {
      this.quiet.set(d.id, {
        row: d, instances, memory: result.memory, ready, rollout: context.rollout, settledVersion: this.settled.version, until,
        requeueAt: result.requeueAfterMs === undefined ? undefined : now + result.requeueAfterMs,
      });
    } else {
      this.quiet.delete(d.id);
    }
    if (result.requeueAfterMs === undefined) return NOTHING_TO_DO;
    return { actions: 0, timedOut: false, purged: false, requeueAfterMs: result.requeueAfterMs };
  }

  /** The readiness gate as plan() gets it (workers only). */
  private readyOf(d: Deployment, instances: readonly Instance[]): boolean | undefined {
    return this.deps.isReady && d.kind === 'worker' && d.status !== 'deleted' ? this.deps.isReady(d, instances) : undefined;
  }

  private planFor(d: Deployment, instances: readonly Instance[], context: ReconcileContext): PlanResult {
    const now = this.clock();
    return this.planAt(d, instances, context, now, this.readyOf(d, instances), this.memoryOf(d.id), this.settled.viewAt(now));
  }

  private planAt(
    d: Deployment, instances: readonly Instance[], context: ReconcileContext, now: number, ready: boolean | undefined,
    memory: DeploymentMemory, settled: { has(id: string): boolean },
  ): PlanResult {
    return plan({
      deployment: d, instances, now, settled, memory,
      ...(this.deps.livenessConfirmMs !== undefined ? { livenessConfirmMs: this.deps.livenessConfirmMs } : {}),
      ...(ready !== undefined ? { ready } : {}),
      ...(this.deps.rolloutDeadlineMs !== undefined ? { rolloutDeadlineMs: this.deps.rolloutDeadlineMs } : {}),
      ...(context.rollout ? { rollout: context.rollout } : {}),
    });
  }

  private serialize<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(() => undefined, () => undefined);
    this.chains.set(id, tail);
    void tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id);
    });
    return run;
  }

  private async apply(d: Deployment, instances: readonly Instance[], runtime: Runtime, context: ReconcileContext): Promise<ReconcileOutcome> {
    if (this.stopped) return { actions: 0, timedOut: false, purged: false };
    this.quiet.delete(d.id);
    const result = this.planFor(d, instances, context);
    this.memory.set(d.id, result.memory);
    const outcome: ReconcileOutcome = { actions: result.actions.length, timedOut: false, purged: false };
    if (result.requeueAfterMs !== undefined) outcome.requeueAfterMs = result.requeueAfterMs;
    if (result.actions.length === 0) return outcome;

    const ac = new AbortController();
    this.applying.add(ac);
    const deadline = new ApplyDeadline(this.deps.applyTimeoutMs, () => {
      outcome.timedOut = true;
      ac.abort(new Error('apply timeout'));
      const ms = this.deps.applyTimeoutMs;
      const secs = ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`;
      this.logger.error({ deployment: d.id, timeoutMs: this.deps.applyTimeoutMs }, 'apply timed out');
      this.write(d.id, { changes: [noted('error', COMPONENT.scheduler, EVENT_REASON.applyTimeout, `Apply timed out after ${secs}`)] });
    });

    // Removals of instances that already ended and are accounted for run beside the rest of the
    // plan (awaited before this apply ends, so the next plan still sees their effect): a crashed
    // container holds no process or host port, and its replacement should not wait the ~100 ms
    // Docker takes to delete it. If one fails, the instance is settled, so the next pass removes it.
    const overlapped: Promise<unknown>[] = [];
    try {
      const actions = result.actions;
      for (let i = 0; i < actions.length && !ac.signal.aborted;) {
        const a = actions[i]!;
        if (overlapsRest(a)) {
          overlapped.push(this.applyOne(d, a, runtime, ac.signal, outcome, deadline));
          i++;
          continue;
        }
        // Consecutive removals run together: stopping a container can take its whole grace
        // period, and a delete or scale-down should not pay it once per instance.
        let j = i + 1;
        if (a.type === 'removeInstance') while (j < actions.length && actions[j]!.type === 'removeInstance' && !overlapsRest(actions[j]!)) j++;
        const results = await Promise.all(actions.slice(i, j).map((x) => this.applyOne(d, x, runtime, ac.signal, outcome, deadline)));
        if (results.includes(false)) break;
        i = j;
      }
      await Promise.all(overlapped);
    } finally {
      deadline.clear();
      this.applying.delete(ac);
    }
    return outcome;
  }

  /** Applies one action in its span (`reconcile.createInstance`, …); false stops the rest of the plan. */
  private applyOne(d: Deployment, a: Action, runtime: Runtime, signal: AbortSignal, outcome: ReconcileOutcome, deadline?: ApplyDeadline): Promise<boolean> {
    return traced(`reconcile.${a.type}`, {
      'ring.deployment.id': d.id, 'ring.deployment.name': d.name, 'ring.namespace': d.namespace, 'ring.runtime': d.runtime,
      ...('reason' in a ? { 'ring.action.reason': a.reason } : {}),
      ...('instanceId' in a && a.instanceId ? { 'ring.instance.id': a.instanceId } : {}),
    }, () => this.applyAction(d, a, runtime, signal, outcome, deadline));
  }

  /** Applies one action; false stops the rest of the plan (the next pass re-plans from a fresh view). */
  private async applyAction(d: Deployment, a: Action, runtime: Runtime, signal: AbortSignal, outcome: ReconcileOutcome, deadline?: ApplyDeadline): Promise<boolean> {
    switch (a.type) {
      case 'createInstance':
        return this.create(d, a, runtime, signal, outcome, deadline);
      case 'removeInstance':
        if (a.intentional) this.settled.add(a.instanceId);
        try {
          await runtime.remove(a.instanceId);
        } catch (err) {
          this.logger.warn({ deployment: d.id, instance: a.instanceId, error: errorText(err) }, 'failed to remove instance');
          return false;
        }
        if (a.change) this.write(d.id, { changes: [a.change] });
        return true;
      case 'setStatus':
        return this.write(d.id, {
          expect: { status: a.from }, status: a.status, changes: a.cause ? [a.cause] : [],
          ...(a.containers !== undefined ? { transition: { containers: a.containers } } : {}),
        });
      case 'bumpRestartCount': {
        const ok = this.write(d.id, { expect: { restartCount: a.from }, restartCount: a.from + a.by, changes: [a.change] });
        if (ok && a.instanceId) this.settled.add(a.instanceId);
        return ok;
      }
      case 'resetRestartCount':
        return this.write(d.id, { expect: { restartCount: a.from }, restartCount: 0, changes: [a.change] });
      case 'purge': {
        if (this.stopped) return false;
        const purged = this.deps.store.tx(() => {
          const cur = this.deps.store.deployments.get(d.id);
          if (!cur || cur.status !== 'deleted') return false;
          this.deps.store.deployments.purge(d.id);
          return true;
        });
        if (purged) {
          outcome.purged = true;
          this.memory.delete(d.id);
          this.quiet.delete(d.id);
          this.lastUnresolved.delete(d.id);
          this.logger.info({ deployment: d.id }, 'deployment purged');
        }
        return purged;
      }
      case 'recordChange':
        this.write(d.id, { changes: [a.change] });
        return true;
      case 'stopInstance':
        // Our own stop: its exit is never reported as a death.
        this.settled.add(a.instanceId);
        try {
          await (runtime.stop ? runtime.stop(a.instanceId) : runtime.remove(a.instanceId));
        } catch (err) {
          this.logger.warn({ deployment: d.id, instance: a.instanceId, error: errorText(err) }, 'failed to stop instance');
          return false;
        }
        this.write(d.id, { changes: [a.change] });
        return true;
      case 'drainInstance':
        return this.drain(d, a, runtime);
      case 'completeRollout':
        return this.completeRollout(a);
      default: {
        const never: never = a;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  private async create(
    d: Deployment, a: Extract<Action, { type: 'createInstance' }>, runtime: Runtime, signal: AbortSignal, outcome: ReconcileOutcome,
    deadline?: ApplyDeadline,
  ): Promise<boolean> {
    const built = buildInstanceSpec(d, this.deps.resolvers ?? {});
    if (!built.ok && built.configError) {
      // A missing config or key: `config_error`, counted and backed off like any failed create.
      this.fail(d, new RuntimeError('config_error', built.event.message), outcome,
        { kind: 'failure', reason: built.event.reason, message: built.event.message, component: built.event.component, webhookReason: 'config_error' });
      return false;
    }
    if (!built.ok) {
      // Status kept, no container, no backoff: retried every pass, reported at most once a minute.
      const last = this.lastUnresolved.get(d.id);
      const now = this.clock();
      if (!last || last.message !== built.event.message || now - last.at >= UNRESOLVED_REPEAT_MS) {
        this.lastUnresolved.set(d.id, { message: built.event.message, at: now });
        this.write(d.id, { changes: [{ kind: 'noted', event: built.event }] });
        this.logger.warn({ deployment: d.id, reason: built.event.reason }, built.event.message);
      }
      // Nothing was started, so there is nothing to confirm: the tick (or a wake) retries.
      delete outcome.requeueAfterMs;
      return false;
    }
    this.lastUnresolved.delete(d.id);
    let release: () => void;
    // The wait for a slot is not the runtime being slow: it does not count against the apply
    // timeout (with hundreds of deployments queued, creates timed out before they were even asked
    // for). stop() still cuts the wait through the signal.
    const resume = deadline?.pause();
    try {
      release = await this.createSlots.acquire(signal);
    } catch {
      return false; // stopping (or timed out before the wait); the next pass retries
    } finally {
      resume?.();
    }
    try {
      const created = await runtime.create(built.spec, signal).finally(release);
      // After a timeout the container may still have come up; the next pass counts it.
      if (signal.aborted) return false;
      this.write(d.id, { changes: a.change ? [a.change] : [], ...(created.imageDigest ? { imageDigest: created.imageDigest } : {}) });
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      this.fail(d, err, outcome);
      return false;
    }
  }

  /**
   * Starts removing one parent instance for its rolling child and reports the step on the child.
   * The removal is not awaited: a stop grace must not hold up the next drain (the instance is
   * settled, so plans skip it and its death is never counted); a failed removal is retried once
   * the settled mark expires.
   */
  private drain(parent: Deployment, a: Extract<Action, { type: 'drainInstance' }>, runtime: Runtime): boolean {
    this.settled.add(a.instanceId);
    runtime.remove(a.instanceId).catch((err: unknown) => {
      this.logger.warn({ deployment: parent.id, instance: a.instanceId, error: errorText(err) }, 'failed to drain instance');
    });
    this.write(a.childId, { changes: [{
      kind: 'rolling_update', phase: 'step', parentId: parent.id, drainedInstanceId: a.instanceId,
      message: `Drained instance ${shortId(a.instanceId)} of deployment ${parent.id} (${a.remaining} left)`,
    }] });
    this.logger.info({ deployment: parent.id, child: a.childId, instance: a.instanceId, remaining: a.remaining }, 'rolling update: draining one instance');
    return true;
  }

  /**
   * Ends a rolling update in one transaction: the parent is marked deleted (purged on the next
   * pass) and the child loses its parent_id, becoming the deployment a later apply finds.
   */
  private completeRollout(a: Extract<Action, { type: 'completeRollout' }>): boolean {
    if (this.stopped) return false;
    const { store } = this.deps;
    const done = store.tx(() => {
      const child = store.deployments.get(a.childId);
      if (!child || child.parent_id !== a.parentId || child.status === 'deleted' || isTerminal(child.status)) return false;
      const parent = store.deployments.get(a.parentId);
      if (parent && parent.status !== 'deleted') {
        this.write(parent.id, { status: 'deleted', transition: { note: `replaced by deployment ${child.id}` } });
      }
      store.deployments.setParent(child.id, null);
      const message = a.reason === 'parent_drained'
        ? `Rolling update complete: every instance of deployment ${a.parentId} was replaced`
        : `Rolling update complete: deployment ${a.parentId} is no longer running, this deployment takes over`;
      this.write(child.id, { changes: [{ kind: 'rolling_update', phase: 'complete', parentId: a.parentId, message }] });
      return true;
    });
    if (done) this.logger.info({ deployment: a.childId, parent: a.parentId }, 'rolling update complete');
    return done;
  }

  /** The one place a runtime failure becomes a status, an event, a count and a backoff. */
  private fail(d: Deployment, err: unknown, outcome: ReconcileOutcome, failure?: DeploymentChange): void {
    if (this.stopped) return;
    const rerr = err instanceof RuntimeError ? err : new RuntimeError('runtime_error', errorText(err), { cause: err });
    const c = classify(rerr);
    this.logger.warn({ deployment: d.id, reason: c.reason, error: c.eventMessage }, 'instance creation failed');
    const count = this.deps.store.tx(() => {
      const cur = this.deps.store.deployments.get(d.id);
      if (!cur || cur.status === 'deleted' || isTerminal(cur.status)) return null;
      const n = c.countsAsRestart ? cur.restart_count + 1 : cur.restart_count;
      const to = statusAfterFailure(cur.kind, n, c);
      const changes: DeploymentChange[] = [failure ?? { kind: 'failure', reason: c.reason, message: c.eventMessage, component: c.component }];
      const written = this.write(d.id, { expect: { status: cur.status, restartCount: cur.restart_count }, status: to, restartCount: n, changes });
      return { n, endedChild: written && endedChildNeedsPlan({ ...cur, status: to }) };
    });
    if (count?.endedChild) {
      // A failed rolling child's instances are stopped by the next pass (planEnded).
      outcome.requeueAfterMs = 0;
      return;
    }
    if (count === null || !c.countsAsRestart) {
      delete outcome.requeueAfterMs;
      return;
    }
    const wait = backoffMs(count.n);
    this.memory.set(d.id, { nextAttemptAt: this.clock() + wait, healthySince: null });
    outcome.requeueAfterMs = wait;
  }

  private write(id: string, w: Write): boolean {
    if (this.stopped) return false; // after stop(): ring.db is closing (see stop())
    return writeDeployment(this.deps.store, id, w, this.deps.hooks ?? { logger: this.logger });
  }

  /** Memory is best-effort; dropping it (e.g. after a purge elsewhere) only forgets backoff. */
  forget(deploymentId: string): void {
    this.memory.delete(deploymentId);
    this.quiet.delete(deploymentId);
    this.lastUnresolved.delete(deploymentId);
  }
}


const NO_CONTEXT: ReconcileContext = Object.freeze({});

function sameInstances(a: readonly Instance[], b: readonly Instance[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function sameRollout(a: RolloutRole | undefined, b: RolloutRole | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.role !== b.role) return false;
  if (a.role === 'parent') return b.role === 'parent' && a.childId === b.childId && a.childReady === b.childReady;
  return b.role === 'child' && a.parentId === b.parentId && a.parentActive === b.parentActive;
}

function sameMemory(a: DeploymentMemory, b: DeploymentMemory): boolean {
  return a.nextAttemptAt === b.nextAttemptAt && a.healthySince === b.healthySince;
}
