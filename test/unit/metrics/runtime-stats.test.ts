// The stats refresher costs Docker calls per running instance, so it runs only while its snapshot
// is read: nothing while nobody scrapes, a refresh as soon as a scrape finds the snapshot old, and
// it stops again once reads stop for the demand window.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RuntimeStatsCache } from '../../../src/metrics/runtime-stats.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import { applyDeploymentDefaults } from '../../../src/domain/validate-deployment.js';
import type { Instance, InstanceStats, Runtime } from '../../../src/runtime/runtime.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(opts: { intervalMs: number; demandWindowMs: number }) {
  const store = createStore(openDatabase(':memory:'));
  store.namespaces.ensure('ns');
  const d = store.deployments.insert(applyDeploymentDefaults({ name: 'web', namespace: 'ns', runtime: 'docker', image: 'busybox:1' } as never), { status: 'running' });
  let statsCalls = 0;
  const stats: InstanceStats = {
    cpuPercent: 1, memory: { usageBytes: 10, limitBytes: 100 }, network: { rxBytes: 1, txBytes: 2 },
    diskIo: { readBytes: 0, writeBytes: 0 }, pids: { current: 1 },
  } as InstanceStats;
  const runtime = { name: 'docker', stats: async () => { statsCalls++; return stats; } } as unknown as Runtime;
  const instance = { id: 'i1', deploymentId: d.id, state: 'running' } as Instance;
  const cache = new RuntimeStatsCache({ store, runtimes: new Map([['docker', runtime]]), instancesOf: async () => [instance], ...opts });
  return { cache, calls: () => statsCalls };
}

describe('runtime stats refresher', () => {
  test('no reads, no refreshes: an unscraped server makes no stats calls', async () => {
    const { cache, calls } = setup({ intervalMs: 20, demandWindowMs: 1000 });
    cache.start();
    await sleep(150);
    assert.equal(calls(), 0);
    assert.equal(cache.refreshes, 0);
    await cache.stop();
  });

  test('a read of an old snapshot refreshes at once; reads keep it refreshing; it stops after the demand window', async () => {
    const { cache, calls } = setup({ intervalMs: 20, demandWindowMs: 120 });
    cache.start();
    assert.equal(cache.snapshot().deployments.length, 0); // never refreshed yet: empty, and a refresh starts
    assert.equal(cache.refreshes, 1);
    await cache.refresh();
    const snap = cache.snapshot();
    assert.equal(snap.deployments.length, 1);
    assert.equal(snap.deployments[0]!.memory_usage_bytes, 10);
    await sleep(100);
    assert.ok(cache.refreshes >= 2, `the timer refreshes while in demand (${cache.refreshes})`);
    await sleep(150); // past the demand window
    const settled = cache.refreshes;
    const settledCalls = calls();
    await sleep(150);
    assert.equal(cache.refreshes, settled, 'no refresh once nobody reads');
    assert.equal(calls(), settledCalls);
    await cache.stop();
  });
});
