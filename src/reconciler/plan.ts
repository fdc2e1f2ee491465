// The pure heart of the reconciler: one deployment row + what the runtime reports + the clock
// + the little the executor remembers → a flat list of actions. No I/O, no clock reads: every
// input arrives in PlanInput, so the whole lifecycle table is unit-tested without Docker.
import type { Deployment } from '../domain/deployment.js';
import { MAX_RESTART_COUNT, RETRIED_FAILURE_STATUSES, isTerminal, type RuntimeName, type Status } from '../domain/status.js';
import type { Instance } from '../runtime/runtime.js';
import { COMPONENT, EVENT_REASON, STATUS_REASON, noted, shortId, type DeploymentChange, type StatusReason } from '../domain/changes.js';
import { gateWindowMs, hasReadinessChecks, readinessDeadline } from './readiness.js';
import { rolloutFailed } from './rollout.js';
import { budgetSpent, budgetSpentStatus } from './budget.js';

// ---------------------------------------------------------------------------------------------
// Timings (RING.md §5.6, with the decisions documented in the report)

/**
 * Delay before the next attempt after the n-th counted failure (n = restart_count after it).
 * The first failure is retried at once (a single `docker kill` is replaced immediately, as
 * Kubernetes restarts a crashed container immediately the first time); after that Ring's table
 * 1, 2, 4, 8, 16, 32 s, capped at 60 s.
 */
export function backoffMs(count: number): number {
  if (count <= 1) return 0;
  return Math.min(1000 * 2 ** (count - 2), 60_000);
}

/** Minimum anti-flap window before a worker's restart_count is forgiven (RING §5.6, §15). */
export const HEALTHY_WINDOW_MS = 10_000;

/** A freshly started worker instance must still run after this long to count as up (RING §5.3 t42). */
export const LIVENESS_CONFIRM_MS = 750;

/** Exit codes that mean "the command could not be run at all" (not found / not executable). */
export const NON_RETRYABLE_EXIT_CODES: readonly number[] = [126, 127];

// ---------------------------------------------------------------------------------------------
// Input and output

/** What the executor remembers about one deployment between passes (lost on restart, by design). */
export interface DeploymentMemory {
  /** No counted failure is retried before this instant (ms since epoch); 0 = no backoff. */
  nextAttemptAt: number;
  /** Since when the worker has been continuously up with every replica and no failure; null = not up. */
  healthySince: number | null;
}

export const FRESH_MEMORY: DeploymentMemory = Object.freeze({ nextAttemptAt: 0, healthySince: null });

export interface PlanInput {
  deployment: Deployment;
  /** The runtime's instances labelled with this deployment's id. */
  instances: readonly Instance[];
  now: number;
  /**
   * Instances whose end is already accounted for: removed on purpose (delete, scale-down, never
   * started) or already counted as a crash. Their exit is never counted (again).
   */
  settled: { has(instanceId: string): boolean };
  memory: DeploymentMemory;
  /** Overrides LIVENESS_CONFIRM_MS (tests). */
  livenessConfirmMs?: number;
  /**
   * The readiness gate (RING §5.7), computed by whoever runs the probes: false holds a worker in
   * `creating` even with every replica up. Default true (no readiness checks). Jobs ignore it.
   */
  ready?: boolean;
  /** This deployment's part in a rolling update (RING §5.8), computed by the loop. */
  rollout?: RolloutRole;
  /** RING_ROLLOUT_DEADLINE: a worker whose readiness gate never opens fails past created_at + start_period + this. */
  rolloutDeadlineMs?: number;
}

/**
 * A parent is frozen while its child comes up (it never regrows, RING §14) and drains one instance
 * per pass once the child is ready. A child whose parent stopped being reconciled (terminal,
 * deleted, gone) takes over at once.
 */
export type RolloutRole =
  | { role: 'parent'; childId: string; childReady: boolean }
  | { role: 'child'; parentId: string; parentActive: boolean };

