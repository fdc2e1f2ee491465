// The health_check table: newest first, `latest` = the newest result of each declared check, and
// the seeds' retention (50 per deployment, 7 days).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { RETENTION_MS, RETENTION_PER_DEPLOYMENT } from '../../../src/store/health-checks.js';

function store() {
  return createStore(openDatabase(':memory:'));
}

function add(s: ReturnType<typeof store>, deployment: string, index: number, status: 'success' | 'failed' = 'success', instance = 'i1') {
  const t = new Date().toISOString();
  return s.healthChecks.insert({ deployment_id: deployment, instance_id: instance, check_index: index, check_type: index ? 'http' : 'tcp',
    status, message: `${status} #${index}`, started_at: t, finished_at: t });
}

describe('health-check store', () => {
  test('newest first; latest keeps the newest result of each declared check, whichever instance ran it', () => {
    const s = store();
    add(s, 'd1', 0, 'failed', 'i1');
    add(s, 'd1', 1, 'success', 'i1');
    const newest0 = add(s, 'd1', 0, 'success', 'i2');
    const newest1 = add(s, 'd1', 1, 'failed', 'i2');
    add(s, 'd2', 0);
    const all = s.healthChecks.list('d1', { limit: 10 });
    assert.equal(all.length, 4);
    assert.equal(all[0]!.id, newest1.id);
    assert.deepEqual(s.healthChecks.list('d1', { limit: 10, latest: true }).map((r) => r.id), [newest1.id, newest0.id]);
    assert.equal(s.healthChecks.list('d1', { limit: 1 }).length, 1);
  });

  test('newest first by start time: a slow check that started earlier but finished later sorts below the quick one', () => {
    const s = store();
    const row = (index: number, started: string, finished: string) => s.healthChecks.insert({ deployment_id: 'd', instance_id: 'i',
      check_index: index, check_type: index ? 'http' : 'tcp', status: 'success', message: '', started_at: started, finished_at: finished });
    const quick = row(0, '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.001Z');
    const slow = row(1, '2026-01-01T00:00:00.900Z', '2026-01-01T00:00:01.500Z'); // recorded last, started first
    assert.deepEqual(s.healthChecks.list('d', { limit: 10 }).map((r) => r.id), [quick.id, slow.id]);
    assert.deepEqual(s.healthChecks.list('d', { limit: 10, latest: true }).map((r) => r.id), [quick.id, slow.id]);
  });

  test('retention: at most 50 per deployment, nothing older than 7 days', () => {
    const s = store();
    for (let k = 0; k < RETENTION_PER_DEPLOYMENT + 20; k++) add(s, 'busy', k % 2);
    for (let k = 0; k < 5; k++) add(s, 'quiet', 0);
    s.healthChecks.prune();
    assert.equal(s.healthChecks.list('busy', { limit: 1000 }).length, RETENTION_PER_DEPLOYMENT);
    assert.equal(s.healthChecks.list('quiet', { limit: 1000 }).length, 5);
    s.healthChecks.prune(Date.now() + RETENTION_MS + 1000);
    assert.equal(s.healthChecks.list('busy', { limit: 1000 }).length, 0);
  });
});
