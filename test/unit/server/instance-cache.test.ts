// InstanceCache.prime(): the reconciler gives the same array again when no instance changed; the
// cache keeps its grouped view then (only its freshness moves), and regroups for any other array.
// lookup() (GET /deployments) comes without a promise while the view is fresh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstanceCache } from '../../../src/server/instance-cache.js';
import type { Instance, Runtime } from '../../../src/runtime/runtime.js';

const inst = (id: string, deploymentId: string): Instance => ({
  id, name: id, deploymentId, state: 'running', exitCode: null, oomKilled: false, createdAt: 0, startedAt: 0, finishedAt: null, address: null,
});

test('the same array: the same view, kept fresh; another array: regrouped', async () => {
  let lists = 0;
  const rt = { list: async () => { lists++; return []; } } as unknown as Runtime;
  const cache = new InstanceCache(new Map([['docker', rt]]), 1000);
  const all = [inst('a', 'd1'), inst('b', 'd1'), inst('c', 'd2')];
  cache.prime(all);
  const v1 = await cache.of('d1');
  assert.deepEqual(v1.map((i) => i.id), ['a', 'b']);
  cache.invalidate();
  cache.prime(all);
  assert.equal(await cache.of('d1'), v1, 'the same view');
  assert.equal(lists, 0, 'and fresh again: no list of its own');
  const next = [inst('a', 'd1'), inst('c', 'd2'), inst('e', 'd2')];
  cache.prime(next);
  assert.deepEqual((await cache.of('d1')).map((i) => i.id), ['a']);
  assert.deepEqual((await cache.of('d2')).map((i) => i.id), ['c', 'e']);
});

function runtime(list: () => Instance[]) {
  let calls = 0;
  const r = { list: async () => { calls++; return list(); } } as unknown as Runtime;
  return { runtimes: new Map([['docker', r]]), calls: () => calls };
}


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
