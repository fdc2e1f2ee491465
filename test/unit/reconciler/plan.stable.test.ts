// PlanResult.stableUntil: for every clock value t in [now, stableUntil), plan() of the same input
// at t answers as it does at now (actions, memory, and a requeue due at the same instant). The
// executor skips planning a deployment on that promise (Executor.reconcileNow), so a stableUntil
// computed too late would leave a timer (backoff, liveness confirmation, healthy window, grace,
// readiness deadline) unnoticed. The table pins each clock use to its exact instant (the answer
// changes at stableUntil, not before and not after); the property test checks the promise over
// random inputs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment, HealthCheckSpec } from '../../../src/domain/deployment.js';
import type { Status } from '../../../src/domain/status.js';
import type { Instance } from '../../../src/runtime/runtime.js';
import { HEALTHY_WINDOW_MS, LIVENESS_CONFIRM_MS, NEVER_STARTED_GRACE_MS, backoffMs, plan, type PlanInput, type PlanResult } from '../../../src/reconciler/plan.js';
import { NOW, created, exited, input, job, running, summary, worker } from './builders.js';

/** What must not change over [now, stableUntil): the actions, the memory, and the instant a requeue is due. */
function answer(r: PlanResult, at: number): unknown {
  return { actions: r.actions, memory: r.memory, requeueDueAt: r.requeueAfterMs === undefined ? null : at + r.requeueAfterMs };
}

function at(i: PlanInput, t: number): PlanResult {
  return plan({ ...i, now: t });
}

const readinessCheck: HealthCheckSpec = { type: 'http', port: 80, url: '/', interval: '1s', timeout: '1s', readiness: true };

interface Case { name: string; input: PlanInput; stableUntil: number | 'now'; changesTo?: string[] }

const cases: Case[] = [
  { name: 'running, nothing counted, healthy since a while: holds forever',
    input: input(worker(), [running('i1')], { memory: { nextAttemptAt: 0, healthySince: NOW - 5000 } }), stableUntil: Infinity },
  { name: 'running with a count: until the healthy window ends, then the reset',
    input: input(worker({ restart_count: 2 }), [running('i1')], { memory: { nextAttemptAt: 0, healthySince: NOW - 3000 } }),
    stableUntil: NOW - 3000 + HEALTHY_WINDOW_MS, changesTo: ['count 2→0'] },
  { name: 'running, up as of this pass: the memory is stamped with the clock',
    input: input(worker(), [running('i1')]), stableUntil: 'now' },
  { name: 'creating, the one replica started 100 ms ago: until its liveness confirmation, then running',
    input: input(worker({ status: 'creating' }), [running('i1', { startedAgo: 100 })], { memory: { nextAttemptAt: 0, healthySince: NOW - 100 } }),
    stableUntil: NOW - 100 + LIVENESS_CONFIRM_MS, changesTo: ['status creating→running'] },
  { name: 'creating, confirmed, gate shut, up as of this pass: the memory is stamped with the clock',
    input: input(worker({ status: 'creating' }), [running('i1')], { ready: false }), stableUntil: 'now' },
  { name: 'creating in backoff, no instance: until the backoff ends, then the create',
    input: input(worker({ status: 'creating', restart_count: 3 }), [], { memory: { nextAttemptAt: NOW + 4000, healthySince: null } }),
    stableUntil: NOW + 4000, changesTo: ['create'] },
  { name: 'an instance in `created` inside its grace: until the grace ends, then its removal',
    input: input(worker(), [created('i1', { createdAgo: 2000 })], { memory: { nextAttemptAt: 0, healthySince: NOW - 1 } }),
    stableUntil: NOW - 2000 + NEVER_STARTED_GRACE_MS, changesTo: ['remove i1 (intentional)'] },
  { name: 'gated by readiness, inside the rollout deadline: until the deadline, then failed',
    input: input(worker({ status: 'creating', health_checks: [readinessCheck], created_at: new Date(NOW - 1000).toISOString() }), [running('i1')],
      { ready: false, rolloutDeadlineMs: 60_000, memory: { nextAttemptAt: 0, healthySince: NOW - 1000 } }),
    stableUntil: NOW - 1000 + 60_000, changesTo: ['status creating→failed'] },
  { name: 'a job in backoff: until the backoff ends, then the create',
    input: input(job({ restart_count: 2 }), [], { memory: { nextAttemptAt: NOW + backoffMs(2), healthySince: null } }),
    stableUntil: NOW + backoffMs(2), changesTo: ['create'] },
  { name: 'a running job: holds forever',
    input: input(job({ status: 'running' }), [running('i1')]), stableUntil: Infinity },
  { name: 'a drained parent waiting for its last instance to stop: a requeue counted from now',
    input: input(worker(), [running('i1')], { settled: new Set(['i1']), rollout: { role: 'parent', childId: 'c1', childReady: true } }),
    stableUntil: 'now' },
  { name: 'a completed worker: holds forever',
    input: input(worker({ status: 'completed' as Status }), []), stableUntil: Infinity },
  { name: 'two timers (grace and backoff): the earlier one',
    input: input(worker({ status: 'creating', restart_count: 3, replicas: 2 }), [created('i1', { createdAgo: 9000 })],
      { memory: { nextAttemptAt: NOW + 4000, healthySince: null } }),
    stableUntil: NOW + 1000, changesTo: ['remove i1 (intentional)'] },
];