export type Action =
  /** Create one instance; `change` is recorded once it runs. */
  | { type: 'createInstance'; reason: 'scale_up' | 'job_start'; change?: DeploymentChange }
  /** Remove one instance; intentional removals are remembered so their death is never counted. */
  | { type: 'removeInstance'; instanceId: string; intentional: boolean; reason: RemoveReason; change?: DeploymentChange }
  /**
   * Compare-and-set the status (skipped when the row no longer has `from`), recording `cause` then
   * the status change itself (its event says `containers` when moving to running).
   */
  | { type: 'setStatus'; from: Status; status: Status; reason: StatusReason; cause?: DeploymentChange; containers?: number }
  /** Compare-and-set restart_count from `from` to `from + by`; `instanceId` is the crash being counted. */
  | { type: 'bumpRestartCount'; from: number; by: number; instanceId?: string; reason: string; change: DeploymentChange }
  | { type: 'resetRestartCount'; from: number; reason: string; change: DeploymentChange }
  /** Delete the row with its events and probe history (only while it is still `deleted`). */
  | { type: 'purge'; reason: string }
  /** Rolling update: remove one parent instance (on purpose) now that the child is ready; reported on the child. */
  | { type: 'drainInstance'; instanceId: string; childId: string; remaining: number }
  /** Rolling update done: parent → deleted and the child becomes the active deployment, in one transaction. */
  | { type: 'completeRollout'; parentId: string; childId: string; reason: 'parent_drained' | 'parent_gone' }
  /** Stop (not remove: its logs stay readable) one instance of a rolling child whose rollout failed. */
  | { type: 'stopInstance'; instanceId: string; reason: 'rollout_failed'; change: DeploymentChange }
  | { type: 'recordChange'; reason: string; change: DeploymentChange };

export type RemoveReason = 'deployment_deleted' | 'never_started' | 'already_settled' | 'crashed' | 'exited' | 'scale_down';

export interface PlanResult {
  actions: Action[];
  /** Come back after this long even if nothing wakes the loop (backoff end, liveness check, healthy window). */
  requeueAfterMs?: number;
  /** The memory to keep for the next pass. */
  memory: DeploymentMemory;
  /**
   * How long this answer holds: for every clock value t with now <= t < stableUntil, plan() of
   * the same input at t gives the same actions and memory and a requeue due at the same instant
   * (t + requeueAfterMs = now + requeueAfterMs). It is the earliest instant at which one of the
   * plan's clock comparisons (never-started grace, backoff, liveness confirmation, healthy
   * window, readiness deadline) flips; Infinity when none is pending; now or earlier when the
   * answer itself depends on the clock (a memory stamped with it, a requeue relative to it). It
   * covers plan()'s own clock uses only: `settled` is an input, and when its answers expire is
   * the caller's to know (Executor).
   */
  stableUntil: number;
}

// ---------------------------------------------------------------------------------------------
// Events (messages follow RING.md §5.2–§5.4, §7.1)

const SCHEDULER = COMPONENT.scheduler;
const event = noted;

/**
 * Who reports what happened to an instance: the deployment's runtime is the event's component
 * (`docker`, or `cloud-hypervisor` for VMs, B23), and names its instances (containers or VMs). A
 * lookup by the row's runtime, so plan() itself stays runtime-agnostic.
 */
interface Voice { component: string; Noun: string; noun: string }
const NOUNS: Record<RuntimeName, { Noun: string; noun: string }> = {
  docker: { Noun: 'Container', noun: 'container' }, podman: { Noun: 'Container', noun: 'container' },
  containerd: { Noun: 'Container', noun: 'container' }, swarm: { Noun: 'Service', noun: 'service' },
  'cloud-hypervisor': { Noun: 'VM', noun: 'VM' }, firecracker: { Noun: 'VM', noun: 'VM' },
};
export function voiceOf(d: Pick<Deployment, 'runtime'>): Voice {
  return { component: d.runtime, ...(NOUNS[d.runtime] ?? { Noun: 'Instance', noun: 'instance' }) };
}

