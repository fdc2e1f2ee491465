// GET /deployments answers from a cache only while nothing it shows has changed: the rows (any
// write through the store, or another connection's commit) and each row's running instances.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { listDeploymentsBody, VERSION_MAX_AGE_MS, type ListRequest } from '../../../src/api/deployment-list.js';
import { dataVersionOf } from '../../../src/store/data-version.js';
import { applyDeploymentDefaults } from '../../../src/domain/validate-deployment.js';
import { createStore, openDatabase, type Store } from '../../../src/store/index.js';
import type { Instance } from '../../../src/runtime/runtime.js';

function setup(path = ':memory:') {
  const store = createStore(openDatabase(path));
  store.namespaces.ensure('ns-a');
  store.namespaces.ensure('ns-b');
  const add = (name: string, namespace = 'ns-a') =>
    store.deployments.insert(applyDeploymentDefaults({ name, namespace, runtime: 'docker', image: 'busybox:1' } as never), { status: 'running' });
  const instances = new Map<string, Instance[]>();
  let listed = 0;
  const req = (over: Partial<ListRequest> = {}): ListRequest => ({
    store, filter: {}, keep: () => true, keepKey: '', instancesOf: async (id) => { listed++; return instances.get(id) ?? []; }, ...over,
  });
  return { store, add, instances, req, listed: () => listed };
}

const parse = (b: Buffer) => JSON.parse(b.toString()) as { id: string; status: string; replicas: number; instances: { id: string }[] }[];
const running = (id: string, address = '10.0.0.2'): Instance => ({ id, deploymentId: 'x', state: 'running', address } as unknown as Instance);

describe('GET /deployments cache', () => {
  test('the same answer while nothing changed; a status change, a new row or a purge shows at once', async () => {
    const { store, add, req } = setup();
    const a = add('one');
    const first = await listDeploymentsBody(req());
    assert.equal(await listDeploymentsBody(req()), first, 'served from the cache');
    store.deployments.setStatus(a.id, 'failed');
    assert.equal(parse(await listDeploymentsBody(req()))[0]!.status, 'failed');
    const b = add('two');
    assert.deepEqual(parse(await listDeploymentsBody(req())).map((v) => v.id), [a.id, b.id]);
    store.deployments.purge(a.id);
    assert.deepEqual(parse(await listDeploymentsBody(req())).map((v) => v.id), [b.id]);
  });

  test('instances are part of the answer: a new, gone or moved instance shows; a new equal list does not re-render', async () => {
    const { add, req, instances } = setup();
    const a = add('one');
    instances.set(a.id, [running('c1')]);
    const first = await listDeploymentsBody(req());
    assert.deepEqual(parse(first)[0]!.instances, [{ id: 'c1', address: '10.0.0.2' }]);
    instances.set(a.id, [running('c1')]); // a fresh array, same content (the instance cache re-primed)
    assert.equal(await listDeploymentsBody(req()), first);
    instances.set(a.id, [running('c1'), running('c2', '10.0.0.3')]);
    assert.equal(parse(await listDeploymentsBody(req()))[0]!.instances.length, 2);
    instances.set(a.id, [running('c1', '10.0.0.9')]);
    assert.deepEqual(parse(await listDeploymentsBody(req()))[0]!.instances, [{ id: 'c1', address: '10.0.0.9' }]);
    instances.set(a.id, [{ ...running('c1', '10.0.0.9'), state: 'exited' } as Instance]);
    assert.deepEqual(parse(await listDeploymentsBody(req()))[0]!.instances, []);
  });

  for (const mode of ['sync', 'async'] as const) {
    test(`through instancesLookup (${mode === 'sync' ? 'the lookup itself' : 'a promise of it'}): a new equal list is adopted without a re-render, a change shows`, async () => {
      const { add, req, instances, listed } = setup();
      const a = add('one');
      const b = add('two');
      instances.set(a.id, [running('c1')]);
      let lookups = 0;
      const lookup = (id: string) => instances.get(id) ?? [];
      const viaLookup = () => req({ instancesLookup: () => { lookups++; return mode === 'sync' ? lookup : Promise.resolve(lookup); } });
      const first = await listDeploymentsBody(viaLookup());
      assert.deepEqual(parse(first).map((v) => v.instances.length), [1, 0]);
      assert.equal(await listDeploymentsBody(viaLookup()), first, 'served from the cache');
      instances.set(a.id, [running('c1')]); // a fresh array, same content
      assert.equal(await listDeploymentsBody(viaLookup()), first, 'an equal list is no change');
      assert.equal(await listDeploymentsBody(viaLookup()), first);
      instances.set(b.id, [running('c9', '10.0.0.9')]);
      const changed = parse(await listDeploymentsBody(viaLookup()));
      assert.deepEqual(changed.map((v) => v.instances), [[{ id: 'c1', address: '10.0.0.2' }], [{ id: 'c9', address: '10.0.0.9' }]]);
      instances.set(a.id, [running('c1', '10.0.0.7')]); // the first row moves after the second was adopted
      assert.deepEqual(parse(await listDeploymentsBody(viaLookup()))[0]!.instances, [{ id: 'c1', address: '10.0.0.7' }]);
      assert.equal(lookups, 6, 'one lookup a request');
      assert.equal(listed(), 0, 'instancesOf is not asked when a lookup is given');
    });
  }

  test('filters and visibility are separate entries', async () => {
    const { add, req } = setup();
    add('one', 'ns-a');
    add('two', 'ns-b');
    const all = parse(await listDeploymentsBody(req()));
    const onlyA = parse(await listDeploymentsBody(req({ keep: (d) => d.namespace === 'ns-a', keepKey: 'ns-a' })));
    const filtered = parse(await listDeploymentsBody(req({ filter: { namespace: ['ns-b'] } })));
    assert.equal(all.length, 2);
    assert.equal(onlyA.length, 1);
    assert.equal(filtered.length, 1);
    assert.equal(parse(await listDeploymentsBody(req())).length, 2);
  });

  test('a commit by another connection to the same file shows within VERSION_MAX_AGE_MS, or at the next data_version read', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ring-list-')), 'ring.db');
    const { store, add, req } = setup(path);
    const a = add('one');
    await listDeploymentsBody(req());
    const other: Store = createStore(openDatabase(path));
    other.deployments.setReplicas(a.id, 7);
    await new Promise((r) => setTimeout(r, VERSION_MAX_AGE_MS + 20));
    assert.equal(parse(await listDeploymentsBody(req()))[0]!.replicas, 7, 'seen once the bound passed');
    other.deployments.setReplicas(a.id, 8);
    dataVersionOf(store.db).read(); // what each request's token check does
    assert.equal(parse(await listDeploymentsBody(req()))[0]!.replicas, 8, 'seen at once after a fresh read');
  });

  test('data_version: recent() reuses a read younger than its bound, read() always asks SQLite', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ring-dv-')), 'ring.db');
    const { store, add } = setup(path);
    add('one');
    const dv = dataVersionOf(store.db);
    const before = dv.read();
    createStore(openDatabase(path)).namespaces.ensure('from-elsewhere');
    assert.equal(dv.recent(60_000), before, 'a young read is reused: no SQLite call');
    assert.notEqual(dv.recent(0), before, 'a bound of 0 reads again and sees the other commit');
    assert.equal(dv.read(), dv.recent(60_000));
  });
});
