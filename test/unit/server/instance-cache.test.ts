// InstanceCache.prime(): the reconciler gives the same array again when no instance changed; the
// cache keeps its grouped view then (only its freshness moves), and regroups for any other array.
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