function exitText(i: Instance): string {
  if (i.oomKilled) return 'was killed for running out of memory';
  return i.exitCode === null ? 'exited with an unknown code' : `exited with code ${i.exitCode}`;
}

// ---------------------------------------------------------------------------------------------
// plan()

const RECONCILED: readonly Status[] = ['pending', 'creating', 'running', 'deleted', ...RETRIED_FAILURE_STATUSES];

/** The statuses the loop reads (RING §5.1); terminal ones are left out on purpose. */
export function isReconciled(s: Status): boolean {
  return RECONCILED.includes(s);
}
export const RECONCILED_STATUSES: readonly Status[] = RECONCILED;

export function plan(input: PlanInput): PlanResult {
  const d = input.deployment;
  if (d.status === 'deleted') return planDeleted(input);
  if (isTerminal(d.status)) return planEnded(input);
  return d.kind === 'job' ? planJob(input) : planWorker(input);
}

/**
 * Whether a row in a terminal status still needs plan(): a rolling child whose rollout ended
 * without completing may still have instances serving the broken version next to its parent.
 */
export function endedChildNeedsPlan(d: Pick<Deployment, 'status' | 'parent_id' | 'kind'>): boolean {
  return d.kind === 'worker' && d.parent_id !== null && isTerminal(d.status) && d.status !== 'completed';
}

/** Builds the action list while tracking the status and count the row will have after each action. */
class Plan {
  readonly actions: Action[] = [];
  status: Status;
  count: number;
  memory: DeploymentMemory;
  private requeue: number | undefined;
  /** PlanResult.stableUntil: lowered by every clock comparison that will flip, and by every clock-relative output. */
  private stable = Infinity;

  readonly voice: Voice;

  constructor(readonly input: PlanInput) {
    this.voice = voiceOf(input.deployment);
    this.status = input.deployment.status;
    this.count = input.deployment.restart_count;
    this.memory = { ...input.memory };
    // Backoff only ever follows a counted failure; a count of 0 means a re-apply reset it.
    if (this.count === 0) this.memory.nextAttemptAt = 0;
  }

  setStatus(status: Status, reason: StatusReason, opts: { cause?: DeploymentChange; containers?: number } = {}): void {
    if (status === this.status) {
      if (opts.cause) this.actions.push({ type: 'recordChange', reason, change: opts.cause });
      return;
    }
    this.actions.push({
      type: 'setStatus', from: this.status, status, reason,
      ...(opts.cause ? { cause: opts.cause } : {}),
      ...(opts.containers !== undefined ? { containers: opts.containers } : {}),
    });
    this.status = status;
  }

  bump(reason: string, cause: (n: number) => DeploymentChange, instanceId?: string): void {
    const n = this.count + 1;
    this.actions.push({ type: 'bumpRestartCount', from: this.count, by: 1, reason, change: cause(n), ...(instanceId ? { instanceId } : {}) });
    this.count = n;
  }

  remove(i: Instance, intentional: boolean, reason: RemoveReason, change?: DeploymentChange): void {
    this.actions.push({ type: 'removeInstance', instanceId: i.id, intentional, reason, ...(change ? { change } : {}) });
  }

  /** One more instance; `from`/`to` are the instance counts of the scaled event it records. */
  create(reason: 'scale_up' | 'job_start', scaled: { from: number; to: number; replicas: number }): void {
    const change: DeploymentChange = { kind: 'scaled', direction: 'up', ...scaled, component: this.voice.component };
    this.actions.push({ type: 'createInstance', reason, change });
  }

  /** Come back after `ms` from now, whatever the clock says: an answer that holds at this instant only. */
  requeueAfter(ms: number): void {
    this.clockBound();
    this.requeueIn(ms);
  }

  /**
   * Come back at `at`, the instant (later than now) at which a clock comparison of this plan
   * flips: the answer holds until then, and the requeue is due at the same instant whenever
   * before it the plan runs again.
   */
  requeueAt(at: number): void {
    this.flipsAt(at);
    this.requeueIn(at - this.input.now);
  }