describe('plan() stableUntil: the table', () => {
  for (const c of cases) {
    test(c.name, () => {
      const r0 = plan(c.input);
      const until = c.stableUntil === 'now' ? NOW : c.stableUntil;
      if (c.stableUntil === 'now') assert.ok(r0.stableUntil <= NOW, `no promise past now (got ${r0.stableUntil - NOW} ms)`);
      else assert.equal(r0.stableUntil, until, `stableUntil ${r0.stableUntil - NOW} ms from now, want ${until - NOW}`);
      if (until === NOW) return;
      // The same answer everywhere before it…
      const span = Number.isFinite(until) ? until - NOW : 10 * 60_000;
      for (const t of [NOW, NOW + 1, NOW + Math.floor(span / 2), NOW + span - 1]) assert.deepEqual(answer(at(c.input, t), t), answer(r0, NOW), `at now+${t - NOW}`);
      // …and another one at it: a later stableUntil would have hidden this change.
      if (Number.isFinite(until)) {
        const r1 = at(c.input, until);
        assert.notDeepEqual(answer(r1, until), answer(r0, NOW), 'the answer changes at stableUntil');
        if (c.changesTo) assert.deepEqual(summary(r1).filter((s) => c.changesTo!.includes(s)), c.changesTo);
      }
    });
  }
});

// ---- property ---------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32), so a failure names its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInput(r: () => number): PlanInput {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const kind = r() < 0.75 ? 'worker' : 'job';
  const status = pick<Status>(['pending', 'creating', 'running', 'running', 'error', 'image_pull_back_off', 'create_container_error', 'failed', 'completed', 'deleted']);
  const checks: HealthCheckSpec[] = r() < 0.3 ? [readinessCheck] : [];
  const d: Deployment = (kind === 'worker' ? worker : job)({
    status, replicas: int(0, 3), restart_count: pick([0, 0, 1, 2, 3, 4, 5]), health_checks: checks,
    created_at: new Date(NOW - int(0, 120_000)).toISOString(), parent_id: r() < 0.1 ? 'p1' : null,
  });
  const instances: Instance[] = [];
  for (let k = int(0, 3); k > 0; k--) {
    const id = `i${k}`;
    const s = pick(['running', 'running', 'created', 'exited', 'removing']);
    const startedAgo = pick([10, 300, 749, 800, 5000, 60_000]);
    if (s === 'running') instances.push(running(id, { startedAgo }));
    else if (s === 'created') instances.push(created(id, { createdAgo: pick([0, 500, 9999, 10_000, 20_000]) }));
    else if (s === 'exited') instances.push(exited(id, pick([0, 1, 137, 127, null]), { startedAgo, finishedAgo: pick([1, 100, 2000]) }));
    else instances.push({ ...running(id, { startedAgo }), state: 'removing' });
  }
  const settled = new Set(instances.filter(() => r() < 0.2).map((i) => i.id));
  const memory = {
    nextAttemptAt: pick([0, 0, NOW - 100, NOW + 1, NOW + 1000, NOW + 30_000]),
    healthySince: pick([null, null, NOW, NOW - 1, NOW - 5000, NOW - 9999, NOW - 60_000]),
  };
  const rollout = r() < 0.15
    ? pick([{ role: 'parent' as const, childId: 'c1', childReady: r() < 0.5 }, { role: 'child' as const, parentId: 'p1', parentActive: r() < 0.5 }])
    : undefined;
  return {
    deployment: d, instances, now: NOW, settled, memory,
    ...(r() < 0.5 ? { livenessConfirmMs: pick([0, 750, 2000]) } : {}),
    ...(kind === 'worker' && r() < 0.6 ? { ready: r() < 0.7 } : {}),
    ...(r() < 0.5 ? { rolloutDeadlineMs: pick([1000, 60_000, 300_000]) } : {}),
    ...(rollout ? { rollout } : {}),
  };
}

describe('plan() stableUntil: the property', () => {
  test('over 20,000 random inputs, plan(t) answers as plan(now) for t in [now, stableUntil)', () => {
    let promised = 0;
    let timed = 0;
    for (let seed = 1; seed <= 20_000; seed++) {
      const r = rng(seed);
      const i = randomInput(r);
      const r0 = plan(i);
      if (r0.stableUntil <= NOW) continue;
      promised++;
      const end = Number.isFinite(r0.stableUntil) ? r0.stableUntil : NOW + 10 * 60_000;
      if (Number.isFinite(r0.stableUntil)) timed++;
      // Every instant a clock comparison of these inputs can flip at is a whole ms within 2 min of now:
      // the last ms of the span, a few random ones and the first.
      const ts = [NOW + 1, end - 1, ...Array.from({ length: 6 }, () => NOW + Math.floor(r() * (end - NOW)))];
      for (const t of ts.filter((x) => x < end)) {
        assert.deepEqual(answer(at(i, t), t), answer(r0, NOW), `seed ${seed}: at now+${t - NOW} (stableUntil now+${r0.stableUntil - NOW}): ${JSON.stringify(i)}`);
      }
    }
    // The generator reaches the cases that matter: promises, and promises with an end.
    assert.ok(promised > 2000, `promised ${promised}`);
    assert.ok(timed > 500, `timed ${timed}`);
  });
});
