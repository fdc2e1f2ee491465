// The loop: passes over every reconciled deployment, each from one fresh runtime.list(). Passes
// are coalesced (a wake during a pass schedules exactly one more; two never overlap); the tick is
// only a safety net, since the API, the runtime event stream and requeue timers all call wake().
//
// A pass does not wait for deployment work: it lists, plans and dispatches, so one slow image
// pull never delays another deployment's crash recovery. A deployment is dispatched only when no
// work of its own is running and its last work ended before this pass's list() began, so a plan
// never sees a view older than its own last effects (no duplicate creates).
import { CoalescedPass } from '../shared/coalesced-pass.js';
import type { Deployment } from '../domain/deployment.js';
import { DEPLOYMENT_BACKENDS, type RuntimeName } from '../domain/status.js';
import type { Instance, Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/index.js';
import { SILENT_LOGGER, type Logger } from '../log-type.js';
import { errorText } from '../shared/error-text.js';
import { sleep } from '../shared/sleep.js';
import { Executor, type ReconcileOutcome } from './execute.js';
import { writeDeployment, type DeploymentEventHook, type StatusChangeHook, type WriteHooks } from './write.js';
import { RuntimeEventWatcher } from './runtime-events.js';
import { rolloutIndex, rolloutRole, waitsForDeletedTwin, type RolloutIndex } from './rollout.js';
import type { ConfigResolver, SecretResolver } from './instance-spec.js';
import { RECONCILED_STATUSES, endedChildNeedsPlan, isReconciled, type RolloutRole } from './plan.js';
import { TERMINAL_STATUSES } from '../domain/status.js';
import { HealthProber } from './health.js';
import { lostEvent, lostWithRuntime, outageWrite, recoveryEvent, type Outage } from './runtime-outage.js';
import { traced } from '../telemetry/trace.js';

export interface ReconcilerDeps {
  store: Store;
  /** Registered runtimes by name (`docker`, `cloud-hypervisor`); deployments of others are skipped. */
  runtimes: Map<string, Runtime>;
  /** Safety-net tick (RING_SCHEDULER_INTERVAL). */
  intervalMs: number;
  /** Bound on one deployment's apply (RING_APPLY_TIMEOUT). */
  applyTimeoutMs: number;
  logger?: Logger;
  resolveSecret?: SecretResolver;
  resolveConfig?: ConfigResolver;
  /** Called inside the transaction of every status change (webhook outbox). */
  onStatusChange?: StatusChangeHook;
  /** Called inside the transaction that records each deployment event (webhook outbox: scaled, error). */
  onDeploymentEvent?: DeploymentEventHook;
  /** Every pass's observation, for caches that serve API reads. */
  onObserved?: (instances: Instance[]) => void;
  /** Delay before re-subscribing to a runtime's event stream that ended (default 1 s). */
  resubscribeMs?: number;
  /** Health-check retention period (default 300 s). */
  pruneIntervalMs?: number;
  /** How long stop() waits for in-flight work (default 5 s). */
  stopGraceMs?: number;
  /** Tests. */
  clock?: () => number;
  livenessConfirmMs?: number;
  /** Overrides the readiness gate (RING §5.7); default: the built-in health prober's (`health`). */
  isReady?: (deployment: Deployment, instances: readonly Instance[]) => boolean;
  /** RING_ROLLOUT_DEADLINE: how long a readiness gate may stay shut before the deployment fails. */
  rolloutDeadlineMs?: number;
  /** Why each known runtime that is not in `runtimes` is missing; its deployments show it (status error). */
  unavailableRuntimes?: Map<string, string>;
  /** Probes in flight at once (default 32). */
  probeConcurrency?: number;
}


/** After the stop grace: how long cut work may take to unwind (aborted runtime calls return at once). */
const STOP_UNWIND_MS = 1000;

export class Reconciler {
  private readonly store: Store;
  private readonly executor: Executor;
  private readonly logger: Logger;
  private running = false;
  private readonly coalescer = new CoalescedPass(() => this.runPass(), () => this.running, () => { this.passes++; });
  private epoch = 0;
  /** Epoch at which each deployment's last work ended. */
  private readonly finishedAt = new Map<string, number>();
  /** Deployments skipped by a pass because they were busy: re-pass when their work ends. */
  private readonly deferred = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly requeues = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly warnedRuntime = new Set<string>();
  private readonly listErrors = new Map<string, string>();
  /** Runtimes whose list() fails right now, and since when (src/reconciler/runtime-outage.ts). */
  private readonly outages = new Map<string, Outage>();
  private readonly lastGoodList = new Map<string, number>();
  private tickTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly events: RuntimeEventWatcher;
  private readonly clock: () => number;
  private readonly hooks: WriteHooks;
  /** Runs the health checks on its own timers; its results feed the readiness gate and on_failure. */
  readonly health: HealthProber;
  /** The readiness gate: the injected one (tests) or the prober's. */
  private readonly isReady: (d: Deployment, instances: readonly Instance[]) => boolean;
  /** Completed passes (observability and tests). */
  passes = 0;

  constructor(private readonly deps: ReconcilerDeps) {
    this.store = deps.store;
    this.logger = deps.logger ?? SILENT_LOGGER;
    this.clock = deps.clock ?? Date.now;
    // What the prober, the executor and the event watcher share, given once.
    this.hooks = { logger: this.logger, onStatusChange: deps.onStatusChange, onDeploymentEvent: deps.onDeploymentEvent };
    const shared = { store: deps.store, logger: this.logger, clock: this.clock, hooks: this.hooks };
    this.health = new HealthProber({
      ...shared, runtimes: deps.runtimes, concurrency: deps.probeConcurrency,
      wake: (id) => this.wake(id),
      restartInstance: (deploymentId, instanceId) => this.restartInstance(deploymentId, instanceId),
      isLeaving: (instanceId) => this.executor.settled.has(instanceId),
    });
    this.isReady = deps.isReady ?? ((d, instances) => this.health.isReady(d, instances));
    this.executor = new Executor({
      ...shared, applyTimeoutMs: deps.applyTimeoutMs, isReady: this.isReady,
      resolvers: { resolveSecret: deps.resolveSecret, resolveConfig: deps.resolveConfig },
      livenessConfirmMs: deps.livenessConfirmMs, rolloutDeadlineMs: deps.rolloutDeadlineMs,
    });
    this.events = new RuntimeEventWatcher({
      store: deps.store, runtimes: deps.runtimes, logger: this.logger, clock: this.clock,
      wake: (id) => this.wake(id), isSettled: (id) => this.executor.settled.has(id), resubscribeMs: deps.resubscribeMs ?? 1000,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tickTimer = setInterval(() => this.wake(), Math.max(10, this.deps.intervalMs));
    this.tickTimer.unref();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), this.deps.pruneIntervalMs ?? 300_000);
    this.pruneTimer.unref();
    this.events.start();
    this.wake();
  }

  /** Stops ticking and listening; waits (up to stopGraceMs) for work in flight. Workloads keep running. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.tickTimer = this.pruneTimer = null;
    for (const r of this.requeues.values()) clearTimeout(r.timer);
    this.requeues.clear();
    this.events.stop();
    this.health.stop();
    const ended = () => Promise.allSettled([this.coalescer.current, ...this.inflight]);
    const grace = sleep(this.deps.stopGraceMs ?? 5000);
    await Promise.race([ended(), grace.promise]);
    grace.cancel();
    // Past the grace, what still runs is cut and records nothing: the caller closes ring.db next.
    this.executor.stop();
    if (this.inflight.size === 0 && !this.coalescer.current) return;
    const unwind = sleep(STOP_UNWIND_MS);
    await Promise.race([ended(), unwind.promise]);
    unwind.cancel();
  }

  /** Asks for a pass soon; wakes during a pass coalesce into one more pass. */
  wake(deploymentId?: string): void {
    void deploymentId; // every pass covers every deployment; the id is for callers' readability
    this.coalescer.request();
  }

  /** Resolves once no pass is scheduled or running and no deployment work is in flight (tests, shutdown). */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (!this.coalescer.scheduled && !this.coalescer.current && this.inflight.size === 0) {
        // One more turn: work that just ended may have scheduled a pass.
        await new Promise((r) => setImmediate(r));
        if (!this.coalescer.scheduled && !this.coalescer.current && this.inflight.size === 0) return;
      }
      // A referenced timer: the caller is waiting on us, so the process must not exit meanwhile.
      const pending: Promise<unknown>[] = [...this.inflight, new Promise((r) => setTimeout(r, 5))];
      if (this.coalescer.current) pending.push(this.coalescer.current);
      await Promise.race(pending);
    }
  }

  private async runPass(): Promise<void> {
    try {
      await this.passOnce();
    } catch (err) {
      this.logger.error({ error: errorText(err) }, 'reconcile pass failed');
    }
  }

  private async passOnce(): Promise<void> {
    const wanted = this.planned();
    if (wanted.length === 0) return;
    // A span per pass that has work to look at (an idle server's ticks make none).
    await traced('reconcile.pass', { 'ring.deployments': wanted.length }, () => this.passOver(wanted));
  }

  private async passOver(wanted: Deployment[]): Promise<void> {
    const passStart = performance.now();
    // One list() per runtime in use, for all its deployments.
    const listEpoch = ++this.epoch;
    const observed = new Map<string, Instance[]>();
    for (const name of new Set(wanted.map((d) => d.runtime))) {
      const rt = this.deps.runtimes.get(name);
      if (!rt) continue;
      const listAt = this.clock();
      try {
        const listed = await rt.list();
        if (!this.running) return; // stopped meanwhile: nothing of this pass is recorded
        observed.set(name, listed);
        if (this.listErrors.delete(name)) this.logger.info({ runtime: name }, 'runtime list() works again');
        this.recovered(name, listed);
        this.lastGoodList.set(name, listAt);
      } catch (err) {
        if (!this.running) return;
        const msg = errorText(err);
        if (this.listErrors.get(name) !== msg) this.logger.warn({ runtime: name, error: msg }, 'runtime list() failed; skipping its deployments');
        this.listErrors.set(name, msg);
        this.unavailable(name, msg);
      }
    }
    const seen = this.events.observed(observed);
    // By runtime, by deployment: the last pass's grouping again when its list is the same objects.
    const byRuntime = new Map<string, Map<string, Instance[]>>();
    let unchanged = seen.size === this.grouped.size;
    for (const [name, instances] of seen) {
      const last = this.grouped.get(name);
      if (last && sameItems(last.listed, instances)) {
        byRuntime.set(name, last.byDeployment);
        continue;
      }
      unchanged = false;
      const m = new Map<string, Instance[]>();
      for (const i of instances) {
        const arr = m.get(i.deploymentId);
        if (arr) arr.push(i);
        else m.set(i.deploymentId, [i]);
      }
      byRuntime.set(name, m);
      this.grouped.set(name, { listed: instances, byDeployment: m });
    }
    for (const name of this.grouped.keys()) if (!seen.has(name)) this.grouped.delete(name);
    if (this.deps.onObserved) {
      try {
        // The same array as last time for the same instances (the API's cache keeps its view then).
        if (!unchanged || !this.observedAll) this.observedAll = [...seen.values()].flat();
        this.deps.onObserved(this.observedAll);
      } catch (err) {
        this.logger.warn({ error: errorText(err) }, 'onObserved hook failed');
      }
    }
    if (!this.running) return;

    // Fresh rows: they may have changed while list() ran. Ended children are planned (their
    // instances stop) but take no part in rollouts or probes.
    const all = this.planned();
    const { deployments, runtimeOf, ordered, anyDeleted } = this.rowsView(all);
    const instancesOf = (id: string): Instance[] => byRuntime.get(runtimeOf.get(id) ?? '')?.get(id) ?? NO_INSTANCES;
    try {
      this.health.observe(deployments, instancesOf);
    } catch (err) {
      this.logger.warn({ error: errorText(err) }, 'health prober could not follow the observation');
    }

    // Deletes first, so their removals start before anything they may block.
    let dispatched = 0;
    let busy = 0;
    for (const d of ordered) {
      const rt = this.deps.runtimes.get(d.runtime);
      const instances = byRuntime.get(d.runtime);
      // A runtime that answered at startup but not now may still hold a deleted one's instances: wait for it.
      if (rt && !instances && d.status === 'deleted') continue;
      if (!rt || !instances) {
        // Not run here (off, binary gone) or its list() failed (daemon down): shown on the deployment.
        const cause = !rt
          ? this.deps.unavailableRuntimes?.get(d.runtime) ?? `no '${d.runtime}' runtime is implemented by this server`
          : `its runtime does not answer: ${this.listErrors.get(d.runtime) ?? 'list() failed'}`;
        if (!this.warnedRuntime.has(d.id)) {
          this.warnedRuntime.add(d.id);
          this.logger.warn({ deployment: d.id, runtime: d.runtime, cause }, `runtime '${d.runtime}' is not available`);
        }
        if (!this.executor.isBusy(d.id)) this.track(this.executor.runtimeUnavailable(d, cause).then((o) => this.settle(d.id, o)));
        continue;
      }
      this.warnedRuntime.delete(d.id);
      if (this.executor.isBusy(d.id) || (this.finishedAt.get(d.id) ?? 0) > listEpoch) {
        this.deferred.add(d.id);
        busy++;
        continue;
      }
      if (anyDeleted && waitsForDeletedTwin(d, deployments)) continue;
      const rollout = isReconciled(d.status) ? rolloutRole(d, this.rolloutsOf(deployments), instancesOf, this.isReady) : undefined;
      this.dispatch(d, instancesOf(d.id), rt, rollout);
      dispatched++;
    }
    this.logger.debug({ pass: this.passes + 1, ms: Math.round(performance.now() - passStart), deployments: all.length, dispatched, busy, inflight: this.inflight.size, requeues: this.requeues.size }, 'reconcile pass');
  }

  /** The runtime's list() failed: every deployment on it says so once per outage (workers turn `error`). */
  private unavailable(name: string, error: string): void {
    let o = this.outages.get(name);
    if (!o) {
      o = { lastGoodListAt: this.lastGoodList.get(name) ?? 0, startedAt: this.clock(), error, reported: new Set() };
      this.outages.set(name, o);
    }
    for (const d of this.store.deployments.list({ status: [...RECONCILED_STATUSES] })) {
      if (d.runtime !== name || o.reported.has(d.id)) continue;
      o.reported.add(d.id);
      const w = outageWrite(d, name, error);
      if (!w) continue;
      try {
        writeDeployment(this.store, d.id, { ...(w.status ? { status: w.status } : {}), changes: [{ kind: 'noted', event: w.event }] }, this.hooks);
      } catch (err) {
        this.logger.warn({ deployment: d.id, error: errorText(err) }, 'failed to record the runtime outage');
      }
    }
  }

  /**
   * The runtime answers again: say so, and settle the worker instances the outage stopped so the
   * plan replaces them without counting a crash.
   */
  private recovered(name: string, listed: readonly Instance[]): void {
    const o = this.outages.get(name);
    if (!o) return;
    this.outages.delete(name);
    const now = this.clock();
    this.logger.info({ runtime: name, down_s: Math.round((now - o.startedAt) / 1000) }, 'runtime reachable again');
    const lost = new Map<string, Instance[]>();
    for (const i of lostWithRuntime(listed, o)) lost.set(i.deploymentId, [...(lost.get(i.deploymentId) ?? []), i]);
    const ids = new Set([...o.reported, ...lost.keys()]);
    for (const id of ids) {
      const d = this.store.deployments.get(id);
      if (!d || d.status === 'deleted') continue;
      const events = o.reported.has(id) ? [recoveryEvent(name, o, now)] : [];
      if (d.kind === 'worker') {
        for (const i of lost.get(id) ?? []) {
          this.executor.settled.add(i.id);
          events.push(lostEvent(i));
        }
      }
      if (events.length === 0) continue;
      try {
        writeDeployment(this.store, id, { changes: events.map((event) => ({ kind: 'noted' as const, event })) }, this.hooks);
      } catch (err) {
        this.logger.warn({ deployment: id, error: errorText(err) }, 'failed to record the runtime recovery');
      }
    }
  }

  /**
   * The rows a pass plans: every reconciled one, and rolling children that ended with instances to
   * stop. Read again only when a deployment row may have changed (the store's version()): each
   * pass asks twice (before and after its list()), and an idle server's passes find nothing
   * changed — at 300 deployments the two reads were most of a pass's CPU (bench/ scenario 4).
   * Callers never modify the rows.
   */
  private planned(): Deployment[] {
    const version = this.store.deployments.version();
    if (this.plannedRows?.version === version) return this.plannedRows.rows;
    const ended = this.store.deployments.list({ status: [...TERMINAL_STATUSES], children: true }).filter(endedChildNeedsPlan);
    // reconcilable(): a stored row the server cannot handle is marked error and left out, never planned.
    const rows = this.store.deployments.reconcilable([...this.store.deployments.list({ status: [...RECONCILED_STATUSES] }), ...ended]).filter(ownsInstances);
    // The version after reconcilable()'s own writes, if any.
    this.plannedRows = { version: this.store.deployments.version(), rows };
    return rows;
  }
  private plannedRows: { version: string; rows: Deployment[] } | null = null;

  /**
   * What a pass derives from its rows alone, made again only when planned() gives other rows (an
   * idle server's passes all get the same array): the reconciled ones, each one's runtime, the
   * dispatch order (deletes first) and whether any is deleted.
   */
  private rowsView(all: Deployment[]): RowsView {
    if (this.rowsCache?.all === all) return this.rowsCache;
    const view: RowsView = {
      all,
      deployments: all.filter((d) => isReconciled(d.status)),
      runtimeOf: new Map(all.map((d) => [d.id, d.runtime])),
      ordered: [...all].sort((a, b) => Number(b.status === 'deleted') - Number(a.status === 'deleted')),
      anyDeleted: all.some((d) => d.status === 'deleted'),
    };
    this.rowsCache = view;
    return view;
  }
  private rowsCache: RowsView | null = null;

  /** rolloutIndex() of the reconciled rows, made again only for other rows. */
  private rolloutsOf(deployments: Deployment[]): RolloutIndex {
    if (this.rollouts?.of !== deployments) this.rollouts = { of: deployments, index: rolloutIndex(deployments) };
    return this.rollouts.index;
  }
  private rollouts: { of: Deployment[]; index: RolloutIndex } | null = null;
  /** Each runtime's last list and its grouping by deployment. */
  private readonly grouped = new Map<string, { listed: readonly Instance[]; byDeployment: Map<string, Instance[]> }>();
  /** The last array given to onObserved. */
  private observedAll: Instance[] | null = null;

  /** Removes an instance on purpose (health-check restart): its end is never counted; the next pass replaces it. */
  async restartInstance(deploymentId: string, instanceId: string): Promise<void> {
    const d = this.store.deployments.get(deploymentId);
    const rt = d && this.deps.runtimes.get(d.runtime);
    if (!rt) return;
    this.executor.settled.add(instanceId);
    try {
      await rt.remove(instanceId);
    } finally {
      this.wake(deploymentId);
    }
  }

  private dispatch(d: Deployment, instances: Instance[], rt: Runtime, rollout?: RolloutRole): void {
    let now: ReconcileOutcome | Promise<ReconcileOutcome>;
    try {
      now = this.executor.reconcileNow(d, instances, rt, rollout ? { rollout } : undefined);
    } catch (err) {
      now = Promise.reject(err);
    }
    // Nothing to do (an idle pass): settled here, with no work to track.
    if (!(now instanceof Promise)) return this.settle(d.id, now);
    const work = now.then(
      (outcome) => this.settle(d.id, outcome),
      (err) => {
        this.logger.error({ deployment: d.id, error: errorText(err) }, 'reconcile failed');
        this.settle(d.id, { actions: 0, timedOut: false, purged: false, requeueAfterMs: 1000 });
      },
    );
    this.track(work);
  }

  private track(work: Promise<unknown>): void {
    const tracked: Promise<void> = work.then(() => undefined, (err: unknown) => this.logger.error({ error: errorText(err) }, 'reconcile failed')).finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  private settle(id: string, outcome: ReconcileOutcome): void {
    this.finishedAt.set(id, ++this.epoch);
    if (outcome.purged) {
      this.finishedAt.delete(id);
      this.executor.forget(id);
      this.warnedRuntime.delete(id);
      const r = this.requeues.get(id);
      if (r) clearTimeout(r.timer);
      this.requeues.delete(id);
    }
    const wasDeferred = this.deferred.delete(id);
    // A purge may unblock a replacement waiting for its host ports.
    if (wasDeferred || outcome.purged || outcome.requeueAfterMs === 0) this.wake(id);
    else if (outcome.requeueAfterMs !== undefined && !outcome.purged) this.requeue(id, outcome.requeueAfterMs);
  }

  private requeue(id: string, ms: number): void {
    if (!this.running) return;
    const now = this.clock();
    const at = now + ms;
    const existing = this.requeues.get(id);
    if (existing && existing.at <= at && existing.at >= now) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.requeues.delete(id);
      this.wake(id);
    }, ms);
    timer.unref();
    this.requeues.set(id, { at, timer });
  }

  private prune(): void {
    try {
      this.store.healthChecks.prune();
    } catch (err) {
      this.logger.warn({ error: errorText(err) }, 'health-check retention failed');
    }
  }
}

interface RowsView {
  all: Deployment[];
  deployments: Deployment[];
  runtimeOf: Map<string, RuntimeName>;
  ordered: Deployment[];
  anyDeleted: boolean;
}

/** A deployment with no instance listed (shared: callers never modify what instancesOf() gives). */
const NO_INSTANCES: Instance[] = Object.freeze([]) as unknown as Instance[];

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Deployment-level backends (Swarm) run their own controller; this loop drives instance runtimes only. */
function ownsInstances(d: { runtime: RuntimeName }): boolean {
  return !DEPLOYMENT_BACKENDS.includes(d.runtime);
}