  /** A clock comparison that holds now changes its answer at `at`. */
  flipsAt(at: number): void {
    if (at < this.stable) this.stable = at;
  }

  /** The answer depends on the clock's exact value (a memory stamped with it, a requeue counted from it). */
  clockBound(): void {
    this.flipsAt(this.input.now);
  }

  private requeueIn(ms: number): void {
    const v = Math.max(0, Math.ceil(ms));
    this.requeue = this.requeue === undefined ? v : Math.min(this.requeue, v);
  }

  /** Arms the backoff for the failure just counted. */
  armBackoff(): void {
    const wait = backoffMs(this.count);
    this.memory.nextAttemptAt = this.input.now + wait;
    this.memory.healthySince = null;
    this.clockBound();
  }

  inBackoff(): boolean {
    if (this.input.now < this.memory.nextAttemptAt) {
      this.flipsAt(this.memory.nextAttemptAt);
      return true;
    }
    return false;
  }

  result(): PlanResult {
    return { actions: this.actions, memory: this.memory, stableUntil: this.stable, ...(this.requeue !== undefined ? { requeueAfterMs: this.requeue } : {}) };
  }
}

const ACTIVE_STATES = new Set(['running', 'restarting', 'paused']);
const ENDED_STATES = new Set(['exited', 'dead']);

interface Groups {
  /** Never started: a half-done create. */
  created: Instance[];
  /** Alive (running/restarting/paused), oldest first. */
  active: Instance[];
  /** Ended, by finish time. */
  ended: Instance[];
}

/**
 * How long a container (or VM) may sit in `created` before it counts as one that never started and
 * is removed: Docker's create and start are two calls, and a pass can fall between them.
 */
export const NEVER_STARTED_GRACE_MS = 10_000;

const byCreation = (a: Instance, b: Instance) => a.createdAt - b.createdAt || a.id.localeCompare(b.id);

function group(instances: readonly Instance[]): Groups {
  const g: Groups = { created: [], active: [], ended: [] };
  for (const i of instances) {
    if (i.state === 'created') g.created.push(i);
    else if (ACTIVE_STATES.has(i.state)) g.active.push(i);
    else if (ENDED_STATES.has(i.state)) g.ended.push(i);
    // 'removing': already on its way out; neither alive nor ours to count.
  }
  g.active.sort(byCreation);
  g.ended.sort((a, b) => (a.finishedAt ?? a.createdAt) - (b.finishedAt ?? b.createdAt) || a.id.localeCompare(b.id));
  return g;
}

// ---- deleted ---------------------------------------------------------------------------------

/** Remove every instance, then purge; the executor stops at the first failed removal, so purge only follows a clean sweep. */
function planDeleted(input: PlanInput): PlanResult {
  const p = new Plan(input);
  for (const i of input.instances) p.remove(i, true, 'deployment_deleted');
  p.actions.push({ type: 'purge', reason: 'deployment_deleted' });
  return p.result();
}

// ---- ended -----------------------------------------------------------------------------------

/**
 * A terminal deployment is left alone, except a rolling child whose rollout failed: its parent
 * keeps serving, so the child's instances, on the same network and DNS alias, must stop serving
 * the broken version (RING §5.8 "the parent stays running and the child is marked failed"). They
 * are stopped, not removed, so `ring deployment logs` still shows why they failed; a later apply
 * supersedes the child and its purge removes them.
 */
function planEnded(input: PlanInput): PlanResult {
  const p = new Plan(input);
  const d = input.deployment;
  if (!endedChildNeedsPlan(d)) return p.result();
  for (const i of group(input.instances).active) {
    p.actions.push({
      type: 'stopInstance', instanceId: i.id, reason: 'rollout_failed',
      change: event('warning', SCHEDULER, EVENT_REASON.rolloutInstanceStopped,
        `Stopped instance ${shortId(i.id)}: the rolling update failed (deployment is ${d.status}); deployment ${d.parent_id} keeps serving`),
    });
  }
  return p.result();
}

// ---- worker ----------------------------------------------------------------------------------

