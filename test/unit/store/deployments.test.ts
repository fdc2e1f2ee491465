// The deployment repository parses each spec once per row lifetime (specs never change after
// insert): reads must still reflect every column update, a purge must forget the row, and the
// shared spec must be read-only so no reader can change what the others see.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { applyDeploymentDefaults } from '../../../src/domain/validate-deployment.js';

function setup() {
  const s = createStore(openDatabase(':memory:'));
  s.namespaces.ensure('ns');
  const add = (name: string, status: 'creating' | 'running' = 'creating', namespace = 'ns') => {
    s.namespaces.ensure(namespace);
    return s.deployments.insert(applyDeploymentDefaults({ name, namespace, runtime: 'docker', image: 'busybox:1',
      labels: { app: name } } as never), { status });
  };
  return { s, add };
}

describe('deployment store', () => {
  test('column updates show in get and list; the spec stays the inserted one', () => {
    const { s, add } = setup();
    const d = add('web');
    assert.equal(s.deployments.get(d.id)!.status, 'creating');
    s.deployments.setStatus(d.id, 'running');
    s.deployments.setRestartCount(d.id, 2);
    s.deployments.setReplicas(d.id, 5);
    s.deployments.setImageDigest(d.id, 'sha256:1');
    const got = s.deployments.get(d.id)!;
    assert.deepEqual([got.status, got.restart_count, got.replicas, got.image_digest], ['running', 2, 5, 'sha256:1']);
    assert.deepEqual(got.labels, { app: 'web' });
    assert.deepEqual(s.deployments.list({ status: ['running'] }).map((x) => x.id), [d.id]);
    assert.deepEqual(s.deployments.list({ status: ['creating'] }), []);
  });

  test('filters and order: oldest first, by namespace, status and kind', () => {
    const { s, add } = setup();
    const a = add('a', 'running');
    const b = add('b', 'creating', 'other');
    const c = add('c', 'running');
    assert.deepEqual(s.deployments.list().map((x) => x.id), [a.id, b.id, c.id]);
    assert.deepEqual(s.deployments.list({ namespace: ['ns'] }).map((x) => x.id), [a.id, c.id]);
    assert.deepEqual(s.deployments.list({ namespace: ['other'], status: ['creating'] }).map((x) => x.id), [b.id]);
    assert.deepEqual(s.deployments.list({ kind: ['job'] }), []);
    assert.deepEqual(s.deployments.active('ns', 'c').map((x) => x.id), [c.id]);
  });

  test('a purged row is gone from get and list', () => {
    const { s, add } = setup();
    const d = add('web');
    s.deployments.get(d.id);
    s.deployments.purge(d.id);
    assert.equal(s.deployments.get(d.id), undefined);
    assert.deepEqual(s.deployments.list(), []);
  });

  test('the shared spec is read-only: writing to a nested member throws instead of leaking to other readers', () => {
    const { s, add } = setup();
    const d = add('web');
    const one = s.deployments.get(d.id)!;
    assert.throws(() => { (one.labels as Record<string, string>).app = 'changed'; }, TypeError);
    assert.equal(s.deployments.get(d.id)!.labels.app, 'web');
    // The top-level object is each caller's own.
    one.status = 'failed';
    assert.equal(s.deployments.get(d.id)!.status, 'creating');
  });

  test('migration 6 adds the read-path indexes', () => {
    const db = openDatabase(':memory:');
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]);
    for (const n of ['deployment_seq', 'deployment_namespace', 'health_check_created']) assert.ok(names.includes(n), n);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM deployment ORDER BY seq').all() as { detail: string }[];
    assert.ok(plan.some((p) => /deployment_seq/.test(p.detail)), JSON.stringify(plan));
  });
});
