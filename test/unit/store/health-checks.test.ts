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