/**
 * What every worker and job plan starts with: a spent budget ends the deployment (null: nothing
 * more to plan); otherwise its instances grouped, never-started ones already removed.
 */
function begin(p: Plan): Groups | null {
  if (budgetSpent(p.count)) {
    p.setStatus(budgetSpentStatus(p.input.deployment.kind), STATUS_REASON.restartBudgetExhausted);
    return null;
  }
  const g = group(p.input.instances);
  const now = p.input.now;
  for (const i of g.created) {
    const left = i.createdAt + NEVER_STARTED_GRACE_MS - now;
    if (left > 0) {
      // Created moments ago: whoever created it (an operator's `docker create` + `docker start`, a
      // VMM still opening its socket) may be about to start it. It holds a replica's place until
      // the grace ends, so nothing is created beside it; a surplus is scaled down as usual.
      g.active.push(i);
      p.requeueAt(i.createdAt + NEVER_STARTED_GRACE_MS);
      continue;
    }
    p.remove(i, true, 'never_started', event('info', p.voice.component, EVENT_REASON.containerDeletion, `Removed ${p.voice.noun} ${shortId(i.id)} that never started`));
  }
  g.active.sort(byCreation);
  return g;
}

function planWorker(input: PlanInput): PlanResult {
  const d = input.deployment;
  const p = new Plan(input);
  const { component, Noun } = p.voice;
  const g = begin(p);
  if (!g) return p.result();

  // Ended instances: settled ones go silently; exit 0 completes the worker; the rest are crashes.
  let crashes = 0;
  let nonRetryable = false;
  for (const i of g.ended) {
    if (input.settled.has(i.id)) {
      p.remove(i, true, 'already_settled');
      continue;
    }
    if (i.exitCode === 0 && !i.oomKilled) {
      // Ring: a worker whose container exits 0 is done (RING §5.1, §5.3). Remove first so a failed
      // removal leaves the evidence for the next pass.
      p.remove(i, false, 'exited');
      p.setStatus('completed', STATUS_REASON.containerCompleted, {
        cause: event('info', component, EVENT_REASON.containerCompleted, `${Noun} ${shortId(i.id)} exited with code 0; worker completed`),
      });
      return p.result();
    }
    const unconfirmed = livenessUnconfirmed(p, i);
    if (unconfirmed) p.actions.push({ type: 'recordChange', reason: EVENT_REASON.livenessUnconfirmed, change: unconfirmed });
    if (i.exitCode !== null && NON_RETRYABLE_EXIT_CODES.includes(i.exitCode)) {
      nonRetryable = true;
      p.bump('non_retryable_exit', (n) => event('error', component, EVENT_REASON.nonRetryableExit,
        `${Noun} ${shortId(i.id)} exited with code ${i.exitCode}: the command could not be run (not found or not executable) (restart ${n})`), i.id);
    } else {
      p.bump('container_crashed', (n) => event('error', component, EVENT_REASON.containerCrashed,
        i.oomKilled
          ? `${Noun} ${shortId(i.id)} exited unexpectedly (restart ${n}): out of memory`
          : `${Noun} ${shortId(i.id)} ${i.cleanShutdown ? 'powered off' : 'exited'} unexpectedly (restart ${n})`), i.id);
    }
    p.remove(i, false, 'crashed');
    crashes++;
  }

  if (budgetSpent(p.count)) {
    p.setStatus(budgetSpentStatus('worker'), STATUS_REASON.restartBudgetExhausted, {
      cause: event('error', SCHEDULER, EVENT_REASON.crashLoopBackOff, `Restart count reached ${p.count} (max ${MAX_RESTART_COUNT}); giving up`),
    });
    p.memory = { nextAttemptAt: 0, healthySince: null };
    // A rolling child's surviving instances are stopped by the next pass (planEnded).
    if (d.parent_id) p.requeueAfter(0);
    return p.result();
  }
  if (crashes > 0) p.armBackoff();
  if (nonRetryable) p.setStatus('create_container_error', STATUS_REASON.nonRetryableExit);

  const rollout = input.rollout;
  if (rollout?.role === 'child' && !rollout.parentActive) {
    p.actions.push({ type: 'completeRollout', parentId: rollout.parentId, childId: d.id, reason: 'parent_gone' });
  }
  if (rollout?.role === 'parent') return planDrain(p, g.active, rollout);
  if (pastReadinessDeadline(p)) return p.result();

  // Scale down: newest first, never counted.
  // Autoscaled: the autoscaler's target (src/autoscaler), else the spec's replicas.
  const desired = Math.max(0, d.autoscale && d.desired_replicas !== undefined ? d.desired_replicas : d.replicas);
  const active = g.active;
  let kept = active.length;
  if (active.length > desired) {
    const surplus = [...active].sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt || b.id.localeCompare(a.id));
    for (const i of surplus.slice(0, active.length - desired)) {
      p.remove(i, true, 'scale_down', { kind: 'scaled', direction: 'down', from: kept, to: kept - 1, replicas: desired, component });
      kept--;
    }
  }

  // Scale up: every missing instance at once, unless a counted failure is backing off.
  const missing = desired - kept;
  if (missing > 0) {
    if (p.inBackoff()) {
      p.requeueAt(p.memory.nextAttemptAt);
    } else {
      if (p.status === 'pending') p.setStatus('creating', STATUS_REASON.instancesStarting);
      for (let k = 0; k < missing; k++) {
        p.create('scale_up', { from: kept + k, to: kept + k + 1, replicas: desired });
      }
      // Come back to confirm the new instances stayed up (status promotion); behind a readiness
      // gate at once, so the next observation starts their probes without waiting for that.
      p.requeueAfter(hasReadinessChecks(d) ? 0 : input.livenessConfirmMs ?? LIVENESS_CONFIRM_MS);
    }
  }

  // Promotion to running: every replica up and confirmed alive.
  const confirmMs = input.livenessConfirmMs ?? LIVENESS_CONFIRM_MS;
  // A replica still in `created` (inside its grace, begin()) has not started: nothing to confirm yet.
  const starting = active.some((i) => i.state === 'created');
  if (missing <= 0 && crashes === 0 && !starting && p.status !== 'running' && promotable(p.status)) {
    const youngest = Math.max(0, ...active.map((i) => i.startedAt ?? 0));
    const wait = youngest + confirmMs - input.now;
    if (wait > 0) p.requeueAt(youngest + confirmMs);
    else if (input.ready ?? true) {
      p.setStatus('running', STATUS_REASON.instancesUp, { containers: kept });
      // Come straight back: a rolling child's parent drains now, and liveness checks (which
      // start once running) are scheduled by the next pass's observation.
      if (d.parent_id || (d.health_checks ?? []).length > 0) p.requeueAfter(0);
    }
  }

  // Healthy window and forgiveness (RING §5.6 / §15 "windowed").
  const up = missing <= 0 && crashes === 0 && !starting && (p.status === 'running' || (p.status === 'creating' && kept > 0));
  if (!up) {
    p.memory.healthySince = null;
    return p.result();
  }
  // Up since now: the memory to keep is stamped with the clock.
  if (p.memory.healthySince === null) p.clockBound();
  const since = p.memory.healthySince ?? input.now;
  p.memory.healthySince = since;
  p.memory.nextAttemptAt = 0;
  if (p.count > 0) {
    const window = healthyWindowMs(d);
    const left = since + window - input.now;
    if (left <= 0) {
      p.actions.push({
        type: 'resetRestartCount', from: p.count, reason: 'healthy_window',
        change: event('info', SCHEDULER, EVENT_REASON.restartCountReset,
          `Restart count reset to 0 after ${Math.round(window / 1000)}s without a failure (was ${p.count})`),
      });
      p.count = 0;
    } else {
      p.requeueAt(since + window);
    }
  }
  return p.result();
}

