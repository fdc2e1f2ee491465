// The instance cache behind GET /deployments: one runtime list() per maxAge for every reader; the
// list endpoint's lookup comes without a promise while the view is fresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstanceCache } from '../../../src/server/instance-cache.js';
import type { Instance, Runtime } from '../../../src/runtime/runtime.js';

function runtime(list: () => Instance[]) {
  let calls = 0;
  const r = { list: async () => { calls++; return list(); } } as unknown as Runtime;
  return { runtimes: new Map([['docker', r]]), calls: () => calls };
}

const inst = (id: string, deploymentId: string) => ({ id, deploymentId, state: 'running', address: '10.0.0.2' } as unknown as Instance);

test('lookup(): a promise while stale (after a refresh), the lookup itself while fresh, the same function until the view changes', async () => {
  let current = [inst('c1', 'd1')];
  const { runtimes, calls } = runtime(() => current);
  const cache = new InstanceCache(runtimes, 60_000);
  const stale = cache.lookup();
  assert.ok(stale instanceof Promise, 'never listed: stale');
  const first = await stale;
  assert.equal(calls(), 1);
  assert.deepEqual(first('d1').map((i) => i.id), ['c1']);
  assert.deepEqual(first('other'), []);
  const fresh = cache.lookup();
  assert.equal(typeof fresh, 'function', 'fresh: no promise');
  assert.equal(fresh, first, 'one closure per view');
  assert.equal(calls(), 1);
  current = [inst('c2', 'd1')];
  cache.prime(current);
  const primed = cache.lookup();
  assert.equal(typeof primed, 'function');
  assert.notEqual(primed, first, 'a new view, a new lookup');
  assert.deepEqual((primed as (id: string) => readonly Instance[])('d1').map((i) => i.id), ['c2']);
  assert.deepEqual(first('d1').map((i) => i.id), ['c1'], 'an old lookup keeps its own view');
  cache.invalidate();
  const again = cache.lookup();
  assert.ok(again instanceof Promise, 'invalidated: stale again');
  await again;
  assert.equal(calls(), 2);
});

test('of() and lookup() share one refresh', async () => {
  const { runtimes, calls } = runtime(() => [inst('c1', 'd1')]);
  const cache = new InstanceCache(runtimes, 60_000);
  const [a, b] = await Promise.all([cache.of('d1'), cache.lookup()]);
  assert.equal(calls(), 1);
  assert.deepEqual(a.map((i) => i.id), ['c1']);
  assert.deepEqual(b('d1').map((i) => i.id), ['c1']);
});
