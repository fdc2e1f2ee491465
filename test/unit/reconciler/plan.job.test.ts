import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plan, type PlanInput } from '../../../src/reconciler/plan.js';
import { NOW, created, events, exited, input, job, running, summary } from './builders.js';

interface Case { name: string; input: PlanInput; expect: string[] }

const cases: Case[] = [
  { name: 'a new job creates exactly one instance',
    input: input(job({ status: 'creating' })), expect: ['create'] },
  { name: 'a job ignores replicas',
    input: input(job({ status: 'creating', replicas: 3 })), expect: ['create'] },
  { name: 'a legacy pending job moves to creating first',
    input: input(job({ status: 'pending' })), expect: ['status pending→creating', 'create'] },
  { name: 'a job whose container runs is running (no liveness wait for jobs)',
    input: input(job({ status: 'creating' }), [running('j1', { startedAgo: 10 })]), expect: ['status creating→running'] },
  { name: 'a running job whose container still runs does nothing',
    input: input(job({ status: 'running' }), [running('j1')]), expect: [] },
  { name: 'exit 0 completes the job and keeps its container',
    input: input(job({ status: 'running' }), [exited('j1', 0)]), expect: ['status running→completed'] },
  { name: 'a job that exits 0 before any pass saw it running completes from creating',
    input: input(job({ status: 'creating' }), [exited('j1', 0)]), expect: ['status creating→completed'] },
  { name: 'a non-zero exit fails the job without a retry',
    input: input(job({ status: 'running' }), [exited('j1', 3)]), expect: ['status running→failed'] },
  { name: 'an OOM kill fails the job',
    input: input(job({ status: 'running' }), [exited('j1', 137, { oom: true })]), expect: ['status running→failed'] },
  { name: 'exit 127 fails a job like any non-zero exit',
    input: input(job({ status: 'running' }), [exited('j1', 127)]), expect: ['status running→failed'] },
  { name: 'a completed job is never run again, even with its container gone',
    input: input(job({ status: 'completed' })), expect: [] },
  { name: 'a failed job is never retried',
    input: input(job({ status: 'failed' }), [exited('j1', 3)]), expect: [] },
  { name: 'a job whose create failed re-attempts once the backoff allows',
    input: input(job({ status: 'image_pull_back_off', restart_count: 1 })), expect: ['create'] },
  { name: 'a job whose create failed waits while backing off',
    input: input(job({ status: 'error', restart_count: 2 }), [], { memory: { nextAttemptAt: NOW + 1000, healthySince: null } }), expect: [] },
  { name: 'a job at the restart budget fails',
    input: input(job({ status: 'image_pull_back_off', restart_count: 5 })), expect: ['status image_pull_back_off→failed'] },
  { name: 'a running job whose container vanished counts it and starts again',
    input: input(job({ status: 'running' })), expect: ['count 0→1', 'status running→creating', 'create'] },
  { name: 'a running job that loses its container a fifth time fails',
    input: input(job({ status: 'running', restart_count: 4 })), expect: ['count 4→5', 'status running→failed'] },
  { name: 'a never-started job container is removed and the job created again',
    input: input(job({ status: 'creating' }), [created('c1')]), expect: ['remove c1 (intentional)', 'create'] },
  { name: 'with several ended containers the newest decides',
    input: input(job({ status: 'running' }), [exited('old', 3, { finishedAgo: 5000 }), exited('new', 0, { finishedAgo: 10 })]),
    expect: ['status running→completed'] },
];

describe('plan: jobs', () => {
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(summary(plan(c.input)), c.expect));
  }

  test('a completed job records container_completed then the transition', () => {
    const r = plan(input(job({ status: 'running' }), [exited('abcdef0123456789', 0)]));
    assert.deepEqual(events(r), [
      'container_completed: Container abcdef012345 exited with code 0; job completed',
      'state_transition: Status changed from running to completed',
    ]);
  });

  test('a failed job says how its container ended', () => {
    const r = plan(input(job({ status: 'running' }), [exited('j1', 3)]));
    assert.equal(events(r)[0], 'job_failed: Container j1 exited with code 3; job failed');
  });
});