/**
 * RING §5.3 [t42]: an instance started for a deployment still coming up (not yet `running`) must
 * still run LIVENESS_CONFIRM_MS after its start to promote it; one that ended before that gets
 * `liveness_unconfirmed` (warning, the runtime's component) ahead of its crash event. Ring sees it
 * by inspecting again 750 ms after the start; we see the instance's own start and end times.
 */
function livenessUnconfirmed(p: Plan, i: Instance): DeploymentChange | null {
  if (p.status === 'running' || !promotable(p.status)) return null;
  if (i.startedAt === null || i.finishedAt === null) return null;
  const confirmMs = p.input.livenessConfirmMs ?? LIVENESS_CONFIRM_MS;
  const lived = i.finishedAt - i.startedAt;
  if (lived >= confirmMs) return null;
  return event('warning', p.voice.component, EVENT_REASON.livenessUnconfirmed,
    `${p.voice.Noun} ${shortId(i.id)} stopped running ${Math.max(0, Math.round(lived))}ms after it started (${exitText(i)}), before its ${confirmMs}ms liveness confirmation; not promoted to running`);
}

/** How often a drained parent looks again while its last instances finish stopping. */
export const DRAIN_POLL_MS = 200;

/**
 * The parent of a rolling update: its target is frozen at what it runs now (no create, even for a
 * crashed instance), and once the child is ready it drains its oldest instance, one per pass (an
 * instance already on its way out is not waited for: its stop grace overlaps the next drain);
 * once nothing of it runs, it hands over to the child.
 */
