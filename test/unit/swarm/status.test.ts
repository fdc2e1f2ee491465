// statusFromTasks: Swarm task states → ring's statuses, as a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusFromTasks, type ObservedTask } from '../../../src/swarm/status.js';

const t = (state: string, over: Partial<ObservedTask> = {}): ObservedTask => ({ id: Math.random().toString(36), deploymentId: 'd', state, desiredState: 'running', ...over });
const rep = (n: number, s: string, over: Partial<ObservedTask> = {}) => Array.from({ length: n }, () => t(s, over));

const cases: { name: string; kind?: 'worker' | 'job'; replicas?: number; tasks: ObservedTask[]; status: string; message?: RegExp }[] = [
  { name: 'all running', tasks: rep(2, 'running'), status: 'running' },
  { name: 'one starting (not yet healthy)', tasks: [t('running'), t('starting')], status: 'creating' },
  { name: 'tasks of another row do not count', tasks: rep(2, 'running', { deploymentId: 'other' }), status: 'creating' },
  { name: 'no such image', tasks: [t('rejected', { desiredState: 'shutdown', err: 'No such image: x:1' }), t('pending')], status: 'image_pull_back_off', message: /No such image/ },
  { name: 'no node with the resources', tasks: [t('pending', { err: 'no suitable node (insufficient resources on 1 node)' })], status: 'insufficient_resources' },
  {
    name: 'five failed tasks and none running: crash loop', tasks: rep(5, 'failed', { desiredState: 'shutdown', exitCode: 3, err: 'task: non-zero exit (3)' }),
    status: 'crash_loop_back_off', message: /last exit code 3/,
  },
  { name: 'four failed, one restarting: still creating', tasks: [...rep(4, 'failed', { desiredState: 'shutdown' }), t('starting')], status: 'creating' },
  { name: 'job complete', kind: 'job', replicas: 1, tasks: [t('complete', { desiredState: 'complete', exitCode: 0 })], status: 'completed' },
  { name: 'job failed names its exit code', kind: 'job', replicas: 1, tasks: [t('failed', { desiredState: 'complete', exitCode: 7 })], status: 'failed', message: /exit code 7/ },
  { name: 'job running', kind: 'job', replicas: 1, tasks: [t('running', { desiredState: 'complete' })], status: 'running' },
];

for (const c of cases) {
  test(`statusFromTasks: ${c.name}`, () => {
    const r = statusFromTasks({ deploymentId: 'd', kind: c.kind ?? 'worker', replicas: c.replicas ?? 2, tasks: c.tasks });
    assert.equal(r.status, c.status, r.message);
    if (c.message) assert.match(r.message, c.message);
  });
}