function planDrain(p: Plan, active: readonly Instance[], r: Extract<RolloutRole, { role: 'parent' }>): PlanResult {
  p.memory.healthySince = null;
  if (!r.childReady) return p.result();
  const draining = active.filter((i) => p.input.settled.has(i.id));
  const next = active.find((i) => !p.input.settled.has(i.id));
  if (next) {
    p.actions.push({ type: 'drainInstance', instanceId: next.id, childId: r.childId, remaining: active.length - draining.length - 1 });
    p.requeueAfter(0);
  } else if (active.length > 0) {
    p.requeueAfter(DRAIN_POLL_MS);
  } else {
    p.actions.push({ type: 'completeRollout', parentId: p.input.deployment.id, childId: r.childId, reason: 'parent_drained' });
    p.requeueAfter(0);
  }
  return p.result();
}

/**
 * RING §5.7 deadline: a worker held in `creating` by its readiness gate past created_at +
 * start_period + RING_ROLLOUT_DEADLINE fails. A rolling child fails its rollout instead; its
 * parent, never drained, keeps serving.
 */
function pastReadinessDeadline(p: Plan): boolean {
  const { deployment: d, ready, rolloutDeadlineMs, now } = p.input;
  if (ready !== false || rolloutDeadlineMs === undefined) return false;
  if ((p.status !== 'creating' && p.status !== 'pending') || !hasReadinessChecks(d)) return false;
  const at = readinessDeadline(d, rolloutDeadlineMs);
  if (now < at) {
    p.requeueAt(at);
    return false;
  }
  const secs = `${Math.round((rolloutDeadlineMs) / 1000)}s`;
  const cause: DeploymentChange = d.parent_id
    ? rolloutFailed(d.parent_id, `the new deployment's readiness checks were not green within the ${secs} rollout deadline`)
    : event('error', SCHEDULER, EVENT_REASON.readinessDeadlineExceeded,
      `Readiness checks were not green within the ${secs} rollout deadline; deployment failed`);
  p.setStatus('failed', d.parent_id ? STATUS_REASON.rollingUpdateFailed : STATUS_REASON.readinessDeadlineExceeded, { cause });
  // A failed child's instances are stopped by the next pass (planEnded): come straight back.
  if (d.parent_id) p.requeueAfter(0);
  return true;
}

/** Removal order for a scale-down: not-running instances go first. */
function rank(i: Instance): number {
  return i.state === 'running' ? 1 : 0;
}

function promotable(s: Status): boolean {
  return s === 'pending' || s === 'creating' || RETRIED_FAILURE_STATUSES.includes(s);
}

/**
 * The anti-flap window: the readiness gate's window (readiness.ts: the longest min_healthy_time,
 * each check defaulting to 10 s), never below 10 s. One rule for both.
 */
export function healthyWindowMs(d: Pick<Deployment, 'kind' | 'health_checks'>): number {
  return Math.max(HEALTHY_WINDOW_MS, gateWindowMs(d));
}

// ---- job -------------------------------------------------------------------------------------

/**
 * One instance, run to completion exactly once (RING §5.4): running → running; exit 0 (or a VM's
 * clean poweroff) → completed; any other exit → failed (no retry). The container stays until the
 * deployment is deleted. Only create failures, a vanished container and an instance that died
 * under the job without an exit code (a crashed VMM) are retried, within the budget.
 */
function planJob(input: PlanInput): PlanResult {
  const p = new Plan(input);
  const { component, Noun } = p.voice;
  const g = begin(p);
  if (!g) return p.result();

  if (g.active.length > 0) {
    if (p.status !== 'running') p.setStatus('running', STATUS_REASON.instancesUp, { containers: g.active.length });
    p.memory = { nextAttemptAt: 0, healthySince: null };
    return p.result();
  }

  const ended = g.ended.filter((i) => !input.settled.has(i.id));
  const last = ended[ended.length - 1];
  if (last && !diedUnder(last)) {
    if (last.cleanShutdown) {
      // A VM job ends by powering its guest off: there is no exit code, the clean end is the success.
      p.setStatus('completed', STATUS_REASON.jobCompleted, {
        cause: event('info', SCHEDULER, EVENT_REASON.jobCompleted, `${Noun} ${shortId(last.id)} shut down cleanly; job completed`),
      });
    } else if (last.exitCode === 0 && !last.oomKilled) {
      p.setStatus('completed', STATUS_REASON.containerCompleted, {
        cause: event('info', component, EVENT_REASON.containerCompleted, `${Noun} ${shortId(last.id)} exited with code 0; job completed`),
      });
    } else {
      p.setStatus('failed', STATUS_REASON.jobFailed, {
        cause: event('error', component, EVENT_REASON.jobFailed, `${Noun} ${shortId(last.id)} ${exitText(last)}; job failed`),
      });
    }
    return p.result();
  }

  // The job never got to finish: its instance died under it (a VMM that crashed leaves no exit
  // code, CLOUD-HYPERVISOR.md §1.11, B11), or a job that was running lost its container (removed
  // behind our back). Either is counted and the job runs again, until the budget is spent.
  let counted = false;
  if (last) {
    p.bump('container_crashed', (n) => event('error', component, EVENT_REASON.containerCrashed,
      `${Noun} ${shortId(last.id)} crashed before the job finished (restart ${n})`), last.id);
    p.remove(last, false, 'crashed');
    counted = true;
  } else if (p.status === 'running') {
    p.bump('container_lost', (n) => event('error', component, EVENT_REASON.containerLost, `Job ${p.voice.noun} disappeared before it finished (restart ${n})`));
    counted = true;
  }
  if (counted) {
    if (budgetSpent(p.count)) {
      p.setStatus(budgetSpentStatus('job'), STATUS_REASON.restartBudgetExhausted, {
        cause: event('error', SCHEDULER, EVENT_REASON.jobFailed, `Restart count reached ${p.count} (max ${MAX_RESTART_COUNT}); job failed`),
      });
      return p.result();
    }
    p.setStatus('creating', STATUS_REASON.containerLost);
    p.armBackoff();
  }
  if (p.inBackoff()) {
    p.requeueAt(p.memory.nextAttemptAt);
    return p.result();
  }
  if (p.status === 'pending') p.setStatus('creating', STATUS_REASON.instancesStarting);
  p.create('job_start', { from: 0, to: 1, replicas: 1 });
  return p.result();
}

/** Ended with neither an exit code nor a clean shutdown: the instance died under its workload (a crashed VMM). */
function diedUnder(i: Instance): boolean {
  return i.exitCode === null && !i.cleanShutdown && !i.oomKilled;
}
